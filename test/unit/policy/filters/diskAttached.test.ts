import { describe, expect, it } from "vitest";
import { diskAttachedFilter } from "../../../../shared/policy/filters/diskAttached.ts";
import { check, condition, resource, resourceId } from "../support.ts";

describe("disk-attached filter", () => {
  const vmId = resourceId("virtual-machine", "rg-odoo-dev", "vm-odoo-dev-01");

  it("1. matches a disk no VM manages", () => {
    expect(
      check(diskAttachedFilter, "{ disk-attached: false }", resource({ kind: "disk", properties: { diskState: "Unattached" } })),
    ).toEqual({
      outcome: "match",
      reason: "not attached to any VM",
    });
  });

  it("2. matches a disk without a recorded state and no managedBy as unattached", () => {
    expect(
      check(diskAttachedFilter, "{ disk-attached: false }", resource({ kind: "disk", properties: { diskState: undefined } })).outcome,
    ).toBe("match");
  });

  it("compliant: a disk managed by a VM is attached, and the reason names the VM", () => {
    expect(
      check(
        diskAttachedFilter,
        "{ disk-attached: false }",
        resource({ kind: "disk", managedBy: vmId, properties: { diskState: "Attached" } }),
      ),
    ).toEqual({
      outcome: "no-match",
      reason: "attached to vm-odoo-dev-01",
    });
  });

  it("counts a disk reserved by a deallocated VM as attached", () => {
    expect(
      check(diskAttachedFilter, "{ disk-attached: true }", resource({ kind: "disk", properties: { diskState: "Reserved" } })).outcome,
    ).toBe("match");
  });

  it("is unknown for a disk being exported, which is in use without being attached", () => {
    expect(
      check(diskAttachedFilter, "{ disk-attached: false }", resource({ kind: "disk", properties: { diskState: "ActiveSAS" } })),
    ).toEqual({
      outcome: "unknown",
      reason: "disk state ActiveSAS: in use by an export or upload",
    });
  });

  describe("detachedFor: how long since Azure last saw it detached (LastOwnershipUpdateTime)", () => {
    const DETACHED_30D = "{ disk-attached: { attached: false, detachedFor: 30d } }";
    const detached = (at: string | undefined) =>
      resource({ kind: "disk", name: "disk-old", properties: { diskState: "Unattached", LastOwnershipUpdateTime: at } });

    it("1. matches a disk detached 40 days ago, naming the day and the days", () => {
      expect(check(diskAttachedFilter, DETACHED_30D, detached("2026-10-14T19:30:00Z"))).toEqual({
        outcome: "match",
        reason: "not attached to any VM since 2026-10-14 (40 days, LastOwnershipUpdateTime) ≥ 30d",
      });
    });

    it("2. matches a disk detached exactly 30 days ago", () => {
      expect(check(diskAttachedFilter, DETACHED_30D, detached("2026-10-24T19:30:00Z")).outcome).toBe("match");
    });

    it("compliant: a disk detached 10 days ago, and an attached one whatever the time", () => {
      expect(check(diskAttachedFilter, DETACHED_30D, detached("2026-11-13T19:30:00Z"))).toEqual({
        outcome: "no-match",
        reason: "not attached to any VM since 2026-11-13 (10 days, LastOwnershipUpdateTime) < 30d",
      });
      const attached = resource({
        kind: "disk",
        managedBy: vmId,
        properties: { diskState: "Attached", LastOwnershipUpdateTime: "2026-01-01T00:00:00Z" },
      });
      expect(check(diskAttachedFilter, DETACHED_30D, attached)).toEqual({ outcome: "no-match", reason: "attached to vm-odoo-dev-01" });
    });

    it("is unknown when Azure does not say since when: nothing is deleted on a guess", () => {
      expect(check(diskAttachedFilter, DETACHED_30D, detached(undefined))).toEqual({
        outcome: "unknown",
        reason: "not attached to any VM, but Azure does not say since when (no LastOwnershipUpdateTime): not known to be detached for 30d",
      });
    });

    it("keeps the boolean form, and refuses detachedFor with attached: true or a malformed duration", () => {
      expect(condition(diskAttachedFilter, "{ disk-attached: false }")).toEqual({ attached: false });
      expect(() => condition(diskAttachedFilter, "{ disk-attached: { attached: true, detachedFor: 30d } }")).toThrow(
        "detachedFor applies to unattached disks",
      );
      expect(() => condition(diskAttachedFilter, "{ disk-attached: { attached: false, detachedFor: 30 days } }")).toThrow("schema:");
    });
  });
});
