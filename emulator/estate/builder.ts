/**
 * Small builders that write estate entries the way a user would create the resources (PUT bodies),
 * so the sample estate and the generated ones read as an inventory rather than as JSON.
 */
import type { EstateDefinition, EstateResource } from "./load.ts";
import type { SimulationState, WorkloadProfile } from "../store.ts";

export type Tags = Record<string, string>;

export interface VmSpec {
  size: string;
  tags?: Tags;
  location?: string;
  power?: "running" | "deallocated" | "stopped";
  workload?: WorkloadProfile;
  os?: "linux" | "windows";
  /** Days before `now` when the VM was created. */
  ageDays?: number;
  dataDisks?: number;
}

const DAY_MS = 86_400_000;

export class EstateBuilder {
  readonly subscriptionId: string;
  readonly now: Date;
  readonly estate: EstateDefinition = { resourceGroups: [], resources: [] };
  readonly #groupLocation = new Map<string, string>();

  constructor(subscriptionId: string, now: Date) {
    this.subscriptionId = subscriptionId;
    this.now = now;
  }

  daysAgo(days: number): string {
    return new Date(this.now.getTime() - days * DAY_MS).toISOString();
  }

  id(resourceGroup: string, type: string, name: string): string {
    const [provider, ...segments] = type.split("/");
    const names = name.split("/");
    return `/subscriptions/${this.subscriptionId}/resourceGroups/${resourceGroup}/providers/${provider}/${segments
      .map((segment, index) => `${segment}/${names[index]}`)
      .join("/")}`;
  }

  group(name: string, location: string, tags: Tags = {}): this {
    this.estate.resourceGroups.push({ name, location, tags });
    this.#groupLocation.set(name, location);
    return this;
  }

  #location(resourceGroup: string, override?: string): string {
    return override ?? this.#groupLocation.get(resourceGroup) ?? "westeurope";
  }

  add(type: string, resourceGroup: string | undefined, name: string, body: Record<string, unknown>, sim?: SimulationState): string {
    const entry: EstateResource = { type, name, body, ...(resourceGroup === undefined ? {} : { resourceGroup }), ...(sim ? { sim } : {}) };
    this.estate.resources.push(entry);
    return resourceGroup === undefined
      ? `/subscriptions/${this.subscriptionId}/providers/${type}/${name}`
      : this.id(resourceGroup, type, name);
  }

  /** A VM with its OS disk (and data disks), attached, as a portal deployment leaves them. */
  vm(resourceGroup: string, name: string, spec: VmSpec): string {
    const location = this.#location(resourceGroup, spec.location);
    const vmId = this.id(resourceGroup, "Microsoft.Compute/virtualMachines", name);
    const created = this.daysAgo(spec.ageDays ?? 180);
    const osDiskName = `${name}_OsDisk_1`;
    const osDiskId = this.disk(resourceGroup, osDiskName, {
      sizeGb: 128,
      sku: "Premium_LRS",
      tags: spec.tags ?? {},
      location,
      managedBy: vmId,
      ageDays: spec.ageDays ?? 180,
      os: spec.os ?? "linux",
    });
    const dataDisks = Array.from({ length: spec.dataDisks ?? 0 }, (_, index) => {
      const diskName = `${name}_DataDisk_${index}`;
      const id = this.disk(resourceGroup, diskName, {
        sizeGb: 512,
        sku: "Premium_LRS",
        tags: spec.tags ?? {},
        location,
        managedBy: vmId,
        ageDays: spec.ageDays ?? 180,
      });
      return {
        lun: index,
        name: diskName,
        createOption: "Attach",
        caching: "ReadOnly",
        diskSizeGB: 512,
        managedDisk: { id, storageAccountType: "Premium_LRS" },
      };
    });
    const windows = spec.os === "windows";
    this.add(
      "Microsoft.Compute/virtualMachines",
      resourceGroup,
      name,
      {
        location,
        tags: spec.tags ?? {},
        properties: {
          hardwareProfile: { vmSize: spec.size },
          storageProfile: {
            imageReference: windows
              ? { publisher: "MicrosoftWindowsServer", offer: "WindowsServer", sku: "2022-datacenter-azure-edition", version: "latest" }
              : { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" },
            osDisk: {
              osType: windows ? "Windows" : "Linux",
              name: osDiskName,
              createOption: "FromImage",
              caching: "ReadWrite",
              diskSizeGB: 128,
              managedDisk: { id: osDiskId, storageAccountType: "Premium_LRS" },
            },
            dataDisks,
          },
          osProfile: { computerName: name, adminUsername: "azureuser" },
          networkProfile: {
            networkInterfaces: [
              { id: this.id(resourceGroup, "Microsoft.Network/networkInterfaces", `${name}-nic`), properties: { primary: true } },
            ],
          },
          timeCreated: created,
        },
      },
      { powerState: spec.power ?? "running", workload: spec.workload ?? "steady" },
    );
    return vmId;
  }

  disk(
    resourceGroup: string,
    name: string,
    spec: { sizeGb: number; sku: string; tags?: Tags; location?: string; managedBy?: string; ageDays?: number; os?: "linux" | "windows" },
  ): string {
    const body: Record<string, unknown> = {
      location: this.#location(resourceGroup, spec.location),
      tags: spec.tags ?? {},
      sku: { name: spec.sku },
      properties: {
        creationData: { createOption: spec.os === undefined ? "Empty" : "FromImage" },
        diskSizeGB: spec.sizeGb,
        timeCreated: this.daysAgo(spec.ageDays ?? 90),
        ...(spec.os === undefined ? {} : { osType: spec.os === "windows" ? "Windows" : "Linux" }),
      },
    };
    if (spec.managedBy !== undefined) body.managedBy = spec.managedBy;
    return this.add("Microsoft.Compute/disks", resourceGroup, name, body);
  }

  snapshot(
    resourceGroup: string,
    name: string,
    spec: { sourceDiskId: string; ageDays: number; tags?: Tags; sizeGb?: number; location?: string },
  ): string {
    return this.add("Microsoft.Compute/snapshots", resourceGroup, name, {
      location: this.#location(resourceGroup, spec.location),
      tags: spec.tags ?? {},
      sku: { name: "Standard_LRS" },
      properties: {
        creationData: { createOption: "Copy", sourceResourceId: spec.sourceDiskId },
        diskSizeGB: spec.sizeGb ?? 128,
        incremental: true,
        timeCreated: this.daysAgo(spec.ageDays),
      },
    });
  }

  aks(
    resourceGroup: string,
    name: string,
    spec: { tags?: Tags; nodeSize: string; nodes: number; power?: "Running" | "Stopped"; workload?: WorkloadProfile },
  ): string {
    const location = this.#location(resourceGroup);
    const power = { code: spec.power ?? "Running" };
    const id = this.add(
      "Microsoft.ContainerService/managedClusters",
      resourceGroup,
      name,
      {
        location,
        tags: spec.tags ?? {},
        sku: { name: "Base", tier: "Standard" },
        identity: { type: "SystemAssigned" },
        properties: {
          kubernetesVersion: "1.33.2",
          dnsPrefix: name,
          powerState: power,
          agentPoolProfiles: [
            {
              name: "system",
              count: spec.nodes,
              vmSize: spec.nodeSize,
              mode: "System",
              osType: "Linux",
              type: "VirtualMachineScaleSets",
              powerState: power,
            },
          ],
        },
      },
      { workload: spec.workload ?? "steady" },
    );
    this.add("Microsoft.ContainerService/managedClusters/agentPools", resourceGroup, `${name}/system`, {
      properties: {
        count: spec.nodes,
        vmSize: spec.nodeSize,
        mode: "System",
        osType: "Linux",
        type: "VirtualMachineScaleSets",
        powerState: power,
      },
    });
    return id;
  }

  postgres(
    resourceGroup: string,
    name: string,
    spec: {
      tags?: Tags;
      sku: string;
      tier: string;
      storageGb: number;
      retentionDays: number;
      geoRedundant: boolean;
      version?: string;
      workload?: WorkloadProfile;
    },
  ): string {
    return this.add(
      "Microsoft.DBforPostgreSQL/flexibleServers",
      resourceGroup,
      name,
      {
        location: this.#location(resourceGroup),
        tags: spec.tags ?? {},
        sku: { name: spec.sku, tier: spec.tier },
        properties: {
          version: spec.version ?? "17",
          administratorLogin: "odooadmin",
          storage: { storageSizeGB: spec.storageGb, autoGrow: "Enabled" },
          backup: { backupRetentionDays: spec.retentionDays, geoRedundantBackup: spec.geoRedundant ? "Enabled" : "Disabled" },
          highAvailability: { mode: "Disabled" },
          network: { publicNetworkAccess: "Disabled" },
          createMode: "Create",
        },
      },
      { workload: spec.workload ?? "steady" },
    );
  }

  generic(
    type: string,
    resourceGroup: string,
    name: string,
    spec: { tags?: Tags; sku?: Record<string, unknown>; kind?: string; properties?: Record<string, unknown> },
  ): string {
    return this.add(type, resourceGroup, name, {
      location: this.#location(resourceGroup),
      tags: spec.tags ?? {},
      ...(spec.sku ? { sku: spec.sku } : {}),
      ...(spec.kind ? { kind: spec.kind } : {}),
      properties: spec.properties ?? {},
    });
  }

  vault(resourceGroup: string, name: string, location: string, tags: Tags = {}): string {
    return this.add("Microsoft.RecoveryServices/vaults", resourceGroup, name, {
      location,
      tags,
      sku: { name: "RS0", tier: "Standard" },
      properties: {},
    });
  }

  backupPolicy(
    resourceGroup: string,
    vault: string,
    name: string,
    spec: { dailyRetentionDays: number; weeklyRetentionWeeks?: number },
  ): string {
    return this.add("Microsoft.RecoveryServices/vaults/backupPolicies", resourceGroup, `${vault}/${name}`, {
      properties: {
        backupManagementType: "AzureIaasVM",
        policyType: "V2",
        instantRpRetentionRangeInDays: 2,
        timeZone: "W. Europe Standard Time",
        schedulePolicy: {
          schedulePolicyType: "SimpleSchedulePolicyV2",
          scheduleRunFrequency: "Daily",
          dailySchedule: { scheduleRunTimes: ["2026-01-01T01:00:00Z"] },
        },
        retentionPolicy: {
          retentionPolicyType: "LongTermRetentionPolicy",
          dailySchedule: {
            retentionTimes: ["2026-01-01T01:00:00Z"],
            retentionDuration: { count: spec.dailyRetentionDays, durationType: "Days" },
          },
          ...(spec.weeklyRetentionWeeks === undefined
            ? {}
            : {
                weeklySchedule: {
                  daysOfTheWeek: ["Sunday"],
                  retentionTimes: ["2026-01-01T01:00:00Z"],
                  retentionDuration: { count: spec.weeklyRetentionWeeks, durationType: "Weeks" },
                },
              }),
        },
      },
    });
  }

  /** Protection of a VM in a vault, at the path Azure Backup uses for IaaS VMs. */
  protect(vaultGroup: string, vault: string, vmId: string, policyId: string): string {
    const parts = vmId.split("/");
    const vmGroup = parts[4] as string;
    const vmName = parts.at(-1) as string;
    const container = `iaasvmcontainer;iaasvmcontainerv2;${vmGroup};${vmName}`;
    const item = `vm;iaasvmcontainerv2;${vmGroup};${vmName}`;
    return this.add(
      "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems",
      vaultGroup,
      `${vault}/Azure/${container}/${item}`,
      { properties: { protectedItemType: "Microsoft.Compute/virtualMachines", sourceResourceId: vmId, policyId } },
    );
  }

  budget(name: string, spec: { amount: number; currentSpend: number; forecastSpend: number; contactEmails: string[] }): string {
    const start = new Date(Date.UTC(this.now.getUTCFullYear(), this.now.getUTCMonth(), 1)).toISOString();
    return this.add("Microsoft.Consumption/budgets", undefined, name, {
      properties: {
        category: "Cost",
        amount: spec.amount,
        timeGrain: "Monthly",
        timePeriod: { startDate: start, endDate: "2027-12-31T00:00:00Z" },
        currentSpend: { amount: spec.currentSpend, unit: "EUR" },
        forecastSpend: { amount: spec.forecastSpend, unit: "EUR" },
        notifications: {
          Actual_GreaterThan_80_Percent: {
            enabled: true,
            operator: "GreaterThan",
            threshold: 80,
            contactEmails: spec.contactEmails,
            thresholdType: "Actual",
          },
          Actual_GreaterThanOrEqualTo_100_Percent: {
            enabled: true,
            operator: "GreaterThanOrEqualTo",
            threshold: 100,
            contactEmails: spec.contactEmails,
            thresholdType: "Actual",
          },
          Forecasted_GreaterThan_100_Percent: {
            enabled: true,
            operator: "GreaterThan",
            threshold: 100,
            contactEmails: spec.contactEmails,
            thresholdType: "Forecasted",
          },
        },
      },
    });
  }
}
