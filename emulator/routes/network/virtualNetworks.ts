/**
 * The Microsoft.Network types that point at the others: virtual networks (a subnet names its NSG
 * and NAT gateway), NAT gateways (they hold public IPs, and show the subnets that use them) and
 * private endpoints (Azure makes their NIC, which then shows `privateEndpoint`).
 */
import type { EmulatorCore, MaterialiseInput, ResourceTypeHandler } from "../../core.ts";
import { asNumber, asObject, type Json, stableGuid } from "../../json.ts";
import { declareReferences, idList, type Reference, referencesTo } from "../../references.ts";
import type { StoredResource } from "../../store.ts";
import { baseResource, type FamilySpec } from "../family.ts";
import { NAT_GATEWAY_TYPE, PRIVATE_ENDPOINT_TYPE, refId, refIds, subResources, VNET_TYPE, weakEtag } from "./common.ts";

function materialiseVnet(input: MaterialiseInput): StoredResource {
  const { id, body, existing, core } = input;
  const arm = baseResource(input, VNET_TYPE);
  const given: Json = { ...(existing?.arm.properties ?? {}), ...(asObject(body.properties) ?? {}) };
  const subnets = subResources(id, given.subnets, "subnets", VNET_TYPE, "subnet", (properties) => ({
    privateEndpointNetworkPolicies: "Disabled",
    privateLinkServiceNetworkPolicies: "Enabled",
    ...properties,
  }));
  const properties: Json = {
    provisioningState: "Succeeded",
    resourceGuid: stableGuid(id),
    addressSpace: asObject(given.addressSpace) ?? { addressPrefixes: ["10.0.0.0/16"] },
    subnets,
    virtualNetworkPeerings: [],
    enableDdosProtection: false,
  };
  const references: Reference[] = [];
  for (const subnet of subnets) {
    const subnetProperties = asObject(subnet.properties) ?? {};
    const nsg = refId(subnetProperties.networkSecurityGroup);
    const natGateway = refId(subnetProperties.natGateway);
    if (nsg !== undefined) references.push({ targetId: nsg, relation: "subnets", via: subnet.id as string });
    if (natGateway !== undefined) references.push({ targetId: natGateway, relation: "subnets", via: subnet.id as string });
  }
  declareReferences(core, id, VNET_TYPE, references);
  return {
    arm: { ...arm, etag: weakEtag(`${id}/${JSON.stringify(properties)}`), properties },
    sim: { ...(existing?.sim ?? {}), ...(input.sim ?? {}) },
  };
}

function materialiseNatGateway(input: MaterialiseInput): StoredResource {
  const { id, body, existing, core } = input;
  const arm = baseResource(input, NAT_GATEWAY_TYPE);
  const given: Json = { ...(existing?.arm.properties ?? {}), ...(asObject(body.properties) ?? {}) };
  const { subnets: _subnets, provisioningState: _state, resourceGuid: _guid, ...rest } = given;
  const properties: Json = {
    ...rest,
    provisioningState: "Succeeded",
    resourceGuid: stableGuid(id),
    idleTimeoutInMinutes: asNumber(rest.idleTimeoutInMinutes) ?? 4,
    publicIpAddresses: refIds(rest.publicIpAddresses).map((ipId) => ({ id: ipId })),
  };
  declareReferences(
    core,
    id,
    NAT_GATEWAY_TYPE,
    refIds(properties.publicIpAddresses).map((ipId) => ({ targetId: ipId, relation: "natGateway", via: id })),
  );
  return {
    arm: { ...arm, etag: weakEtag(`${id}/${JSON.stringify(properties)}`), sku: asObject(body.sku) ?? { name: "Standard" }, properties },
    sim: { ...(existing?.sim ?? {}), ...(input.sim ?? {}) },
  };
}

function viewNatGateway(core: EmulatorCore, resource: StoredResource): StoredResource["arm"] {
  const arm = structuredClone(resource.arm);
  const subnets = idList(referencesTo(core, arm.id, "subnets"));
  if (subnets.length > 0) (arm.properties ??= {}).subnets = subnets;
  return arm;
}

function materialisePrivateEndpoint(input: MaterialiseInput): StoredResource {
  const { id, body, existing, core } = input;
  const arm = baseResource(input, PRIVATE_ENDPOINT_TYPE);
  const given: Json = { ...(existing?.arm.properties ?? {}), ...(asObject(body.properties) ?? {}) };
  const properties: Json = {
    ...given,
    provisioningState: "Succeeded",
    resourceGuid: stableGuid(id),
    networkInterfaces: refIds(given.networkInterfaces).map((nicId) => ({ id: nicId })),
  };
  declareReferences(
    core,
    id,
    PRIVATE_ENDPOINT_TYPE,
    refIds(properties.networkInterfaces).map((nicId) => ({ targetId: nicId, relation: "privateEndpoint", via: id })),
  );
  return {
    arm: { ...arm, etag: weakEtag(`${id}/${JSON.stringify(properties)}`), properties },
    sim: { ...(existing?.sim ?? {}), ...(input.sim ?? {}) },
  };
}

export const vnetType: ResourceTypeHandler = { type: VNET_TYPE, materialise: materialiseVnet };
export const natGatewayType: ResourceTypeHandler = { type: NAT_GATEWAY_TYPE, materialise: materialiseNatGateway, view: viewNatGateway };
export const privateEndpointType: ResourceTypeHandler = { type: PRIVATE_ENDPOINT_TYPE, materialise: materialisePrivateEndpoint };

export const vnetFamily: FamilySpec = { type: VNET_TYPE, routes: "virtualNetworks", style: "long-running" };
export const natGatewayFamily: FamilySpec = { type: NAT_GATEWAY_TYPE, routes: "natGateways", style: "long-running" };
