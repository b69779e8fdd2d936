/**
 * The emulated subscription's state: resource groups and resources as ARM returns them,
 * plus a little simulation state per resource (power state, workload profile) that ARM keeps
 * elsewhere (instance views, metrics).
 */
import { EventEmitter } from "node:events";
import { notFound, resourceGroupNotFound } from "./errors.ts";
import type { Caller } from "./identity.ts";
import { currentCaller } from "./requestContext.ts";
import { idKey, parseResourceId, resourceGroupId } from "./resourceIds.ts";

export interface ArmResource {
  id: string;
  name: string;
  type: string;
  location?: string;
  tags?: Record<string, string>;
  properties?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Workload profiles drive the synthetic metrics of a resource. */
export type WorkloadProfile = "idle" | "business-hours" | "steady" | "busy" | "nightly-batch";

export interface SimulationState {
  /** VM power state code without the prefix: running, deallocated, stopped, deallocating, starting. */
  powerState?: string;
  workload?: WorkloadProfile;
  [key: string]: unknown;
}

export interface StoredResource {
  arm: ArmResource;
  sim: SimulationState;
}

export interface ResourceChange {
  kind: "write" | "delete" | "action";
  resourceId: string;
  resourceType: string;
  /** ARM operation name as Event Grid reports it, e.g. `Microsoft.Compute/virtualMachines/deallocate/action`. */
  operationName: string;
  at: string;
  /** Who made the change (the request's caller); set by the store. */
  caller?: Caller;
}

export class ResourceStore {
  readonly subscriptions = new Set<string>();
  readonly #groups = new Map<string, ArmResource>();
  readonly #resources = new Map<string, StoredResource>();
  /** Resources deleted, as they were, with `sim.deletedAt` once the deletion's change is emitted: what they cost until then (emulator/costs.ts). */
  readonly #removed = new Map<string, StoredResource>();
  readonly changes = new EventEmitter<{ change: [ResourceChange] }>();

  addSubscription(subscriptionId: string): void {
    this.subscriptions.add(subscriptionId.toLowerCase());
  }

  hasSubscription(subscriptionId: string): boolean {
    return this.subscriptions.has(subscriptionId.toLowerCase());
  }

  getGroup(subscriptionId: string, name: string): ArmResource | undefined {
    return this.#groups.get(idKey(resourceGroupId(subscriptionId, name)));
  }

  requireGroup(subscriptionId: string, name: string): ArmResource {
    const group = this.getGroup(subscriptionId, name);
    if (!group) throw resourceGroupNotFound(name);
    return group;
  }

  putGroup(group: ArmResource): void {
    this.#groups.set(idKey(group.id), group);
  }

  deleteGroup(id: string): boolean {
    return this.#groups.delete(idKey(id));
  }

  listGroups(subscriptionId: string): ArmResource[] {
    const prefix = `/subscriptions/${subscriptionId.toLowerCase()}/`;
    return [...this.#groups.entries()].filter(([key]) => key.startsWith(prefix)).map(([, group]) => group);
  }

  get(id: string): StoredResource | undefined {
    return this.#resources.get(idKey(id));
  }

  /** The resource, or a 404 in ARM's shape (`ResourceGroupNotFound` when the group is missing too). */
  require(id: string, expectedType?: string): StoredResource {
    const found = this.get(id);
    if (found && (expectedType === undefined || found.arm.type.toLowerCase() === expectedType.toLowerCase())) {
      return found;
    }
    const parsed = parseResourceId(id);
    if (parsed.resourceGroup !== undefined && !this.getGroup(parsed.subscriptionId, parsed.resourceGroup)) {
      throw resourceGroupNotFound(parsed.resourceGroup);
    }
    throw notFound(id);
  }

  put(resource: StoredResource): void {
    this.#resources.set(idKey(resource.arm.id), resource);
  }

  delete(id: string): boolean {
    const key = idKey(id);
    const gone = this.#resources.get(key);
    if (gone) this.#removed.set(key, gone);
    const removed = this.#resources.delete(key);
    // Child resources (agent pools, protected items) go with their parent, as in ARM.
    for (const childKey of this.#resources.keys()) {
      if (childKey.startsWith(`${key}/`)) this.#resources.delete(childKey);
    }
    return removed;
  }

  /** Resources filtered by subscription, resource group, type (case-insensitive) and location. */
  list(filter: { subscriptionId?: string; resourceGroup?: string; type?: string; location?: string } = {}): StoredResource[] {
    const prefix =
      filter.subscriptionId === undefined
        ? undefined
        : filter.resourceGroup === undefined
          ? `/subscriptions/${filter.subscriptionId.toLowerCase()}/`
          : `${idKey(resourceGroupId(filter.subscriptionId, filter.resourceGroup))}/`;
    const type = filter.type?.toLowerCase();
    const location = filter.location?.toLowerCase();
    const result: StoredResource[] = [];
    for (const [key, resource] of this.#resources) {
      if (prefix !== undefined && !key.startsWith(prefix)) continue;
      if (type !== undefined && resource.arm.type.toLowerCase() !== type) continue;
      if (location !== undefined && resource.arm.location?.toLowerCase() !== location) continue;
      result.push(resource);
    }
    return result;
  }

  /** Direct children of a resource of one child type (e.g. a cluster's agent pools). */
  children(parentId: string, childType: string): StoredResource[] {
    const prefix = `${idKey(parentId)}/`;
    const type = childType.toLowerCase();
    return [...this.#resources.entries()]
      .filter(([key, resource]) => key.startsWith(prefix) && resource.arm.type.toLowerCase() === type)
      .map(([, resource]) => resource);
  }

  get size(): number {
    return this.#resources.size;
  }

  /** Resources deleted since the emulator started (each as it last was). */
  removed(): StoredResource[] {
    return [...this.#removed.values()];
  }

  emitChange(change: ResourceChange): void {
    if (change.kind === "delete") {
      const gone = this.#removed.get(idKey(change.resourceId));
      if (gone && gone.sim.deletedAt === undefined && !this.#resources.has(idKey(change.resourceId))) gone.sim.deletedAt = change.at;
    }
    const caller = change.caller ?? currentCaller();
    this.changes.emit("change", caller ? { ...change, caller } : change);
  }
}
