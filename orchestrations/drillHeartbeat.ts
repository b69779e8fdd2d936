/**
 * Governor's heartbeat on the drilled source databases: a row with the time and the key tables'
 * row counts, written every few minutes on the servers whose restore-drill policy sets
 * `heartbeat: true`, so that a drill measures the RPO precisely. Started by the
 * `drillHeartbeat` timer.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import { ACTIVITIES, ORCHESTRATIONS } from "./names.ts";

export interface HeartbeatResult {
  written: Array<{ serverId: string; at: string }>;
  failed: Array<{ serverId: string; error: string }>;
}

const RETRY = new df.RetryOptions(5_000, 2);

export const drillHeartbeatOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  return (yield context.df.callActivityWithRetry(ACTIVITIES.writeDrillHeartbeats, RETRY, {})) as HeartbeatResult;
};

df.app.orchestration(ORCHESTRATIONS.drillHeartbeat, drillHeartbeatOrchestrator);
