/**
 * The sweeps' memory as `consecutive` reads it: the latest sweep marks of a policy, newest first,
 * and the target each sweep's finding recorded for a resource (`null` for a sweep without one).
 * The trail here is a list in memory that answers `query` as the Table trail does (filters,
 * `[since, until)`, newest first with a limit): what is tested is the reading, not the storage.
 */
import { describe, expect, it } from "vitest";
import type { AuditRecord } from "../../shared/audit/record.ts";
import type { AuditQuery, AuditTrail } from "../../shared/audit/trail.ts";
import { readSweepHistory } from "../../shared/inventory/sweepHistory.ts";

const VM = "/subscriptions/s/resourceGroups/rg-odoo-test/providers/Microsoft.Compute/virtualMachines/vm-odoo-test-reporting-01";
const OTHER = "/subscriptions/s/resourceGroups/rg-odoo-test/providers/Microsoft.Compute/virtualMachines/vm-odoo-test-build-01";
const NOW = new Date("2026-11-23T21:00:00Z");

function trailOf(records: AuditRecord[]): Pick<AuditTrail, "query"> & { queries: AuditQuery[] } {
  const queries: AuditQuery[] = [];
  return {
    queries,
    async query(query: AuditQuery = {}) {
      queries.push(query);
      const since = query.since === undefined ? -Infinity : new Date(query.since).getTime();
      const until = query.until === undefined ? Infinity : new Date(query.until).getTime();
      const matching = records
        .filter((record) => {
          const at = new Date(record.at).getTime();
          return (
            at >= since &&
            at < until &&
            (query.policy === undefined || record.policy === query.policy) &&
            (query.kind === undefined || record.kind === query.kind) &&
            (query.instanceId === undefined || record.instanceId === query.instanceId)
          );
        })
        .sort((a, b) => a.at.localeCompare(b.at));
      const ordered = query.order === "newest-first" ? matching.reverse() : matching;
      return ordered.slice(0, query.limit ?? Infinity);
    },
  };
}

const GOVERNOR = { type: "governor" as const, id: "governor" };

function sweep(instanceId: string, at: string, targets: Record<string, string>, policy = "rightsize"): AuditRecord[] {
  return [
    ...Object.entries(targets).map(([resourceId, target]) => ({
      id: `${instanceId}:finding:${resourceId.toLowerCase()}`,
      at,
      kind: "finding" as const,
      policy,
      resourceId,
      action: "resize",
      verdict: "blocked" as const,
      reason: "held",
      instanceId,
      trigger: { type: "timer" as const },
      actor: GOVERNOR,
      details: { estimatedMonthlySavings: 416.1, proposal: { target, from: "Standard_D16s_v5" } },
    })),
    {
      id: `${instanceId}:swept`,
      at,
      kind: "notice",
      policy,
      action: "sweep",
      reason: "swept",
      instanceId,
      trigger: { type: "timer" },
      actor: GOVERNOR,
    },
  ];
}

describe("sweep history", () => {
  const records = [
    ...sweep("sweep-1", "2026-11-02T21:00:00.000Z", { [VM]: "Standard_D8s_v5" }),
    ...sweep("sweep-2", "2026-11-09T21:00:00.000Z", { [VM]: "Standard_E4s_v5", [OTHER]: "Standard_D2s_v5" }),
    // A sweep that recommended nothing for VM.
    ...sweep("sweep-3", "2026-11-16T21:00:00.000Z", { [OTHER]: "Standard_D2s_v5" }),
    ...sweep("sweep-4", "2026-11-23T20:00:00.000Z", { [VM]: "Standard_E4s_v5" }),
    // Another policy's sweep, and a notice of this policy that is no sweep.
    ...sweep("other-1", "2026-11-20T21:00:00.000Z", { [VM]: "Standard_E2s_v5" }, "other"),
    {
      id: "notice-1",
      at: "2026-11-22T10:00:00.000Z",
      kind: "notice" as const,
      policy: "rightsize",
      action: "owners-notice",
      reason: "sent",
      trigger: { type: "timer" as const },
      actor: GOVERNOR,
    },
  ];

  it("gives each of the latest sweeps' target per resource, newest first, null where a sweep had none", async () => {
    const history = await readSweepHistory(trailOf(records), { policy: "rightsize", sweeps: 3 }, NOW);
    expect(history.sweeps.map((entry) => entry.instanceId)).toEqual(["sweep-4", "sweep-3", "sweep-2"]);
    expect(history.targets[VM.toLowerCase()]).toEqual(["Standard_E4s_v5", null, "Standard_E4s_v5"]);
    expect(history.targets[OTHER.toLowerCase()]).toEqual([null, "Standard_D2s_v5", "Standard_D2s_v5"]);
  });

  it("leaves the sweep being planned out (a retried activity's own records are already there)", async () => {
    const history = await readSweepHistory(trailOf(records), { policy: "rightsize", sweeps: 2 }, NOW, { excludeInstance: "sweep-4" });
    expect(history.sweeps.map((entry) => entry.instanceId)).toEqual(["sweep-3", "sweep-2"]);
    expect(history.targets[VM.toLowerCase()]).toEqual([null, "Standard_E4s_v5"]);
  });

  it("reads only sweeps before now, and nothing when none was recorded", async () => {
    const before = await readSweepHistory(trailOf(records), { policy: "rightsize", sweeps: 2 }, new Date("2026-11-10T00:00:00Z"));
    expect(before.sweeps.map((entry) => entry.instanceId)).toEqual(["sweep-2", "sweep-1"]);
    expect(before.targets[VM.toLowerCase()]).toEqual(["Standard_E4s_v5", "Standard_D8s_v5"]);
    const none = await readSweepHistory(trailOf([]), { policy: "rightsize", sweeps: 2 }, NOW);
    expect(none).toEqual({ sweeps: [], targets: {} });
  });

  it("reads two queries: the marks, newest first, and the findings since the oldest of them", async () => {
    const trail = trailOf(records);
    await readSweepHistory(trail, { policy: "rightsize", sweeps: 2 }, NOW);
    expect(trail.queries).toEqual([
      { policy: "rightsize", kind: "notice", until: NOW, order: "newest-first", limit: 8 },
      { policy: "rightsize", kind: "finding", since: "2026-11-16T21:00:00.000Z", until: NOW },
    ]);
  });
});
