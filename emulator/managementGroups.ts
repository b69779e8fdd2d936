/**
 * The tenant's management group hierarchy: the tenant root group (named after the tenant id, as
 * Azure names it), the groups below it and the subscriptions in each. A subscription no group
 * names sits directly under the root group, where Azure puts a new subscription.
 */

export interface ManagementGroupDefinition {
  /** The group's id as ARM spells it in paths, e.g. `mg-nordwind`. */
  name: string;
  displayName?: string;
  /** Subscriptions directly in this group. */
  subscriptions?: string[];
  children?: ManagementGroupDefinition[];
}

export interface ManagementGroup {
  name: string;
  displayName: string;
  /** Undefined for the tenant root group. */
  parent: string | undefined;
  /** Child groups' names, in the order the definition gives them. */
  groups: string[];
  /** Subscription ids directly in the group (lower case), in the definition's order. */
  subscriptions: string[];
}

export const TENANT_ROOT_DISPLAY_NAME = "Tenant Root Group";

export class ManagementGroupHierarchy {
  readonly rootName: string;
  /** When the hierarchy was made (the emulator's start, on its clock): every group's `updatedTime`. */
  readonly createdAt: string;
  /** By lower-case name. */
  readonly #groups = new Map<string, ManagementGroup>();
  /** Lower-case subscription id to the lower-case name of the group that holds it. */
  readonly #parentOfSubscription = new Map<string, string>();

  constructor(tenantId: string, createdAt: string, definitions: readonly ManagementGroupDefinition[] = []) {
    this.rootName = tenantId;
    this.createdAt = createdAt;
    this.#groups.set(tenantId.toLowerCase(), {
      name: tenantId,
      displayName: TENANT_ROOT_DISPLAY_NAME,
      parent: undefined,
      groups: [],
      subscriptions: [],
    });
    for (const definition of definitions) this.#add(definition, tenantId);
  }

  #add(definition: ManagementGroupDefinition, parent: string): void {
    const key = definition.name.toLowerCase();
    if (this.#groups.has(key)) throw new Error(`management groups: ${definition.name} is defined twice`);
    const group: ManagementGroup = {
      name: definition.name,
      displayName: definition.displayName ?? definition.name,
      parent,
      groups: [],
      subscriptions: [],
    };
    this.#groups.set(key, group);
    this.#groups.get(parent.toLowerCase())?.groups.push(definition.name);
    for (const subscriptionId of definition.subscriptions ?? []) {
      const id = subscriptionId.toLowerCase();
      const holder = this.#parentOfSubscription.get(id);
      if (holder !== undefined) throw new Error(`management groups: subscription ${subscriptionId} is in ${holder} and ${definition.name}`);
      this.#parentOfSubscription.set(id, key);
      group.subscriptions.push(id);
    }
    for (const child of definition.children ?? []) this.#add(child, definition.name);
  }

  group(name: string): ManagementGroup | undefined {
    return this.#groups.get(name.toLowerCase());
  }

  /** Every subscription a definition names, to check them against the subscriptions the emulator serves. */
  namedSubscriptions(): string[] {
    return [...this.#parentOfSubscription.keys()];
  }

  /** The group that holds a subscription: its own, or the root group. */
  parentOfSubscription(subscriptionId: string): ManagementGroup {
    const key = this.#parentOfSubscription.get(subscriptionId.toLowerCase()) ?? this.rootName.toLowerCase();
    return this.#groups.get(key) as ManagementGroup;
  }

  /** The subscriptions directly in a group; the root group also holds every subscription no group names. */
  subscriptionsIn(group: ManagementGroup, known: Iterable<string>): string[] {
    if (group.parent !== undefined) return [...group.subscriptions];
    const unplaced = [...known].map((id) => id.toLowerCase()).filter((id) => !this.#parentOfSubscription.has(id));
    return [...group.subscriptions, ...unplaced];
  }

  /** The subscriptions in a group and all the groups below it, depth first. */
  subscriptionsUnder(group: ManagementGroup, known: Iterable<string>): string[] {
    const knownIds = [...known];
    const found: string[] = [];
    const walk = (current: ManagementGroup): void => {
      found.push(...this.subscriptionsIn(current, knownIds));
      for (const child of current.groups) walk(this.group(child) as ManagementGroup);
    };
    walk(group);
    return found;
  }

  /** The groups above a group, from its parent to the root group. */
  ancestorsOf(group: ManagementGroup): ManagementGroup[] {
    const chain: ManagementGroup[] = [];
    let parent = group.parent;
    while (parent !== undefined) {
      const above = this.group(parent) as ManagementGroup;
      chain.push(above);
      parent = above.parent;
    }
    return chain;
  }
}
