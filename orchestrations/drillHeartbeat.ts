/**
 * Governor's heartbeat on the drilled source databases: a row with the time and the key tables'
 * row counts, written every few minutes on the servers whose restore-drill policy sets
 * `heartbeat: true`, so that a drill measures the RPO precisely. Started by the
 * `drillHeartbeat` timer.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import { drillActivities } from "./activities/drill.activities.ts";
import { call, registerOrchestration } from "./calls.ts";
import { ORCHESTRATIONS } from "./names.ts";

export interface HeartbeatResult {
  written: Array<{ serverId: string; at: string }>;
  failed: Array<{ serverId: string; error: string }>;
}

const RETRY = new df.RetryOptions(5_000, 2);

function* drillHeartbeatOrchestrator(context: OrchestrationContext): Generator<Task, HeartbeatResult, unknown> {
  return yield* call(context, drillActivities.writeDrillHeartbeats, undefined, RETRY);
}

export const drillHeartbeat = registerOrchestration(ORCHESTRATIONS.drillHeartbeat, drillHeartbeatOrchestrator);
