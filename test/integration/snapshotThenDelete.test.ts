/**
 * `snapshot-then-delete` against the emulated sample estate, through the real Compute client:
 * the snapshot is taken (incremental, the disk's tags, an expiry, the disk's name), then the disk
 * is deleted; a run retried after the delete failed finds the snapshot and takes no second one;
 * a disk a VM holds is never touched; a snapshot of the same name from another disk is neither
 * reused nor overwritten.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VirtualClock } from "../../emulator/clock.ts";
import { sampleEstate } from "../../emulator/estate/sample.ts";
import { type Emulator, startEmulator } from "../../emulator/server.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { parsePolicyText } from "../../shared/policy/loader.ts";
import { applyRemediation, type RemediationDeps, type RemediationRequest } from "../../shared/remediation/index.ts";

const sample = sampleEstate();
const SUB = sample.subscriptionId;
const registry = builtinRegistry();
const FAST = { pollIntervalMs: 5, retryDelayMs: 20, maxRetryDelayMs: 200, maxAttempts: 2 };
const SDK_RETRY = { retryOptions: { maxRetries: 0, retryDelayInMs: 20, maxRetryDelayInMs: 200 } };

const POLICY = `
policies:
  - name: snapshot-then-delete-dev-disks
    resource: disk
    mode: enforce
    when:
      - environment: [dev]
      - disk-attached: false
    action: { type: snapshot-then-delete, expiresInDays: 30 }
    approval: { required: true, approvers: [platform-team], timeout: 8h, onTimeout: skip }
`;
const set = parsePolicyText(POLICY, "snapshot-then-delete.yaml", registry);

const diskId = (name: string): string => `/subscriptions/${SUB}/resourceGroups/rg-odoo-dev/providers/Microsoft.Compute/disks/${name}`;
const snapshotId = (name: string): string =>
  `/subscriptions/${SUB}/resourceGroups/rg-odoo-dev/providers/Microsoft.Compute/snapshots/${name}`;

const sourceOf = (properties: Record<string, unknown> | undefined): string | undefined =>
  (properties?.creationData as { sourceResourceId?: string } | undefined)?.sourceResourceId;

function request(resourceId: string): RemediationRequest {
  return {
    policy: "snapshot-then-delete-dev-disks",
    action: { type: "snapshot-then-delete", args: { expiresInDays: 30 } },
    resourceId,
    instanceId: `snapshot-then-delete:${resourceId.split("/").at(-1) ?? ""}`,
    trigger: { type: "timer" },
    approvedBy: "platform-team@nordwind.example",
  };
}

describe("snapshot-then-delete on the sample estate", () => {
  let emulator: Emulator;
  let deps: RemediationDeps;
  const snapshotWrites = (): number => emulator.core.log.entries().filter((entry) => entry.route === "snapshots.createOrUpdate").length;
  const snapshotsOf = (disk: string) =>
    emulator.core.store
      .list({ type: "Microsoft.Compute/snapshots" })
      .filter((snapshot) => sourceOf(snapshot.arm.properties)?.toLowerCase() === disk.toLowerCase());

  beforeAll(async () => {
    emulator = await startEmulator({ estate: sample.estate, clock: new VirtualClock(sample.now), subscriptionId: SUB });
    deps = {
      target: emulatorTarget(emulator, SUB, SDK_RETRY),
      config: { killSwitch: false, dryRun: false },
      policySet: set,
      registry,
      now: () => sample.now,
      options: FAST,
    };
  });
  afterAll(async () => emulator?.close());

  it("snapshots the disk detached 40 days ago with its tags, the expiry and its name, then deletes it; a second run sends nothing", async () => {
    const disk = diskId("disk-odoo-dev-02-data-old");
    const tags = { ...emulator.core.store.get(disk)?.arm.tags };
    const outcome = await applyRemediation(request(disk), deps);
    expect(outcome).toMatchObject({
      outcome: "applied",
      reason:
        "snapshotted disk disk-odoo-dev-02-data-old as disk-odoo-dev-02-data-old-governor-snapshot (expires-on 2026-12-23), then deleted the disk",
    });
    expect(emulator.core.store.get(disk)).toBeUndefined();
    const [snapshot, ...more] = snapshotsOf(disk);
    expect(more).toEqual([]);
    expect(snapshot?.arm.name).toBe("disk-odoo-dev-02-data-old-governor-snapshot");
    expect(snapshot?.arm.tags).toEqual({ ...tags, "expires-on": "2026-12-23", "governor-snapshot-of": "disk-odoo-dev-02-data-old" });
    expect(snapshot?.arm.properties).toMatchObject({ incremental: true, creationData: { createOption: "Copy" } });
    expect(snapshot?.arm.sku).toMatchObject({ name: "Standard_LRS" });

    const writes = snapshotWrites();
    expect(await applyRemediation(request(disk), deps)).toMatchObject({ outcome: "already-done", reason: "the resource no longer exists" });
    expect(snapshotWrites()).toBe(writes);
  });

  it("a run retried after the disk's delete failed finds its snapshot and takes no second one", async () => {
    const disk = diskId("disk-odoo-dev-scratch");
    emulator.core.faults.add({ route: "disks.delete", rate5xx: 1 });
    const failed = await applyRemediation(request(disk), deps);
    emulator.core.faults.clear();
    expect(failed).toMatchObject({ outcome: "failed" });
    expect(emulator.core.store.get(disk)).toBeDefined();
    expect(snapshotsOf(disk)).toHaveLength(1);
    const writes = snapshotWrites();

    expect(await applyRemediation(request(disk), deps)).toMatchObject({ outcome: "applied" });
    expect(emulator.core.store.get(disk)).toBeUndefined();
    expect(snapshotsOf(disk)).toHaveLength(1);
    expect(snapshotWrites()).toBe(writes);
  });

  it("never touches a disk a VM holds: skipped by the executor, nothing written", async () => {
    const osDisk = diskId("vm-odoo-dev-03_OsDisk_1");
    const mark = emulator.core.log.mark;
    const outcome = await applyRemediation(request(osDisk), deps);
    expect(outcome).toMatchObject({ outcome: "skipped", guard: "executor" });
    expect(outcome.reason).toBe("disk vm-odoo-dev-03_OsDisk_1 is attached to VM vm-odoo-dev-03: never deleted");
    expect(emulator.core.log.entries({ since: mark }).filter((entry) => entry.method !== "GET" && entry.method !== "POST")).toEqual([]);
  });

  it("fails with SnapshotNameTaken, and keeps the disk, when a snapshot of its name was taken from another disk", async () => {
    const disk = diskId("vm-odoo-dev-04_OsDisk_1");
    // A deallocated VM's disk is still attached: this one is detached in the store, as a person detaching it would leave it.
    const stored = emulator.core.store.get(disk);
    if (!stored) throw new Error("the sample estate has no vm-odoo-dev-04_OsDisk_1");
    const other = emulator.core.materialise("Microsoft.Compute/snapshots", {
      id: snapshotId("vm-odoo-dev-04_OsDisk_1-governor-snapshot"),
      name: "vm-odoo-dev-04_OsDisk_1-governor-snapshot",
      body: {
        location: "westeurope",
        properties: { creationData: { createOption: "Copy", sourceResourceId: diskId("vm-odoo-dev-01_OsDisk_1") } },
      },
    });
    emulator.core.store.put(other);
    const unattached = structuredClone(stored);
    delete unattached.arm.managedBy;
    (unattached.arm.properties ??= {}).diskState = "Unattached";
    emulator.core.store.put(unattached);

    const outcome = await applyRemediation(request(disk), deps);
    expect(outcome).toMatchObject({ outcome: "failed", errorCode: "SnapshotNameTaken" });
    expect(emulator.core.store.get(disk)).toBeDefined();
    expect(sourceOf(emulator.core.store.get(other.arm.id)?.arm.properties)).toBe(diskId("vm-odoo-dev-01_OsDisk_1"));
  });
});
