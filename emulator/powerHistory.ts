/**
 * The power states a resource went through over virtual time: what the emulated Cost Management
 * bills (emulator/costs/meter.ts). A deallocated VM stops costing from the moment it settled, and
 * costs again once started.
 */
import type { EmulatorCore } from "./core.ts";
import type { StoredResource } from "./store.ts";

export interface PowerChange {
  /** ISO time of the virtual clock when the state began. */
  at: string;
  state: string;
}

export function powerHistoryOf(resource: StoredResource): PowerChange[] {
  const history = resource.sim.powerHistory;
  return Array.isArray(history) ? (history as PowerChange[]) : [];
}

/** The state before the first recorded change: the resource's state since before the emulator started. */
export function initialPowerState(resource: StoredResource): string | undefined {
  const before = resource.sim.powerBefore;
  return typeof before === "string" ? before : undefined;
}

/** Sets a resource's power state now, and records the change in its history. */
export function setPowerState(core: EmulatorCore, resource: StoredResource, state: string): void {
  const history = powerHistoryOf(resource);
  if (history.length === 0 && resource.sim.powerBefore === undefined) resource.sim.powerBefore = resource.sim.powerState ?? "running";
  const at = core.nowIso();
  resource.sim.powerHistory = [...history, { at, state }];
  resource.sim.powerState = state;
  resource.sim.powerStateChangedAt = at;
}
