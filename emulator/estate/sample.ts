/**
 * The sample estate: the subscription of a mid-sized distributor running Odoo on Azure, with its
 * integrations (EDI, WMS), analytics and a DR copy in a second region. It holds the drift Governor
 * must find (listed in `plantedViolations`) and resources it must never touch (`untouchable`).
 */
import { DEFAULT_SUBSCRIPTION_ID, type EmulatedSubscription } from "../core.ts";
import type { ManagementGroupDefinition } from "../managementGroups.ts";
import { EstateBuilder, type Tags } from "./builder.ts";
import type { EstateDefinition } from "./load.ts";

/** Monday 23 November 2026, 19:30 UTC (20:30 in Brussels, after office hours): the default start of the virtual clock. */
export const SAMPLE_NOW = new Date(Date.UTC(2026, 10, 23, 19, 30, 0));

export type ViolationKind =
  | "missing-tags"
  | "idle-vm"
  | "off-hours-aks"
  | "off-hours-vm"
  | "old-snapshot"
  | "unprotected-prod-vm"
  | "disallowed-region"
  | "disallowed-size"
  | "expired-resource"
  | "postgres-backup"
  | "orphan-public-ip"
  | "orphan-network-interface"
  | "orphan-load-balancer"
  | "orphan-network-security-group"
  | "empty-app-service-plan"
  | "empty-resource-group"
  | "unattached-disk"
  | "kept-premium-disk"
  | "rightsize-vm"
  | "off-hours-postgres"
  | "postgres-cannot-stop"
  | "off-hours-scale-set"
  | "postgres-public-access"
  | "postgres-tls"
  | "postgres-no-ha"
  | "storage-public-blob"
  | "storage-tls"
  | "storage-insecure-transfer"
  | "redis-non-ssl-port"
  | "missing-lock"
  | "missing-diagnostics";

export interface PlantedViolation {
  kind: ViolationKind;
  resourceId: string;
  why: string;
}

export interface SampleEstate {
  estate: EstateDefinition;
  subscriptionId: string;
  now: Date;
  plantedViolations: PlantedViolation[];
  /** Production, DR and exempt resources: never stopped or deleted, whatever a policy says. */
  untouchable: Array<{ resourceId: string; why: string }>;
}

const team = (environment: string, application: string, costCenter: string, owner = "platform-team@nordwind.example"): Tags => ({
  owner,
  environment,
  "cost-center": costCenter,
  application,
});

export function sampleEstate(options: { subscriptionId?: string; now?: Date } = {}): SampleEstate {
  const subscriptionId = options.subscriptionId ?? DEFAULT_SUBSCRIPTION_ID;
  const now = options.now ?? SAMPLE_NOW;
  const b = new EstateBuilder(subscriptionId, now);
  const violations: PlantedViolation[] = [];
  const untouchable: SampleEstate["untouchable"] = [];
  const plant = (kind: ViolationKind, resourceId: string, why: string): void => void violations.push({ kind, resourceId, why });
  const protect = (resourceId: string, why: string): void => void untouchable.push({ resourceId, why });

  // Resource groups carry the tags resources may inherit.
  b.group("rg-odoo-prod", "westeurope", team("prod", "odoo", "CC-1000"))
    .group("rg-odoo-staging", "westeurope", team("staging", "odoo", "CC-1000"))
    .group("rg-odoo-dev", "westeurope", team("dev", "odoo", "CC-2000"))
    .group("rg-odoo-test", "westeurope", team("test", "odoo", "CC-2000"))
    .group("rg-odoo-training", "westeurope", team("training", "odoo", "CC-3000", "training@nordwind.example"))
    .group("rg-integration-prod", "westeurope", team("prod", "integration", "CC-1100", "integration-team@nordwind.example"))
    .group("rg-analytics", "westeurope", team("prod", "analytics", "CC-4000", "bi@nordwind.example"))
    .group("rg-odoo-dr", "northeurope", team("dr", "odoo", "CC-1000"))
    .group("rg-migration", "westeurope", { environment: "dev", "cost-center": "CC-2000" })
    .group("rg-backup", "westeurope", team("prod", "backup", "CC-1000"))
    .group("rg-governor-drills", "westeurope", { ...team("drill", "governor", "CC-1000"), "governor-managed": "true" })
    .group("rg-network", "westeurope", team("prod", "network", "CC-1000"))
    // A proof of concept from last year: everything in it was deleted, the group was not.
    .group("rg-odoo-poc-2025", "westeurope", team("dev", "odoo", "CC-2000", "dev-team@nordwind.example"));
  plant("empty-resource-group", b.groupId("rg-odoo-poc-2025"), "resource group with no resources left in it");

  // The network every VM's NIC joins: one VNet per region, NSGs on the subnets, a NAT gateway for outbound traffic.
  const networkTags = team("prod", "network", "CC-1000");
  const appNsg = b.nsg("rg-network", "nsg-odoo-app", { tags: networkTags });
  const dataNsg = b.nsg("rg-network", "nsg-odoo-data", { tags: networkTags });
  const natIp = b.publicIp("rg-network", "pip-natgw-odoo-westeurope", { tags: networkTags });
  const natGateway = b.natGateway("rg-network", "natgw-odoo-westeurope", { publicIpIds: [natIp], tags: networkTags });
  b.vnet("rg-network", "vnet-odoo-westeurope", {
    addressPrefix: "10.10.0.0/16",
    tags: networkTags,
    subnets: [
      { name: "snet-app", addressPrefix: "10.10.1.0/24", nsgId: appNsg, natGatewayId: natGateway },
      { name: "snet-data", addressPrefix: "10.10.2.0/24", nsgId: dataNsg },
    ],
  });
  b.vnet("rg-network", "vnet-odoo-northeurope", {
    addressPrefix: "10.20.0.0/16",
    location: "northeurope",
    tags: networkTags,
    subnets: [{ name: "snet-app", addressPrefix: "10.20.1.0/24" }],
  });
  // The test VM deployed in East US by mistake came with its own network there.
  b.vnet("rg-odoo-test", "vnet-odoo-test-eastus", {
    addressPrefix: "10.30.0.0/16",
    location: "eastus",
    tags: team("test", "odoo", "CC-2000", "maria@nordwind.example"),
    subnets: [{ name: "default", addressPrefix: "10.30.0.0/24" }],
  });
  const prodLb = b.id("rg-odoo-prod", "Microsoft.Network/loadBalancers", "lb-odoo-prod");

  // Backup: a vault per region, a policy per tier.
  b.vault("rg-backup", "rsv-odoo-westeurope", "westeurope", team("prod", "backup", "CC-1000"));
  b.vault("rg-backup", "rsv-odoo-northeurope", "northeurope", team("prod", "backup", "CC-1000"));
  const gold = b.backupPolicy("rg-backup", "rsv-odoo-westeurope", "policy-gold", { dailyRetentionDays: 30, weeklyRetentionWeeks: 12 });
  b.backupPolicy("rg-backup", "rsv-odoo-westeurope", "policy-silver", { dailyRetentionDays: 14 });
  b.backupPolicy("rg-backup", "rsv-odoo-northeurope", "policy-gold", { dailyRetentionDays: 30, weeklyRetentionWeeks: 12 });

  // Production Odoo: app servers and workers, busy in business hours, backed up (but one worker is not).
  const prodTags = team("prod", "odoo", "CC-1000");
  const app1 = b.vm("rg-odoo-prod", "vm-odoo-prod-app-01", {
    size: "Standard_D8s_v5",
    tags: prodTags,
    workload: "business-hours",
    dataDisks: 1,
    backendPoolIds: [`${prodLb}/backendAddressPools/bepool-odoo-app`],
  });
  const app2 = b.vm("rg-odoo-prod", "vm-odoo-prod-app-02", {
    size: "Standard_D8s_v5",
    tags: prodTags,
    workload: "business-hours",
    dataDisks: 1,
    backendPoolIds: [`${prodLb}/backendAddressPools/bepool-odoo-app`],
  });
  // The public entry to Odoo: a load balancer in front of the two app servers.
  b.loadBalancer("rg-odoo-prod", "lb-odoo-prod", {
    pool: "bepool-odoo-app",
    publicIpId: b.publicIp("rg-odoo-prod", "pip-odoo-prod-lb", { tags: prodTags }),
    tags: prodTags,
  });
  const worker1 = b.vm("rg-odoo-prod", "vm-odoo-prod-worker-01", { size: "Standard_D4s_v5", tags: prodTags, workload: "nightly-batch" });
  // An idle production VM: idle, but production is never stopped by an idle sweep.
  const cron = b.vm("rg-odoo-prod", "vm-odoo-prod-cron-01", { size: "Standard_B2ms", tags: prodTags, workload: "idle" });
  b.protect("rg-backup", "rsv-odoo-westeurope", app1, gold);
  b.protect("rg-backup", "rsv-odoo-westeurope", app2, gold);
  b.protect("rg-backup", "rsv-odoo-westeurope", cron, gold);
  // The batch worker's protection was stopped with its data deleted during a re-platforming: Azure keeps
  // the item soft-deleted, and the pack's enrolment (which does not consent to undelete) refuses it.
  b.softDeletedProtection("rg-backup", "rsv-odoo-westeurope", worker1, 3);
  plant("unprotected-prod-vm", worker1, "production VM whose Azure Backup item is soft-deleted (stopped with its data deleted 3 days ago)");
  for (const id of [app1, app2, worker1, cron]) protect(id, "production VM");
  const prodPg = b.postgres("rg-odoo-prod", "psql-odoo-prod", {
    tags: { ...prodTags, "rto-minutes": "60", "rpo-minutes": "15", "governor-drill": "weekly" },
    sku: "Standard_D4ds_v5",
    tier: "GeneralPurpose",
    storageGb: 512,
    retentionDays: 35,
    geoRedundant: true,
    workload: "business-hours",
    highAvailability: "ZoneRedundant",
  });
  protect(prodPg, "production database");
  // Production's observability and protection as the baselines want them: locked, logs to the workspace, reached privately.
  const workspace = b.generic("Microsoft.OperationalInsights/workspaces", "rg-odoo-prod", "law-odoo-prod", {
    tags: prodTags,
    properties: { sku: { name: "PerGB2018" }, retentionInDays: 90 },
  });
  b.lock(prodPg, "lock-psql-odoo-prod", "CanNotDelete", "Production database: never deleted");
  b.diagnosticSetting(prodPg, "diag-psql-odoo-prod", { workspaceId: workspace });
  b.privateEndpoint("rg-odoo-prod", "pe-psql-odoo-prod", { targetId: prodPg, groupId: "postgresqlServer", tags: prodTags });
  const prodRedis = b.generic("Microsoft.Cache/redis", "rg-odoo-prod", "redis-odoo-prod", {
    tags: prodTags,
    properties: {
      sku: { name: "Standard", family: "C", capacity: 1 },
      redisVersion: "7.2",
      enableNonSslPort: false,
      minimumTlsVersion: "1.2",
    },
  });
  plant("missing-lock", prodRedis, "production cache without a CanNotDelete lock");
  const prodFiles = b.generic("Microsoft.Storage/storageAccounts", "rg-odoo-prod", "stodooprodfiles", {
    tags: prodTags,
    sku: { name: "Standard_ZRS" },
    kind: "StorageV2",
    properties: { accessTier: "Hot", minimumTlsVersion: "TLS1_2", allowBlobPublicAccess: false, supportsHttpsTrafficOnly: true },
  });
  b.lock(prodFiles, "lock-stodooprodfiles", "CanNotDelete");
  // On the blob service: a storage account's logs are its services'.
  b.diagnosticSetting(`${prodFiles}/blobServices/default`, "diag-stodooprodfiles", { workspaceId: workspace });
  // Odoo's secrets: a ReadOnly lock protects the vault against deletion as a CanNotDelete lock would.
  const prodVault = b.generic("Microsoft.KeyVault/vaults", "rg-odoo-prod", "kv-odoo-prod", {
    tags: prodTags,
    properties: { sku: { family: "A", name: "standard" }, enableRbacAuthorization: true, enableSoftDelete: true },
  });
  b.lock(prodVault, "lock-kv-odoo-prod", "ReadOnly", "Production secrets: changed only by the platform team, with the lock lifted");
  b.diagnosticSetting(prodVault, "diag-kv-odoo-prod", { workspaceId: workspace });
  const prodDataDisk = b.id("rg-odoo-prod", "Microsoft.Compute/disks", "vm-odoo-prod-app-01_DataDisk_0");
  // Production snapshots past any retention: production is never deleted by a sweep.
  const prodOldSnapshot = b.snapshot("rg-odoo-prod", "snap-odoo-prod-app-01-data-2026-06-30", {
    sourceDiskId: prodDataDisk,
    ageDays: 146,
    tags: prodTags,
    sizeGb: 512,
  });
  b.snapshot("rg-odoo-prod", "snap-odoo-prod-app-01-data-2026-11-22", {
    sourceDiskId: prodDataDisk,
    ageDays: 1,
    tags: prodTags,
    sizeGb: 512,
  });
  protect(prodOldSnapshot, "production snapshot");

  // Integration: EDI gateway and WMS connector (production), an AKS cluster for the connectors.
  const integrationTags = team("prod", "integration", "CC-1100", "integration-team@nordwind.example");
  // EDI partners reach the gateway over SFTP on its own address, through its own NSG.
  const edi = b.vm("rg-integration-prod", "vm-edi-gateway-01", {
    size: "Standard_D2s_v5",
    tags: { ...integrationTags, application: "edi" },
    workload: "steady",
    publicIpId: b.publicIp("rg-integration-prod", "pip-edi-gateway-01", { tags: { ...integrationTags, application: "edi" } }),
    nsgId: b.nsg("rg-integration-prod", "nsg-edi-gateway", { tags: { ...integrationTags, application: "edi" } }),
  });
  b.protect("rg-backup", "rsv-odoo-westeurope", edi, gold);
  const wms = b.vm("rg-integration-prod", "vm-wms-connector-01", {
    size: "Standard_D2s_v5",
    tags: { ...integrationTags, application: "wms" },
    workload: "steady",
  });
  plant("unprotected-prod-vm", wms, "production VM with no Azure Backup protection");
  const aksIntegration = b.aks("rg-integration-prod", "aks-integration-prod", {
    tags: integrationTags,
    nodeSize: "Standard_D4s_v5",
    nodes: 3,
    workload: "steady",
  });
  for (const id of [edi, wms, aksIntegration]) protect(id, "production integration");
  b.diagnosticSetting(aksIntegration, "diag-aks-integration-prod", { workspaceId: workspace });
  // The partner portal runs on its own plan.
  const portalPlan = b.appServicePlan("rg-integration-prod", "asp-edi-portal-prod", { sku: "P1v3", tags: integrationTags });
  b.webApp("rg-integration-prod", "app-edi-partner-portal", { planId: portalPlan, tags: integrationTags });

  // Staging: a copy of production, on during the week.
  const stagingTags = team("staging", "odoo", "CC-1000");
  const staging = b.vm("rg-odoo-staging", "vm-odoo-staging-01", {
    size: "Standard_D4s_v5",
    tags: { ...stagingTags, "governor-schedule": "Mon-Fri 07:00-19:00 Europe/Brussels" },
    workload: "business-hours",
  });
  plant("off-hours-vm", staging, "non-production VM running outside its office-hours schedule");
  const stagingPg = b.postgres("rg-odoo-staging", "psql-odoo-staging", {
    tags: { ...stagingTags, "governor-schedule": "Mon-Fri 07:00-19:00 Europe/Brussels" },
    sku: "Standard_D2ds_v5",
    tier: "GeneralPurpose",
    storageGb: 128,
    retentionDays: 7,
    geoRedundant: false,
    publicNetworkAccess: "Enabled",
  });
  plant("postgres-backup", stagingPg, "backup retention 7 days and no geo-redundant backup");
  plant("off-hours-postgres", stagingPg, "non-production PostgreSQL server running outside its office-hours schedule (it can be stopped)");
  plant("postgres-public-access", stagingPg, "public network access Enabled");
  // Its logs go to a storage account only: not to central monitoring.
  b.diagnosticSetting(stagingPg, "diag-psql-odoo-staging-archive", {
    storageAccountId: b.id("rg-odoo-prod", "Microsoft.Storage/storageAccounts", "stodooprodfiles"),
  });
  plant("missing-diagnostics", stagingPg, "diagnostic setting to a storage account only, none to a Log Analytics workspace");
  const stagingRedis = b.generic("Microsoft.Cache/redis", "rg-odoo-staging", "redis-odoo-staging", {
    tags: stagingTags,
    properties: { sku: { name: "Basic", family: "C", capacity: 0 }, redisVersion: "7.2", enableNonSslPort: true, minimumTlsVersion: "1.2" },
  });
  plant("redis-non-ssl-port", stagingRedis, "non-TLS port 6379 enabled");
  const stagingVault = b.generic("Microsoft.KeyVault/vaults", "rg-odoo-staging", "kv-odoo-staging", {
    tags: stagingTags,
    properties: { sku: { family: "A", name: "standard" }, enableRbacAuthorization: true, enableSoftDelete: true },
  });
  plant("missing-diagnostics", stagingVault, "key vault with no diagnostic setting");
  const aksStaging = b.aks("rg-odoo-staging", "aks-odoo-staging", {
    tags: { ...stagingTags, "governor-schedule": "Mon-Fri 07:00-19:00 Europe/Brussels" },
    nodeSize: "Standard_D4s_v5",
    nodes: 2,
    workload: "business-hours",
  });
  plant("off-hours-aks", aksStaging, "non-production AKS cluster with an office-hours schedule");
  plant("missing-diagnostics", aksStaging, "AKS cluster with no diagnostic setting");

  // Development: two VMs left running and idle, one in use, one already deallocated (no metrics).
  const devTags = team("dev", "odoo", "CC-2000", "dev-team@nordwind.example");
  const dev1 = b.vm("rg-odoo-dev", "vm-odoo-dev-01", { size: "Standard_D4s_v5", tags: devTags, workload: "idle" });
  const dev2 = b.vm("rg-odoo-dev", "vm-odoo-dev-02", { size: "Standard_D4s_v5", tags: devTags, workload: "idle" });
  b.vm("rg-odoo-dev", "vm-odoo-dev-03", { size: "Standard_D4s_v5", tags: devTags, workload: "business-hours" });
  b.vm("rg-odoo-dev", "vm-odoo-dev-04", { size: "Standard_D4s_v5", tags: devTags, power: "deallocated", workload: "idle" });
  plant("idle-vm", dev1, "dev VM with average CPU under 5% for days");
  plant("idle-vm", dev2, "dev VM with average CPU under 5% for days");
  const aksDev = b.aks("rg-odoo-dev", "aks-odoo-dev", {
    tags: { ...devTags, "governor-schedule": "Mon-Fri 08:00-18:00 Europe/Brussels" },
    nodeSize: "Standard_D2s_v5",
    nodes: 2,
    workload: "idle",
    nodeResourceGroup: true,
  });
  plant("off-hours-aks", aksDev, "non-production AKS cluster with an office-hours schedule");
  // Leftovers of a bastion and a VM removed by hand: an address, a NIC, a plan and a data disk nobody uses.
  plant(
    "orphan-public-ip",
    b.publicIp("rg-odoo-dev", "pip-odoo-dev-old-bastion", { tags: devTags }),
    "Standard public IP with no IP configuration and no NAT gateway",
  );
  plant(
    "orphan-network-interface",
    b.nic("rg-odoo-dev", "nic-odoo-dev-05-detached", { tags: devTags }),
    "NIC attached to no VM and no private endpoint",
  );
  plant(
    "empty-app-service-plan",
    b.appServicePlan("rg-odoo-dev", "asp-odoo-dev-webhooks", { sku: "B1", tags: devTags }),
    "App Service plan with no apps, still billed",
  );
  plant(
    "unattached-disk",
    b.disk("rg-odoo-dev", "disk-odoo-dev-02-data-old", {
      sizeGb: 256,
      sku: "Premium_LRS",
      tags: devTags,
      ageDays: 200,
      detachedDaysAgo: 40,
    }),
    "Premium disk detached 40 days ago (LastOwnershipUpdateTime)",
  );
  const devPg = b.postgres("rg-odoo-dev", "psql-odoo-dev", {
    tags: { ...devTags, "governor-schedule": "Mon-Fri 08:00-18:00 Europe/Brussels" },
    sku: "Standard_B2s",
    tier: "Burstable",
    storageGb: 64,
    retentionDays: 7,
    geoRedundant: false,
    workload: "idle",
    parameters: { ssl_min_protocol_version: "TLSv1" },
  });
  plant("off-hours-postgres", devPg, "dev PostgreSQL server running outside its office-hours schedule (it can be stopped)");
  plant("postgres-tls", devPg, "ssl_min_protocol_version TLSv1 (TLS 1.0)");
  plant("postgres-backup", devPg, "backup retention 7 days and no geo-redundant backup");
  const devDisk = b.id("rg-odoo-dev", "Microsoft.Compute/disks", "vm-odoo-dev-01_OsDisk_1");
  const oldDevSnapshot = b.snapshot("rg-odoo-dev", "snap-odoo-dev-01-2026-07-01", { sourceDiskId: devDisk, ageDays: 145, tags: devTags });
  const olderDevSnapshot = b.snapshot("rg-odoo-dev", "snap-odoo-dev-01-2026-05-12", { sourceDiskId: devDisk, ageDays: 195, tags: devTags });
  b.snapshot("rg-odoo-dev", "snap-odoo-dev-01-2026-11-20", { sourceDiskId: devDisk, ageDays: 3, tags: devTags });
  const keptSnapshot = b.snapshot("rg-odoo-dev", "snap-odoo-dev-golden-image", {
    sourceDiskId: devDisk,
    ageDays: 300,
    tags: { ...devTags, keep: "true" },
  });
  plant("old-snapshot", oldDevSnapshot, "dev snapshot older than its retention");
  plant("old-snapshot", olderDevSnapshot, "dev snapshot older than its retention");
  protect(keptSnapshot, "snapshot tagged keep=true");
  // The only snapshot left of a disk that was deleted: old, and nothing else recovers that data.
  const orphan = b.snapshot("rg-odoo-dev", "snap-odoo-dev-legacy-db", {
    sourceDiskId: b.id("rg-odoo-dev", "Microsoft.Compute/disks", "vm-odoo-dev-legacy_OsDisk_1"),
    ageDays: 400,
    tags: devTags,
  });
  plant("old-snapshot", orphan, "dev snapshot of a deleted disk, older than its retention");
  b.disk("rg-odoo-dev", "disk-odoo-dev-scratch", { sizeGb: 256, sku: "Premium_LRS", tags: devTags, ageDays: 60 });
  // A test archive nobody may delete (keep=true), left on Premium storage after its VM went.
  plant(
    "kept-premium-disk",
    b.disk("rg-odoo-test", "disk-odoo-test-archive", {
      sizeGb: 512,
      sku: "Premium_LRS",
      tags: { ...team("test", "odoo", "CC-2000", "qa@nordwind.example"), keep: "true" },
      ageDays: 120,
      detachedDaysAgo: 90,
    }),
    "unattached Premium disk tagged keep=true: must stay, needs no Premium",
  );

  // Test: an idle VM that is exempt until next month; an untagged VM; a VM in a region and size nobody allowed.
  const testTags = team("test", "odoo", "CC-2000", "qa@nordwind.example");
  const exempt = b.vm("rg-odoo-test", "vm-odoo-test-loadgen", {
    size: "Standard_D8s_v5",
    tags: { ...testTags, "governor-exempt-until": "2026-12-15", "governor-exempt-reason": "peak-season load tests" },
    workload: "idle",
  });
  protect(exempt, "exempt until 2026-12-15");
  const untagged = b.vm("rg-odoo-test", "vm-odoo-test-02", { size: "Standard_D2s_v5", tags: {}, workload: "steady" });
  plant("missing-tags", untagged, "no owner, environment, cost-center or application tag");
  const farAway = b.vm("rg-odoo-test", "vm-odoo-test-eastus-m64", {
    size: "Standard_M64s",
    location: "eastus",
    tags: { ...testTags, owner: "maria@nordwind.example" },
    workload: "idle",
  });
  plant("disallowed-region", farAway, "eastus is not an allowed region");
  plant("disallowed-size", farAway, "Standard_M64s is not an allowed size");
  plant("idle-vm", farAway, "test VM with average CPU under 5% for days");
  // QA: busy in office hours, off outside them; only the off-hours policy stops it, so it starts it again.
  const qa = b.vm("rg-odoo-test", "vm-odoo-qa-01", {
    size: "Standard_D2s_v5",
    tags: { ...testTags, "governor-schedule": "Mon-Fri 08:00-18:00 Europe/Brussels" },
    workload: "business-hours",
  });
  plant("off-hours-vm", qa, "test VM running outside its office-hours schedule, busy within it");
  const exportsAccount = b.generic("Microsoft.Storage/storageAccounts", "rg-odoo-test", "stodootestexports", {
    tags: { environment: "test" },
    sku: { name: "Standard_LRS" },
    kind: "StorageV2",
    properties: { allowBlobPublicAccess: true, minimumTlsVersion: "TLS1_0", supportsHttpsTrafficOnly: false },
  });
  plant("storage-public-blob", exportsAccount, "allowBlobPublicAccess true");
  plant("storage-tls", exportsAccount, "minimumTlsVersion TLS1_0");
  plant("storage-insecure-transfer", exportsAccount, "supportsHttpsTrafficOnly false");
  plant("missing-diagnostics", exportsAccount, "storage account with no diagnostic setting");
  // A reporting server sized for a load it never had, and a build server that uses all it has.
  const oversized = b.vm("rg-odoo-test", "vm-odoo-test-reporting-01", { size: "Standard_D16s_v5", tags: testTags, workload: "light" });
  plant("rightsize-vm", oversized, "16 vCPUs at a P95 CPU near 10 % and three quarters of its memory free");
  b.vm("rg-odoo-test", "vm-odoo-test-build-01", { size: "Standard_D4s_v5", tags: testTags, workload: "busy" });
  const testHaPg = b.postgres("rg-odoo-test", "psql-odoo-test-ha", {
    tags: { ...testTags, "governor-schedule": "Mon-Fri 08:00-18:00 Europe/Brussels" },
    sku: "Standard_D2ds_v5",
    tier: "GeneralPurpose",
    storageGb: 128,
    retentionDays: 7,
    geoRedundant: false,
    highAvailability: "ZoneRedundant",
  });
  plant("postgres-cannot-stop", testHaPg, "non-production server in high-availability mode: Azure cannot stop it");
  plant("postgres-backup", testHaPg, "backup retention 7 days and no geo-redundant backup");
  const workers = b.scaleSet("rg-odoo-test", "vmss-odoo-test-workers", {
    size: "Standard_D2s_v5",
    capacity: 3,
    tags: { ...testTags, "governor-schedule": "Mon-Fri 08:00-18:00 Europe/Brussels" },
    workload: "business-hours",
  });
  plant("off-hours-scale-set", workers, "non-production scale set running outside its office-hours schedule");
  plant(
    "orphan-load-balancer",
    b.loadBalancer("rg-odoo-test", "lb-odoo-test-legacy", { pool: "bepool-legacy", tags: testTags }),
    "load balancer whose only pool has no backends",
  );
  plant("orphan-network-security-group", b.nsg("rg-odoo-test", "nsg-odoo-test-old", { tags: testTags }), "NSG on no subnet and no NIC");
  plant(
    "missing-tags",
    b.id("rg-odoo-test", "Microsoft.Storage/storageAccounts", "stodootestexports"),
    "no owner, cost-center or application tag",
  );

  // Training: used on weekday mornings only.
  const trainingTags = team("training", "odoo", "CC-3000", "training@nordwind.example");
  const training = b.vm("rg-odoo-training", "vm-odoo-training-01", {
    size: "Standard_D4s_v5",
    tags: { ...trainingTags, "governor-schedule": "Mon-Fri 08:00-12:00 Europe/Brussels" },
    workload: "idle",
  });
  plant("idle-vm", training, "training VM with average CPU under 5% for days");

  // A temporary migration VM whose expiry passed three weeks ago; its tags are incomplete too.
  const migration = b.vm("rg-migration", "vm-migration-temp-01", {
    size: "Standard_D16s_v5",
    tags: { environment: "dev", owner: "partner@odoo-hosting.example", "expires-on": "2026-10-31" },
    workload: "idle",
    ageDays: 60,
  });
  plant("expired-resource", migration, "expires-on 2026-10-31 has passed");
  plant("missing-tags", migration, "no cost-center or application tag");
  plant("idle-vm", migration, "dev VM with average CPU under 5% for days");

  // Analytics: nightly ETL and a warehouse database, production.
  const analyticsTags = team("prod", "analytics", "CC-4000", "bi@nordwind.example");
  const etl = b.vm("rg-analytics", "vm-analytics-etl-01", { size: "Standard_E8s_v5", tags: analyticsTags, workload: "nightly-batch" });
  b.protect("rg-backup", "rsv-odoo-westeurope", etl, gold);
  protect(etl, "production analytics");
  const analyticsPg = b.postgres("rg-analytics", "psql-analytics", {
    tags: analyticsTags,
    sku: "Standard_E4ds_v5",
    tier: "MemoryOptimized",
    storageGb: 1024,
    retentionDays: 14,
    geoRedundant: false,
  });
  plant("postgres-backup", analyticsPg, "no geo-redundant backup for a production database");
  plant("postgres-no-ha", analyticsPg, "production server with high availability Disabled");
  plant("missing-lock", analyticsPg, "production database without a CanNotDelete lock");
  plant("missing-diagnostics", analyticsPg, "PostgreSQL server with no diagnostic setting");

  // DR in North Europe: kept deallocated until needed; never touched by sweeps.
  const drTags = team("dr", "odoo", "CC-1000");
  const drVm = b.vm("rg-odoo-dr", "vm-odoo-dr-app-01", { size: "Standard_D8s_v5", tags: drTags, power: "deallocated", workload: "idle" });
  protect(drVm, "DR standby");
  b.lock(b.groupId("rg-odoo-dr"), "lock-rg-odoo-dr", "CanNotDelete", "DR standby: never deleted");

  b.budget("budget-nordwind-monthly", {
    amount: 12_000,
    currentSpend: 9_850,
    forecastSpend: 12_900,
    contactEmails: ["finance@nordwind.example", "platform-team@nordwind.example"],
  });

  return { estate: b.estate, subscriptionId, now, plantedViolations: violations, untouchable };
}

/** The management group that holds every subscription of Nordwind's estates. */
export const NORDWIND_MANAGEMENT_GROUP = "mg-nordwind";

/**
 * An estate over several subscriptions of one tenant: the first subscription's as `SampleEstate`
 * gives it (`estate`, `subscriptionId`), the others beside it, and the group holding them all;
 * `plantedViolations` and `untouchable` name resources of every subscription.
 */
export interface SampleEstates extends SampleEstate {
  /** The first subscription's display name: `startEmulator`'s `displayName`. */
  displayName: string;
  /** The subscriptions after the first with their estates: `startEmulator`'s `subscriptions`. */
  subscriptions: EmulatedSubscription[];
  /** `startEmulator`'s `managementGroups`: `mg-nordwind`, holding every subscription. */
  managementGroups: ManagementGroupDefinition[];
}

/**
 * The id of the estate's subscription at `index`: the first subscription's own at 0, then that id
 * with its last group counted up, so ids are stable from run to run and readable as a series.
 */
export function subscriptionIdAt(firstSubscriptionId: string, index: number): string {
  if (index === 0) return firstSubscriptionId;
  const cut = firstSubscriptionId.lastIndexOf("-");
  const last = firstSubscriptionId.slice(cut + 1);
  const next = (BigInt(`0x${last}`) + BigInt(index)) % 16n ** 12n;
  return `${firstSubscriptionId.slice(0, cut + 1)}${next.toString(16).padStart(12, "0")}`;
}

const SUBSIDIARIES = ["Nordwind Distribution", "Nordwind Benelux", "Nordwind Alpine"];

/** The display name of the estate's subscription at `index`. */
export function subscriptionNameAt(index: number): string {
  return SUBSIDIARIES[index] ?? `Nordwind Subsidiary ${index + 1}`;
}

/** The group holding the given subscriptions, under the tenant root group. */
export function nordwindGroup(subscriptionIds: string[]): ManagementGroupDefinition[] {
  return [{ name: NORDWIND_MANAGEMENT_GROUP, displayName: "Nordwind", subscriptions: subscriptionIds }];
}

/**
 * A subsidiary's smaller estate: production Odoo and a dev box, named after the subsidiary, with
 * drift of its own. Odd and even subsidiaries differ (a database or a cache, a stale snapshot or an
 * untagged storage account), so a query across subscriptions cannot pass by counting one.
 */
function subsidiaryEstate(subscriptionId: string, now: Date, index: number): Omit<SampleEstate, "now"> {
  const code = `s${index + 1}`;
  const b = new EstateBuilder(subscriptionId, now);
  const violations: PlantedViolation[] = [];
  const untouchable: SampleEstate["untouchable"] = [];
  const owner = `platform-team-${code}@nordwind.example`;
  const prodTags = team("prod", "odoo", `CC-1${index}00`, owner);
  const devTags = team("dev", "odoo", `CC-2${index}00`, owner);
  const prod = `rg-odoo-prod-${code}`;
  const dev = `rg-odoo-dev-${code}`;
  const network = `rg-network-${code}`;
  b.group(prod, "westeurope", prodTags)
    .group(dev, "westeurope", devTags)
    .group(network, "westeurope", team("prod", "network", "CC-1000"));
  b.vnet(network, `vnet-odoo-${code}-westeurope`, {
    addressPrefix: `10.${40 + index}.0.0/16`,
    subnets: [{ name: "snet-app", addressPrefix: `10.${40 + index}.1.0/24` }],
  });

  const app = b.vm(prod, `vm-odoo-${code}-prod-app-01`, { size: "Standard_D4s_v5", tags: prodTags, workload: "business-hours" });
  untouchable.push({ resourceId: app, why: "production VM" });
  if (index % 2 === 1) {
    const server = b.postgres(prod, `psql-odoo-${code}-prod`, {
      tags: prodTags,
      sku: "Standard_D2ds_v5",
      tier: "GeneralPurpose",
      storageGb: 256,
      retentionDays: 7,
      geoRedundant: false,
    });
    untouchable.push({ resourceId: server, why: "production database" });
    violations.push({
      kind: "postgres-backup",
      resourceId: server,
      why: "7 days of backups, none geo-redundant, for a production database",
    });
  } else {
    b.generic("Microsoft.Cache/redis", prod, `redis-odoo-${code}-prod`, {
      tags: prodTags,
      properties: { sku: { name: "Standard", family: "C", capacity: 1 }, enableNonSslPort: false, minimumTlsVersion: "1.2" },
    });
  }

  const devVm = b.vm(dev, `vm-odoo-${code}-dev-01`, { size: "Standard_D2s_v5", tags: devTags, workload: "idle" });
  violations.push({ kind: "idle-vm", resourceId: devVm, why: "dev VM with average CPU under 5% for days" });
  if (index % 2 === 1) {
    const account = b.generic("Microsoft.Storage/storageAccounts", dev, `stodoo${code}devexports`, {
      sku: { name: "Standard_LRS" },
      kind: "StorageV2",
      properties: { minimumTlsVersion: "TLS1_2", allowBlobPublicAccess: false, supportsHttpsTrafficOnly: true },
    });
    violations.push({ kind: "missing-tags", resourceId: account, why: "no tags at all" });
  } else {
    const snapshot = b.snapshot(dev, `snap-vm-odoo-${code}-dev-01-2026-04`, {
      sourceDiskId: b.id(dev, "Microsoft.Compute/disks", `vm-odoo-${code}-dev-01_OsDisk_1`),
      ageDays: 210,
      tags: devTags,
    });
    violations.push({ kind: "old-snapshot", resourceId: snapshot, why: "non-production snapshot 210 days old" });
  }
  return { estate: b.estate, subscriptionId, plantedViolations: violations, untouchable };
}

/**
 * The sample estate in the first of `count` subscriptions (exactly `sampleEstate`'s), and a
 * subsidiary's smaller estate in each of the others, all in `mg-nordwind`.
 */
export function sampleEstates(count: number, options: { subscriptionId?: string; now?: Date } = {}): SampleEstates {
  if (!Number.isInteger(count) || count < 1) throw new Error(`sampleEstates: count must be a whole number from 1, not ${count}`);
  const first = sampleEstate(options);
  const others = Array.from({ length: count - 1 }, (_, offset) =>
    subsidiaryEstate(subscriptionIdAt(first.subscriptionId, offset + 1), first.now, offset + 1),
  );
  return {
    ...first,
    plantedViolations: [...first.plantedViolations, ...others.flatMap((other) => other.plantedViolations)],
    untouchable: [...first.untouchable, ...others.flatMap((other) => other.untouchable)],
    displayName: subscriptionNameAt(0),
    subscriptions: others.map((other, offset) => ({
      subscriptionId: other.subscriptionId,
      displayName: subscriptionNameAt(offset + 1),
      estate: other.estate,
    })),
    managementGroups: nordwindGroup([first.subscriptionId, ...others.map((other) => other.subscriptionId)]),
  };
}
