/**
 * `delete`: delete a snapshot, a managed disk, or an orphan: a public IP, a network interface, a
 * load balancer, a network security group, an App Service plan or an empty resource group.
 *
 * ```yaml
 * action: delete
 * ```
 *
 * Destructive: the guards (production, exemptions, change freezes) and the policy's approval
 * decide whether it happens. Savings: the size × the monthly price per GB of the SKU. Managed
 * disks are billed by tier (a 100 GB Premium disk pays for 128 GB); incremental snapshots are
 * billed on the data they hold, so their full size is an upper bound and the reason says so.
 * An orphan saves what keeping it costs (shared/policy/orphans.ts): a static public IP, a
 * Standard load balancer's rules, a plan's instances; NICs, NSGs and groups cost nothing, and
 * the reason says so.
 *
 * A resource that is gone is done (a retried delete of a deleted snapshot sends nothing); a disk
 * attached to a VM is never deleted, whatever the policy says (Azure would refuse it too); nor is
 * an orphan the fresh read shows in use (an IP configuration, a VM, a backend, an app, a resource
 * in the group). Snapshots and disks go through Compute's client; the other kinds through ARM's
 * delete by id at their descriptor's api-version, and a group through the resource groups API,
 * after listing it once more: a group that holds anything by then is never deleted (a group's
 * delete takes everything in it). A delete Azure refuses because the resource is in use
 * (`PublicIPAddressCannotBeDeleted`, `NicInUse`, `InUseNetworkSecurityGroupCannotBeDeleted`…) is
 * `failed` with Azure's code.
 */
import { computeClient, resourcesClient } from "../azure/clients.ts";
import { parseResourceId, resourceNameOf } from "../azure/resourceId.ts";
import { readResourcesOfGroup } from "../inventory/readResource.ts";
import { orphanName, orphanStatus, standingCost } from "../policy/orphans.ts";
import type { InventoryResource, ResourceKind, Settings } from "../policy/types.ts";
import { resourceTypeOfKind } from "../resourceTypes/index.ts";
import { type ExecutorContext, followOperation, lroOptions } from "../remediation/executor.ts";
import { refreshResource } from "../remediation/refresh.ts";
import { storageEstimate, type Estimate } from "./common/estimate.ts";
import { defineAction } from "./module.ts";

function skuOf(resource: InventoryResource): string | undefined {
  const sku = resource.sku ?? (resource.properties.sku as { name?: unknown } | undefined)?.name;
  return typeof sku === "string" && sku !== "" ? sku : undefined;
}

/** The orphan kinds deleted through ARM's generic delete (a group through its own API), beside Compute's snapshots and disks. */
const ORPHANS = [
  "public-ip",
  "network-interface",
  "load-balancer",
  "network-security-group",
  "app-service-plan",
  "resource-group",
] as const satisfies readonly ResourceKind[];
const isOrphanKind = (kind: string | undefined): boolean => (ORPHANS as readonly string[]).includes(kind ?? "");

function estimate(resource: InventoryResource, settings: Pick<Settings, "prices" | "currency">): Estimate {
  if (isOrphanKind(resource.kind)) return standingCost(resource, settings);
  const kind = resource.kind === "disk" ? "disk" : "snapshot";
  const sizeGb = resource.properties.diskSizeGB;
  if (typeof sizeGb !== "number" || sizeGb <= 0) return { monthly: 0, explanation: "no price: the size is not known" };
  // Snapshots are Standard_LRS unless created otherwise; a disk's SKU is never guessed.
  const sku = skuOf(resource) ?? (kind === "snapshot" ? "Standard_LRS" : undefined);
  if (sku === undefined) return { monthly: 0, explanation: "no price: the disk's SKU is not known" };
  const result = storageEstimate(kind, sku, sizeGb, settings);
  if (kind === "snapshot" && resource.properties.incremental === true && result.monthly > 0) {
    return { ...result, explanation: `at most ${result.explanation} (incremental: billed on the data it holds)` };
  }
  return result;
}

/** An error in Azure's shape, for a delete Governor itself will not send: the executor loop reports it as `failed`. */
function refusal(statusCode: number, code: string, message: string): Error {
  return Object.assign(new Error(message), { statusCode, code });
}

async function deleteOrphan(ctx: ExecutorContext<Record<string, never>>, accepted: () => void): Promise<void> {
  const client = await resourcesClient(ctx.target);
  const { restorePoller } = await import("@azure/arm-resources");
  if (ctx.resource.kind === "resource-group") {
    // A group's delete takes everything in it: listed once more, just before.
    const contents = await readResourcesOfGroup(ctx.target, ctx.resource.name);
    if (contents.length > 0)
      throw refusal(
        409,
        "ResourceGroupNotEmpty",
        `resource group ${ctx.resource.name} holds ${contents.map((resource) => resource.name).join(", ")} now: never deleted with what is in it`,
      );
    const start = () => client.resourceGroups.delete(ctx.resource.name, lroOptions(ctx));
    await followOperation(start, (state) => restorePoller(client, state, start, lroOptions(ctx)), accepted, ctx.options);
    return;
  }
  const apiVersion = resourceTypeOfKind(ctx.resource.kind ?? "")?.reread.apiVersion;
  if (apiVersion === undefined) throw new TypeError(`delete: no descriptor for ${ctx.resource.kind ?? ctx.resource.type}`);
  // Without a leading slash: the generic delete puts one before the id itself.
  const id = ctx.resource.id.replace(/^\/+/, "");
  const start = () => client.resources.deleteById(id, apiVersion, lroOptions(ctx));
  await followOperation(start, (state) => restorePoller(client, state, start, lroOptions(ctx)), accepted, ctx.options);
}

export const deleteAction = defineAction<Record<string, never>>({
  name: "delete",
  summary:
    "Delete a snapshot, a managed disk, or an orphan: a public IP, network interface, load balancer, network security group, App Service plan or empty resource group.",
  example: "action: delete",
  effect: "destructive",
  appliesTo: ["snapshot", "disk", ...ORPHANS],
  savings(resource, _args, ctx) {
    return estimate(resource, ctx.settings).monthly;
  },
  describe(resource, _args, ctx) {
    if (isOrphanKind(resource.kind)) return `delete ${orphanName(resource)}: ${estimate(resource, ctx.settings).explanation}`;
    const what = resource.kind === "disk" ? "disk" : "snapshot";
    return `delete ${what} ${resource.name}: ${estimate(resource, ctx.settings).explanation}`;
  },
  executor: {
    assess(ctx) {
      const attachedTo = ctx.resource.managedBy;
      if (ctx.resource.kind === "disk" && attachedTo) {
        return { status: "refused", reason: `disk ${ctx.resource.name} is attached to VM ${resourceNameOf(attachedTo)}: never deleted` };
      }
      if (ctx.resource.properties.provisioningState === "Deleting")
        return { status: "in-progress", reason: `${ctx.resource.name} is being deleted` };
      if (isOrphanKind(ctx.resource.kind)) {
        const status = orphanStatus(ctx.resource, ctx.evaluation);
        if (status === undefined || "unknown" in status)
          return {
            status: "refused",
            reason: `${orphanName(ctx.resource)}: ${status?.unknown ?? "not an orphan Governor knows"}: never deleted`,
          };
        if (!status.orphaned)
          return { status: "refused", reason: `${orphanName(ctx.resource)} is in use: ${status.reason}: never deleted` };
      }
      return { status: "todo" };
    },
    describe: (ctx) =>
      isOrphanKind(ctx.resource.kind)
        ? `deleted ${orphanName(ctx.resource)}`
        : `deleted ${ctx.resource.kind === "disk" ? "disk" : "snapshot"} ${ctx.resource.name}`,
    async change(ctx, accepted) {
      if (isOrphanKind(ctx.resource.kind)) return deleteOrphan(ctx, accepted);
      const { resourceGroup, name } = parseResourceId(ctx.resource.id);
      const client = await computeClient(ctx.target);
      const { restorePoller } = await import("@azure/arm-compute");
      const start =
        ctx.resource.kind === "disk"
          ? () => client.disks.delete(resourceGroup, name, lroOptions(ctx))
          : () => client.snapshots.delete(resourceGroup, name, lroOptions(ctx));
      await followOperation(start, (state) => restorePoller(client, state, start, lroOptions(ctx)), accepted, ctx.options);
    },
    refresh: refreshResource,
    state: () => ({ exists: true }),
  },
  permissions: [
    { operation: "Microsoft.Compute/snapshots/delete", why: "delete expired snapshots", evidence: "request" },
    { operation: "Microsoft.Compute/disks/delete", why: "delete expired unattached disks", evidence: "request" },
    { operation: "Microsoft.Network/publicIPAddresses/delete", why: "delete public IPs nothing uses", evidence: "request" },
    {
      operation: "Microsoft.Network/networkInterfaces/delete",
      why: "delete NICs attached to no VM or private endpoint",
      evidence: "request",
    },
    { operation: "Microsoft.Network/loadBalancers/delete", why: "delete load balancers with no backend address", evidence: "request" },
    { operation: "Microsoft.Network/networkSecurityGroups/delete", why: "delete NSGs on no subnet and no NIC", evidence: "request" },
    {
      operation: "Microsoft.Web/serverfarms/delete",
      why: "delete App Service plans with no apps (billed all the same)",
      evidence: "request",
    },
    {
      operation: "Microsoft.Resources/subscriptions/resourceGroups/delete",
      why: "delete resource groups with nothing in them (listed again just before)",
      evidence: "request",
    },
  ],
  leaves: { exists: false },
  saves: true,
});
