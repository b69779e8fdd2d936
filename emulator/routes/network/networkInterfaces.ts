/**
 * Microsoft.Network/networkInterfaces. Its IP configurations point at a subnet, a public IP and
 * load balancer pools; the NIC itself at an NSG. What holds the NIC shows on it, read-only:
 * `virtualMachine` (a VM's network profile names it) or `privateEndpoint` (a private endpoint made
 * it). A NIC with neither is attached to nothing. Deleting one in use is refused with `NicInUse`.
 */
import type { EmulatorCore, MaterialiseInput, ResourceTypeHandler } from "../../core.ts";
import { ArmError } from "../../errors.ts";
import { asObject, asString, type Json, stableGuid, stableHex } from "../../json.ts";
import { declareReferences, type Reference, referencesTo } from "../../references.ts";
import type { StoredResource } from "../../store.ts";
import { baseResource, type FamilySpec } from "../family.ts";
import { NIC_TYPE, privateAddressOf, refId, refIds, subResources, weakEtag } from "./common.ts";

function macAddressOf(id: string): string {
  const hex = stableHex(`${id}/mac`, 6).toUpperCase();
  return `00-0D-3A-${hex.slice(0, 2)}-${hex.slice(2, 4)}-${hex.slice(4, 6)}`;
}

function materialise(input: MaterialiseInput): StoredResource {
  const { id, body, existing, core } = input;
  const arm = baseResource(input, NIC_TYPE);
  const given: Json = { ...(existing?.arm.properties ?? {}), ...(asObject(body.properties) ?? {}) };
  const {
    virtualMachine: _vm,
    privateEndpoint: _pe,
    macAddress: _mac,
    primary: _primary,
    provisioningState: _state,
    resourceGuid: _guid,
    ipConfigurations,
    dnsSettings,
    ...rest
  } = given;
  const configurations = subResources(id, ipConfigurations, "ipConfigurations", NIC_TYPE, "ipconfig", (properties, configId, index) => ({
    ...properties,
    privateIPAddress: asString(properties.privateIPAddress) ?? privateAddressOf(configId),
    privateIPAllocationMethod: asString(properties.privateIPAllocationMethod) ?? "Dynamic",
    privateIPAddressVersion: asString(properties.privateIPAddressVersion) ?? "IPv4",
    primary: typeof properties.primary === "boolean" ? properties.primary : index === 0,
  }));
  const properties: Json = {
    provisioningState: "Succeeded",
    resourceGuid: stableGuid(id),
    ipConfigurations: configurations,
    dnsSettings: {
      dnsServers: [],
      appliedDnsServers: [],
      internalDomainNameSuffix: `${stableHex(arm.id.split("/")[4] ?? arm.id, 12)}.ax.internal.cloudapp.net`,
      ...asObject(dnsSettings),
    },
    enableAcceleratedNetworking: false,
    disableTcpStateTracking: false,
    enableIPForwarding: false,
    vnetEncryptionSupported: false,
    nicType: "Standard",
    ...rest,
  };

  const references: Reference[] = [];
  for (const configuration of configurations) {
    const configProperties = asObject(configuration.properties) ?? {};
    const publicIp = refId(configProperties.publicIPAddress);
    if (publicIp !== undefined) references.push({ targetId: publicIp, relation: "ipConfiguration", via: configuration.id as string });
    for (const pool of refIds(configProperties.loadBalancerBackendAddressPools)) {
      references.push({ targetId: pool, relation: "backendIPConfigurations", via: configuration.id as string, targetPart: pool });
    }
  }
  const nsg = refId(properties.networkSecurityGroup);
  if (nsg !== undefined) references.push({ targetId: nsg, relation: "networkInterfaces", via: id });
  declareReferences(core, id, NIC_TYPE, references);
  return {
    arm: { ...arm, etag: weakEtag(`${id}/${JSON.stringify(properties)}`), properties },
    sim: { ...(existing?.sim ?? {}), ...(input.sim ?? {}) },
  };
}

function holders(core: EmulatorCore, id: string): { vm?: string; privateEndpoint?: string } {
  const vm = referencesTo(core, id, "virtualMachine")[0]?.via;
  const privateEndpoint = referencesTo(core, id, "privateEndpoint")[0]?.via;
  return { ...(vm === undefined ? {} : { vm }), ...(privateEndpoint === undefined ? {} : { privateEndpoint }) };
}

function view(core: EmulatorCore, resource: StoredResource): StoredResource["arm"] {
  const arm = structuredClone(resource.arm);
  const properties = (arm.properties ??= {});
  const { vm, privateEndpoint } = holders(core, arm.id);
  if (vm !== undefined) {
    properties.virtualMachine = { id: vm };
    // Azure assigns the MAC address and marks the primary NIC once a VM holds it.
    properties.macAddress = macAddressOf(arm.id);
    properties.primary = true;
  }
  if (privateEndpoint !== undefined) properties.privateEndpoint = { id: privateEndpoint };
  return arm;
}

function refuseDelete(core: EmulatorCore, resource: StoredResource): void {
  const { vm, privateEndpoint } = holders(core, resource.arm.id);
  const user = vm ?? privateEndpoint;
  if (user === undefined) return;
  throw new ArmError(
    400,
    "NicInUse",
    `Network Interface ${resource.arm.id} is used by existing resource ${user}. In order to delete the network interface, it must be dissociated from the resource. To learn more, see aka.ms/deletenic.`,
  );
}

function afterDelete(core: EmulatorCore, resource: StoredResource): void {
  declareReferences(core, resource.arm.id, NIC_TYPE, []);
}

export const nicType: ResourceTypeHandler = { type: NIC_TYPE, materialise, view };
export const nicFamily: FamilySpec = { type: NIC_TYPE, routes: "networkInterfaces", style: "long-running", refuseDelete, afterDelete };
