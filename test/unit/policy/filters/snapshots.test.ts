import { describe, expect, it } from "vitest";
import { lastSnapshotOfDiskFilter } from "../../../../shared/policy/filters/lastSnapshotOfDisk.ts";
import { snapshotSourceFilter } from "../../../../shared/policy/filters/snapshotSource.ts";
import { buildIndex } from "../../../../shared/policy/inventoryIndex.ts";
import { check, context, resource, snapshotOf } from "../support.ts";

const disk = resource({ kind: "disk", name: "vm-odoo-dev-01_OsDisk_1" });
const deletedDisk = resource({ kind: "disk", name: "vm-odoo-dev-legacy_OsDisk_1" });
const newest = snapshotOf(disk, "snap-odoo-dev-01-2026-11-20", 3);
const older = snapshotOf(disk, "snap-odoo-dev-01-2026-07-01", 145);
const orphan = snapshotOf(deletedDisk, "snap-odoo-dev-legacy-db", 400);
const estate = context({ resources: [disk, newest, older, orphan] });

describe("buildIndex", () => {
  it("indexes resources by lower-case id and snapshots by source disk, newest first", () => {
    const index = buildIndex({ resources: [older, disk, newest] });
    expect(index.byId.get(disk.id.toLowerCase())).toBe(disk);
    expect(index.snapshotsBySourceDisk.get(disk.id.toLowerCase())?.map((snapshot) => snapshot.name)).toEqual([newest.name, older.name]);
  });
});

describe("snapshot-source filter", () => {
  it("1. matches a snapshot whose source disk no longer exists", () => {
    expect(check(snapshotSourceFilter, "{ snapshot-source: missing }", orphan, estate)).toEqual({
      outcome: "match",
      reason: "source disk vm-odoo-dev-legacy_OsDisk_1 no longer exists",
    });
  });

  it("2. matches a snapshot whose source disk exists, whatever the case of the id", () => {
    const shouting = snapshotOf(disk, "snap-upper", 10, { properties: { creationData: { sourceResourceId: disk.id.toUpperCase() } } });
    expect(check(snapshotSourceFilter, "{ snapshot-source: exists }", shouting, context({ resources: [disk, shouting] })).outcome).toBe(
      "match",
    );
  });

  it("compliant: a snapshot of a live disk is not missing its source", () => {
    expect(check(snapshotSourceFilter, "{ snapshot-source: missing }", older, estate)).toEqual({
      outcome: "no-match",
      reason: "source disk vm-odoo-dev-01_OsDisk_1 exists",
    });
  });

  it("is unknown for a source in another subscription, and not applicable to a snapshot imported from a VHD", () => {
    const foreign = resource({
      kind: "snapshot",
      properties: { creationData: { sourceResourceId: "/subscriptions/other/resourceGroups/rg/providers/Microsoft.Compute/disks/d1" } },
    });
    expect(check(snapshotSourceFilter, "{ snapshot-source: missing }", foreign).outcome).toBe("unknown");
    const imported = resource({ kind: "snapshot", properties: { creationData: { createOption: "Import", sourceUri: "https://x/y.vhd" } } });
    expect(check(snapshotSourceFilter, "{ snapshot-source: missing }", imported).outcome).toBe("not-applicable");
  });
});

describe("last-snapshot-of-disk filter", () => {
  it("1. matches (false) an older snapshot of a live disk, naming the newer one", () => {
    expect(check(lastSnapshotOfDiskFilter, "{ last-snapshot-of-disk: false }", older, estate)).toEqual({
      outcome: "match",
      reason: "not the newest snapshot of disk vm-odoo-dev-01_OsDisk_1: snap-odoo-dev-01-2026-11-20 (2026-11-20) is newer",
    });
  });

  it("2. matches (false) the only snapshot of a deleted disk: there is no disk left to protect", () => {
    expect(check(lastSnapshotOfDiskFilter, "{ last-snapshot-of-disk: false }", orphan, estate)).toEqual({
      outcome: "match",
      reason: "source disk vm-odoo-dev-legacy_OsDisk_1 no longer exists",
    });
  });

  it("compliant: the newest snapshot of a live disk is last, however old", () => {
    expect(check(lastSnapshotOfDiskFilter, "{ last-snapshot-of-disk: false }", newest, estate)).toEqual({
      outcome: "no-match",
      reason: "the newest of 2 snapshots of disk vm-odoo-dev-01_OsDisk_1, which still exists",
    });
    const lonely = snapshotOf(disk, "snap-only", 400);
    expect(check(lastSnapshotOfDiskFilter, "{ last-snapshot-of-disk: true }", lonely, context({ resources: [disk, lonely] }))).toEqual({
      outcome: "match",
      reason: "the only snapshot of disk vm-odoo-dev-01_OsDisk_1, which still exists",
    });
  });

  it("3. matches (false) a snapshot that is itself being deleted: it is no longer the restore point of its disk", () => {
    const going = snapshotOf(disk, "snap-odoo-dev-01-2026-11-20", 3, { properties: { provisioningState: "Deleting" } });
    expect(
      check(lastSnapshotOfDiskFilter, "{ last-snapshot-of-disk: false }", going, context({ resources: [disk, going, older] })),
    ).toEqual({
      outcome: "match",
      reason: "snap-odoo-dev-01-2026-11-20 is Deleting: not a restore point of disk vm-odoo-dev-01_OsDisk_1",
    });
  });

  it("4. matches (false) an older snapshot whose newer sibling is settled (Succeeded): that one still counts", () => {
    const settledNewest = snapshotOf(disk, "snap-odoo-dev-01-2026-11-20", 3, { properties: { provisioningState: "Succeeded" } });
    expect(
      check(lastSnapshotOfDiskFilter, "{ last-snapshot-of-disk: false }", older, context({ resources: [disk, settledNewest, older] })),
    ).toEqual({
      outcome: "match",
      reason: "not the newest snapshot of disk vm-odoo-dev-01_OsDisk_1: snap-odoo-dev-01-2026-11-20 (2026-11-20) is newer",
    });
  });

  it.each(["Deleting", "Failed", "Creating"])(
    "compliant: an older snapshot whose only newer sibling is %s is the newest restore point of its disk, so it is kept",
    (state) => {
      const unsettled = snapshotOf(disk, "snap-odoo-dev-01-2026-11-20", 3, { properties: { provisioningState: state } });
      expect(
        check(lastSnapshotOfDiskFilter, "{ last-snapshot-of-disk: false }", older, context({ resources: [disk, unsettled, older] })),
      ).toEqual({
        outcome: "no-match",
        reason: `the only snapshot of disk vm-odoo-dev-01_OsDisk_1, which still exists (not counted: snap-odoo-dev-01-2026-11-20 is ${state})`,
      });
    },
  );

  it("does not let a sibling being deleted without a creation time leave the newest undecided", () => {
    const undatedGoing = snapshotOf(disk, "snap-undated", 0, { createdAt: undefined, properties: { provisioningState: "Deleting" } });
    expect(
      check(lastSnapshotOfDiskFilter, "{ last-snapshot-of-disk: false }", older, context({ resources: [disk, older, undatedGoing] }))
        .outcome,
    ).toBe("no-match");
  });

  it("is unknown when a sibling has no creation time, so the newest cannot be told", () => {
    const undated = snapshotOf(disk, "snap-undated", 0, { createdAt: undefined });
    const ctx = context({ resources: [disk, older, undated] });
    expect(check(lastSnapshotOfDiskFilter, "{ last-snapshot-of-disk: false }", older, ctx)).toEqual({
      outcome: "unknown",
      reason: "cannot tell the newest snapshot of disk vm-odoo-dev-01_OsDisk_1: snap-undated has no creation time",
    });
  });

  it("does not apply to disks", () => {
    expect(check(lastSnapshotOfDiskFilter, "{ last-snapshot-of-disk: false }", disk, estate).outcome).toBe("not-applicable");
  });
});
