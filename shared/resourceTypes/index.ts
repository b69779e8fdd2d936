/**
 * The resource types policies are written for, one descriptor each, one line here: the order is
 * the order of the schema's kinds and of the inventory's projected columns. A new type is its
 * descriptor file, its line here, its emulator routes and its tests.
 */
import type { ResourceTypeDescriptor } from "./descriptor.ts";
import { aksCluster } from "./aksCluster.ts";
import { appServicePlan } from "./appServicePlan.ts";
import { disk } from "./disk.ts";
import { loadBalancer } from "./loadBalancer.ts";
import { networkInterface } from "./networkInterface.ts";
import { networkSecurityGroup } from "./networkSecurityGroup.ts";
import { keyVault } from "./keyVault.ts";
import { postgresqlServer } from "./postgresqlServer.ts";
import { publicIpAddress } from "./publicIpAddress.ts";
import { redisCache } from "./redisCache.ts";
import { resourceGroup } from "./resourceGroup.ts";
import { snapshot } from "./snapshot.ts";
import { storageAccount } from "./storageAccount.ts";
import { virtualMachine } from "./virtualMachine.ts";
import { vmScaleSet } from "./vmScaleSet.ts";

export const RESOURCE_TYPES = [
  virtualMachine, // virtual-machine: Microsoft.Compute/virtualMachines
  aksCluster, // aks-cluster: Microsoft.ContainerService/managedClusters
  snapshot, // snapshot: Microsoft.Compute/snapshots
  disk, // disk: Microsoft.Compute/disks
  postgresqlServer, // postgresql-server: Microsoft.DBforPostgreSQL/flexibleServers
  storageAccount, // storage-account: Microsoft.Storage/storageAccounts
  redisCache, // redis-cache: Microsoft.Cache/redis
  vmScaleSet, // vm-scale-set: Microsoft.Compute/virtualMachineScaleSets
  publicIpAddress, // public-ip: Microsoft.Network/publicIPAddresses
  networkInterface, // network-interface: Microsoft.Network/networkInterfaces
  loadBalancer, // load-balancer: Microsoft.Network/loadBalancers
  networkSecurityGroup, // network-security-group: Microsoft.Network/networkSecurityGroups
  appServicePlan, // app-service-plan: Microsoft.Web/serverfarms
  resourceGroup, // resource-group: Microsoft.Resources/subscriptions/resourceGroups (from ResourceContainers)
  keyVault, // key-vault: Microsoft.KeyVault/vaults
] as const;

/** The kinds the descriptors name (`resource:` in a policy, `any` aside). */
export type DescribedKind = (typeof RESOURCE_TYPES)[number]["kind"];

const BY_KIND = new Map<string, ResourceTypeDescriptor<DescribedKind>>(RESOURCE_TYPES.map((type) => [type.kind, type]));
const BY_ARM_TYPE = new Map<string, ResourceTypeDescriptor<DescribedKind>>(
  RESOURCE_TYPES.map((type) => [type.armType.toLowerCase(), type]),
);

/** The descriptor of a kind; `undefined` for `any` or a name no descriptor has. */
export function resourceTypeOfKind(kind: string): ResourceTypeDescriptor<DescribedKind> | undefined {
  return BY_KIND.get(kind);
}

/** The descriptor of an ARM type, whatever its case; `undefined` for a type Governor has none for. */
export function resourceTypeOfArmType(armType: string): ResourceTypeDescriptor<DescribedKind> | undefined {
  return BY_ARM_TYPE.get(armType.toLowerCase());
}
