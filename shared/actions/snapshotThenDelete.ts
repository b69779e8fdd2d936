/**
 * `snapshot-then-delete`: keep a restore point of an unattached managed disk, then delete the disk.
 *
 * ```yaml
 * action: snapshot-then-delete
 * action: { type: snapshot-then-delete, expiresInDays: 30 }
 * ```
 *
 * The non-destructive step before a delete: an incremental Standard_LRS snapshot named
 * `<disk>-governor-snapshot`, tagged with the disk's tags, `governor-snapshot-of: <disk>` and the
 * expiry tag (`expires-on`, `settings.tags.expiresOn`) at today + `expiresInDays` (default 30);
 * once Azure says the snapshot succeeded, the disk is deleted. The snapshot policies clean it up
 * later (it is the snapshot of a disk that no longer exists).
 *
 * Idempotent: a retried run (the disk's delete failed, the worker restarted) finds the snapshot
 * by its name and, when it was taken from this very disk (`creationData.sourceUniqueId`), does
 * not take a second one. A snapshot of that name taken from another disk (an earlier disk of the
 * same name) is never reused nor overwritten: the change fails with `SnapshotNameTaken`.
 *
 * Destructive: the guards and the policy's approval decide. A disk attached to a VM, or in use by
 * an export or upload, is never touched. Savings: the disk's storage, less what the snapshot
 * costs at most while it is kept (incremental snapshots are billed on the data they hold).
 */
import { computeClient } from "../azure/clients.ts";
import { parseResourceId, resourceNameOf } from "../azure/resourceId.ts";
import { unlessNotFound } from "../azure/armRead.ts";
import type { EvaluationContext } from "../policy/registry.ts";
import type { InventoryResource, Settings } from "../policy/types.ts";
import { formatMoney } from "../policy/prices.ts";
import { followOperation, lroOptions, type ExecutorContext } from "../remediation/executor.ts";
import { refreshResource } from "../remediation/refresh.ts";
import { type Estimate, storageEstimate } from "./common/estimate.ts";
import { defineAction } from "./module.ts";

export interface SnapshotThenDeleteArgs {
  /** Days the snapshot is kept: its expiry tag is today + this. */
  expiresInDays: number;
}

export const SNAPSHOT_OF_TAG = "governor-snapshot-of";
const SNAPSHOT_SUFFIX = "-governor-snapshot";
/** Azure's limits: 80 characters for a snapshot's name, 50 tags on a resource. */
const MAX_SNAPSHOT_NAME = 80;
const MAX_TAGS = 50;
const DAY_MS = 86_400_000;

/** `disk-odoo-dev-02-data-old-governor-snapshot`: one name per disk, so a retry finds it. */
export function snapshotNameOf(diskName: string): string {
  return `${diskName.slice(0, MAX_SNAPSHOT_NAME - SNAPSHOT_SUFFIX.length)}${SNAPSHOT_SUFFIX}`;
}

/** The day the snapshot expires, `YYYY-MM-DD`, as the expiry tag holds it. */
export function expiryOf(now: Date, args: SnapshotThenDeleteArgs): string {
  return new Date(now.getTime() + args.expiresInDays * DAY_MS).toISOString().slice(0, 10);
}

/** The disk's tags, with the expiry and the disk's name; a disk tag of the same name (any case) gives way. */
export function snapshotTags(
  disk: Pick<InventoryResource, "name" | "tags">,
  expiresOn: string,
  settings: Pick<Settings, "tags">,
): Record<string, string> {
  const added = { [settings.tags.expiresOn]: expiresOn, [SNAPSHOT_OF_TAG]: disk.name };
  const taken = new Set(Object.keys(added).map((name) => name.toLowerCase()));
  const kept = Object.entries(disk.tags).filter(([name]) => !taken.has(name.toLowerCase()));
  return { ...Object.fromEntries(kept), ...added };
}

function estimate(resource: InventoryResource, args: SnapshotThenDeleteArgs, ctx: Pick<EvaluationContext, "settings">): Estimate {
  const sku = resource.sku;
  const sizeGb = resource.properties.diskSizeGB;
  if (typeof sizeGb !== "number" || sizeGb <= 0) return { monthly: 0, explanation: "no price: the size is not known" };
  if (sku === undefined || sku === "") return { monthly: 0, explanation: "no price: the disk's SKU is not known" };
  const disk = storageEstimate("disk", sku, sizeGb, ctx.settings);
  if (disk.monthly === 0) return disk;
  const snapshot = storageEstimate("snapshot", "Standard_LRS", sizeGb, ctx.settings);
  const monthly = Math.max(0, disk.monthly - snapshot.monthly);
  return {
    monthly,
    explanation: `${disk.explanation}, less the snapshot's at most ${snapshot.explanation} for ${args.expiresInDays} days (incremental: billed on the data it holds) = ${formatMoney(monthly, ctx.settings.currency)}/month`,
  };
}

/** An error in Azure's shape, for a change Governor itself will not make: the executor loop reports it as `failed`. */
function refusal(statusCode: number, code: string, message: string): Error {
  return Object.assign(new Error(message), { statusCode, code });
}

/** Takes the snapshot, or finds the one a previous attempt took; resolves once it has succeeded. */
async function ensureSnapshot(ctx: ExecutorContext<SnapshotThenDeleteArgs>, accepted: () => void): Promise<void> {
  const disk = ctx.resource;
  const { resourceGroup } = parseResourceId(disk.id);
  const name = snapshotNameOf(disk.name);
  const client = await computeClient(ctx.target);
  const existing = await unlessNotFound(() => client.snapshots.get(resourceGroup, name));
  if (existing) {
    const source = existing.creationData?.sourceResourceId;
    const uniqueId = disk.properties.uniqueId;
    const fromThisDisk =
      source?.toLowerCase() === disk.id.toLowerCase() &&
      (typeof uniqueId !== "string" ||
        existing.creationData?.sourceUniqueId === undefined ||
        existing.creationData.sourceUniqueId === uniqueId);
    if (!fromThisDisk)
      throw refusal(
        409,
        "SnapshotNameTaken",
        `snapshot ${name} exists and was not taken from disk ${disk.name} as it is now (source ${source ?? "none"}): Governor neither reuses nor overwrites it`,
      );
    if (existing.provisioningState === "Succeeded") return;
    // A previous attempt's snapshot is still being made: waited for as another operation on the disk.
    throw refusal(
      409,
      "AnotherOperationInProgress",
      `snapshot ${name} of disk ${disk.name} is ${existing.provisioningState ?? "being made"}`,
    );
  }
  const { restorePoller } = await import("@azure/arm-compute");
  const body = {
    location: disk.location,
    tags: snapshotTags(disk, expiryOf(ctx.evaluation.now, ctx.args), ctx.evaluation.settings),
    sku: { name: "Standard_LRS" as const },
    incremental: true,
    creationData: { createOption: "Copy" as const, sourceResourceId: disk.id },
  };
  const start = () => client.snapshots.createOrUpdate(resourceGroup, name, body, lroOptions(ctx));
  await followOperation(start, (state) => restorePoller(client, state, start, lroOptions(ctx)), accepted, ctx.options);
}

export const snapshotThenDeleteAction = defineAction<SnapshotThenDeleteArgs>({
  name: "snapshot-then-delete",
  summary: "Snapshot an unattached managed disk (incremental, tagged with its tags and an expiry), then delete the disk.",
  example: "action: { type: snapshot-then-delete, expiresInDays: 30 }",
  effect: "destructive",
  appliesTo: ["disk"],
  argsSchema: {
    properties: {
      expiresInDays: {
        type: "integer",
        minimum: 1,
        maximum: 3650,
        description: "Days the snapshot is kept: its expires-on tag is today plus this (default 30).",
      },
    },
  },
  parse: (args) => ({ expiresInDays: typeof args.expiresInDays === "number" ? args.expiresInDays : 30 }),
  savings: (resource, args, ctx) => estimate(resource, args, ctx).monthly,
  describe: (resource, args, ctx) =>
    `snapshot disk ${resource.name} as ${snapshotNameOf(resource.name)} (expires-on ${expiryOf(ctx.now, args)}), then delete the disk: ${estimate(resource, args, ctx).explanation}`,
  executor: {
    assess(ctx) {
      const disk = ctx.resource;
      if (disk.managedBy)
        return { status: "refused", reason: `disk ${disk.name} is attached to VM ${resourceNameOf(disk.managedBy)}: never deleted` };
      const state = disk.properties.diskState;
      if (state !== undefined && state !== "Unattached")
        return {
          status: "refused",
          reason: `disk ${disk.name} is ${typeof state === "string" ? state : JSON.stringify(state)}: only an unattached disk is snapshotted and deleted`,
        };
      const tags = Object.keys(snapshotTags(disk, "", ctx.evaluation.settings)).length;
      if (tags > MAX_TAGS)
        return {
          status: "refused",
          reason: `disk ${disk.name} has ${Object.keys(disk.tags).length} tags: its snapshot could not carry them and Governor's two (Azure allows ${MAX_TAGS})`,
        };
      return { status: "todo" };
    },
    describe: (ctx) =>
      `snapshotted disk ${ctx.resource.name} as ${snapshotNameOf(ctx.resource.name)} (expires-on ${expiryOf(ctx.evaluation.now, ctx.args)}), then deleted the disk`,
    async change(ctx, accepted) {
      await ensureSnapshot(ctx, accepted);
      const { resourceGroup, name } = parseResourceId(ctx.resource.id);
      const client = await computeClient(ctx.target);
      const { restorePoller } = await import("@azure/arm-compute");
      const start = () => client.disks.delete(resourceGroup, name, lroOptions(ctx));
      await followOperation(start, (state) => restorePoller(client, state, start, lroOptions(ctx)), accepted, ctx.options);
    },
    refresh: refreshResource,
    state: () => ({ exists: true }),
  },
  permissions: [
    {
      operation: "Microsoft.Compute/snapshots/write",
      why: "take the snapshot of an unattached disk before deleting it (snapshot-then-delete)",
      evidence: "request",
    },
    { operation: "Microsoft.Compute/disks/delete", why: "delete the unattached disk once its snapshot succeeded", evidence: "request" },
  ],
  leaves: { exists: false },
  saves: true,
});
