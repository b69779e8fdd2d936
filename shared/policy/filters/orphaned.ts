/**
 * `orphaned`: whether nothing uses the resource, with what keeping it costs.
 *
 * ```yaml
 * - orphaned: true
 * ```
 *
 * Kind by kind (shared/policy/orphans.ts):
 * - public IP: no IP configuration (of a NIC or a load balancer's frontend) and no NAT gateway;
 * - network interface: attached to no VM, no private endpoint and no Private Link service;
 * - load balancer: no backend address (`backendIPConfigurations`, `loadBalancerBackendAddresses`) in any pool;
 * - network security group: on no subnet and no NIC;
 * - App Service plan: no apps (`numberOfSites` 0), billed all the same;
 * - resource group: no resource in it (and not managed by another resource, as AKS's node groups are);
 * - managed disk: not attached to any VM (`disk-attached` also says since when).
 *
 * The reason names what was seen and the monthly cost from the price table (`Standard static ≈
 * 3.65 EUR/month`), or `no charge: clutter` for what Azure does not bill (NICs, NSGs, groups).
 * What cannot be decided (an App Service plan whose app count is unknown, a disk being exported)
 * is `unknown`, never acted on.
 */
import { KIND_NOUN, ORPHAN_KINDS, orphanName, orphanStatus, standingCost } from "../orphans.ts";
import type { FilterDefinition } from "../registry.ts";
import type { ResourceKind } from "../types.ts";

export interface OrphanedArgs {
  orphaned: boolean;
}

/** The paths each kind's check reads: what the inventory must project (the descriptors project them too). */
const READS: Record<(typeof ORPHAN_KINDS)[number], string[]> = {
  "public-ip": ["properties.ipConfiguration", "properties.natGateway", "properties.publicIPAllocationMethod", "sku"],
  "network-interface": ["properties.virtualMachine", "properties.privateEndpoint", "properties.privateLinkService"],
  "load-balancer": ["properties.backendAddressPools", "properties.loadBalancingRules", "properties.outboundRules", "sku"],
  "network-security-group": ["properties.subnets", "properties.networkInterfaces"],
  "app-service-plan": ["properties.numberOfSites", "properties.numberOfWorkers", "properties.reserved", "sku"],
  "resource-group": ["managedBy", "resourceGroup"],
  disk: ["managedBy", "properties.managedByExtended", "properties.diskState", "properties.diskSizeGB", "sku"],
};

export const orphanedFilter: FilterDefinition<OrphanedArgs> = {
  key: "orphaned",
  summary: `Whether nothing uses the resource (${ORPHAN_KINDS.map((kind) => KIND_NOUN[kind]).join(", ")}), with its monthly cost.`,
  example: "{ orphaned: true }",
  appliesTo: [...ORPHAN_KINDS],
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["orphaned"],
    properties: { orphaned: { type: "boolean" } },
  },
  parse(condition) {
    return { orphaned: condition.orphaned === true };
  },
  reads(_args, kind: ResourceKind) {
    if (kind === "any") return [...new Set(Object.values(READS).flat())];
    return READS[kind as (typeof ORPHAN_KINDS)[number]] ?? [];
  },
  evaluate(resource, args, ctx) {
    const status = orphanStatus(resource, ctx);
    if (status === undefined) return { outcome: "not-applicable", reason: `orphans are not defined for ${resource.kind ?? resource.type}` };
    if ("unknown" in status) return { outcome: "unknown", reason: `${orphanName(resource)}: ${status.unknown}` };
    const reason = status.orphaned
      ? `${orphanName(resource)}: ${status.reason}; ${standingCost(resource, ctx.settings).explanation}`
      : `${orphanName(resource)}: ${status.reason}`;
    return { outcome: status.orphaned === args.orphaned ? "match" : "no-match", reason };
  },
};
