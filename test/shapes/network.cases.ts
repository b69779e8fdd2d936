import type { EstateDefinition } from "../../emulator/estate/load.ts";
import { rawRequest } from "../support/http.ts";
import type { ShapeFamily } from "../support/shapes.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const RG = "rg-network";
const NET = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network`;
const API = "api-version=2026-01-01";
const LB = `${NET}/loadBalancers/lb-odoo-app`;
const SUBNET = `${NET}/virtualNetworks/vnet-odoo/subnets/snet-app`;

const estate: EstateDefinition = {
  resourceGroups: [{ name: RG, location: "westeurope", tags: { environment: "prod" } }],
  resources: [
    {
      type: "Microsoft.Network/virtualNetworks",
      resourceGroup: RG,
      name: "vnet-odoo",
      body: {
        location: "westeurope",
        properties: {
          addressSpace: { addressPrefixes: ["10.10.0.0/16"] },
          subnets: [
            {
              name: "snet-app",
              properties: {
                addressPrefix: "10.10.1.0/24",
                networkSecurityGroup: { id: `${NET}/networkSecurityGroups/nsg-odoo-app` },
                natGateway: { id: `${NET}/natGateways/natgw-odoo` },
              },
            },
          ],
        },
      },
    },
    {
      type: "Microsoft.Network/networkSecurityGroups",
      resourceGroup: RG,
      name: "nsg-odoo-app",
      body: { location: "westeurope", properties: {} },
    },
    { type: "Microsoft.Network/networkSecurityGroups", resourceGroup: RG, name: "nsg-odoo-old", body: { location: "westeurope" } },
    {
      type: "Microsoft.Network/publicIPAddresses",
      resourceGroup: RG,
      name: "pip-odoo-app-01",
      body: {
        location: "westeurope",
        sku: { name: "Standard" },
        properties: {
          publicIPAllocationMethod: "Static",
          ddosSettings: { protectionMode: "Enabled", ddosProtectionPlan: { id: `${NET}/ddosProtectionPlans/ddos-odoo` } },
          ipTags: [{ ipTagType: "FirstPartyUsage", tag: "SQL" }],
          dnsSettings: { domainNameLabel: "odoo-app-01", domainNameLabelScope: "TenantReuse" },
        },
      },
    },
    {
      type: "Microsoft.Network/publicIPAddresses",
      resourceGroup: RG,
      name: "pip-natgw-odoo",
      body: { location: "westeurope", sku: { name: "Standard" }, properties: { publicIPAllocationMethod: "Static" } },
    },
    {
      type: "Microsoft.Network/publicIPAddresses",
      resourceGroup: RG,
      name: "pip-odoo-orphan",
      body: { location: "westeurope", sku: { name: "Standard" } },
    },
    {
      type: "Microsoft.Network/natGateways",
      resourceGroup: RG,
      name: "natgw-odoo",
      body: {
        location: "westeurope",
        sku: { name: "Standard" },
        properties: {
          idleTimeoutInMinutes: 5,
          publicIpAddresses: [{ id: `${NET}/publicIPAddresses/pip-natgw-odoo` }],
          publicIpAddressesV6: [{ id: `${NET}/publicIPAddresses/pip-natgw-odoo-v6` }],
          publicIpPrefixes: [{ id: `${NET}/publicIPPrefixes/ippre-odoo` }],
          publicIpPrefixesV6: [{ id: `${NET}/publicIPPrefixes/ippre-odoo-v6` }],
          sourceVirtualNetwork: { id: `${NET}/virtualNetworks/vnet-odoo` },
        },
      },
    },
    {
      type: "Microsoft.Network/loadBalancers",
      resourceGroup: RG,
      name: "lb-odoo-app",
      body: {
        location: "westeurope",
        sku: { name: "Standard" },
        properties: {
          scope: "Public",
          frontendIPConfigurations: [{ name: "fe-app", properties: { subnet: { id: SUBNET } } }],
          backendAddressPools: [{ name: "be-app" }],
          loadBalancingRules: [
            {
              name: "rule-https",
              properties: {
                frontendIPConfiguration: { id: `${LB}/frontendIPConfigurations/fe-app` },
                backendAddressPool: { id: `${LB}/backendAddressPools/be-app` },
                probe: { id: `${LB}/probes/probe-https` },
                protocol: "Tcp",
                frontendPort: 443,
                backendPort: 443,
                enableFloatingIP: false,
                idleTimeoutInMinutes: 15,
                enableTcpReset: true,
                loadDistribution: "Default",
                disableOutboundSnat: false,
              },
            },
          ],
          probes: [
            {
              name: "probe-https",
              properties: {
                protocol: "Http",
                port: 8069,
                requestPath: "/web/health",
                intervalInSeconds: 15,
                numberOfProbes: 2,
                probeThreshold: 1,
              },
            },
          ],
          inboundNatRules: [
            {
              name: "nat-ssh",
              properties: {
                frontendIPConfiguration: { id: `${LB}/frontendIPConfigurations/fe-app` },
                protocol: "Tcp",
                frontendPort: 2222,
                backendPort: 22,
                enableFloatingIP: false,
                idleTimeoutInMinutes: 4,
                enableTcpReset: true,
              },
            },
          ],
        },
      },
    },
    {
      type: "Microsoft.Network/networkInterfaces",
      resourceGroup: RG,
      name: "vm-odoo-app-01-nic",
      body: {
        location: "westeurope",
        properties: {
          enableAcceleratedNetworking: true,
          networkSecurityGroup: { id: `${NET}/networkSecurityGroups/nsg-odoo-app` },
          ipConfigurations: [
            {
              name: "ipconfig1",
              properties: {
                subnet: { id: SUBNET },
                publicIPAddress: { id: `${NET}/publicIPAddresses/pip-odoo-app-01` },
                loadBalancerBackendAddressPools: [{ id: `${LB}/backendAddressPools/be-app` }],
              },
            },
          ],
        },
      },
    },
    {
      type: "Microsoft.Network/networkInterfaces",
      resourceGroup: RG,
      name: "nic-odoo-detached",
      body: { location: "westeurope", properties: { ipConfigurations: [{ name: "ipconfig1", properties: { subnet: { id: SUBNET } } }] } },
    },
    {
      type: "Microsoft.Compute/virtualMachines",
      resourceGroup: RG,
      name: "vm-odoo-app-01",
      body: {
        location: "westeurope",
        properties: {
          hardwareProfile: { vmSize: "Standard_D4s_v5" },
          networkProfile: { networkInterfaces: [{ id: `${NET}/networkInterfaces/vm-odoo-app-01-nic` }] },
        },
      },
    },
  ],
};

export const networkShapes: ShapeFamily = {
  name: "network",
  estate,
  cases: [
    {
      example: "network/public-ip-get.json",
      run: (emulator) => rawRequest(emulator, "GET", `${NET}/publicIPAddresses/pip-odoo-app-01?${API}`),
    },
    {
      example: "network/public-ip-list-all.json",
      run: (emulator) => rawRequest(emulator, "GET", `/subscriptions/${SUB}/providers/Microsoft.Network/publicIPAddresses?${API}`),
    },
    {
      example: "network/public-ip-delete.json",
      status: "202",
      run: (emulator) => rawRequest(emulator, "DELETE", `${NET}/publicIPAddresses/pip-odoo-orphan?${API}`),
    },
    {
      example: "network/network-interface-list-all.json",
      run: (emulator) => rawRequest(emulator, "GET", `/subscriptions/${SUB}/providers/Microsoft.Network/networkInterfaces?${API}`),
    },
    {
      example: "network/network-interface-delete.json",
      status: "202",
      run: (emulator) => rawRequest(emulator, "DELETE", `${NET}/networkInterfaces/nic-odoo-detached?${API}`),
    },
    { example: "network/load-balancer-get.json", run: (emulator) => rawRequest(emulator, "GET", `${LB}?${API}`) },
    {
      example: "network/load-balancer-list-all.json",
      run: (emulator) => rawRequest(emulator, "GET", `/subscriptions/${SUB}/providers/Microsoft.Network/loadBalancers?${API}`),
    },
    {
      example: "network/network-security-group-list-all.json",
      run: (emulator) => rawRequest(emulator, "GET", `/subscriptions/${SUB}/providers/Microsoft.Network/networkSecurityGroups?${API}`),
    },
    {
      example: "network/nat-gateway-list-all.json",
      run: (emulator) => rawRequest(emulator, "GET", `/subscriptions/${SUB}/providers/Microsoft.Network/natGateways?${API}`),
    },
  ],
};
