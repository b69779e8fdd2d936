/**
 * The drill sweeper: deletes the drill servers whose expiry tag has passed, what a crashed or
 * terminated drill left behind. Started by the `drillSweeper` timer.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import { drillActivities } from "./activities/drill.activities.ts";
import { call, registerOrchestration } from "./calls.ts";
import { ORCHESTRATIONS } from "./names.ts";

export interface DrillSweepResult {
  deleted: string[];
  /** Drill servers not yet expired. */
  kept: string[];
  failed: Array<{ id: string; error: string }>;
}

const RETRY = new df.RetryOptions(5_000, 4);

function* drillSweeperOrchestrator(context: OrchestrationContext): Generator<Task, DrillSweepResult, unknown> {
  return yield* call(context, drillActivities.sweepExpiredDrills, { instanceId: context.df.instanceId }, RETRY);
}

export const drillSweeper = registerOrchestration(ORCHESTRATIONS.drillSweeper, drillSweeperOrchestrator);
