/**
 * AKS through the real ContainerServiceClient: stop and start are long-running, the cluster and its
 * agent pools go through Stopping/Starting to Stopped/Running, and each change is one event.
 */
import type { ContainerServiceClient, ManagedCluster } from "@azure/arm-containerservice";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EstateDefinition } from "../../emulator/estate/load.ts";
import { startEmulator, type Emulator } from "../../emulator/server.ts";
import type { ResourceChange } from "../../emulator/store.ts";
import { containerServiceClient } from "../../shared/azure/clients.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { rawRequest } from "../support/http.ts";

const RG = "rg-odoo-staging";
const FAST = { updateIntervalInMs: 10 };

const estate: EstateDefinition = {
  resourceGroups: [{ name: RG, location: "westeurope", tags: { environment: "staging" } }],
  resources: [
    {
      type: "Microsoft.ContainerService/managedClusters",
      resourceGroup: RG,
      name: "aks-odoo-staging",
      body: {
        location: "westeurope",
        tags: { environment: "staging" },
        properties: {
          kubernetesVersion: "1.33.2",
          dnsPrefix: "aks-odoo-staging",
          agentPoolProfiles: [
            { name: "system", count: 2, vmSize: "Standard_D4s_v5", mode: "System" },
            { name: "workers", count: 3, vmSize: "Standard_D8s_v5", mode: "User" },
          ],
        },
      },
      sim: { workload: "business-hours" },
    },
  ],
};

let emulator: Emulator;
let client: ContainerServiceClient;
const changes: ResourceChange[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ estate, throttle: false });
  emulator.core.store.changes.on("change", (change) => changes.push(change));
  client = await containerServiceClient(emulatorTarget(emulator, emulator.core.subscriptionId));
});
afterAll(async () => emulator.close());

async function poolStates(cluster: string): Promise<Array<{ name?: string; power?: string; state?: string }>> {
  const pools: Array<{ name?: string; power?: string; state?: string }> = [];
  for await (const pool of client.agentPools.list(RG, cluster)) {
    pools.push({ name: pool.name, power: pool.powerState?.code, state: pool.provisioningState });
  }
  return pools;
}

const clusterState = (cluster: ManagedCluster) => ({ power: cluster.powerState?.code, state: cluster.provisioningState });

describe("AKS stop and start through the real ContainerServiceClient", () => {
  it("stops a running cluster: Stopping while the operation runs, then Stopped on the cluster and every agent pool", async () => {
    const since = changes.length;
    const poller = await client.managedClusters.beginStop(RG, "aks-odoo-staging", FAST);

    // The operation has been accepted but not completed: the transitional state shows.
    expect(clusterState(await client.managedClusters.get(RG, "aks-odoo-staging"))).toEqual({ power: "Running", state: "Stopping" });
    expect(await poolStates("aks-odoo-staging")).toEqual([
      { name: "system", power: "Running", state: "Stopping" },
      { name: "workers", power: "Running", state: "Stopping" },
    ]);

    await poller.pollUntilDone();

    const cluster = await client.managedClusters.get(RG, "aks-odoo-staging");
    expect(clusterState(cluster)).toEqual({ power: "Stopped", state: "Succeeded" });
    expect(cluster.agentPoolProfiles?.map((profile) => [profile.name, profile.powerState?.code])).toEqual([
      ["system", "Stopped"],
      ["workers", "Stopped"],
    ]);
    expect(await poolStates("aks-odoo-staging")).toEqual([
      { name: "system", power: "Stopped", state: "Succeeded" },
      { name: "workers", power: "Stopped", state: "Succeeded" },
    ]);
    // A stopped cluster keeps its node counts, to come back as it was.
    expect((await client.agentPools.get(RG, "aks-odoo-staging", "workers")).count).toBe(3);
    expect(changes.slice(since)).toEqual([
      expect.objectContaining({
        kind: "action",
        resourceId: cluster.id,
        operationName: "Microsoft.ContainerService/managedClusters/stop/action",
      }),
    ]);
  });

  it("stopping a stopped cluster changes nothing and raises no event", async () => {
    const since = changes.length;
    await client.managedClusters.beginStopAndWait(RG, "aks-odoo-staging", FAST);
    expect(clusterState(await client.managedClusters.get(RG, "aks-odoo-staging"))).toEqual({ power: "Stopped", state: "Succeeded" });
    expect(changes.slice(since)).toEqual([]);
  });

  it("refuses to scale a stopped cluster", async () => {
    const cluster = await client.managedClusters.get(RG, "aks-odoo-staging");
    const scaled: ManagedCluster = {
      ...cluster,
      agentPoolProfiles: cluster.agentPoolProfiles?.map((profile) => (profile.name === "workers" ? { ...profile, count: 5 } : profile)),
    };
    await expect(client.managedClusters.beginCreateOrUpdateAndWait(RG, "aks-odoo-staging", scaled, FAST)).rejects.toMatchObject({
      statusCode: 409,
      code: "OperationNotAllowed",
    });
  });

  it("starts a stopped cluster: Starting, then Running on the cluster and every agent pool", async () => {
    const since = changes.length;
    const poller = await client.managedClusters.beginStart(RG, "aks-odoo-staging", FAST);
    expect(clusterState(await client.managedClusters.get(RG, "aks-odoo-staging"))).toEqual({ power: "Stopped", state: "Starting" });

    // Another operation while one is in progress is refused, as AKS does.
    const busy = await rawRequest(
      emulator,
      "POST",
      `/subscriptions/${emulator.core.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/aks-odoo-staging/stop?api-version=2025-10-01`,
    );
    expect(busy.status).toBe(409);
    expect(busy.body).toMatchObject({ error: { code: "AnotherOperationInProgress" } });

    await poller.pollUntilDone();

    expect(clusterState(await client.managedClusters.get(RG, "aks-odoo-staging"))).toEqual({ power: "Running", state: "Succeeded" });
    expect(await poolStates("aks-odoo-staging")).toEqual([
      { name: "system", power: "Running", state: "Succeeded" },
      { name: "workers", power: "Running", state: "Succeeded" },
    ]);
    expect(changes.slice(since).map((change) => change.operationName)).toEqual(["Microsoft.ContainerService/managedClusters/start/action"]);
  });

  it("lists clusters by subscription and resource group with their power state", async () => {
    const all: ManagedCluster[] = [];
    for await (const cluster of client.managedClusters.list()) all.push(cluster);
    const inGroup: ManagedCluster[] = [];
    for await (const cluster of client.managedClusters.listByResourceGroup(RG)) inGroup.push(cluster);
    expect(all.map((cluster) => [cluster.name, cluster.powerState?.code])).toEqual([["aks-odoo-staging", "Running"]]);
    expect(inGroup.map((cluster) => cluster.name)).toEqual(["aks-odoo-staging"]);
  });

  it("creates a cluster and an agent pool through long-running PUTs, each one write event", async () => {
    const since = changes.length;
    const created = await client.managedClusters.beginCreateOrUpdateAndWait(
      RG,
      "aks-odoo-drill",
      {
        location: "westeurope",
        tags: { environment: "drill" },
        dnsPrefix: "aks-odoo-drill",
        agentPoolProfiles: [{ name: "system", count: 1, vmSize: "Standard_D2s_v5", mode: "System" }],
      },
      FAST,
    );
    expect(created).toMatchObject({ name: "aks-odoo-drill", provisioningState: "Succeeded", powerState: { code: "Running" } });
    expect(created.fqdn).toMatch(/^aks-odoo-drill-[0-9a-f]{8}\.hcp\.westeurope\.azmk8s\.io$/);

    const pool = await client.agentPools.beginCreateOrUpdateAndWait(
      RG,
      "aks-odoo-drill",
      "batch",
      { count: 2, vmSize: "Standard_D4s_v5" },
      FAST,
    );
    expect(pool).toMatchObject({ name: "batch", count: 2, mode: "User", provisioningState: "Succeeded", powerState: { code: "Running" } });

    const cluster = await client.managedClusters.get(RG, "aks-odoo-drill");
    expect(cluster.agentPoolProfiles?.map((profile) => [profile.name, profile.count])).toEqual([
      ["system", 1],
      ["batch", 2],
    ]);
    expect(changes.slice(since).map((change) => change.operationName)).toEqual([
      "Microsoft.ContainerService/managedClusters/write",
      "Microsoft.ContainerService/managedClusters/agentPools/write",
    ]);
  });

  it("answers 404 in ARM's shape for a cluster that does not exist", async () => {
    await expect(client.managedClusters.get(RG, "aks-missing")).rejects.toMatchObject({ statusCode: 404, code: "ResourceNotFound" });
  });
});
