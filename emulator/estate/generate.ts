/**
 * Scales the sample estate to N resources for benchmarks: more business units, each with the
 * same mix of environments, VMs with their disks and NICs, snapshots, storage and databases, spread
 * over regions, with the same kinds of drift in similar proportions: orphaned network resources,
 * empty plans and groups, detached disks, oversized VMs, schedulable PostgreSQL servers and scale
 * sets, AKS node pools, baseline violations, locks and diagnostic settings on some production
 * resources. Deterministic for a given seed. Spread over several subscriptions, the sample stays in
 * the first and the business units go round the subscriptions, each with its own network and
 * workspace (a NIC never joins another subscription's VNet).
 */
import { seededRandom } from "../faults.ts";
import { EstateBuilder, type Tags } from "./builder.ts";
import { nordwindGroup, sampleEstate, type SampleEstates, subscriptionIdAt, subscriptionNameAt } from "./sample.ts";
import type { WorkloadProfile } from "../store.ts";

const REGIONS = ["westeurope", "northeurope", "germanywestcentral", "francecentral"] as const;
const ENVIRONMENTS = ["prod", "staging", "dev", "test", "training"] as const;
const SIZES = ["Standard_B2ms", "Standard_D2s_v5", "Standard_D4s_v5", "Standard_D8s_v5", "Standard_E4s_v5"] as const;
const APPLICATIONS = ["odoo", "edi", "wms", "ecommerce", "analytics"] as const;

export interface GenerateOptions {
  /** Total resources wanted (resource groups not counted); the result has at least this many. */
  resources: number;
  seed?: number;
  /** The first subscription's id; the others' are derived from it (`subscriptionIdAt`). */
  subscriptionId?: string;
  now?: Date;
  /** How many subscriptions the estate is spread over (1 by default): business unit N goes to subscription (N - 1) mod this. */
  subscriptions?: number;
}

export function generateEstate(options: GenerateOptions): SampleEstates {
  const count = options.subscriptions ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new Error(`generateEstate: subscriptions must be a whole number from 1, not ${count}`);
  const base = sampleEstate({
    ...(options.subscriptionId ? { subscriptionId: options.subscriptionId } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const random = seededRandom(options.seed ?? 7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const builders = Array.from({ length: count }, (_, index) => {
    const builder = new EstateBuilder(subscriptionIdAt(base.subscriptionId, index), base.now);
    return { builder, workspace: addSharedNetwork(builder) };
  });
  let unit = 0;
  const generatedResources = (): number => builders.reduce((total, { builder }) => total + builder.estate.resources.length, 0);
  while (base.estate.resources.length + generatedResources() < options.resources) {
    unit += 1;
    const { builder: b, workspace } = builders[(unit - 1) % count] as (typeof builders)[number];
    const region = REGIONS[unit % REGIONS.length] as string;
    const environment = ENVIRONMENTS[unit % ENVIRONMENTS.length] as string;
    const application = pick(APPLICATIONS);
    const group = `rg-bu${String(unit).padStart(4, "0")}-${application}-${environment}`;
    const tags: Tags = { owner: `team-${unit % 37}@nordwind.example`, environment, "cost-center": `CC-${5000 + (unit % 50)}`, application };
    b.group(group, region, tags);

    for (let index = 0; index < 6; index += 1) {
      const name = `vm-bu${unit}-${application}-${environment}-${index}`;
      const draw = random();
      // About one resource in ten misses tags; one non-production VM in five sits idle.
      const vmTags = draw < 0.1 ? {} : tags;
      const workload: WorkloadProfile =
        environment !== "prod" && draw > 0.8 ? "idle" : pick(["steady", "business-hours", "nightly-batch"] as const);
      const power = environment !== "prod" && draw > 0.95 ? "deallocated" : "running";
      // One business unit in three has a VM sized far beyond its light load: a rightsizing candidate.
      const oversized = index === 0 && unit % 3 === 1;
      b.vm(group, name, {
        size: oversized ? "Standard_D16s_v5" : pick(SIZES),
        tags: vmTags,
        workload: oversized ? "light" : workload,
        power,
      });
      if (random() < 0.5) {
        const diskId = `${b.id(group, "Microsoft.Compute/disks", `${name}_OsDisk_1`)}`;
        b.snapshot(group, `snap-${name}-${index}`, { sourceDiskId: diskId, ageDays: Math.floor(random() * 200), tags: vmTags });
      }
    }
    const prod = environment === "prod";
    const schedule: Tags = prod ? {} : { "governor-schedule": "Mon-Fri 08:00-18:00 Europe/Brussels" };
    const lax = unit % 4 === 0;
    const account = b.generic("Microsoft.Storage/storageAccounts", group, `stbu${unit}${environment}`.slice(0, 24), {
      tags,
      sku: { name: "Standard_LRS" },
      kind: "StorageV2",
      properties: { allowBlobPublicAccess: lax, minimumTlsVersion: lax ? "TLS1_0" : "TLS1_2", supportsHttpsTrafficOnly: !lax },
    });
    if (prod && unit % 2 === 0) {
      b.lock(account, `lock-stbu${unit}`, "CanNotDelete");
      b.diagnosticSetting(`${account}/blobServices/default`, "diag-central", { workspaceId: workspace });
    }
    if (unit % 5 === 0) {
      const server = b.postgres(group, `psql-bu${unit}-${environment}`, {
        tags: { ...tags, ...schedule },
        sku: "Standard_D2ds_v5",
        tier: "GeneralPurpose",
        storageGb: 128,
        retentionDays: prod ? 35 : 7,
        geoRedundant: prod,
        ...(prod && unit % 10 === 0 ? { highAvailability: "ZoneRedundant" as const } : {}),
        ...(unit % 15 === 0 ? { publicNetworkAccess: "Enabled" as const, parameters: { ssl_min_protocol_version: "TLSv1" } } : {}),
      });
      if (prod && unit % 10 === 0) {
        b.lock(server, `lock-psql-bu${unit}`, "CanNotDelete");
        b.diagnosticSetting(server, "diag-central", { workspaceId: workspace });
      }
    }
    if (unit % 7 === 0) {
      const cluster = b.aks(group, `aks-bu${unit}-${environment}`, {
        tags,
        nodeSize: "Standard_D4s_v5",
        nodes: 2,
        nodeResourceGroup: true,
      });
      if (unit % 14 === 0) b.diagnosticSetting(cluster, "diag-central", { workspaceId: workspace });
    }
    if (!prod && unit % 6 === 0)
      b.scaleSet(group, `vmss-bu${unit}-${environment}-workers`, { size: "Standard_D2s_v5", capacity: 3, tags: { ...tags, ...schedule } });
    if (unit % 10 === 0) {
      b.generic("Microsoft.Cache/redis", group, `redis-bu${unit}-${environment}`, {
        tags,
        properties: { sku: { name: "Standard", family: "C", capacity: 1 }, enableNonSslPort: unit % 20 === 0, minimumTlsVersion: "1.2" },
      });
    }
    // Leftovers, in the proportions Azure's orphaned-resources workbook finds them.
    if (unit % 3 === 0) b.publicIp(group, `pip-bu${unit}-unused`, { tags });
    if (unit % 4 === 1) b.nic(group, `nic-bu${unit}-detached`, { tags });
    if (unit % 6 === 2) b.loadBalancer(group, `lb-bu${unit}-unused`, { pool: "bepool", tags });
    if (unit % 5 === 3) b.nsg(group, `nsg-bu${unit}-unused`, { tags });
    if (unit % 8 === 4) b.appServicePlan(group, `asp-bu${unit}-empty`, { sku: "B1", tags });
    if (unit % 8 === 0) {
      const plan = b.appServicePlan(group, `asp-bu${unit}-portal`, { sku: "P1v3", tags });
      b.webApp(group, `app-bu${unit}-portal`, { planId: plan, tags });
    }
    if (!prod && unit % 4 === 2) {
      b.disk(group, `disk-bu${unit}-detached`, { sizeGb: 128, sku: "Premium_LRS", tags, ageDays: 150, detachedDaysAgo: 30 + (unit % 60) });
    }
    if (unit % 25 === 0) b.group(`rg-bu${String(unit).padStart(4, "0")}-retired`, region, tags);
  }

  const [first, ...others] = builders.map(({ builder }) => builder);
  const firstBuilder = first as EstateBuilder;
  return {
    ...base,
    estate: {
      resourceGroups: [...base.estate.resourceGroups, ...firstBuilder.estate.resourceGroups],
      resources: [...base.estate.resources, ...firstBuilder.estate.resources],
      locks: [...(base.estate.locks ?? []), ...(firstBuilder.estate.locks ?? [])],
      diagnosticSettings: [...(base.estate.diagnosticSettings ?? []), ...(firstBuilder.estate.diagnosticSettings ?? [])],
    },
    displayName: subscriptionNameAt(0),
    subscriptions: others.map((builder, offset) => ({
      subscriptionId: builder.subscriptionId,
      displayName: subscriptionNameAt(offset + 1),
      estate: { ...builder.estate, locks: builder.estate.locks ?? [], diagnosticSettings: builder.estate.diagnosticSettings ?? [] },
    })),
    managementGroups: nordwindGroup(builders.map(({ builder }) => builder.subscriptionId)),
  };
}

/** A VNet per region for the units' NICs and the workspace their diagnostic settings send to; returns the workspace's id. */
function addSharedNetwork(b: EstateBuilder): string {
  const networkGroup = "rg-bu-network";
  b.group(networkGroup, "westeurope", {
    owner: "network@nordwind.example",
    environment: "prod",
    "cost-center": "CC-1000",
    application: "network",
  });
  REGIONS.forEach((region, index) => {
    b.vnet(networkGroup, `vnet-bu-${region}`, {
      location: region,
      addressPrefix: `10.${100 + index}.0.0/16`,
      subnets: [{ name: "snet-app", addressPrefix: `10.${100 + index}.0.0/20` }],
    });
  });
  return b.generic("Microsoft.OperationalInsights/workspaces", networkGroup, "law-bu-central", {
    properties: { retentionInDays: 90 },
  });
}
