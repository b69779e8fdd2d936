/**
 * Scales the sample estate to N resources for benchmarks: more business units, each with the
 * same mix of environments, VMs and disks, snapshots, storage and databases, spread over regions,
 * with the same kinds of drift in similar proportions. Deterministic for a given seed.
 */
import { seededRandom } from "../faults.ts";
import { EstateBuilder, type Tags } from "./builder.ts";
import { type SampleEstate, sampleEstate } from "./sample.ts";
import type { WorkloadProfile } from "../store.ts";

const REGIONS = ["westeurope", "northeurope", "germanywestcentral", "francecentral"] as const;
const ENVIRONMENTS = ["prod", "staging", "dev", "test", "training"] as const;
const SIZES = ["Standard_B2ms", "Standard_D2s_v5", "Standard_D4s_v5", "Standard_D8s_v5", "Standard_E4s_v5"] as const;
const APPLICATIONS = ["odoo", "edi", "wms", "ecommerce", "analytics"] as const;

export interface GenerateOptions {
  /** Total resources wanted (resource groups not counted); the result has at least this many. */
  resources: number;
  seed?: number;
  subscriptionId?: string;
  now?: Date;
}

export function generateEstate(options: GenerateOptions): SampleEstate {
  const base = sampleEstate({
    ...(options.subscriptionId ? { subscriptionId: options.subscriptionId } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const random = seededRandom(options.seed ?? 7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const b = new EstateBuilder(base.subscriptionId, base.now);
  let unit = 0;

  while (base.estate.resources.length + b.estate.resources.length < options.resources) {
    unit += 1;
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
      b.vm(group, name, { size: pick(SIZES), tags: vmTags, workload, power });
      if (random() < 0.5) {
        const diskId = `${b.id(group, "Microsoft.Compute/disks", `${name}_OsDisk_1`)}`;
        b.snapshot(group, `snap-${name}-${index}`, { sourceDiskId: diskId, ageDays: Math.floor(random() * 200), tags: vmTags });
      }
    }
    b.generic("Microsoft.Storage/storageAccounts", group, `stbu${unit}${environment}`.slice(0, 24), {
      tags,
      sku: { name: "Standard_LRS" },
      kind: "StorageV2",
    });
    if (unit % 5 === 0) {
      b.postgres(group, `psql-bu${unit}-${environment}`, {
        tags,
        sku: "Standard_D2ds_v5",
        tier: "GeneralPurpose",
        storageGb: 128,
        retentionDays: environment === "prod" ? 35 : 7,
        geoRedundant: environment === "prod",
      });
    }
    if (unit % 7 === 0) b.aks(group, `aks-bu${unit}-${environment}`, { tags, nodeSize: "Standard_D4s_v5", nodes: 2 });
  }

  return {
    ...base,
    estate: {
      resourceGroups: [...base.estate.resourceGroups, ...b.estate.resourceGroups],
      resources: [...base.estate.resources, ...b.estate.resources],
    },
  };
}
