/**
 * The emulated subscription's state: resource groups and resources as ARM returns them,
 * plus a little simulation state per resource (power state, workload profile) that ARM keeps
 * elsewhere (instance views, metrics).
 */
import { EventEmitter } from "node:events";
import { notFound, resourceGroupNotFound } from "./errors.ts";
import type { Caller } from "./identity.ts";
import { currentCaller } from "./requestContext.ts";
import { idKey, parseArmId, resourceGroupId } from "../shared/azure/resourceId.ts";

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
export type WorkloadProfile = "idle" | "light" | "business-hours" | "steady" | "busy" | "nightly-batch";

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
  /** What a change of an operation that can change different things wrote (the tags of a tags write). */
  detail?: string;
  at: string;
  /** Who made the change (the request's caller); set by the store. */
  caller?: Caller;
}

/**
 * One key per distinct change: the resource, the operation and what it wrote. The same key twice
 * is the same change sent twice; a tag merge and a later tag merge of other tags are two changes.
 */
export function changeKey(change: Pick<ResourceChange, "resourceId" | "operationName" | "detail">): string {
  return `${change.resourceId.toLowerCase()} ${change.operationName}${change.detail === undefined ? "" : ` ${change.detail}`}`;
}

/** The ids a resource id sits under, down to the top-level resource: `…/vaults/v/backupFabrics/Azure` and `…/vaults/v` for an item. */
function ancestorsOf(key: string): string[] {
  const providers = key.lastIndexOf("/providers/");
  if (providers < 0) return [];
  const segments = key.slice(providers + "/providers/".length).split("/");
  // namespace, then type/name pairs: a top-level resource has 3 segments, each child level two more.
  const ancestors: string[] = [];
  for (let length = segments.length - 2; length >= 3; length -= 2) {
    ancestors.push(`${key.slice(0, providers)}/providers/${segments.slice(0, length).join("/")}`);
  }
  return ancestors;
}

export class ResourceStore {
  readonly subscriptions = new Set<string>();
  readonly #groups = new Map<string, ArmResource>();
  readonly #resources = new Map<string, StoredResource>();
  /** Resources deleted, as they were, with `sim.deletedAt` once the deletion's change is emitted: what they cost until then (emulator/costs.ts). */
  readonly #removed = new Map<string, StoredResource>();
  /** Keys of the resources under each resource (children, grandchildren…), so lookups by parent never scan the store. */
  readonly #descendants = new Map<string, Set<string>>();
  /** Keys by lower-case type. */
  readonly #byType = new Map<string, Set<string>>();
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
    const parsed = parseArmId(id);
    if (parsed.resourceGroup !== undefined && !this.getGroup(parsed.subscriptionId, parsed.resourceGroup)) {
      throw resourceGroupNotFound(parsed.resourceGroup);
    }
    throw notFound(id);
  }

  put(resource: StoredResource): void {
    const key = idKey(resource.arm.id);
    const previous = this.#resources.get(key);
    this.#resources.set(key, resource);
    // The same id and type is indexed already, where it was (lists keep their order).
    if (previous?.arm.type.toLowerCase() === resource.arm.type.toLowerCase()) return;
    if (previous) this.#unindex(key, previous);
    const type = resource.arm.type.toLowerCase();
    let typed = this.#byType.get(type);
    if (!typed) this.#byType.set(type, (typed = new Set()));
    typed.add(key);
    for (const ancestor of ancestorsOf(key)) {
      let under = this.#descendants.get(ancestor);
      if (!under) this.#descendants.set(ancestor, (under = new Set()));
      under.add(key);
    }
  }

  #unindex(key: string, resource: StoredResource): void {
    this.#byType.get(resource.arm.type.toLowerCase())?.delete(key);
    for (const ancestor of ancestorsOf(key)) this.#descendants.get(ancestor)?.delete(key);
  }

  #remove(key: string): boolean {
    const resource = this.#resources.get(key);
    if (!resource) return false;
    this.#unindex(key, resource);
    this.#resources.delete(key);
    return true;
  }

  delete(id: string): boolean {
    const key = idKey(id);
    const gone = this.#resources.get(key);
    if (gone) this.#removed.set(key, gone);
    const removed = this.#remove(key);
    // Child resources (agent pools, protected items) go with their parent, as in ARM.
    for (const childKey of [...(this.#descendants.get(key) ?? [])]) this.#remove(childKey);
    this.#descendants.delete(key);
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
    // By type through the index: listing one type never walks the others.
    const keys: Iterable<string> = type === undefined ? this.#resources.keys() : [...(this.#byType.get(type) ?? [])];
    for (const key of keys) {
      const resource = this.#resources.get(key);
      if (!resource) continue;
      if (prefix !== undefined && !key.startsWith(prefix)) continue;
      if (type !== undefined && resource.arm.type.toLowerCase() !== type) continue;
      if (location !== undefined && resource.arm.location?.toLowerCase() !== location) continue;
      result.push(resource);
    }
    return result;
  }

  /** Resources under a resource of one child type (a cluster's agent pools, a vault's protected items), from the index. */
  children(parentId: string, childType: string): StoredResource[] {
    const type = childType.toLowerCase();
    const result: StoredResource[] = [];
    for (const key of this.#descendants.get(idKey(parentId)) ?? []) {
      const resource = this.#resources.get(key);
      if (resource && resource.arm.type.toLowerCase() === type) result.push(resource);
    }
    return result;
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
