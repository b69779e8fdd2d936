/**
 * What the daily digest reads of the audit trail (real Table Storage, Azurite): every sweep
 * records every finding, so eight days of them are hundreds of thousands at 10,000 resources. The
 * digest compares each policy's latest sweep now with its latest at yesterday's digest, and reads
 * the findings of those two sweeps alone (found by their marks), with the same counts as from all.
 * The report likewise reads the findings of the sweeps it shows (each policy's latest at each
 * day's end, and now), and builds the same figures as from every record.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";
import { type Azurite, startAzurite } from "../../local/azurite.ts";
import type { AuditRecord } from "../../shared/audit/record.ts";
import { type AuditQuery, TableAuditTrail } from "../../shared/audit/trail.ts";
import { tableFromConnectionString } from "../../shared/azure/tables.ts";
import { loadConfig } from "../../shared/config.ts";
import { runDailyNotifications } from "../../shared/notifications/daily.ts";
import { findingChanges } from "../../shared/notifications/digest.ts";
import { NotificationStore } from "../../shared/notifications/store.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { reportRecords } from "../../shared/report/build.ts";
import { reportModel } from "../../shared/report/model.ts";
import { loadPolicyFile } from "../../shared/policy/loader.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const POLICY = "allowed-vm-sizes";
const base = { trigger: { type: "timer" as const }, actor: { type: "governor" as const, id: "governor" } };
const vm = (index: number) => `/subscriptions/${SUB}/resourceGroups/rg-odoo-dev/providers/Microsoft.Compute/virtualMachines/vm-${index}`;

/** One sweep at `at` finding VMs `from` to `to` (its findings, then its mark, as the sweep records them). */
function sweep(at: string, from: number, to: number): AuditRecord[] {
  const instanceId = `sweep:${POLICY}:${at}`;
  const findings = Array.from({ length: to - from + 1 }, (_, offset): AuditRecord => ({
    ...base,
    id: `${instanceId}:finding:${vm(from + offset)}`,
    at,
    kind: "finding",
    policy: POLICY,
    resourceId: vm(from + offset),
    action: "notify",
    verdict: "audit",
    instanceId,
    reason: "size Standard_M64 not allowed",
  }));
  return [
    ...findings,
    { ...base, id: `${instanceId}:swept`, at, kind: "notice", action: "sweep", policy: POLICY, instanceId, reason: "swept" },
  ];
}

let azurite: Azurite;
let trail: TableAuditTrail;

beforeAll(async () => {
  azurite = await startAzurite({ location: join(mkdtempSync(join(tmpdir(), "governor-digest-reads-")), "azurite") });
  trail = TableAuditTrail.fromConnectionString(azurite.connectionString, { table: "GovernorDigestReads" });
  // Every six hours for three days: at yesterday's digest (06:00 UTC on the 23rd) VMs 0-49, now 1-50.
  const sweeps: AuditRecord[] = [];
  for (const day of ["21", "22", "23", "24"])
    for (const hour of ["00", "06", "12", "18"]) {
      const at = `2026-11-${day}T${hour}:00:00.000Z`;
      if (at > "2026-11-24T06:00:00.000Z") continue;
      sweeps.push(...(at <= "2026-11-23T06:00:00.000Z" ? sweep(at, 0, 49) : sweep(at, 1, 50)));
    }
  await trail.append(sweeps);
}, 60_000);
afterAll(async () => azurite?.close());

describe("the digest's reads of the audit trail", () => {
  it("reads the findings of the two sweeps it compares, not every sweep's, and counts the same", async () => {
    const findingsRead: number[] = [];
    const counting = {
      append: (records: readonly AuditRecord[]) => trail.append(records),
      query: async (query: AuditQuery) => {
        const records = await trail.query(query);
        if (query.kind === "finding") findingsRead.push(records.length);
        return records;
      },
    } as unknown as TableAuditTrail;
    const now = new Date("2026-11-24T06:00:00.000Z");
    const run = await runDailyNotifications({
      config: loadConfig({
        GOVERNOR_SUBSCRIPTION_ID: SUB,
        GOVERNOR_TASK_HUB: "GovernorDigestReads",
        AzureWebJobsStorage: azurite.connectionString,
      }),
      policySet: await loadPolicyFile(DEFAULT_POLICIES, builtinRegistry()),
      trail: counting,
      store: new NotificationStore(tableFromConnectionString(azurite.connectionString, "GovernorDigestReadsNotifications")),
      channels: {},
      now: () => now,
    });
    expect(run.date).toBe("2026-11-24");
    // 14 sweeps of 50 findings are in the trail; the digest read two of them.
    expect(findingsRead.reduce((sum, count) => sum + count, 0)).toBe(100);
    const digest = (await trail.query({ kind: "notice", since: now })).find((record) => record.id === "digest:2026-11-24");
    const all = await trail.query({ since: new Date("2026-11-01T00:00:00Z"), until: new Date(now.getTime() + 1) });
    const expected = findingChanges(all, new Date("2026-11-23T06:00:00.000Z"), now);
    expect(expected).toEqual({
      opened: [{ policy: POLICY, verdict: "audit", count: 1 }],
      resolved: [{ policy: POLICY, verdict: "audit", count: 1 }],
    });
    expect(digest?.details).toMatchObject(expected);
  }, 60_000);

  it("the report reads the findings of the sweeps it shows, one a day and now, and builds the same figures as from every record", async () => {
    const now = new Date("2026-11-24T06:00:00.000Z");
    const read = await reportRecords(trail, now, 90);
    // The latest sweep at the end of the 21st, 22nd and 23rd, and now's: 4 of the 14.
    expect(read.filter((record) => record.kind === "finding")).toHaveLength(4 * 50);
    const every = await trail.query({ since: new Date(now.getTime() - 90 * 86_400_000), until: new Date(now.getTime() + 1) });
    const { counts: _fewer, ...figures } = reportModel({ records: read, ledger: [], now, currency: "EUR", days: 90 });
    const { counts: _all, ...expected } = reportModel({ records: every, ledger: [], now, currency: "EUR", days: 90 });
    expect(figures).toEqual(expected);
    expect(figures.compliance.open).toHaveLength(50);
  }, 60_000);
});
