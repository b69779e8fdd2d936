/**
 * Governor's actions, one module each (shared/actions/module.ts), one line each, in the order the
 * schema and the docs list them. Everything that used to name actions is derived from here: the
 * registry and schema (policy actions), the executors, the permission manifest, what a schedule
 * restarts, what a budget response may take, what verification reads back, what the savings
 * ledger counts.
 */
import type { ArmPermission } from "../azure/permissions.ts";
import type { ActionEffect, ResourceKind } from "../policy/types.ts";
import type { Executor } from "../remediation/executor.ts";
import { deallocateAction } from "./deallocate.ts";
import { deleteAction } from "./delete.ts";
import { downgradeAction } from "./downgrade.ts";
import { enrollBackupAction } from "./enrollBackup.ts";
import type { ActionModule } from "./module.ts";
import { notifyAction } from "./notify.ts";
import { resizeAction } from "./resize.ts";
import { restoreDrillAction } from "./restoreDrill.ts";
import { snapshotThenDeleteAction } from "./snapshotThenDelete.ts";
import { startAction } from "./start.ts";
import { stopAction } from "./stop.ts";
import { tagAction } from "./tag.ts";

export const ACTIONS: readonly ActionModule<unknown>[] = [
  deallocateAction,
  stopAction,
  deleteAction,
  downgradeAction,
  snapshotThenDeleteAction,
  tagAction,
  enrollBackupAction,
  notifyAction,
  restoreDrillAction,
  resizeAction,
  startAction,
];

const byName = new Map(ACTIONS.map((module) => [module.name, module]));
if (byName.size !== ACTIONS.length) throw new Error("two action modules share a name");
for (const module of ACTIONS) {
  if (module.undoneBy !== undefined && !byName.get(module.undoneBy)?.executor)
    throw new Error(`action ${module.name} is undone by ${module.undoneBy}, which has no executor`);
}

export function actionModule(name: string): ActionModule<unknown> | undefined {
  return byName.get(name);
}

/** The actions a policy file may name: the registry and the schema hold these. */
export const POLICY_ACTIONS: readonly ActionModule<unknown>[] = ACTIONS.filter((module) => !module.internal);

/** The executor of an action, as `applyRemediation` runs it; `undefined` for actions carried out by other workflows. */
export function executorFor(name: string): Executor | undefined {
  const module = byName.get(name);
  if (!module?.executor) return undefined;
  return {
    ...module.executor,
    action: module.name,
    kinds: module.appliesTo,
    effect: module.effect,
    ...(module.leaves === undefined ? {} : { leaves: module.leaves }),
  };
}

/** Every ARM operation an executor sends, once each: `applyRemediation`'s entry in the permission manifest. */
export const ACTION_PERMISSIONS: readonly ArmPermission[] = [
  ...new Map(ACTIONS.flatMap((module) => module.permissions).map((permission) => [permission.operation, permission])).values(),
];

/** The action that undoes `name` (`start` for `deallocate`), if any. */
export function undoneBy(name: string): string | undefined {
  return byName.get(name)?.undoneBy;
}

/** Whether `name` is what undoes some action (`start`): it runs for a policy whose action it undoes. */
export function undoesSomething(name: string): boolean {
  return ACTIONS.some((module) => module.undoneBy === name);
}

/**
 * What a budget response may take, and on which kinds: disruptive actions a person can undo
 * (stopping compute), never a delete.
 */
export function containmentKinds(action: string): readonly ResourceKind[] {
  const module = byName.get(action);
  const contains = module !== undefined && module.effect === ("disruptive" satisfies ActionEffect) && module.undoneBy !== undefined;
  return contains ? module.appliesTo : [];
}

/** Whether an applied change of this action saves money the savings ledger measures. */
export function saves(action: string): boolean {
  return byName.get(action)?.saves === true;
}
