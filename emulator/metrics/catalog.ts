/**
 * The metrics the emulator serves, per resource type (the metric namespace), with Azure Monitor's
 * names, units and primary aggregations, and how each is derived from the resource's load.
 */
import type { WorkloadProfile } from "../store.ts";
import { cpuPercent, metricNoise, saltOf, unit } from "./workloads.ts";

export type Aggregation = "average" | "minimum" | "maximum" | "total" | "count";

export const AGGREGATIONS: readonly Aggregation[] = ["average", "minimum", "maximum", "total", "count"];

/** What a metric's value depends on, besides time. */
export interface SampleContext {
  /** Seed from the resource id: two resources with one profile still differ. */
  seed: number;
  profile: WorkloadProfile;
  /** Memory of the VM size, for Available Memory Bytes. */
  memoryBytes: number;
}

export interface MetricDimension {
  /** As Azure reports it in `metadatavalues[].name.value`. */
  name: string;
  /** Each value's share of the metric (shares of one dimension add up to 1). */
  values: Array<{ value: string; share: number }>;
}

export interface MetricDefinition {
  name: string;
  localizedName: string;
  unit: "Percent" | "Bytes" | "Count" | "BytesPerSecond" | "CountPerSecond";
  description: string;
  primaryAggregation: Aggregation;
  /** Time grains the metric is kept at (ms); the standard set when omitted. */
  timeGrainsMs?: number[];
  /** How often the metric is emitted (ms); one minute when omitted. */
  sampleEveryMs?: number;
  dimension?: MetricDimension;
  /** The value emitted at one instant. */
  sample: (context: SampleContext, tMs: number) => number;
}

export interface MetricNamespace {
  /** The resource type, in lower case, which is also the metric namespace. */
  namespace: string;
  metrics: MetricDefinition[];
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const GIB = 1024 ** 3;

export const STANDARD_TIME_GRAINS_MS = [1, 5, 15, 30, 60, 360, 720, 1440].map((minutes) => minutes * MINUTE_MS);

const round = (value: number, decimals: number): number => {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
};

/** Minutes of one resource's CPU kept (about 91 days: the longest lookback a query reads). */
const MEMO_MINUTES = 1 << 17;

/**
 * The last resource's CPU by minute. A batch query reads a resource's metrics one after the
 * other, and its memory and network derive from the same minutes of CPU: each minute is
 * computed once. Samples fall on whole minutes; any other instant is computed as it is.
 */
let memo: { seed: number; profile: WorkloadProfile; base: number; values: Float64Array } | undefined;

function cpu(context: SampleContext, tMs: number): number {
  if (tMs % MINUTE_MS !== 0) return cpuPercent(context.profile, context.seed, tMs);
  const minute = tMs / MINUTE_MS;
  if (!memo || memo.seed !== context.seed || memo.profile !== context.profile || minute < memo.base || minute >= memo.base + MEMO_MINUTES) {
    const values = memo?.values ?? new Float64Array(MEMO_MINUTES);
    values.fill(Number.NaN);
    memo = { seed: context.seed, profile: context.profile, base: minute, values };
  }
  const index = minute - memo.base;
  let value = memo.values[index] as number;
  if (Number.isNaN(value)) {
    value = cpuPercent(context.profile, context.seed, tMs);
    memo.values[index] = value;
  }
  return value;
}
const load = (context: SampleContext, tMs: number): number => cpu(context, tMs) / 100;

/** Each derived metric's noise salt, hashed once. */
const SALT_AKS_MEMORY = saltOf("aks-memory");
const SALT_MEMORY = saltOf("memory");
const SALT_NETWORK_IN = saltOf("network-in");
const SALT_NETWORK_OUT = saltOf("network-out");
const SALT_PG_CONNECTIONS = saltOf("pg-connections");
const SALT_PG_MEMORY = saltOf("pg-memory");
const SALT_REDIS_READ = saltOf("redis-read");
const SALT_REDIS_WRITE = saltOf("redis-write");

/** Bytes per minute on the wire: a floor of chatter plus traffic that follows the load. */
function networkBytes(context: SampleContext, tMs: number, salt: number, floor: number, scale: number): number {
  const noise = metricNoise(context.seed, salt, tMs);
  return Math.round(floor * (1 + 0.3 * noise) + scale * load(context, tMs) ** 1.2 * (1 + 0.2 * noise));
}

const VM: MetricNamespace = {
  namespace: "microsoft.compute/virtualmachines",
  metrics: [
    {
      name: "Percentage CPU",
      localizedName: "Percentage CPU",
      unit: "Percent",
      description: "The percentage of allocated compute units that are currently in use by the Virtual Machine(s)",
      primaryAggregation: "average",
      sample: (context, tMs) => round(cpu(context, tMs), 2),
    },
    {
      name: "Network In Total",
      localizedName: "Network In Total",
      unit: "Bytes",
      description: "The number of bytes received on all network interfaces by the Virtual Machine(s) (Incoming Traffic)",
      primaryAggregation: "total",
      sample: (context, tMs) => networkBytes(context, tMs, SALT_NETWORK_IN, 60_000, 45_000_000),
    },
    {
      name: "Network Out Total",
      localizedName: "Network Out Total",
      unit: "Bytes",
      description: "The number of bytes out on all network interfaces by the Virtual Machine(s) (Outgoing Traffic)",
      primaryAggregation: "total",
      sample: (context, tMs) => networkBytes(context, tMs, SALT_NETWORK_OUT, 30_000, 30_000_000),
    },
    {
      name: "Available Memory Bytes",
      localizedName: "Available Memory Bytes",
      unit: "Bytes",
      description:
        "Amount of physical memory, in bytes, immediately available for allocation to a process or for system use in the Virtual Machine",
      primaryAggregation: "average",
      sample: (context, tMs) => {
        const used = 0.22 + 0.5 * load(context, tMs) + 0.03 * metricNoise(context.seed, SALT_MEMORY, tMs);
        return Math.round(context.memoryBytes * Math.min(0.95, Math.max(0.03, 1 - used)));
      },
    },
  ],
};

const AKS: MetricNamespace = {
  namespace: "microsoft.containerservice/managedclusters",
  metrics: [
    {
      name: "node_cpu_usage_percentage",
      localizedName: "CPU Usage Percentage",
      unit: "Percent",
      description: "Aggregated average CPU utilization measured in percentage across the cluster",
      primaryAggregation: "average",
      sample: (context, tMs) => round(cpu(context, tMs), 2),
    },
    {
      name: "node_memory_working_set_percentage",
      localizedName: "Memory Working Set Percentage",
      unit: "Percent",
      description: "Container working set memory used in percent",
      primaryAggregation: "average",
      sample: (context, tMs) => round(28 + 45 * load(context, tMs) + 2 * metricNoise(context.seed, SALT_AKS_MEMORY, tMs), 2),
    },
  ],
};

const POSTGRES: MetricNamespace = {
  namespace: "microsoft.dbforpostgresql/flexibleservers",
  metrics: [
    {
      name: "cpu_percent",
      localizedName: "CPU percent",
      unit: "Percent",
      description: "Percent of CPU in use",
      primaryAggregation: "average",
      sample: (context, tMs) => round(cpu(context, tMs), 2),
    },
    {
      name: "memory_percent",
      localizedName: "Memory percent",
      unit: "Percent",
      description: "Percent of memory in use",
      primaryAggregation: "average",
      sample: (context, tMs) => round(25 + 50 * load(context, tMs) + 2 * metricNoise(context.seed, SALT_PG_MEMORY, tMs), 2),
    },
    {
      name: "active_connections",
      localizedName: "Active Connections",
      unit: "Count",
      description: "Total number of connections to the database server, including all connection states",
      primaryAggregation: "average",
      // Odoo workers and cron keep a few connections open even when nobody works.
      sample: (context, tMs) =>
        Math.max(1, Math.round(4 + 110 * load(context, tMs) + 3 * metricNoise(context.seed, SALT_PG_CONNECTIONS, tMs))),
    },
  ],
};

const REDIS_SHARDS: MetricDimension = { name: "shardid", values: [{ value: "0", share: 1 }] };

const REDIS: MetricNamespace = {
  namespace: "microsoft.cache/redis",
  metrics: [
    {
      name: "cacheWrite",
      localizedName: "Cache Write",
      unit: "BytesPerSecond",
      description: "The amount of data written to the cache in bytes per second. For more details, see https://aka.ms/redis/metrics.",
      primaryAggregation: "maximum",
      dimension: REDIS_SHARDS,
      sample: (context, tMs) => round(1500 + 60_000 * load(context, tMs) * (1 + 0.2 * metricNoise(context.seed, SALT_REDIS_WRITE, tMs)), 2),
    },
    {
      name: "cacheRead",
      localizedName: "Cache Read",
      unit: "BytesPerSecond",
      description: "The amount of data read from the cache in bytes per second. For more details, see https://aka.ms/redis/metrics.",
      primaryAggregation: "maximum",
      dimension: REDIS_SHARDS,
      sample: (context, tMs) => round(4000 + 180_000 * load(context, tMs) * (1 + 0.2 * metricNoise(context.seed, SALT_REDIS_READ, tMs)), 2),
    },
  ],
};

const BLOB_TIERS: MetricDimension = {
  name: "tier",
  values: [
    { value: "Hot", share: 0.62 },
    { value: "Standard", share: 0.23 },
    { value: "Cool", share: 0.1 },
    { value: "Archive", share: 0.05 },
    { value: "Untiered", share: 0 },
  ],
};

/** Capacity grows slowly: a base from the seed plus a little per day. */
function blobCount(context: SampleContext, tMs: number): number {
  const days = Math.floor(tMs / (24 * HOUR_MS));
  return 500 + Math.floor(unit(context.seed, 7) * 20_000) + (days % 1000) * 3;
}

const BLOB: MetricNamespace = {
  namespace: "microsoft.storage/storageaccounts/blobservices",
  metrics: [
    {
      name: "BlobCount",
      localizedName: "Blob Count",
      unit: "Count",
      description: "The number of blob objects stored in the storage account.",
      primaryAggregation: "average",
      timeGrainsMs: [HOUR_MS],
      sampleEveryMs: HOUR_MS,
      dimension: BLOB_TIERS,
      sample: blobCount,
    },
    {
      name: "BlobCapacity",
      localizedName: "Blob Capacity",
      unit: "Bytes",
      description: "The amount of storage used by the storage account’s Blob service in bytes.",
      primaryAggregation: "average",
      timeGrainsMs: [HOUR_MS],
      sampleEveryMs: HOUR_MS,
      dimension: BLOB_TIERS,
      sample: (context, tMs) => blobCount(context, tMs) * (150_000 + Math.floor(unit(context.seed, 11) * 2_000_000)),
    },
  ],
};

const NAMESPACES = new Map([VM, AKS, POSTGRES, REDIS, BLOB].map((entry) => [entry.namespace, entry]));

export function metricNamespace(resourceType: string): MetricNamespace | undefined {
  return NAMESPACES.get(resourceType.toLowerCase());
}

export function findMetric(namespace: MetricNamespace, name: string): MetricDefinition | undefined {
  const wanted = name.trim().toLowerCase();
  return namespace.metrics.find((metric) => metric.name.toLowerCase() === wanted);
}

/** GiB of memory of common VM sizes: D-series 4 per vCPU, E 8, F 2, B as sold; 8 GiB when unknown. */
export function vmMemoryBytes(vmSize: unknown): number {
  if (typeof vmSize !== "string") return 8 * GIB;
  const burstable: Record<string, number> = {
    b1s: 1,
    b1ms: 2,
    b2s: 4,
    b2ms: 8,
    b4ms: 16,
    b8ms: 32,
    b2ts_v2: 1,
    b2ls_v2: 4,
    b2s_v2: 8,
    b4s_v2: 16,
  };
  const size = vmSize.toLowerCase().replace(/^standard_/, "");
  const fixed = burstable[size];
  if (fixed !== undefined) return fixed * GIB;
  const match = /^([a-z]+?)(\d+)/.exec(size);
  if (!match) return 8 * GIB;
  const perCpu: Record<string, number> = { d: 4, ds: 4, e: 8, es: 8, f: 2, fs: 2, m: 28, a: 2 };
  const vcpus = Number(match[2]);
  return (perCpu[match[1] as string] ?? 4) * vcpus * GIB;
}
