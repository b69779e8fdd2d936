/**
 * Filters and actions are registered by name, Cloud Custodian style: the policy file's JSON
 * Schema is generated from this registry, so documentation, editor completion and validation
 * cannot drift from the code. A new filter is one file plus one line in filters/index.ts.
 */
import type { ActionEffect, ConditionResult, Facts, FactRequest, Inventory, InventoryResource, ResourceKind, Settings } from "./types.ts";

/** A JSON Schema fragment (draft 2020-12 subset that editors and Ajv understand). */
export type JsonSchema = Record<string, unknown>;

/** Lookups over the inventory that several filters need, built once per evaluation. */
export interface InventoryIndex {
  byId: Map<string, InventoryResource>;
  /** Snapshots by the lower-case id of their source disk. */
  snapshotsBySourceDisk: Map<string, InventoryResource[]>;
}

export interface EvaluationContext {
  now: Date;
  inventory: Inventory;
  facts: Facts;
  settings: Settings;
  index: InventoryIndex;
}

export interface FilterDefinition<A = unknown> {
  /** The key that selects the filter in a condition: `tag` in `{ tag: owner, present: true }`. */
  key: string;
  /** One line for users; the schema's description. */
  summary: string;
  /** A condition in YAML, for the docs and the schema's examples. */
  example: string;
  /** Kinds the filter makes sense for; omitted means every kind. */
  appliesTo?: readonly ResourceKind[];
  /** JSON Schema of the whole condition object, key included. */
  schema: JsonSchema;
  /** Turns a schema-valid condition into arguments; throws an Error with a message for what the schema cannot say. */
  parse(condition: Record<string, unknown>): A;
  /** Facts the filter reads, so inventory gathers them in bulk before evaluation. */
  facts?(args: A, kind: ResourceKind): FactRequest[];
  /**
   * Paths into the resource the filter reads, as `value` spells them (`properties.diskState`,
   * `tags.owner`, `managedBy`), so the inventory's projection carries them; the loader refuses a
   * policy whose paths the inventory cannot carry (shared/resourceTypes/projection.ts).
   */
  reads?(args: A, kind: ResourceKind): string[];
  /**
   * Other resources the filter compares this one with, which the re-check before acting reads
   * again beside it (`source-disk`: a snapshot's source disk and that disk's other snapshots).
   * A policy without such a filter never pays for those reads.
   */
  related?: readonly RelatedRead[];
  evaluate(resource: InventoryResource, args: A, ctx: EvaluationContext): ConditionResult;
}

export type RelatedRead = "source-disk";

export interface ActionDefinition<A = Record<string, unknown>> {
  name: string;
  summary: string;
  example: string;
  effect: ActionEffect;
  appliesTo: readonly ResourceKind[];
  /** Properties of the object form `{ type: <name>, ... }` besides `type`. */
  argsSchema?: { properties: Record<string, JsonSchema>; required?: string[] };
  parse?(args: Record<string, unknown>): A;
  facts?(args: A, kind: ResourceKind): FactRequest[];
  /** Estimated saving per month, in the settings' currency, if the action is carried out. */
  savings?(resource: InventoryResource, args: A, ctx: EvaluationContext): number;
  /** A short description of what would be done to this resource, for the reason. */
  describe?(resource: InventoryResource, args: A, ctx: EvaluationContext): string;
  /**
   * Why it cannot be done to this resource at all, whatever the policy says, with the values seen
   * (`high availability ZoneRedundant: Azure cannot stop it`); `undefined` when it can. The
   * finding is then `blocked` (guard `refused`) and the executor refuses it too.
   */
  refuses?(resource: InventoryResource, args: A, ctx: EvaluationContext): string | undefined;
  /**
   * What the action itself needs of a resource before it proposes anything, decided after the
   * policy's conditions matched (a resize needs a cheaper size that fits): `no-match` or
   * `not-applicable` means no finding, `unknown` an undecided one, like a condition. A match with
   * `hold` is a finding the action does not propose yet (a resize recommended by fewer sweeps in a
   * row than the policy asks for): blocked, its guard `hold.guard`, its reason `hold.reason`.
   */
  requires?(resource: InventoryResource, args: A, ctx: EvaluationContext, policy: string): ActionRequirement;
  /** What the proposal is, as data recorded with the finding (a resize's `target`). */
  details?(resource: InventoryResource, args: A, ctx: EvaluationContext): Record<string, string | number | boolean>;
  /** Paths into the resource the action reads, as filters declare theirs (`FilterDefinition.reads`). */
  reads?(args: A, kind: ResourceKind): string[];
  /** How many earlier sweeps of its policy the action reads (`Facts.sweepHistory`); none when absent or 0. */
  remembers?(args: A): number;
  /**
   * Why these arguments need a person's approval whatever the resource (undeleting a soft-deleted
   * backup item brings back data someone chose to delete); `undefined` when they do not. The
   * loader refuses a policy that takes them without an approval that is required.
   */
  needsApproval?(args: A): string | undefined;
}

export interface ActionRequirement extends ConditionResult {
  hold?: { guard: string; reason: string };
}

export class Registry {
  readonly #filters = new Map<string, FilterDefinition<unknown>>();
  readonly #actions = new Map<string, ActionDefinition<unknown>>();

  addFilter<A>(definition: FilterDefinition<A>): this {
    if (this.#filters.has(definition.key)) throw new Error(`filter "${definition.key}" is registered twice`);
    if (["all", "any", "not"].includes(definition.key)) throw new Error(`"${definition.key}" is reserved for combining conditions`);
    this.#filters.set(definition.key, definition);
    return this;
  }

  addAction<A>(definition: ActionDefinition<A>): this {
    if (this.#actions.has(definition.name)) throw new Error(`action "${definition.name}" is registered twice`);
    this.#actions.set(definition.name, definition);
    return this;
  }

  filter(key: string): FilterDefinition<unknown> | undefined {
    return this.#filters.get(key);
  }

  action(name: string): ActionDefinition<unknown> | undefined {
    return this.#actions.get(name);
  }

  get filters(): FilterDefinition<unknown>[] {
    return [...this.#filters.values()];
  }

  get actions(): ActionDefinition<unknown>[] {
    return [...this.#actions.values()];
  }
}
