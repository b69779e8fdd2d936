/** The built-in actions, in the order the schema and the docs list them. */
import type { ActionDefinition } from "../registry.ts";
import { deallocateAction } from "./deallocate.ts";
import { deleteAction } from "./delete.ts";
import { enrollBackupAction } from "./enrollBackup.ts";
import { notifyAction } from "./notify.ts";
import { restoreDrillAction } from "./restoreDrill.ts";
import { stopAction } from "./stop.ts";
import { tagAction } from "./tag.ts";

export const builtinActions: ActionDefinition<unknown>[] = [
  deallocateAction,
  stopAction,
  deleteAction,
  tagAction,
  enrollBackupAction,
  notifyAction,
  restoreDrillAction,
];
