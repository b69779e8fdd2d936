/**
 * An action is one module: everything Governor knows about it, in one place, Cloud Custodian
 * style. The policy side (schema, parse, describe, effect, kinds, the facts it needs, its
 * estimate), the executor that carries it out in Azure (typed arguments, idempotent change,
 * verification), the ARM operations that executor sends (the template's roles are their union),
 * and how it relates to other actions (what undoes it). The registry, the permission manifest,
 * budget containment, restarts at a schedule's start, verification and the savings ledger are all
 * derived from these modules (shared/actions/index.ts); none of them names an action.
 */
import type { ArmPermission } from "../azure/permissions.ts";
import type { ActionDefinition } from "../policy/registry.ts";
import type { ActionExecutor, Leaves } from "../remediation/executor.ts";

export interface ActionModule<A = Record<string, unknown>> extends ActionDefinition<A> {
  /**
   * Governor's own action, never written in a policy file (`start`: what undoes a stop): it has
   * an executor and permissions, but no place in the schema or the registry.
   */
  internal?: boolean;
  /** How it is carried out in Azure; absent for actions other workflows carry out (`notify`, `restore-drill`). */
  executor?: ActionExecutor<A>;
  /** The ARM operations the executor sends, each with why (empty for an action that sends none). */
  permissions: readonly ArmPermission[];
  /**
   * The action that undoes this one (`start` for a stop): a schedule policy's stop is undone when
   * its schedule starts again, a budget response may take it (a person can undo it), and the
   * savings ledger ends the saving when the undoing action is applied.
   */
  undoneBy?: string;
  /** What a finished change leaves, as verification reads it back; absent when the executor's own re-read is the evidence. */
  leaves?: Leaves;
  /** Whether the change saves money the savings ledger measures (an applied stop or delete). */
  saves?: boolean;
  /** Whether the workflow must carry the identity that created the resource (a tag taking its owner from the event). */
  needsCreator?(args: A): boolean;
}

/** A module, typed by its arguments; the identity, for inference and one place to check its shape. */
export function defineAction<A>(module: ActionModule<A>): ActionModule<A> {
  return module;
}
