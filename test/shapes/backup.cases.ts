import type { EstateDefinition, EstateResource } from "../../emulator/estate/load.ts";
import { rawRequest } from "../support/http.ts";
import type { ShapeFamily } from "../support/shapes.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const RG = "rg-backup";
const APP_RG = "rg-odoo-prod";
const VAULT = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.RecoveryServices/vaults/rsv-odoo-westeurope`;
const API = "api-version=2025-02-01";
const POLICY = `${VAULT}/backupPolicies/policy-daily`;
const vmId = (name: string): string => `/subscriptions/${SUB}/resourceGroups/${APP_RG}/providers/Microsoft.Compute/virtualMachines/${name}`;
const itemPath = (vm: string): string =>
  `${VAULT}/backupFabrics/Azure/protectionContainers/iaasvmcontainer;iaasvmcontainerv2;${APP_RG};${vm}/protectedItems/vm;iaasvmcontainerv2;${APP_RG};${vm}`;

const vm = (name: string): EstateResource => ({
  type: "Microsoft.Compute/virtualMachines",
  resourceGroup: APP_RG,
  name,
  body: { location: "westeurope", tags: { environment: "prod" }, properties: { hardwareProfile: { vmSize: "Standard_D4s_v5" } } },
});

const estate: EstateDefinition = {
  resourceGroups: [
    { name: RG, location: "westeurope", tags: { environment: "prod" } },
    { name: APP_RG, location: "westeurope", tags: { environment: "prod" } },
  ],
  resources: [
    {
      type: "Microsoft.RecoveryServices/vaults",
      resourceGroup: RG,
      name: "rsv-odoo-westeurope",
      body: { location: "westeurope", tags: { environment: "prod" }, sku: { name: "Standard" }, properties: {} },
    },
    {
      type: "Microsoft.RecoveryServices/vaults",
      resourceGroup: RG,
      name: "rsv-odoo-northeurope",
      body: { location: "northeurope", tags: { environment: "dr" }, sku: { name: "Standard" }, properties: {} },
    },
    {
      type: "Microsoft.RecoveryServices/vaults/backupPolicies",
      resourceGroup: RG,
      name: "rsv-odoo-westeurope/policy-daily",
      body: {
        properties: {
          backupManagementType: "AzureIaasVM",
          schedulePolicy: {
            schedulePolicyType: "SimpleSchedulePolicy",
            scheduleRunFrequency: "Daily",
            scheduleRunTimes: ["2026-01-01T02:00:00Z"],
          },
          retentionPolicy: {
            retentionPolicyType: "LongTermRetentionPolicy",
            dailySchedule: { retentionTimes: ["2026-01-01T02:00:00Z"], retentionDuration: { count: 14, durationType: "Days" } },
          },
          timeZone: "UTC",
        },
      },
    },
    vm("vm-odoo-prod-app-01"),
    vm("vm-odoo-prod-app-02"),
    vm("vm-odoo-prod-worker-01"),
    {
      type: "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems",
      resourceGroup: RG,
      name: `rsv-odoo-westeurope/Azure/iaasvmcontainer;iaasvmcontainerv2;${APP_RG};vm-odoo-prod-app-01/vm;iaasvmcontainerv2;${APP_RG};vm-odoo-prod-app-01`,
      body: {
        properties: {
          protectedItemType: "Microsoft.Compute/virtualMachines",
          sourceResourceId: vmId("vm-odoo-prod-app-01"),
          policyId: POLICY,
        },
      },
    },
  ],
};

const enable = (vm: string) => ({
  properties: { protectedItemType: "Microsoft.Compute/virtualMachines", sourceResourceId: vmId(vm), policyId: POLICY },
});

export const backupShapes: ShapeFamily = {
  name: "backup",
  estate,
  cases: [
    {
      example: "recovery-services-backup/vaults-list-by-subscription.json",
      dynamic: ["value[].tags"],
      run: (emulator) => rawRequest(emulator, "GET", `/subscriptions/${SUB}/providers/Microsoft.RecoveryServices/vaults?${API}`),
    },
    {
      example: "recovery-services-backup/protection-policy-get.json",
      run: (emulator) => rawRequest(emulator, "GET", `${POLICY}?${API}`),
    },
    {
      example: "recovery-services-backup/protectable-items-list.json",
      run: (emulator) =>
        rawRequest(
          emulator,
          "GET",
          `${VAULT}/backupProtectableItems?${API}&$filter=${encodeURIComponent("backupManagementType eq 'AzureIaasVM'")}`,
        ),
    },
    {
      example: "recovery-services-backup/backup-protected-items-list.json",
      run: (emulator) =>
        rawRequest(
          emulator,
          "GET",
          `${VAULT}/backupProtectedItems?${API}&$filter=${encodeURIComponent("backupManagementType eq 'AzureIaasVM' and itemType eq 'VM'")}`,
        ),
    },
    {
      example: "recovery-services-backup/protected-item-create-or-update-enable-vm-protection.json",
      status: "202",
      run: (emulator) => rawRequest(emulator, "PUT", `${itemPath("vm-odoo-prod-app-02")}?${API}`, enable("vm-odoo-prod-app-02")),
    },
    {
      // Enabling protection again with the same policy: nothing to do, the item at once.
      example: "recovery-services-backup/protected-item-create-or-update-enable-vm-protection.json",
      status: "200",
      run: (emulator) => rawRequest(emulator, "PUT", `${itemPath("vm-odoo-prod-app-01")}?${API}`, enable("vm-odoo-prod-app-01")),
    },
  ],
};
