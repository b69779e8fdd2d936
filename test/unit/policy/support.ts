/**
 * Builders for policy unit tests: a resource with sensible defaults, an evaluation context with
 * its index built, conditions parsed from YAML through the filter's schema (as the loader does),
 * and the sample estate read as an inventory with its facts. All pure: no emulator running.
 */
import { Ajv, type ValidateFunction } from "ajv";
import { parse as parseYaml } from "yaml";
import { estateResourceId } from "../../../emulator/estate/load.ts";
import { sampleEstate, type SampleEstate } from "../../../emulator/estate/sample.ts";
import { findMetric, metricNamespace } from "../../../emulator/metrics/catalog.ts";
import { queryMetric, subjectOf } from "../../../emulator/metrics/series.ts";
import type { SimulationState } from "../../../emulator/store.ts";
import { buildIndex } from "../../../shared/policy/inventoryIndex.ts";
import type { ActionDefinition, EvaluationContext, FilterDefinition } from "../../../shared/policy/registry.ts";
import { actionObjectSchema } from "../../../shared/policy/schema.ts";
import { DEFAULT_SETTINGS } from "../../../shared/policy/settings.ts";
import {
  ARM_TYPE_OF_KIND,
  kindOfArmType,
  metricKey,
  type Facts,
  type Inventory,
  type InventoryResource,
  type InventoryResourceGroup,
  type MetricFact,
  type MetricRequest,
  type PowerState,
  type ResourceKind,
  type Settings,
} from "../../../shared/policy/types.ts";

export const SUBSCRIPTION = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
/** Monday 23 November 2026, 19:30 UTC: the sample estate's clock. */
export const NOW = new Date(Date.UTC(2026, 10, 23, 19, 30, 0));
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

type Kind = Exclude<ResourceKind, "any">;

/** ARM types as ids spell them. */
const PROVIDER_TYPE: Record<Kind, string> = {
  "virtual-machine": "Microsoft.Compute/virtualMachines",
  "aks-cluster": "Microsoft.ContainerService/managedClusters",
  snapshot: "Microsoft.Compute/snapshots",
  disk: "Microsoft.Compute/disks",
  "postgresql-server": "Microsoft.DBforPostgreSQL/flexibleServers",
  "storage-account": "Microsoft.Storage/storageAccounts",
  "redis-cache": "Microsoft.Cache/redis",
  "vm-scale-set": "Microsoft.Compute/virtualMachineScaleSets",
  "public-ip": "Microsoft.Network/publicIPAddresses",
  "network-interface": "Microsoft.Network/networkInterfaces",
  "load-balancer": "Microsoft.Network/loadBalancers",
  "network-security-group": "Microsoft.Network/networkSecurityGroups",
  "app-service-plan": "Microsoft.Web/serverfarms",
  "resource-group": "Microsoft.Resources/subscriptions/resourceGroups",
  "key-vault": "Microsoft.KeyVault/vaults",
};

const DEFAULTS: Record<Kind, Partial<InventoryResource>> = {
  "virtual-machine": { sku: "Standard_D4s_v5", powerState: "running", properties: { hardwareProfile: { vmSize: "Standard_D4s_v5" } } },
  "aks-cluster": {
    sku: "Standard_D4s_v5",
    powerState: "running",
    properties: { powerState: { code: "Running" }, agentPoolProfiles: [{ name: "system", count: 2, vmSize: "Standard_D4s_v5" }] },
  },
  snapshot: { sku: "Standard_LRS", properties: { diskSizeGB: 128, incremental: true, creationData: { createOption: "Copy" } } },
  disk: { sku: "Premium_LRS", properties: { diskSizeGB: 128, diskState: "Unattached" } },
  "postgresql-server": {
    sku: "Standard_D2ds_v5",
    properties: { state: "Ready", backup: { backupRetentionDays: 7, geoRedundantBackup: "Disabled" } },
  },
  "storage-account": { sku: "Standard_LRS", properties: {} },
  "redis-cache": { properties: {} },
  // A fresh read's shape: the instance view beside the GET, its power state where a VM's is.
  "vm-scale-set": {
    sku: "Standard_D2s_v5",
    powerState: "running",
    properties: {
      instanceView: { virtualMachine: { statusesSummary: [{ code: "PowerState/running", count: 3 }] } },
      extended: { instanceView: { powerState: { code: "PowerState/running" } } },
    },
  },
  "public-ip": { sku: "Standard", properties: { publicIPAllocationMethod: "Static" } },
  "network-interface": { properties: {} },
  "load-balancer": {
    sku: "Standard",
    properties: { backendAddressPools: [{ name: "pool", properties: {} }], loadBalancingRules: [{ name: "rule" }] },
  },
  "network-security-group": { properties: {} },
  "app-service-plan": { sku: "B1", properties: { numberOfSites: 0, numberOfWorkers: 1, reserved: true } },
  "resource-group": { properties: {} },
  "key-vault": { properties: {} },
};

export function resourceId(kind: Kind, resourceGroup: string, name: string): string {
  // A group is named by its own id; its resources are its group's.
  if (kind === "resource-group") return `/subscriptions/${SUBSCRIPTION}/resourceGroups/${name}`;
  return `/subscriptions/${SUBSCRIPTION}/resourceGroups/${resourceGroup}/providers/${PROVIDER_TYPE[kind]}/${name}`;
}

export interface ResourceSpec extends Partial<Omit<InventoryResource, "kind">> {
  kind?: Kind;
}

/** A resource as inventory returns it: a running dev VM in West Europe unless told otherwise. `properties` merge over the kind's defaults. */
export function resource(spec: ResourceSpec = {}): InventoryResource {
  const kind = spec.kind ?? "virtual-machine";
  const defaults = DEFAULTS[kind];
  const name = spec.name ?? `${kind}-01`;
  // A group's own group is itself, as Resource Graph has it.
  const resourceGroup = spec.resourceGroup ?? (kind === "resource-group" ? name.toLowerCase() : "rg-odoo-dev");
  return {
    ...defaults,
    createdAt: new Date(NOW.getTime() - 180 * DAY_MS).toISOString(),
    ...spec,
    id: spec.id ?? resourceId(kind, resourceGroup, name),
    name,
    type: ARM_TYPE_OF_KIND[kind],
    kind,
    subscriptionId: SUBSCRIPTION,
    resourceGroup,
    location: spec.location ?? "westeurope",
    tags: spec.tags ?? {},
    properties: { ...defaults.properties, ...spec.properties },
  };
}

/** A snapshot of a disk, taken `ageDays` before NOW. */
export function snapshotOf(disk: InventoryResource, name: string, ageDays: number, spec: ResourceSpec = {}): InventoryResource {
  return resource({
    kind: "snapshot",
    name,
    resourceGroup: disk.resourceGroup,
    tags: disk.tags,
    createdAt: new Date(NOW.getTime() - ageDays * DAY_MS).toISOString(),
    ...spec,
    properties: { creationData: { createOption: "Copy", sourceResourceId: disk.id }, ...spec.properties },
  });
}

export interface GroupSpec {
  name: string;
  tags?: Record<string, string>;
  location?: string;
}

export interface ContextSpec {
  resources?: InventoryResource[];
  groups?: GroupSpec[];
  facts?: Partial<Facts>;
  now?: Date;
  settings?: Partial<Omit<Settings, "tags">> & { tags?: Partial<Settings["tags"]> };
}

/** An evaluation context over the given resources and groups, with the index built as evaluation builds it. */
export function context(spec: ContextSpec = {}): EvaluationContext {
  const resourceGroups: Record<string, InventoryResourceGroup> = {};
  for (const group of spec.groups ?? []) {
    resourceGroups[group.name.toLowerCase()] = {
      id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${group.name}`,
      name: group.name,
      location: group.location ?? "westeurope",
      tags: group.tags ?? {},
    };
  }
  const inventory: Inventory = { subscriptionId: SUBSCRIPTION, resources: spec.resources ?? [], resourceGroups };
  const settings: Settings = { ...DEFAULT_SETTINGS, ...spec.settings, tags: { ...DEFAULT_SETTINGS.tags, ...spec.settings?.tags } };
  const facts: Facts = { metrics: {}, backup: {}, vaults: [], ...spec.facts };
  return { now: spec.now ?? NOW, inventory, facts, settings, index: buildIndex(inventory) };
}

/** Facts with one metric value for one resource, keyed as the metric filter reads them. */
export function metricFacts(
  entries: Array<{ resource: InventoryResource; request: Pick<MetricRequest, "metric" | "aggregation" | "windowMs">; fact: MetricFact }>,
): Facts["metrics"] {
  const metrics: Facts["metrics"] = {};
  for (const { resource: subject, request, fact } of entries) {
    const id = subject.id.toLowerCase();
    metrics[id] = { ...metrics[id], [metricKey(request)]: fact };
  }
  return metrics;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new WeakMap<object, ValidateFunction>();

function validator(key: object, schema: Record<string, unknown>): ValidateFunction {
  let found = validators.get(key);
  if (!found) {
    found = ajv.compile(schema);
    validators.set(key, found);
  }
  return found;
}

/** A condition written in YAML, checked against the filter's schema and parsed, as the loader does it. */
export function condition<A>(filter: FilterDefinition<A>, yaml: string): A {
  const raw = parseYaml(yaml) as Record<string, unknown>;
  const validate = validator(filter, filter.schema);
  if (!validate(raw)) throw new Error(`schema: ${ajv.errorsText(validate.errors)}`);
  return filter.parse(raw);
}

/** An action's object form written in YAML (`{ type: tag, inherit: [owner] }`), checked and parsed. */
export function actionArgs<A>(action: ActionDefinition<A>, yaml: string): A {
  const raw = parseYaml(yaml) as Record<string, unknown>;
  const validate = validator(action, actionObjectSchema(action.name, action.argsSchema));
  if (!validate(raw)) throw new Error(`schema: ${ajv.errorsText(validate.errors)}`);
  const { type: _type, ...args } = raw;
  return action.parse ? action.parse(args) : (args as A);
}

/** Evaluates a filter on a resource from a YAML condition. */
export function check<A>(
  filter: FilterDefinition<A>,
  yaml: string,
  subject: InventoryResource,
  ctx: EvaluationContext = context({ resources: [subject] }),
) {
  return filter.evaluate(subject, condition(filter, yaml), ctx);
}

export interface SampleInventory {
  sample: SampleEstate;
  inventory: Inventory;
  /** Facts as the gatherer would find them: Percentage CPU averages over 72h, backup status, vaults. */
  facts: Facts;
  ctx: EvaluationContext;
}

const CPU_WINDOW_MS = 72 * HOUR_MS;
export const CPU_72H: Pick<MetricRequest, "metric" | "aggregation" | "windowMs"> = {
  metric: "Percentage CPU",
  aggregation: "average",
  windowMs: CPU_WINDOW_MS,
};

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

const POWER: Record<string, PowerState> = {
  running: "running",
  deallocated: "deallocated",
  stopped: "stopped",
  Running: "running",
  Stopped: "stopped",
};

/** Hourly CPU averages of a VM over 72h from the emulator's pure series: the value and the points with data. */
function cpuFact(
  arm: { id: string; name: string; type: string; location: string; properties: Record<string, unknown> },
  sim: SimulationState,
  now: Date,
): MetricFact {
  const definition = findMetric(metricNamespace(arm.type) ?? { namespace: "", metrics: [] }, "Percentage CPU");
  if (!definition) throw new Error(`no Percentage CPU for ${arm.type}`);
  const answer = queryMetric(subjectOf({ arm, sim }), definition, {
    startMs: now.getTime() - CPU_WINDOW_MS,
    endMs: now.getTime(),
    interval: HOUR_MS,
    aggregations: ["average"],
    nowMs: now.getTime(),
  });
  const points = answer.metric.timeseries[0]?.data ?? [];
  const values = points.flatMap((point) => (point.average === undefined ? [] : [point.average]));
  return {
    value: values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length,
    points: values.length,
    expectedPoints: points.length,
  };
}

/** The sample estate as inventory would read it (top-level resources in resource groups), with the facts its policies need. */
export function sampleInventory(): SampleInventory {
  const sample = sampleEstate();
  const { estate, subscriptionId, now } = sample;
  const resources: InventoryResource[] = [];
  const facts: Facts = { metrics: {}, backup: {}, vaults: [] };
  const vaultPolicies = new Map<string, string[]>();
  const protectedVms = new Map<string, { vaultId: string; policyId: string }>();
  /** Items the estate plants soft-deleted (protection stopped with its data deleted), by VM id: the vault and when. */
  const softDeletedVms = new Map<string, { vaultId: string; deletedAt: string }>();

  for (const entry of estate.resources) {
    if (entry.resourceGroup === undefined) continue;
    const id = estateResourceId(subscriptionId, entry.resourceGroup, entry.type, entry.name);
    const segments = entry.type.split("/");
    const properties = record(entry.body.properties);
    if (entry.type === "Microsoft.RecoveryServices/vaults/backupPolicies") {
      const vaultId = id.split("/backupPolicies/")[0]?.toLowerCase() as string;
      vaultPolicies.set(vaultId, [...(vaultPolicies.get(vaultId) ?? []), id]);
    }
    if (entry.type.endsWith("/protectedItems")) {
      const vaultId = id.split("/backupFabrics/")[0] as string;
      const source = String(properties.sourceResourceId).toLowerCase();
      if (typeof entry.sim?.softDeletedAt === "string") softDeletedVms.set(source, { vaultId, deletedAt: entry.sim.softDeletedAt });
      else protectedVms.set(source, { vaultId, policyId: String(properties.policyId) });
    }
    if (segments.length !== 2) continue;
    const type = entry.type.toLowerCase();
    const kind = kindOfArmType(type);
    const name = entry.name;
    const location = typeof entry.body.location === "string" ? entry.body.location : "westeurope";
    const pools = Array.isArray(properties.agentPoolProfiles) ? (properties.agentPoolProfiles as Array<Record<string, unknown>>) : [];
    const sku =
      kind === "virtual-machine"
        ? record(properties.hardwareProfile).vmSize
        : kind === "aks-cluster"
          ? pools[0]?.vmSize
          : record(entry.body.sku).name;
    const power =
      kind === "virtual-machine"
        ? POWER[String(entry.sim?.powerState ?? "running")]
        : kind === "aks-cluster"
          ? POWER[String(record(properties.powerState).code)]
          : undefined;
    const inventoried: InventoryResource = {
      id,
      name,
      type,
      kind,
      subscriptionId,
      resourceGroup: entry.resourceGroup,
      location,
      tags: (entry.body.tags as Record<string, string> | undefined) ?? {},
      properties,
      ...(typeof sku === "string" ? { sku } : {}),
      ...(power ? { powerState: power } : {}),
      ...(typeof properties.timeCreated === "string" ? { createdAt: properties.timeCreated } : {}),
      ...(typeof entry.body.managedBy === "string" ? { managedBy: entry.body.managedBy } : {}),
    };
    resources.push(inventoried);
    if (entry.type === "Microsoft.RecoveryServices/vaults") facts.vaults.push({ id, name, location, policies: [] });
    if (kind === "virtual-machine") {
      const fact = cpuFact({ id, name, type: entry.type, location, properties }, entry.sim ?? {}, now);
      facts.metrics[id.toLowerCase()] = { [metricKey(CPU_72H)]: fact };
    }
  }
  for (const vault of facts.vaults) vault.policies = vaultPolicies.get(vault.id.toLowerCase()) ?? [];
  for (const vm of resources.filter((item) => item.kind === "virtual-machine")) {
    const protection = protectedVms.get(vm.id.toLowerCase());
    const deleted = softDeletedVms.get(vm.id.toLowerCase());
    facts.backup[vm.id.toLowerCase()] = protection
      ? { protected: true, ...protection }
      : deleted
        ? {
            protected: false,
            vaultId: deleted.vaultId,
            softDeleted: { deletedAt: deleted.deletedAt, purgeAt: new Date(Date.parse(deleted.deletedAt) + 14 * 86_400_000).toISOString() },
          }
        : { protected: false };
  }

  const resourceGroups: Record<string, InventoryResourceGroup> = {};
  for (const group of estate.resourceGroups) {
    resourceGroups[group.name.toLowerCase()] = {
      id: `/subscriptions/${subscriptionId}/resourceGroups/${group.name}`,
      name: group.name,
      location: group.location,
      tags: group.tags ?? {},
    };
  }
  const inventory: Inventory = { subscriptionId, resources, resourceGroups };
  return { sample, inventory, facts, ctx: { now, inventory, facts, settings: DEFAULT_SETTINGS, index: buildIndex(inventory) } };
}

/** The policy the guard tests share: deallocate every running VM (a disruptive change), as a policy file's entry. */
export const STOP_RUNNING_POLICY = `  - name: stop-running
    resource: virtual-machine
    mode: enforce
    when:
      - power-state: running
    action: deallocate
`;
