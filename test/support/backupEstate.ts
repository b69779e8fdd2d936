/** Estate entries the Azure Backup tests plant: production VMs, a vault, its daily "gold" policy. */
import type { EstateResource } from "../../emulator/estate/load.ts";

export const VAULT_RG = "rg-backup";
export const APP_RG = "rg-odoo-prod";

export const productionVm = (name: string, location = "westeurope"): EstateResource => ({
  type: "Microsoft.Compute/virtualMachines",
  resourceGroup: APP_RG,
  name,
  body: { location, tags: { environment: "prod" }, properties: { hardwareProfile: { vmSize: "Standard_D4s_v5" } } },
});

export const vault = (name: string, location: string, tags: Record<string, string> = { environment: "prod" }): EstateResource => ({
  type: "Microsoft.RecoveryServices/vaults",
  resourceGroup: VAULT_RG,
  name,
  body: { location, tags, sku: { name: "RS0", tier: "Standard" }, properties: {} },
});

/** A daily backup at 01:00 UTC kept 30 days, as `policy-gold` of the vault. */
export const goldPolicy = (vaultName: string): EstateResource => ({
  type: "Microsoft.RecoveryServices/vaults/backupPolicies",
  resourceGroup: VAULT_RG,
  name: `${vaultName}/policy-gold`,
  body: {
    properties: {
      backupManagementType: "AzureIaasVM",
      schedulePolicy: {
        schedulePolicyType: "SimpleSchedulePolicy",
        scheduleRunFrequency: "Daily",
        scheduleRunTimes: ["2026-01-01T01:00:00Z"],
      },
      retentionPolicy: {
        retentionPolicyType: "LongTermRetentionPolicy",
        dailySchedule: { retentionTimes: ["2026-01-01T01:00:00Z"], retentionDuration: { count: 30, durationType: "Days" } },
      },
      timeZone: "UTC",
    },
  },
});
