/**
 * The drill sweeper: deletes the drill servers whose expiry tag has passed, what a crashed or
 * terminated drill left behind. Started by the `drillSweeper` timer.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import { ACTIVITIES, ORCHESTRATIONS } from "./names.ts";

export interface DrillSweepResult {
  deleted: string[];
  /** Drill servers not yet expired. */
  kept: string[];
  failed: Array<{ id: string; error: string }>;
}

const RETRY = new df.RetryOptions(5_000, 4);

export const drillSweeperOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  return (yield context.df.callActivityWithRetry(ACTIVITIES.sweepExpiredDrills, RETRY, {
    instanceId: context.df.instanceId,
  })) as DrillSweepResult;
};

df.app.orchestration(ORCHESTRATIONS.drillSweeper, drillSweeperOrchestrator);
