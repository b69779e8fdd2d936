import { describe, expect, it } from "vitest";
import { diskAttachedFilter } from "../../../../shared/policy/filters/diskAttached.ts";
import { check, resource, resourceId } from "../support.ts";

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
});
