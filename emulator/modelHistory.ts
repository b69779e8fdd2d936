/**
 * The billed model of a resource over virtual time (a VM's size, a disk's SKU): what the emulated
 * Cost Management bills besides the power state (emulator/costs/meter.ts). A VM resized on Tuesday
 * costs its old size's price until Tuesday and its new one after, as Azure bills it.
 */
import type { EmulatorCore } from "./core.ts";
import type { StoredResource } from "./store.ts";

export interface BilledModel {
  /** VM or scale-set size. */
  size?: string;
  /** Disk or snapshot SKU. */
  sku?: string;
}

export interface ModelChange extends BilledModel {
  at: string;
}

export function modelHistoryOf(resource: StoredResource): ModelChange[] {
  const history = resource.sim.modelHistory;
  return Array.isArray(history) ? (history as ModelChange[]) : [];
}

/** The model before the first recorded change. */
export function initialModel(resource: StoredResource): BilledModel | undefined {
  const before = resource.sim.modelBefore;
  return before !== null && typeof before === "object" ? before : undefined;
}

/** Records on `next` (the resource as it is after a write) that its billed model changed from `previous`'s now. */
export function recordModelChange(core: EmulatorCore, previous: BilledModel, next: StoredResource, model: BilledModel): void {
  if ((model.size ?? "") === (previous.size ?? "") && (model.sku ?? "") === (previous.sku ?? "")) return;
  const history = modelHistoryOf(next);
  if (history.length === 0 && next.sim.modelBefore === undefined) next.sim.modelBefore = previous;
  next.sim.modelHistory = [...history, { at: core.nowIso(), ...model }];
}
