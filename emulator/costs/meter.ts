/**
 * What each resource of the emulated subscription costs, hour by hour of virtual time: the source
 * of the emulated Cost Management query (emulator/routes/costManagement.ts).
 *
 * Prices are Governor's own table (shared/policy/prices.ts, list prices in EUR), so the emulator's
 * bill and Governor's estimates agree by construction and a test can compare realised savings with
 * the cost drop exactly:
 * - a VM costs the hourly price of its size while allocated (every power state but deallocated:
 *   a powered-off VM is still billed), following its power history (emulator/powerHistory.ts);
 * - a scale set costs its size's hourly price times its capacity while not deallocated;
 * - a managed disk or snapshot costs its GB-month price / 730 an hour while it exists;
 * - a resize or a SKU change bills the new model from its moment on (emulator/modelHistory.ts);
 * - other resources cost nothing here (AKS nodes are billed to their node resource group in
 *   Azure, not to the cluster's id).
 * A resource is billed from `timeCreated` when it has one, until it is deleted.
 */
import { billedDiskSizeGb, HOURS_PER_MONTH, hourlyPrice, PRICE_LIST, storagePrice } from "../../shared/policy/prices.ts";
import type { EmulatorCore } from "../core.ts";
import { initialPowerState, powerHistoryOf } from "../powerHistory.ts";
import { type BilledModel, initialModel, modelHistoryOf } from "../modelHistory.ts";
import type { StoredResource } from "../store.ts";

export const COST_CURRENCY = PRICE_LIST.currency;
const PRICE_SETTINGS = { currency: PRICE_LIST.currency };
const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

const VM = "microsoft.compute/virtualmachines";
const SCALE_SET = "microsoft.compute/virtualmachinescalesets";
const DISK = "microsoft.compute/disks";
const SNAPSHOT = "microsoft.compute/snapshots";

type Json = Record<string, unknown>;
const objectOf = (value: unknown): Json | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
const instant = (value: unknown): number | undefined => {
  if (typeof value !== "string") return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
};

/** The hourly cost of a resource in a power state (and a billed model, its current one by default); undefined for a resource this meter does not bill. */
export function hourlyCost(resource: StoredResource, powerState: string | undefined, model: BilledModel = {}): number | undefined {
  const type = resource.arm.type.toLowerCase();
  const properties = objectOf(resource.arm.properties) ?? {};
  const deallocated = (powerState ?? "running").toLowerCase() === "deallocated";
  if (type === VM || type === SCALE_SET) {
    const size = model.size ?? (type === VM ? objectOf(properties.hardwareProfile)?.vmSize : objectOf(resource.arm.sku)?.name);
    const price = typeof size === "string" ? hourlyPrice(size, PRICE_SETTINGS) : undefined;
    if (!price?.found) return undefined;
    const instances = type === VM ? 1 : Number(objectOf(resource.arm.sku)?.capacity ?? 0);
    return deallocated ? 0 : price.price * instances;
  }
  if (type === DISK || type === SNAPSHOT) {
    const sku = model.sku ?? objectOf(resource.arm.sku)?.name;
    const sizeGb = properties.diskSizeGB;
    if (typeof sku !== "string" || typeof sizeGb !== "number") return undefined;
    const price = storagePrice(type === DISK ? "disk" : "snapshot", sku, PRICE_SETTINGS);
    if (!price.found) return undefined;
    const billedGb = type === DISK ? billedDiskSizeGb(sku, sizeGb) : sizeGb;
    return (price.price * billedGb) / HOURS_PER_MONTH;
  }
  return undefined;
}

/** The resource's cost over `[fromMs, toMs)`, following its power and model histories, from its creation to its deletion. */
export function costBetween(resource: StoredResource, fromMs: number, toMs: number): number {
  const created = instant(objectOf(resource.arm.properties)?.timeCreated) ?? Number.NEGATIVE_INFINITY;
  const deleted = instant(resource.sim.deletedAt) ?? Number.POSITIVE_INFINITY;
  const start = Math.max(fromMs, created);
  const end = Math.min(toMs, deleted);
  if (end <= start) return 0;
  const power = powerHistoryOf(resource);
  const models = modelHistoryOf(resource);
  const firstState = power.length === 0 ? resource.sim.powerState : initialPowerState(resource);
  const firstModel = models.length === 0 ? {} : (initialModel(resource) ?? {});
  // The state and the model in force at an instant: the last change at or before it.
  const stateAt = (ms: number): string | undefined => power.filter((change) => Date.parse(change.at) <= ms).at(-1)?.state ?? firstState;
  const modelAt = (ms: number): BilledModel => {
    const change = models.filter((entry) => Date.parse(entry.at) <= ms).at(-1);
    return change ? { ...(change.size ? { size: change.size } : {}), ...(change.sku ? { sku: change.sku } : {}) } : firstModel;
  };
  const breaks = [
    ...new Set([start, ...[...power, ...models].map((change) => Date.parse(change.at)).filter((ms) => ms > start && ms < end)]),
  ].sort((a, b) => a - b);
  let total = 0;
  breaks.forEach((from, index) => {
    const to = breaks[index + 1] ?? end;
    total += ((hourlyCost(resource, stateAt(from), modelAt(from)) ?? 0) * (to - from)) / HOUR_MS;
  });
  return total;
}

/** Every resource that may have cost something: those in the store and those deleted since the emulator started. */
export function billedResources(core: EmulatorCore): StoredResource[] {
  const current = core.store.list();
  const ids = new Set(current.map((resource) => resource.arm.id.toLowerCase()));
  const removed = core.store.removed().filter((resource) => !ids.has(resource.arm.id.toLowerCase()));
  return [...current, ...removed].filter((resource) => hourlyCost(resource, undefined) !== undefined);
}

/** The UTC day's cost of a resource, up to the virtual clock's now (nothing is billed ahead of time). */
export function dailyCost(core: EmulatorCore, resource: StoredResource, dayStartMs: number): number {
  return costBetween(resource, dayStartMs, Math.min(dayStartMs + DAY_MS, core.clock.nowMs()));
}
