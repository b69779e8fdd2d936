/**
 * What makes a resource an orphan, kind by kind, and what it costs to keep: the back-references
 * ARM keeps on what others use (a public IP's `ipConfiguration`, a NIC's `virtualMachine`, an
 * NSG's `subnets`), a load balancer's pools, a plan's `numberOfSites`, a group's contents. The
 * `orphaned` filter decides with it, and `delete` refuses what it shows in use on the fresh read.
 * Costs come from the descriptors' price tables; what Azure does not bill says so ("no charge:
 * clutter"), so a finding never leaves the cost unsaid.
 */
import type { Estimate } from "../actions/common/estimate.ts";
import { billedSizeGb, formatMoney, monthlyPrice, storagePrice } from "./prices.ts";
import { attachmentOf, lastOwnershipChangeMs } from "./filters/diskAttached.ts";
import { formatDay } from "./filters/format.ts";
import type { EvaluationContext } from "./registry.ts";
import type { InventoryResource, ResourceKind, Settings } from "./types.ts";
import { resourceTypeOfKind } from "../resourceTypes/index.ts";

export type OrphanStatus =
  /** Nothing uses it; `reason` names what was looked at (`no IP configuration, no NAT gateway`). */
  | { orphaned: true; reason: string }
  /** In use; `reason` names by what (`used by IP configuration ipconfig1 of nic-odoo-prod-app-01`). */
  | { orphaned: false; reason: string }
  /** Not decidable from what was read: never acted on. */
  | { unknown: string };

/** The kinds an orphan is defined for. */
export const ORPHAN_KINDS = [
  "public-ip",
  "network-interface",
  "load-balancer",
  "network-security-group",
  "app-service-plan",
  "resource-group",
  "disk",
] as const satisfies readonly ResourceKind[];

/** How a reason names a kind. */
export const KIND_NOUN: Readonly<Record<(typeof ORPHAN_KINDS)[number], string>> = {
  "public-ip": "public IP",
  "network-interface": "network interface",
  "load-balancer": "load balancer",
  "network-security-group": "network security group",
  "app-service-plan": "App Service plan",
  "resource-group": "resource group",
  disk: "disk",
};

const isOrphanKind = (kind: string | undefined): kind is (typeof ORPHAN_KINDS)[number] =>
  (ORPHAN_KINDS as readonly string[]).includes(kind ?? "");

type Json = Record<string, unknown>;
const object = (value: unknown): Json | undefined =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const idOf = (value: unknown): string | undefined => {
  const id = object(value)?.id;
  return typeof id === "string" && id !== "" ? id : undefined;
};

/**
 * `IP configuration ipconfig1 of nic-odoo-prod-app-01` for the id of a child of a network
 * resource, the resource's own name for a top-level id.
 */
function described(id: string, child: string): string {
  const parts = id.split("/").filter((part) => part !== "");
  const providers = parts.findIndex((part) => part.toLowerCase() === "providers");
  const parent = providers >= 0 ? parts[providers + 3] : undefined;
  const name = parts.at(-1) ?? id;
  return parent === undefined || parent === name ? name : `${child} ${name} of ${parent}`;
}

const countOf = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? "" : "s"}`;

function publicIp(resource: InventoryResource): OrphanStatus {
  const configuration = idOf(resource.properties.ipConfiguration);
  const natGateway = idOf(resource.properties.natGateway);
  if (configuration) return { orphaned: false, reason: `used by ${described(configuration, "IP configuration")}` };
  if (natGateway) return { orphaned: false, reason: `used by NAT gateway ${described(natGateway, "")}` };
  return { orphaned: true, reason: "no IP configuration, no NAT gateway" };
}

function networkInterface(resource: InventoryResource): OrphanStatus {
  const holders: Array<[string, string]> = [
    ["virtualMachine", "VM"],
    ["privateEndpoint", "private endpoint"],
    ["privateLinkService", "Private Link service"],
  ];
  for (const [property, noun] of holders) {
    const id = idOf(resource.properties[property]);
    if (id) return { orphaned: false, reason: `attached to ${noun} ${described(id, "")}` };
  }
  return { orphaned: true, reason: "attached to no VM and no private endpoint" };
}

function loadBalancer(resource: InventoryResource): OrphanStatus {
  const pools = list(resource.properties.backendAddressPools).map((pool) => object(pool) ?? {});
  if (pools.length === 0) return { orphaned: true, reason: "no backend pool" };
  let members = 0;
  for (const pool of pools) {
    const properties = object(pool.properties) ?? {};
    members += list(properties.backendIPConfigurations).length + list(properties.loadBalancerBackendAddresses).length;
  }
  const names = pools.map((pool) => (typeof pool.name === "string" ? pool.name : "?")).join(", ");
  if (members > 0) return { orphaned: false, reason: `${countOf(members, "backend address")} in pool ${names}` };
  return { orphaned: true, reason: `no backend address in pool ${names}` };
}

function networkSecurityGroup(resource: InventoryResource): OrphanStatus {
  const subnets = list(resource.properties.subnets)
    .map(idOf)
    .filter((id): id is string => id !== undefined);
  const nics = list(resource.properties.networkInterfaces)
    .map(idOf)
    .filter((id): id is string => id !== undefined);
  if (subnets.length === 0 && nics.length === 0) return { orphaned: true, reason: "on no subnet and no NIC" };
  const on = [...subnets.map((id) => described(id, "subnet")), ...nics.map((id) => `NIC ${described(id, "")}`)];
  return { orphaned: false, reason: `on ${on.join(", ")}` };
}

function appServicePlan(resource: InventoryResource): OrphanStatus {
  const sites = resource.properties.numberOfSites;
  if (typeof sites !== "number") return { unknown: "the number of apps on it (numberOfSites) is not known" };
  return sites === 0 ? { orphaned: true, reason: "no apps (numberOfSites 0)" } : { orphaned: false, reason: `${countOf(sites, "app")}` };
}

/**
 * The resources of an inventory by lower-case group name, in inventory order: built once per
 * inventory, where a scan per group read every resource for each of thousands of groups. A
 * gathered inventory is not changed; one that grew since (a test's) is indexed again.
 */
const groupContents = new WeakMap<readonly InventoryResource[], { length: number; byGroup: Map<string, InventoryResource[]> }>();

function contentsOf(resources: readonly InventoryResource[], group: string): readonly InventoryResource[] {
  let byGroup = groupContents.get(resources)?.byGroup;
  if (byGroup === undefined || groupContents.get(resources)?.length !== resources.length) {
    byGroup = new Map();
    for (const candidate of resources) {
      if (candidate.kind === "resource-group") continue;
      const key = candidate.resourceGroup.toLowerCase();
      const members = byGroup.get(key);
      if (members) members.push(candidate);
      else byGroup.set(key, [candidate]);
    }
    groupContents.set(resources, { length: resources.length, byGroup });
  }
  return byGroup.get(group) ?? [];
}

function resourceGroup(resource: InventoryResource, ctx: Pick<EvaluationContext, "inventory">): OrphanStatus {
  if (resource.managedBy) return { orphaned: false, reason: `managed by ${described(resource.managedBy, "")}: its owner removes it` };
  // The template tags Governor's own groups (the restore drills' group is empty between drills).
  if (resource.tags["governor-managed"]?.toLowerCase() === "true")
    return { orphaned: false, reason: "Governor's own group (tag governor-managed): empty between restore drills" };
  const name = resource.name.toLowerCase();
  const contents = contentsOf(ctx.inventory.resources, name);
  if (contents.length === 0) return { orphaned: true, reason: "no resources in it" };
  const shown = contents.slice(0, 3).map((candidate) => candidate.name);
  return {
    orphaned: false,
    reason: `holds ${countOf(contents.length, "resource")} (${shown.join(", ")}${contents.length > shown.length ? ", …" : ""})`,
  };
}

function disk(resource: InventoryResource): OrphanStatus {
  const attachment = attachmentOf(resource);
  if ("inUse" in attachment) return { unknown: `disk state ${attachment.inUse}: in use by an export or upload` };
  if (attachment.attached) return { orphaned: false, reason: `attached to ${attachment.to}` };
  const since = lastOwnershipChangeMs(resource);
  return {
    orphaned: true,
    reason: `not attached to any VM${since === undefined ? "" : ` since ${formatDay(since)} (LastOwnershipUpdateTime)`}`,
  };
}

/** Whether the resource is an orphan, and why; `undefined` for a kind orphans are not defined for. */
export function orphanStatus(resource: InventoryResource, ctx: Pick<EvaluationContext, "inventory">): OrphanStatus | undefined {
  switch (resource.kind) {
    case "public-ip":
      return publicIp(resource);
    case "network-interface":
      return networkInterface(resource);
    case "load-balancer":
      return loadBalancer(resource);
    case "network-security-group":
      return networkSecurityGroup(resource);
    case "app-service-plan":
      return appServicePlan(resource);
    case "resource-group":
      return resourceGroup(resource, ctx);
    case "disk":
      return disk(resource);
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// What it costs to keep

type PriceSettings = Pick<Settings, "prices" | "currency">;

const NO_CHARGE: Estimate = { monthly: 0, explanation: "no charge: clutter" };
const priced = (monthly: number, what: string, settings: PriceSettings): Estimate => ({
  monthly,
  explanation: `${what} ≈ ${formatMoney(monthly, settings.currency)}/month`,
});

function publicIpCost(resource: InventoryResource, settings: PriceSettings): Estimate {
  const sku = resource.sku ?? "Standard";
  const allocation =
    typeof resource.properties.publicIPAllocationMethod === "string" ? resource.properties.publicIPAllocationMethod : "Static";
  const price = monthlyPrice("public-ip", `${sku} ${allocation}`, settings);
  if (!price.found) return { monthly: 0, explanation: price.reason };
  if (price.price === 0)
    return { monthly: 0, explanation: `no charge: a ${sku} ${allocation.toLowerCase()} address is billed only while in use` };
  return priced(price.price, `${sku} ${allocation.toLowerCase()}`, settings);
}

function loadBalancerCost(resource: InventoryResource, settings: PriceSettings): Estimate {
  const sku = resource.sku ?? "Standard";
  const rules = list(resource.properties.loadBalancingRules).length + list(resource.properties.outboundRules).length;
  const base = monthlyPrice("load-balancer", sku, settings);
  if (!base.found) return { monthly: 0, explanation: base.reason };
  if (base.price === 0) return { monthly: 0, explanation: `no charge: a ${sku} load balancer is not billed by the hour` };
  if (rules === 0) return { monthly: 0, explanation: `no charge: a ${sku} load balancer with no rules is not billed` };
  const extra = monthlyPrice("load-balancer", `${sku} per rule beyond 5`, settings);
  const beyond = Math.max(0, rules - 5);
  const monthly = base.price + (extra.found ? extra.price * beyond : 0);
  return priced(monthly, `${sku}, ${countOf(rules, "rule")}`, settings);
}

function appServicePlanCost(resource: InventoryResource, settings: PriceSettings): Estimate {
  const sku = resource.sku;
  if (sku === undefined) return { monthly: 0, explanation: "no price: the plan's SKU is not known" };
  const workers = typeof resource.properties.numberOfWorkers === "number" ? resource.properties.numberOfWorkers : 1;
  const price = monthlyPrice("app-service-plan", sku, settings);
  if (!price.found) return { monthly: 0, explanation: price.reason };
  if (price.price === 0) return { monthly: 0, explanation: `no charge: ${sku} is free` };
  // `reserved` is true for Linux plans; Windows plans cost more than the Linux price the table holds.
  const windows = resource.properties.reserved === false ? " (Linux price: Windows costs more)" : "";
  return priced(price.price * workers, `${sku} × ${countOf(workers, "instance")}${windows}`, settings);
}

function diskCost(resource: InventoryResource, settings: PriceSettings): Estimate {
  const sizeGb = resource.properties.diskSizeGB;
  if (resource.sku === undefined) return { monthly: 0, explanation: "no price: the disk's SKU is not known" };
  if (typeof sizeGb !== "number" || sizeGb <= 0) return { monthly: 0, explanation: "no price: the size is not known" };
  const price = storagePrice("disk", resource.sku, settings);
  if (!price.found) return { monthly: 0, explanation: price.reason };
  const billed = billedSizeGb("disk", resource.sku, sizeGb);
  return priced(billed * price.price, `${sizeGb} GB ${resource.sku}${billed === sizeGb ? "" : ` (the ${billed} GB tier)`}`, settings);
}

/** What keeping the resource costs a month, from the price table, with the arithmetic; `no charge: clutter` for what Azure does not bill. */
export function standingCost(resource: InventoryResource, settings: PriceSettings): Estimate {
  switch (resource.kind) {
    case "public-ip":
      return publicIpCost(resource, settings);
    case "load-balancer":
      return loadBalancerCost(resource, settings);
    case "app-service-plan":
      return appServicePlanCost(resource, settings);
    case "disk":
      return diskCost(resource, settings);
    default:
      return resourceTypeOfKind(resource.kind ?? "")?.price?.per === "free"
        ? NO_CHARGE
        : { monthly: 0, explanation: "no price: not a kind orphans are priced for" };
  }
}

/** `public IP pip-odoo-dev-old-bastion`. */
export function orphanName(resource: InventoryResource): string {
  return `${isOrphanKind(resource.kind) ? KIND_NOUN[resource.kind] : (resource.kind ?? resource.type)} ${resource.name}`;
}
