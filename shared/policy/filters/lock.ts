/**
 * `lock`: whether a management lock protects the resource, from the resource itself, a parent
 * resource, its resource group or the subscription (locks are inherited downwards).
 *
 * ```yaml
 * - lock: CanNotDelete
 *   present: false        # no lock keeps it from being deleted
 * ```
 *
 * `CanNotDelete` asks whether the resource is protected against deletion, and a `ReadOnly` lock
 * protects it too: Azure refuses a delete under either (a ReadOnly lock refuses every write as
 * well). `ReadOnly` asks for a ReadOnly lock only. The facts are one list of the subscription's
 * locks (at the subscription scope it returns the locks of every group and resource too). Without
 * them the outcome is `unknown`: a gap in our data is not a missing lock.
 */
import { idKey, resourceNameOf } from "../../azure/resourceId.ts";
import type { FilterDefinition } from "../registry.ts";
import type { InventoryResource, LockFact } from "../types.ts";

export type LockLevel = LockFact["level"];

export interface LockArgs {
  level: LockLevel;
  present: boolean;
}

const LEVELS: readonly LockLevel[] = ["CanNotDelete", "ReadOnly"];

/** Where a lock that applies to the resource sits, as a reason says it. */
function placeOf(lock: LockFact, resource: InventoryResource): string {
  const scope = idKey(lock.scope);
  if (scope === idKey(resource.id)) return "on the resource";
  if (!scope.includes("/resourcegroups/")) return "on the subscription";
  if (!scope.includes("/providers/")) return "on its group";
  return `on its parent ${resourceNameOf(lock.scope)}`;
}

/** The locks that apply to a resource: on it or on a scope that holds it (compared by whole id segments). */
export function locksOf(resource: InventoryResource, locks: readonly LockFact[]): LockFact[] {
  const id = idKey(resource.id);
  return locks.filter((lock) => {
    const scope = idKey(lock.scope);
    return id === scope || id.startsWith(`${scope}/`);
  });
}

const protects = (lock: LockFact, level: LockLevel): boolean =>
  lock.level === level || (level === "CanNotDelete" && lock.level === "ReadOnly");

export const lockFilter: FilterDefinition<LockArgs> = {
  key: "lock",
  summary:
    "Whether a management lock on the resource, a parent, its group or the subscription protects it (CanNotDelete: a CanNotDelete or ReadOnly lock; ReadOnly: a ReadOnly lock).",
  example: "{ lock: CanNotDelete, present: false }",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["lock", "present"],
    properties: {
      lock: {
        enum: [...LEVELS],
        description: "CanNotDelete: protected against deletion (a ReadOnly lock counts too); ReadOnly: read-only.",
      },
      present: { type: "boolean", description: "true: such a lock applies; false: none does." },
    },
  },
  parse(condition) {
    return { level: condition.lock as LockLevel, present: condition.present === true };
  },
  facts() {
    return [{ type: "locks" }];
  },
  evaluate(resource, args, ctx) {
    const locks = ctx.facts.locks;
    if (locks === undefined) return { outcome: "unknown", reason: "the subscription's locks were not gathered" };
    const applying = locksOf(resource, locks);
    const protecting = applying.filter((lock) => protects(lock, args.level));
    const describe = (lock: LockFact): string =>
      `${lock.level} lock ${lock.name} ${placeOf(lock, resource)}${lock.level !== args.level ? " (it refuses deletes too)" : ""}`;
    let reason: string;
    if (protecting.length > 0) reason = protecting.map(describe).join("; ");
    else {
      reason = `no ${args.level} lock on the resource, its group or the subscription`;
      // A CanNotDelete lock where ReadOnly was asked for: say it, it is not nothing.
      const others = applying.map((lock) => `${lock.level} lock ${lock.name} ${placeOf(lock, resource)}`);
      if (others.length > 0) reason += ` (only ${others.join("; ")})`;
    }
    return { outcome: protecting.length > 0 === args.present ? "match" : "no-match", reason };
  },
};
