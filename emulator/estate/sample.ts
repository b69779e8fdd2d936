/**
 * The sample estate: the subscription of a mid-sized distributor running Odoo on Azure, with its
 * integrations (EDI, WMS), analytics and a DR copy in a second region. It holds the drift Governor
 * must find (listed in `plantedViolations`) and resources it must never touch (`untouchable`).
 */
import { DEFAULT_SUBSCRIPTION_ID } from "../core.ts";
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
  | "postgres-backup";

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
    .group("rg-governor-drills", "westeurope", team("drill", "governor", "CC-1000"));

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
  });
  const app2 = b.vm("rg-odoo-prod", "vm-odoo-prod-app-02", {
    size: "Standard_D8s_v5",
    tags: prodTags,
    workload: "business-hours",
    dataDisks: 1,
  });
  const worker1 = b.vm("rg-odoo-prod", "vm-odoo-prod-worker-01", { size: "Standard_D4s_v5", tags: prodTags, workload: "nightly-batch" });
  // An idle production VM: idle, but production is never stopped by an idle sweep.
  const cron = b.vm("rg-odoo-prod", "vm-odoo-prod-cron-01", { size: "Standard_B2ms", tags: prodTags, workload: "idle" });
  b.protect("rg-backup", "rsv-odoo-westeurope", app1, gold);
  b.protect("rg-backup", "rsv-odoo-westeurope", app2, gold);
  b.protect("rg-backup", "rsv-odoo-westeurope", cron, gold);
  plant("unprotected-prod-vm", worker1, "production VM with no Azure Backup protection");
  for (const id of [app1, app2, worker1, cron]) protect(id, "production VM");
  const prodPg = b.postgres("rg-odoo-prod", "psql-odoo-prod", {
    tags: { ...prodTags, "rto-minutes": "60", "rpo-minutes": "15", "governor-drill": "weekly" },
    sku: "Standard_D4ds_v5",
    tier: "GeneralPurpose",
    storageGb: 512,
    retentionDays: 35,
    geoRedundant: true,
    workload: "business-hours",
  });
  protect(prodPg, "production database");
  b.generic("Microsoft.Cache/redis", "rg-odoo-prod", "redis-odoo-prod", {
    tags: prodTags,
    properties: { sku: { name: "Standard", family: "C", capacity: 1 }, redisVersion: "7.2" },
  });
  b.generic("Microsoft.Storage/storageAccounts", "rg-odoo-prod", "stodooprodfiles", {
    tags: prodTags,
    sku: { name: "Standard_ZRS" },
    kind: "StorageV2",
    properties: { accessTier: "Hot", minimumTlsVersion: "TLS1_2" },
  });
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
  const edi = b.vm("rg-integration-prod", "vm-edi-gateway-01", {
    size: "Standard_D2s_v5",
    tags: { ...integrationTags, application: "edi" },
    workload: "steady",
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

  // Staging: a copy of production, on during the week.
  const stagingTags = team("staging", "odoo", "CC-1000");
  const staging = b.vm("rg-odoo-staging", "vm-odoo-staging-01", {
    size: "Standard_D4s_v5",
    tags: { ...stagingTags, "governor-schedule": "Mon-Fri 07:00-19:00 Europe/Brussels" },
    workload: "business-hours",
  });
  plant("off-hours-vm", staging, "non-production VM running outside its office-hours schedule");
  const stagingPg = b.postgres("rg-odoo-staging", "psql-odoo-staging", {
    tags: stagingTags,
    sku: "Standard_D2ds_v5",
    tier: "GeneralPurpose",
    storageGb: 128,
    retentionDays: 7,
    geoRedundant: false,
  });
  plant("postgres-backup", stagingPg, "backup retention 7 days and no geo-redundant backup");
  const aksStaging = b.aks("rg-odoo-staging", "aks-odoo-staging", {
    tags: { ...stagingTags, "governor-schedule": "Mon-Fri 07:00-19:00 Europe/Brussels" },
    nodeSize: "Standard_D4s_v5",
    nodes: 2,
    workload: "business-hours",
  });
  plant("off-hours-aks", aksStaging, "non-production AKS cluster with an office-hours schedule");

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
  });
  plant("off-hours-aks", aksDev, "non-production AKS cluster with an office-hours schedule");
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
  b.generic("Microsoft.Storage/storageAccounts", "rg-odoo-test", "stodootestexports", {
    tags: { environment: "test" },
    sku: { name: "Standard_LRS" },
    kind: "StorageV2",
  });
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

  // DR in North Europe: kept deallocated until needed; never touched by sweeps.
  const drTags = team("dr", "odoo", "CC-1000");
  const drVm = b.vm("rg-odoo-dr", "vm-odoo-dr-app-01", { size: "Standard_D8s_v5", tags: drTags, power: "deallocated", workload: "idle" });
  protect(drVm, "DR standby");

  b.budget("budget-nordwind-monthly", {
    amount: 12_000,
    currentSpend: 9_850,
    forecastSpend: 12_900,
    contactEmails: ["finance@nordwind.example", "platform-team@nordwind.example"],
  });

  return { estate: b.estate, subscriptionId, now, plantedViolations: violations, untouchable };
}
