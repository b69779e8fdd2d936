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
  /** A public IP (its id) on the VM's NIC. */
  publicIpId?: string;
  /** An NSG (its id) on the VM's NIC. */
  nsgId?: string;
  /** Load balancer backend pools (their ids) the VM's NIC is in. */
  backendPoolIds?: string[];
}

export interface SubnetSpec {
  name: string;
  addressPrefix: string;
  nsgId?: string;
  natGatewayId?: string;
}

const DAY_MS = 86_400_000;

/** A stable number from a text (names AKS's scale sets the way its suffix does: the same every run). */
function hashOf(text: string): number {
  let hash = 0;
  for (let index = 0; index < text.length; index += 1) hash = (Math.imul(hash, 31) + text.charCodeAt(index)) | 0;
  return hash;
}

export class EstateBuilder {
  readonly subscriptionId: string;
  readonly now: Date;
  readonly estate: EstateDefinition = { resourceGroups: [], resources: [] };
  readonly #groupLocation = new Map<string, string>();
  /** The subnet new VMs' NICs join, by region. */
  readonly #subnetByRegion = new Map<string, string>();

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
    const nicId = this.nic(resourceGroup, `${name}-nic`, {
      location,
      tags: spec.tags ?? {},
      ...(spec.publicIpId === undefined ? {} : { publicIpId: spec.publicIpId }),
      ...(spec.nsgId === undefined ? {} : { nsgId: spec.nsgId }),
      ...(spec.backendPoolIds === undefined ? {} : { backendPoolIds: spec.backendPoolIds }),
    });
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
            networkInterfaces: [{ id: nicId, properties: { primary: true } }],
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
    spec: {
      sizeGb: number;
      sku: string;
      tags?: Tags;
      location?: string;
      managedBy?: string;
      ageDays?: number;
      os?: "linux" | "windows";
      /** Days since the disk was last detached from a VM (Azure's `LastOwnershipUpdateTime`). */
      detachedDaysAgo?: number;
    },
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
    const sim = spec.detachedDaysAgo === undefined ? undefined : { lastOwnershipUpdateTime: this.daysAgo(spec.detachedDaysAgo) };
    return this.add("Microsoft.Compute/disks", resourceGroup, name, body, sim);
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
    spec: {
      tags?: Tags;
      nodeSize: string;
      nodes: number;
      power?: "Running" | "Stopped";
      workload?: WorkloadProfile;
      /** Also write the node resource group (`MC_…`) with the node pool's scale set, as AKS makes them. */
      nodeResourceGroup?: boolean;
    },
  ): string {
    const location = this.#location(resourceGroup);
    if (spec.nodeResourceGroup) this.#aksNodes(resourceGroup, name, location, spec);
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
      highAvailability?: "ZoneRedundant" | "SameZone";
      publicNetworkAccess?: "Enabled" | "Disabled";
      /** Server parameters that differ from Azure's defaults, e.g. `ssl_min_protocol_version`. */
      parameters?: Record<string, string>;
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
          highAvailability: { mode: spec.highAvailability ?? "Disabled" },
          network: { publicNetworkAccess: spec.publicNetworkAccess ?? "Disabled" },
          createMode: "Create",
        },
      },
      { workload: spec.workload ?? "steady", ...(spec.parameters ? { parameters: spec.parameters } : {}) },
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

  /** The node resource group AKS makes for a cluster, and the node pool's scale set in it, tagged as AKS tags them. */
  #aksNodes(resourceGroup: string, cluster: string, location: string, spec: { tags?: Tags; nodeSize: string; nodes: number }): void {
    const nodes = `MC_${resourceGroup}_${cluster}_${location}`;
    const clusterId = this.id(resourceGroup, "Microsoft.ContainerService/managedClusters", cluster);
    this.estate.resourceGroups.push({
      name: nodes,
      location,
      tags: { ...(spec.tags ?? {}), "aks-managed-cluster-name": cluster, "aks-managed-cluster-rg": resourceGroup },
    });
    this.#groupLocation.set(nodes, location);
    const suffix = String(Math.abs(hashOf(clusterId)) % 100_000_000).padStart(8, "0");
    this.scaleSet(nodes, `aks-system-${suffix}-vmss`, {
      size: spec.nodeSize,
      capacity: spec.nodes,
      tags: {
        ...(spec.tags ?? {}),
        "aks-managed-poolName": "system",
        "aks-managed-orchestrator": "Kubernetes:1.33.2",
        "aks-managed-resourceNameSuffix": suffix,
        "aks-managed-createOperationID": `${suffix}-0000-4000-8000-000000000000`,
        "aks-managed-coordination": "true",
      },
    });
  }

  /** A virtual network; its first subnet becomes where new VMs' NICs in that region go. */
  vnet(
    resourceGroup: string,
    name: string,
    spec: { addressPrefix: string; subnets: SubnetSpec[]; tags?: Tags; location?: string },
  ): string {
    const location = this.#location(resourceGroup, spec.location);
    const id = this.add("Microsoft.Network/virtualNetworks", resourceGroup, name, {
      location,
      tags: spec.tags ?? {},
      properties: {
        addressSpace: { addressPrefixes: [spec.addressPrefix] },
        subnets: spec.subnets.map((subnet) => ({
          name: subnet.name,
          properties: {
            addressPrefix: subnet.addressPrefix,
            ...(subnet.nsgId === undefined ? {} : { networkSecurityGroup: { id: subnet.nsgId } }),
            ...(subnet.natGatewayId === undefined ? {} : { natGateway: { id: subnet.natGatewayId } }),
          },
        })),
      },
    });
    const first = spec.subnets[0];
    if (first && !this.#subnetByRegion.has(location)) this.#subnetByRegion.set(location, `${id}/subnets/${first.name}`);
    return id;
  }

  /** A NIC on the region's subnet (see `vnet`), with what it points at. */
  nic(
    resourceGroup: string,
    name: string,
    spec: { location?: string; tags?: Tags; publicIpId?: string; nsgId?: string; backendPoolIds?: string[]; subnetId?: string },
  ): string {
    const location = this.#location(resourceGroup, spec.location);
    const subnet = spec.subnetId ?? this.#subnetByRegion.get(location);
    return this.add("Microsoft.Network/networkInterfaces", resourceGroup, name, {
      location,
      tags: spec.tags ?? {},
      properties: {
        ...(spec.nsgId === undefined ? {} : { networkSecurityGroup: { id: spec.nsgId } }),
        ipConfigurations: [
          {
            name: "ipconfig1",
            properties: {
              ...(subnet === undefined ? {} : { subnet: { id: subnet } }),
              ...(spec.publicIpId === undefined ? {} : { publicIPAddress: { id: spec.publicIpId } }),
              ...(spec.backendPoolIds === undefined ? {} : { loadBalancerBackendAddressPools: spec.backendPoolIds.map((id) => ({ id })) }),
            },
          },
        ],
      },
    });
  }

  publicIp(resourceGroup: string, name: string, spec: { tags?: Tags; location?: string; sku?: "Standard" | "Basic" } = {}): string {
    const sku = spec.sku ?? "Standard";
    return this.add("Microsoft.Network/publicIPAddresses", resourceGroup, name, {
      location: this.#location(resourceGroup, spec.location),
      tags: spec.tags ?? {},
      sku: { name: sku },
      properties: { publicIPAllocationMethod: sku === "Standard" ? "Static" : "Dynamic" },
    });
  }

  nsg(resourceGroup: string, name: string, spec: { tags?: Tags; location?: string; rules?: Array<Record<string, unknown>> } = {}): string {
    return this.add("Microsoft.Network/networkSecurityGroups", resourceGroup, name, {
      location: this.#location(resourceGroup, spec.location),
      tags: spec.tags ?? {},
      properties: { securityRules: spec.rules ?? [] },
    });
  }

  natGateway(resourceGroup: string, name: string, spec: { publicIpIds: string[]; tags?: Tags; location?: string }): string {
    return this.add("Microsoft.Network/natGateways", resourceGroup, name, {
      location: this.#location(resourceGroup, spec.location),
      tags: spec.tags ?? {},
      sku: { name: "Standard" },
      properties: { publicIpAddresses: spec.publicIpIds.map((id) => ({ id })) },
    });
  }

  /** A load balancer with one frontend (public when given an IP, else on the region's subnet) and one backend pool. */
  loadBalancer(resourceGroup: string, name: string, spec: { pool: string; publicIpId?: string; tags?: Tags; location?: string }): string {
    const location = this.#location(resourceGroup, spec.location);
    const id = this.id(resourceGroup, "Microsoft.Network/loadBalancers", name);
    const subnet = this.#subnetByRegion.get(location);
    this.add("Microsoft.Network/loadBalancers", resourceGroup, name, {
      location,
      tags: spec.tags ?? {},
      sku: { name: "Standard", tier: "Regional" },
      properties: {
        frontendIPConfigurations: [
          {
            name: "frontend",
            properties:
              spec.publicIpId === undefined
                ? subnet === undefined
                  ? {}
                  : { subnet: { id: subnet } }
                : { publicIPAddress: { id: spec.publicIpId } },
          },
        ],
        backendAddressPools: [{ name: spec.pool }],
        probes: [
          { name: "probe-http", properties: { protocol: "Tcp", port: 8069, intervalInSeconds: 15, numberOfProbes: 2, probeThreshold: 1 } },
        ],
        loadBalancingRules: [
          {
            name: "rule-http",
            properties: {
              frontendIPConfiguration: { id: `${id}/frontendIPConfigurations/frontend` },
              backendAddressPool: { id: `${id}/backendAddressPools/${spec.pool}` },
              probe: { id: `${id}/probes/probe-http` },
              protocol: "Tcp",
              frontendPort: 443,
              backendPort: 8069,
              enableFloatingIP: false,
              idleTimeoutInMinutes: 4,
              enableTcpReset: true,
              loadDistribution: "Default",
            },
          },
        ],
      },
    });
    return id;
  }

  /** A private endpoint to a resource, with the NIC Azure makes for it. */
  privateEndpoint(resourceGroup: string, name: string, spec: { targetId: string; groupId: string; tags?: Tags }): string {
    const location = this.#location(resourceGroup);
    const nicId = this.nic(resourceGroup, `${name}-nic`, { location, tags: spec.tags ?? {} });
    return this.add("Microsoft.Network/privateEndpoints", resourceGroup, name, {
      location,
      tags: spec.tags ?? {},
      properties: {
        ...(this.#subnetByRegion.get(location) === undefined ? {} : { subnet: { id: this.#subnetByRegion.get(location) } }),
        networkInterfaces: [{ id: nicId }],
        privateLinkServiceConnections: [
          {
            name,
            properties: {
              privateLinkServiceId: spec.targetId,
              groupIds: [spec.groupId],
              privateLinkServiceConnectionState: { status: "Approved" },
            },
          },
        ],
      },
    });
  }

  appServicePlan(resourceGroup: string, name: string, spec: { sku: string; tags?: Tags; linux?: boolean }): string {
    return this.add("Microsoft.Web/serverfarms", resourceGroup, name, {
      location: this.#location(resourceGroup),
      tags: spec.tags ?? {},
      kind: spec.linux === false ? "app" : "linux",
      sku: { name: spec.sku, capacity: 1 },
      properties: {},
    });
  }

  webApp(resourceGroup: string, name: string, spec: { planId: string; tags?: Tags }): string {
    return this.add("Microsoft.Web/sites", resourceGroup, name, {
      location: this.#location(resourceGroup),
      tags: spec.tags ?? {},
      kind: "app,linux",
      properties: { serverFarmId: spec.planId, httpsOnly: true, siteConfig: { linuxFxVersion: "PYTHON|3.12" } },
    });
  }

  scaleSet(
    resourceGroup: string,
    name: string,
    spec: { size: string; capacity: number; tags?: Tags; power?: "running" | "deallocated"; workload?: WorkloadProfile },
  ): string {
    return this.add(
      "Microsoft.Compute/virtualMachineScaleSets",
      resourceGroup,
      name,
      {
        location: this.#location(resourceGroup),
        tags: spec.tags ?? {},
        sku: { name: spec.size, tier: "Standard", capacity: spec.capacity },
        properties: {
          orchestrationMode: "Uniform",
          upgradePolicy: { mode: "Manual" },
          virtualMachineProfile: {
            storageProfile: {
              imageReference: { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" },
              osDisk: { createOption: "FromImage", caching: "ReadWrite", managedDisk: { storageAccountType: "Premium_LRS" } },
            },
            osProfile: { computerNamePrefix: name.slice(0, 9), adminUsername: "azureuser" },
          },
          timeCreated: this.daysAgo(120),
        },
      },
      { powerState: spec.power ?? "running", workload: spec.workload ?? "steady" },
    );
  }

  lock(scope: string, name: string, level: "CanNotDelete" | "ReadOnly", notes?: string): void {
    (this.estate.locks ??= []).push({ scope, name, level, ...(notes === undefined ? {} : { notes }) });
  }

  /** A diagnostic setting sending all logs and metrics to a workspace (or, without one, to a storage account). */
  diagnosticSetting(resourceId: string, name: string, destination: { workspaceId: string } | { storageAccountId: string }): void {
    (this.estate.diagnosticSettings ??= []).push({
      resourceId,
      name,
      properties: {
        ...destination,
        logs: [{ categoryGroup: "allLogs", enabled: true }],
        metrics: [{ category: "AllMetrics", enabled: true }],
      },
    });
  }

  groupId(name: string): string {
    return `/subscriptions/${this.subscriptionId}/resourceGroups/${name}`;
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

  /**
   * A VM's backup item whose protection was stopped with its data deleted `daysAgo` days ago:
   * Azure Backup keeps it soft-deleted for 14 days (routes/backup.ts), with no policy.
   */
  softDeletedProtection(vaultGroup: string, vault: string, vmId: string, daysAgo: number): string {
    const parts = vmId.split("/");
    const vmGroup = parts[4] as string;
    const vmName = parts.at(-1) as string;
    return this.add(
      "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems",
      vaultGroup,
      `${vault}/Azure/iaasvmcontainer;iaasvmcontainerv2;${vmGroup};${vmName}/vm;iaasvmcontainerv2;${vmGroup};${vmName}`,
      { properties: { protectedItemType: "Microsoft.Compute/virtualMachines", sourceResourceId: vmId } },
      { createdAt: this.daysAgo(daysAgo + 90), softDeletedAt: this.daysAgo(daysAgo) },
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
