/** The report's open findings at an instant (shared/report/model.ts), from each policy's latest sweep by its marks. Pure. */
import { describe, expect, it } from "vitest";
import type { AuditRecord } from "../../../shared/audit/record.ts";
import { openFindingsAt } from "../../../shared/report/model.ts";

const base = { trigger: { type: "timer" as const }, actor: { type: "governor" as const, id: "governor" }, reason: "r" };
const vm = (name: string) => `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/${name}`;
const mark = (instanceId: string, at: string): AuditRecord => ({
  ...base,
  id: `${instanceId}:swept`,
  at,
  kind: "notice",
  action: "sweep",
  policy: "allowed-vm-sizes",
  instanceId,
});
const finding = (instanceId: string, name: string, at: string): AuditRecord => ({
  ...base,
  id: `${instanceId}:finding:${name}`,
  at,
  kind: "finding",
  policy: "allowed-vm-sizes",
  resourceId: vm(name),
  action: "notify",
  verdict: "audit",
  instanceId,
});
const names = (records: AuditRecord[], at: string) =>
  openFindingsAt(records, Date.parse(at)).map((open) => open.record.resourceId?.split("/").at(-1));

describe("open findings at an instant", () => {
  it("a sweep that finds nothing closes its policy's findings: its mark is its latest sweep", () => {
    const records = [
      finding("s1", "vm-a", "2026-11-23T06:00:00.000Z"),
      mark("s1", "2026-11-23T06:00:00.000Z"),
      mark("s2", "2026-11-24T06:00:00.000Z"),
    ];
    expect(names(records, "2026-11-23T12:00:00.000Z")).toEqual(["vm-a"]);
    expect(names(records, "2026-11-24T12:00:00.000Z")).toEqual([]);
  });

  it("an event check's finding (no mark of its own) is not a sweep's: the latest marked sweep's findings are open", () => {
    const records = [
      finding("s1", "vm-a", "2026-11-23T06:00:00.000Z"),
      mark("s1", "2026-11-23T06:00:00.000Z"),
      finding("check:vm-b", "vm-b", "2026-11-23T09:00:00.000Z"),
    ];
    expect(names(records, "2026-11-23T12:00:00.000Z")).toEqual(["vm-a"]);
  });

  it("without marks (records of before them) the sweep of the latest finding is the latest", () => {
    const records = [finding("s1", "vm-a", "2026-11-23T06:00:00.000Z"), finding("s2", "vm-b", "2026-11-24T06:00:00.000Z")];
    expect(names(records, "2026-11-24T12:00:00.000Z")).toEqual(["vm-b"]);
  });
});
