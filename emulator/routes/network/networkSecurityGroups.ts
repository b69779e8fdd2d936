/**
 * Microsoft.Network/networkSecurityGroups, with Azure's six default rules. What an NSG is
 * associated with shows on it, read-only: `subnets` (a VNet's subnets name it) and
 * `networkInterfaces` (NICs name it); an NSG with neither filters nothing. Deleting one in use is
 * refused with `InUseNetworkSecurityGroupCannotBeDeleted`.
 */
import type { EmulatorCore, MaterialiseInput, ResourceTypeHandler } from "../../core.ts";
import { ArmError } from "../../errors.ts";
import { asObject, type Json, stableGuid } from "../../json.ts";
import { idList, referencesTo } from "../../references.ts";
import type { StoredResource } from "../../store.ts";
import { baseResource, type FamilySpec } from "../family.ts";
import { NSG_TYPE, subResources, weakEtag } from "./common.ts";

const DEFAULT_RULES: Array<
  [name: string, description: string, access: string, direction: string, priority: number, source: string, destination: string]
> = [
  ["AllowVnetInBound", "Allow inbound traffic from all VMs in VNET", "Allow", "Inbound", 65000, "VirtualNetwork", "VirtualNetwork"],
  ["AllowAzureLoadBalancerInBound", "Allow inbound traffic from azure load balancer", "Allow", "Inbound", 65001, "AzureLoadBalancer", "*"],
  ["DenyAllInBound", "Deny all inbound traffic", "Deny", "Inbound", 65500, "*", "*"],
  [
    "AllowVnetOutBound",
    "Allow outbound traffic from all VMs to all VMs in VNET",
    "Allow",
    "Outbound",
    65000,
    "VirtualNetwork",
    "VirtualNetwork",
  ],
  ["AllowInternetOutBound", "Allow outbound traffic from all VMs to Internet", "Allow", "Outbound", 65001, "*", "Internet"],
  ["DenyAllOutBound", "Deny all outbound traffic", "Deny", "Outbound", 65500, "*", "*"],
];

function defaultRules(id: string): Json[] {
  return DEFAULT_RULES.map(([name, description, access, direction, priority, source, destination]) => ({
    name,
    id: `${id}/defaultSecurityRules/${name}`,
    etag: `W/"${stableGuid(`${id}/defaultSecurityRules/${name}`)}"`,
    type: `${NSG_TYPE}/defaultSecurityRules`,
    properties: {
      description,
      protocol: "*",
      sourcePortRange: "*",
      destinationPortRange: "*",
      sourceAddressPrefix: source,
      destinationAddressPrefix: destination,
      access,
      priority,
      direction,
      provisioningState: "Succeeded",
    },
  }));
}

function materialise(input: MaterialiseInput): StoredResource {
  const { id, body, existing } = input;
  const arm = baseResource(input, NSG_TYPE);
  const given: Json = { ...(existing?.arm.properties ?? {}), ...(asObject(body.properties) ?? {}) };
  const properties: Json = {
    provisioningState: "Succeeded",
    resourceGuid: stableGuid(id),
    securityRules: subResources(id, given.securityRules, "securityRules", NSG_TYPE, "rule"),
    defaultSecurityRules: defaultRules(id),
  };
  return {
    arm: { ...arm, etag: weakEtag(`${id}/${JSON.stringify(properties)}`), properties },
    sim: { ...(existing?.sim ?? {}), ...(input.sim ?? {}) },
  };
}

function associations(core: EmulatorCore, id: string): { subnets: Array<{ id: string }>; networkInterfaces: Array<{ id: string }> } {
  return { subnets: idList(referencesTo(core, id, "subnets")), networkInterfaces: idList(referencesTo(core, id, "networkInterfaces")) };
}

function view(core: EmulatorCore, resource: StoredResource): StoredResource["arm"] {
  const arm = structuredClone(resource.arm);
  const properties = (arm.properties ??= {});
  const { subnets, networkInterfaces } = associations(core, arm.id);
  if (networkInterfaces.length > 0) properties.networkInterfaces = networkInterfaces;
  if (subnets.length > 0) properties.subnets = subnets;
  return arm;
}

function refuseDelete(core: EmulatorCore, resource: StoredResource): void {
  const { subnets, networkInterfaces } = associations(core, resource.arm.id);
  const users = [...subnets, ...networkInterfaces].map((entry) => entry.id);
  if (users.length === 0) return;
  throw new ArmError(
    400,
    "InUseNetworkSecurityGroupCannotBeDeleted",
    `Network security group ${resource.arm.id} cannot be deleted because it is in use by the following resources: ${users.join(", ")}. In order to delete the Network security group, remove the association with the resource(s). To learn how to do this, see https://aka.ms/deletensg.`,
  );
}

export const nsgType: ResourceTypeHandler = { type: NSG_TYPE, materialise, view };
export const nsgFamily: FamilySpec = { type: NSG_TYPE, routes: "networkSecurityGroups", style: "long-running", refuseDelete };
