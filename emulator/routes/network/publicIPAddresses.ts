/**
 * Microsoft.Network/publicIPAddresses. What uses an address shows on it, read-only:
 * `ipConfiguration` (a NIC's IP configuration or a load balancer's frontend) and `natGateway`.
 * An address with neither is an orphan that is still billed (Standard SKU addresses always are).
 * Deleting one still in use is refused with Network's 400.
 */
import type { EmulatorCore, MaterialiseInput, ResourceTypeHandler } from "../../core.ts";
import { ArmError } from "../../errors.ts";
import { asNumber, asObject, asString, type Json, stableGuid } from "../../json.ts";
import { referencesTo } from "../../references.ts";
import type { StoredResource } from "../../store.ts";
import { baseResource, type FamilySpec } from "../family.ts";
import { PUBLIC_IP_TYPE, publicAddressOf, weakEtag } from "./common.ts";

function materialise(input: MaterialiseInput): StoredResource {
  const { id, body, existing } = input;
  const arm = baseResource(input, PUBLIC_IP_TYPE);
  const given: Json = { ...(existing?.arm.properties ?? {}), ...(asObject(body.properties) ?? {}) };
  const { ipConfiguration: _ipConfiguration, natGateway: _natGateway, provisioningState: _state, resourceGuid: _guid, ...rest } = given;
  const skuName = asString(asObject(body.sku)?.name) ?? asString(asObject(existing?.arm.sku)?.name) ?? "Standard";
  const allocation = asString(rest.publicIPAllocationMethod) ?? (skuName === "Standard" ? "Static" : "Dynamic");
  const properties: Json = {
    ...rest,
    provisioningState: "Succeeded",
    resourceGuid: stableGuid(id),
    publicIPAddressVersion: asString(rest.publicIPAddressVersion) ?? "IPv4",
    publicIPAllocationMethod: allocation,
    idleTimeoutInMinutes: asNumber(rest.idleTimeoutInMinutes) ?? 4,
    ipTags: Array.isArray(rest.ipTags) ? rest.ipTags : [],
    ddosSettings: asObject(rest.ddosSettings) ?? { protectionMode: "VirtualNetworkInherited" },
  };
  // A static address is held from creation; a dynamic one only while something uses it.
  if (allocation === "Static") properties.ipAddress = asString(rest.ipAddress) ?? publicAddressOf(id);
  const dns = asObject(rest.dnsSettings);
  const label = asString(dns?.domainNameLabel);
  if (dns && label !== undefined)
    properties.dnsSettings = { ...dns, fqdn: asString(dns.fqdn) ?? `${label}.${arm.location}.cloudapp.azure.com` };
  return {
    arm: {
      ...arm,
      etag: weakEtag(`${id}/${JSON.stringify(properties)}`),
      sku: { name: skuName, tier: asString(asObject(body.sku)?.tier) ?? "Regional" },
      properties,
    },
    sim: { ...(existing?.sim ?? {}), ...(input.sim ?? {}) },
  };
}

function view(core: EmulatorCore, resource: StoredResource): Json & StoredResource["arm"] {
  const arm = structuredClone(resource.arm);
  const properties = (arm.properties ??= {});
  const configuration = referencesTo(core, arm.id, "ipConfiguration")[0];
  const natGateway = referencesTo(core, arm.id, "natGateway")[0];
  if (configuration) properties.ipConfiguration = { id: configuration.via };
  if (natGateway) properties.natGateway = { id: natGateway.via };
  if (properties.ipAddress === undefined && configuration) properties.ipAddress = publicAddressOf(arm.id);
  return arm;
}

function refuseDelete(core: EmulatorCore, resource: StoredResource): void {
  const user = referencesTo(core, resource.arm.id, "ipConfiguration")[0] ?? referencesTo(core, resource.arm.id, "natGateway")[0];
  if (!user) return;
  throw new ArmError(
    400,
    "PublicIPAddressCannotBeDeleted",
    `Public IP address ${resource.arm.id} can not be deleted since it is still allocated to resource ${user.via}. In order to delete the public IP, disassociate/detach the Public IP address from the resource. To learn how to do this, see aka.ms/deletepublicip.`,
  );
}

export const publicIpType: ResourceTypeHandler = { type: PUBLIC_IP_TYPE, materialise, view };
export const publicIpFamily: FamilySpec = { type: PUBLIC_IP_TYPE, routes: "publicIPAddresses", style: "long-running", refuseDelete };
