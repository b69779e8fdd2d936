/**
 * The restore drills' timers. `drillSweeps`, every 15 minutes, starts the `drillSweeper` workflow
 * that deletes drill servers past their expiry (left by a drill that crashed or was terminated).
 * `drillHeartbeats`, every 5 minutes, starts the `drillHeartbeat` workflow that writes Governor's heartbeat on the
 * sources whose drill policy asks for one. Drills themselves start from the policy sweeps, on
 * the restore-drill policy's own schedule. Instance ids name the slot: a timer firing twice
 * finds its workflow already started.
 */
import type { InvocationContext, Timer } from "@azure/functions";
import { app } from "@azure/functions";
import * as df from "durable-functions";
import { now } from "../shared/clock.ts";
import { ORCHESTRATIONS, slotInstanceId } from "../orchestrations/names.ts";
import { startOrFind } from "../shared/triggers/workflows.ts";

export const DRILL_SWEEPER_SCHEDULE = "0 */15 * * * *";
export const DRILL_HEARTBEAT_SCHEDULE = "0 */5 * * * *";

app.timer("drillSweeps", {
  schedule: DRILL_SWEEPER_SCHEDULE,
  extraInputs: [df.input.durableClient()],
  handler: async (_timer: Timer, context: InvocationContext) => {
    const instanceId = slotInstanceId("drill-sweeper", now());
    const { started } = await startOrFind(df.getClient(context), ORCHESTRATIONS.drillSweeper, instanceId, {});
    if (started) context.log(`drills: started ${instanceId}`);
  },
});

app.timer("drillHeartbeats", {
  schedule: DRILL_HEARTBEAT_SCHEDULE,
  extraInputs: [df.input.durableClient()],
  handler: async (_timer: Timer, context: InvocationContext) => {
    const instanceId = slotInstanceId("drill-heartbeat", now());
    await startOrFind(df.getClient(context), ORCHESTRATIONS.drillHeartbeat, instanceId, {});
  },
});
