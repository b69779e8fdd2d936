/** AKS managed clusters: what off-hours and idle policies stop (control plane and every node pool). */
import { asObject, describeResourceType, nonEmptyString, powerStateWord } from "./descriptor.ts";

export const aksCluster = describeResourceType({
  kind: "aks-cluster",
  armType: "Microsoft.ContainerService/managedClusters",
  properties: [
    // Power state, and the pools (node size and count) that make the cluster's cost.
    "powerState.code",
    "agentPoolProfiles",
  ],
  // The node size of the first pool.
  sku: (properties) => {
    const pools = properties.agentPoolProfiles;
    return Array.isArray(pools) ? nonEmptyString(asObject(pools[0])?.vmSize) : undefined;
  },
  // `Running` or `Stopped`; Stopping and Starting show only as the cluster's provisioningState.
  powerState: { path: "powerState.code", read: powerStateWord, transitions: ["stopping", "starting"] },
  metrics: { namespace: "Microsoft.ContainerService/managedClusters" },
  events: [
    { operation: "Microsoft.ContainerService/managedClusters/write", why: "created or changed" },
    {
      operation: "Microsoft.ContainerService/managedClusters/start/action",
      why: "running again: off-hours policies decide on running clusters",
    },
  ],
  // Per node of its pools.
  price: { per: "hour", of: "compute-size" },
  reread: { apiVersion: "2026-06-01" },
});
