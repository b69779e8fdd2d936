import { describe, expect, it } from "vitest";
import { lockFilter } from "../../../../shared/policy/filters/lock.ts";
import type { LockFact } from "../../../../shared/policy/types.ts";
import { check, condition, context, resource, SUBSCRIPTION } from "../support.ts";

const SUB = `/subscriptions/${SUBSCRIPTION}`;
const GROUP = `${SUB}/resourceGroups/rg-odoo-prod`;
const NO_LOCK = "{ lock: CanNotDelete, present: false }";

describe("lock filter", () => {
  const server = resource({ kind: "postgresql-server", name: "psql-analytics", resourceGroup: "rg-odoo-prod" });
  const withLocks = (locks: LockFact[]) => context({ resources: [server], facts: { locks } });

  it("1. matches a resource no lock protects, naming where it looked", () => {
    expect(check(lockFilter, NO_LOCK, server, withLocks([]))).toEqual({
      outcome: "match",
      reason: "no CanNotDelete lock on the resource, its group or the subscription",
    });
  });

  it("2. matches when the only locks are on other resources and groups, whose ids merely start alike", () => {
    const locks: LockFact[] = [
      { name: "lock-other-group", level: "CanNotDelete", scope: `${SUB}/resourceGroups/rg-odoo-prod-dr` },
      { name: "lock-other-server", level: "CanNotDelete", scope: `${server.id}-replica` },
    ];
    expect(check(lockFilter, NO_LOCK, server, withLocks(locks)).outcome).toBe("match");
  });

  it("3. matches a ReadOnly ask when only a CanNotDelete lock applies, and says so", () => {
    const locks: LockFact[] = [{ name: "lock-psql", level: "CanNotDelete", scope: server.id }];
    expect(check(lockFilter, "{ lock: ReadOnly, present: false }", server, withLocks(locks))).toEqual({
      outcome: "match",
      reason: "no ReadOnly lock on the resource, its group or the subscription (only CanNotDelete lock lock-psql on the resource)",
    });
  });

  it("compliant: a CanNotDelete lock on the resource, its group or the subscription protects it, the ids compared whatever their case", () => {
    const on = (scope: string) => withLocks([{ name: "lock-x", level: "CanNotDelete", scope }]);
    expect(check(lockFilter, NO_LOCK, server, on(server.id.toUpperCase()))).toEqual({
      outcome: "no-match",
      reason: "CanNotDelete lock lock-x on the resource",
    });
    expect(check(lockFilter, NO_LOCK, server, on(GROUP.replace("resourceGroups", "resourcegroups"))).reason).toBe(
      "CanNotDelete lock lock-x on its group",
    );
    expect(check(lockFilter, NO_LOCK, server, on(SUB)).reason).toBe("CanNotDelete lock lock-x on the subscription");
  });

  it("compliant: a ReadOnly lock protects against deletion too", () => {
    const locks: LockFact[] = [{ name: "lock-ro", level: "ReadOnly", scope: GROUP }];
    expect(check(lockFilter, NO_LOCK, server, withLocks(locks))).toEqual({
      outcome: "no-match",
      reason: "ReadOnly lock lock-ro on its group (it refuses deletes too)",
    });
    expect(check(lockFilter, "{ lock: CanNotDelete, present: true }", server, withLocks(locks)).outcome).toBe("match");
  });

  it("is unknown, never unlocked, when the locks were not gathered", () => {
    expect(check(lockFilter, NO_LOCK, server)).toEqual({ outcome: "unknown", reason: "the subscription's locks were not gathered" });
  });

  it("asks inventory for the locks list, and needs present", () => {
    expect(lockFilter.facts?.(condition(lockFilter, NO_LOCK), "any")).toEqual([{ type: "locks" }]);
    expect(() => condition(lockFilter, "{ lock: CanNotDelete }")).toThrow("schema:");
    expect(() => condition(lockFilter, "{ lock: DoNotDelete, present: false }")).toThrow("schema:");
  });
});
