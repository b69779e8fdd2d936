import type { EstateDefinition } from "../../emulator/estate/load.ts";
import { rawRequest } from "../support/http.ts";
import type { ShapeFamily } from "../support/shapes.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const RG = "rg-odoo-aks";
const RG_ID = `/subscriptions/${SUB}/resourceGroups/${RG}`;
const CLUSTERS = `${RG_ID}/providers/Microsoft.ContainerService/managedClusters`;
const API = "api-version=2025-07-01";
const ACTION_API = "api-version=2025-10-01";

const estate: EstateDefinition = {
  resourceGroups: [{ name: RG, location: "westeurope", tags: { environment: "prod" } }],
  resources: [
    {
      type: "Microsoft.ContainerService/managedClusters",
      resourceGroup: RG,
      name: "aks-odoo-prod",
      body: {
        location: "westeurope",
        tags: { environment: "prod", tier: "production" },
        properties: {
          kubernetesVersion: "1.33.2",
          dnsPrefix: "aks-odoo-prod",
          agentPoolProfiles: [
            {
              name: "nodepool1",
              count: 3,
              vmSize: "Standard_D4s_v5",
              mode: "System",
              availabilityZones: ["1", "2", "3"],
              upgradeSettings: { maxSurge: "33%" },
            },
          ],
          linuxProfile: {
            adminUsername: "azureuser",
            ssh: { publicKeys: [{ keyData: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ governor" }] },
          },
          servicePrincipalProfile: { clientId: "3f2b6c1e-9a7d-4e58-b1c0-5d8e2f4a6b90" },
          enableRBAC: false,
          diskEncryptionSetID: `${RG_ID}/providers/Microsoft.Compute/diskEncryptionSets/des-odoo-prod`,
          networkProfile: {
            networkPlugin: "kubenet",
            loadBalancerProfile: {
              allocatedOutboundPorts: 2000,
              idleTimeoutInMinutes: 10,
              outboundIPs: {
                publicIPs: [
                  { id: `${RG_ID}/providers/Microsoft.Network/publicIPAddresses/pip-aks-outbound-1` },
                  { id: `${RG_ID}/providers/Microsoft.Network/publicIPAddresses/pip-aks-outbound-2` },
                ],
              },
            },
          },
          upgradeSettings: { overrideSettings: { forceUpgrade: true, until: "2026-12-01T13:00:00Z" } },
        },
      },
    },
    {
      type: "Microsoft.ContainerService/managedClusters",
      resourceGroup: RG,
      name: "aks-odoo-dev",
      body: {
        location: "westeurope",
        tags: { environment: "dev" },
        properties: {
          dnsPrefix: "aks-odoo-dev",
          agentPoolProfiles: [{ name: "system", count: 2, vmSize: "Standard_D2s_v5", mode: "System" }],
        },
      },
    },
    {
      type: "Microsoft.ContainerService/managedClusters",
      resourceGroup: RG,
      name: "aks-odoo-test",
      body: {
        location: "westeurope",
        tags: { environment: "test" },
        properties: {
          dnsPrefix: "aks-odoo-test",
          powerState: { code: "Stopped" },
          agentPoolProfiles: [{ name: "system", count: 1, vmSize: "Standard_D2s_v5", mode: "System" }],
        },
      },
    },
  ],
};

export const containerServiceShapes: ShapeFamily = {
  name: "containerService",
  estate,
  cases: [
    {
      example: "aks/managed-cluster-get.json",
      dynamic: ["tags"],
      run: (emulator) => rawRequest(emulator, "GET", `${CLUSTERS}/aks-odoo-prod?${API}`),
    },
    {
      example: "aks/managed-cluster-list.json",
      dynamic: ["value[].tags"],
      run: (emulator) => rawRequest(emulator, "GET", `/subscriptions/${SUB}/providers/Microsoft.ContainerService/managedClusters?${API}`),
    },
    {
      example: "aks/managed-cluster-stop.json",
      run: (emulator) => rawRequest(emulator, "POST", `${CLUSTERS}/aks-odoo-dev/stop?${ACTION_API}`),
    },
    {
      example: "aks/managed-cluster-start.json",
      run: (emulator) => rawRequest(emulator, "POST", `${CLUSTERS}/aks-odoo-test/start?${ACTION_API}`),
    },
    {
      example: "aks/agent-pool-get.json",
      run: (emulator) => rawRequest(emulator, "GET", `${CLUSTERS}/aks-odoo-prod/agentPools/nodepool1?${API}`),
    },
    {
      example: "aks/agent-pool-list.json",
      run: (emulator) => rawRequest(emulator, "GET", `${CLUSTERS}/aks-odoo-prod/agentPools?${API}`),
    },
  ],
};
