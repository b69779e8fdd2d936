/**
 * Everything a route handler may touch: the store, the clock, long-running operations, fault
 * injection, throttling, the request log and the registry of resource types.
 */
import { VirtualClock } from "./clock.ts";
import { EmulatedEmail } from "./communication.ts";
import { ArmThrottle, ARM_THROTTLE_LIMITS, FaultInjector, type ThrottleSettings } from "./faults.ts";
import { DiagnosticSettingsState } from "./diagnosticSettings.ts";
import { LockState } from "./locks.ts";
import { LroManager } from "./lro.ts";
import type { EstateDefinition } from "./estate/load.ts";
import { type ManagementGroupDefinition, ManagementGroupHierarchy } from "./managementGroups.ts";
import { PolicyState } from "./policy/state.ts";
import { RequestLog } from "./requestLog.ts";
import { type ArmResource, ResourceStore, type SimulationState, type StoredResource } from "./store.ts";

export interface MaterialiseInput {
  id: string;
  name: string;
  /** The request body of a PUT (or an estate entry written the same way). */
  body: Record<string, unknown>;
  /** The resource as it was, for an update. */
  existing?: StoredResource;
  /** Simulation state the estate asks for (power state, workload profile). */
  sim?: SimulationState;
  core: EmulatorCore;
}

/**
 * How a resource type turns a request body into the resource ARM would return: the defaults,
 * read-only properties (ids, times, provisioning state) and simulation state it needs.
 */
export interface ResourceTypeHandler {
  /** Full type as ARM spells it, e.g. `Microsoft.Compute/virtualMachines`. */
  type: string;
  materialise(input: MaterialiseInput): StoredResource;
  /**
   * The resource as reads answer it, when that differs from what is stored: back-references that
   * other resources make (a NIC's `virtualMachine`, a plan's `numberOfSites`) are derived here.
   */
  view?(core: EmulatorCore, resource: StoredResource): ArmResource;
}

/** A subscription the emulator serves besides its own, with the estate seeded into it. */
export interface EmulatedSubscription {
  subscriptionId: string;
  displayName?: string;
  estate?: EstateDefinition;
}

export interface EmulatorOptions {
  /** The subscription the emulator serves (a GUID). */
  subscriptionId?: string;
  /** Its name in the subscriptions list and management groups. */
  displayName?: string;
  /** More subscriptions of the same tenant, each with its own estate and its own ARM throttling buckets. */
  subscriptions?: EmulatedSubscription[];
  /** The groups under the tenant root group; a subscription no group names sits in the root group. */
  managementGroups?: ManagementGroupDefinition[];
  clock?: VirtualClock;
  /** Status polls answered InProgress before an LRO completes. */
  lroPolls?: number;
  lroRetryAfterSeconds?: number;
  /** ARM-like throttling; `false` turns it off. Defaults to ARM's limits. */
  throttle?: ThrottleSettings | false;
  faultSeed?: number;
  /** Rows per page of ARM list operations (nextLink with `$skiptoken`). */
  listPageSize?: number;
  /** Resource Graph's per-user query quota; `false` turns it off. Defaults to Azure's (15 queries per 5 s). */
  resourceGraphQuota?: ResourceGraphQuota | false;
}

export interface ResourceGraphQuota {
  queries: number;
  windowSeconds: number;
}

export const RESOURCE_GRAPH_QUOTA: ResourceGraphQuota = { queries: 15, windowSeconds: 5 };

export const DEFAULT_SUBSCRIPTION_ID = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
export const DEFAULT_TENANT_ID = "3d2f8a61-7c4e-4b9a-8e15-6a0c9d2b7f48";

export class EmulatorCore {
  readonly subscriptionId: string;
  readonly tenantId = DEFAULT_TENANT_ID;
  readonly managementGroups: ManagementGroupHierarchy;
  readonly #displayNames = new Map<string, string>();
  readonly store = new ResourceStore();
  readonly clock: VirtualClock;
  readonly lro: LroManager;
  readonly faults: FaultInjector;
  readonly throttle: ArmThrottle;
  readonly log = new RequestLog();
  readonly email = new EmulatedEmail();
  /** Azure Policy: definitions, initiatives, assignments and exemptions. */
  readonly policy = new PolicyState();
  /** Management locks at subscription, resource group and resource scope. */
  readonly locks = new LockState();
  /** Where each resource's logs and metrics are sent. */
  readonly diagnosticSettings = new DiagnosticSettingsState();
  readonly listPageSize: number;
  /** Undefined when the quota is off. */
  readonly resourceGraphQuota: ResourceGraphQuota | undefined;
  readonly #types = new Map<string, ResourceTypeHandler>();

  constructor(options: EmulatorOptions = {}) {
    this.subscriptionId = options.subscriptionId ?? DEFAULT_SUBSCRIPTION_ID;
    this.clock = options.clock ?? new VirtualClock();
    this.lro = new LroManager(this.clock, {
      ...(options.lroPolls === undefined ? {} : { polls: options.lroPolls }),
      ...(options.lroRetryAfterSeconds === undefined ? {} : { retryAfterSeconds: options.lroRetryAfterSeconds }),
    });
    this.faults = new FaultInjector(options.faultSeed);
    this.throttle = new ArmThrottle(options.throttle === false ? undefined : (options.throttle ?? ARM_THROTTLE_LIMITS));
    this.listPageSize = options.listPageSize ?? 1000;
    this.resourceGraphQuota = options.resourceGraphQuota === false ? undefined : (options.resourceGraphQuota ?? RESOURCE_GRAPH_QUOTA);
    this.store.addSubscription(this.subscriptionId);
    if (options.displayName !== undefined) this.#displayNames.set(this.subscriptionId.toLowerCase(), options.displayName);
    for (const subscription of options.subscriptions ?? []) {
      if (this.store.hasSubscription(subscription.subscriptionId)) {
        throw new Error(`emulator: subscription ${subscription.subscriptionId} is given twice`);
      }
      this.store.addSubscription(subscription.subscriptionId);
      if (subscription.displayName !== undefined)
        this.#displayNames.set(subscription.subscriptionId.toLowerCase(), subscription.displayName);
    }
    this.managementGroups = new ManagementGroupHierarchy(this.tenantId, this.nowIso(), options.managementGroups);
    const unknown = this.managementGroups.namedSubscriptions().filter((id) => !this.store.hasSubscription(id));
    if (unknown.length > 0) throw new Error(`emulator: management groups name subscriptions it does not serve: ${unknown.join(", ")}`);
  }

  /** A subscription's display name: the one it was given, or one made from its id. */
  subscriptionDisplayName(subscriptionId: string): string {
    return this.#displayNames.get(subscriptionId.toLowerCase()) ?? `Governor emulated subscription ${subscriptionId.slice(0, 8)}`;
  }

  registerType(handler: ResourceTypeHandler): void {
    this.#types.set(handler.type.toLowerCase(), handler);
  }

  typeHandler(type: string): ResourceTypeHandler | undefined {
    return this.#types.get(type.toLowerCase());
  }

  /** Builds a resource through its type's handler, or generically for types without one. */
  materialise(type: string, input: Omit<MaterialiseInput, "core">): StoredResource {
    const handler = this.typeHandler(type);
    if (handler) return handler.materialise({ ...input, core: this });
    return genericMaterialise(type, { ...input, core: this });
  }

  /** The resource as a read answers it: its type's view, or a copy of what is stored. */
  view(resource: StoredResource): ArmResource {
    const handler = this.typeHandler(resource.arm.type);
    return handler?.view ? handler.view(this, resource) : structuredClone(resource.arm);
  }

  nowIso(): string {
    return this.clock.now().toISOString();
  }
}

/** Any resource type without a handler of its own: what was sent, plus ARM's read-only fields. */
export function genericMaterialise(type: string, input: MaterialiseInput): StoredResource {
  const { body, existing } = input;
  const properties = {
    ...(existing?.arm.properties ?? {}),
    ...((body.properties as Record<string, unknown> | undefined) ?? {}),
    provisioningState: "Succeeded",
  };
  const arm: ArmResource = {
    ...(existing?.arm ?? {}),
    ...body,
    id: input.id,
    name: input.name,
    type,
    properties,
  };
  if (body.tags === undefined && existing?.arm.tags === undefined) arm.tags = {};
  return { arm, sim: { ...(existing?.sim ?? {}), ...(input.sim ?? {}) } };
}
