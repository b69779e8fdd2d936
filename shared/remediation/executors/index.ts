/** The executors by action type: one per action Governor carries out in Azure. */
import type { Executor } from "./common.ts";
import { deallocateExecutor } from "./deallocate.ts";
import { deleteExecutor } from "./delete.ts";
import { enrollBackupExecutor } from "./enrollBackup.ts";
import { startExecutor } from "./start.ts";
import { stopExecutor } from "./stop.ts";
import { tagExecutor } from "./tag.ts";

export const EXECUTORS: readonly Executor[] = [
  deallocateExecutor,
  stopExecutor,
  startExecutor,
  deleteExecutor,
  tagExecutor,
  enrollBackupExecutor,
];

export function executorFor(action: string): Executor | undefined {
  return EXECUTORS.find((executor) => executor.action === action);
}

export * from "./common.ts";
