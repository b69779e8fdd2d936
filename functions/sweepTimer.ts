/**
 * The sweeps timer: every five minutes, starts the `sweep` workflow of each policy whose own
 * NCRONTAB `schedule` (in the policy file's time zone) had a slot since the last run. The last
 * run is the host's: `scheduleStatus.last`, which the Functions host keeps in storage across
 * restarts, so slots missed while the app was down run once when it is back. Each sweep's
 * instance id names its policy and slot: a timer that fires twice finds it already started.
 */
import type { InvocationContext, Timer } from "@azure/functions";
import { app } from "@azure/functions";
import * as df from "durable-functions";
import { now } from "../shared/clock.ts";
import { loadConfig } from "../shared/config.ts";
import { builtinRegistry } from "../shared/policy/builtins.ts";
import { loadPolicyFile } from "../shared/policy/loader.ts";
import type { PolicySet } from "../shared/policy/types.ts";
import { dueSweeps, sweepWindowStart } from "../shared/triggers/sweeps.ts";
import { ORCHESTRATIONS } from "../orchestrations/names.ts";
import type { SweepInput } from "../orchestrations/sweep.ts";
import { startOrFind, type TriggerLog, type WorkflowClient } from "../shared/triggers/workflows.ts";

export const SWEEP_TIMER_SCHEDULE = "0 */5 * * * *";
const PERIOD_MS = 5 * 60_000;

export interface SweepRun {
  since: string;
  now: string;
  window: string;
  started: string[];
  /** Sweeps of this window started before (a timer that fired twice, or the overlap of windows). */
  found: string[];
  failed: Array<{ instanceId: string; error: string }>;
  /** Policies whose schedule cannot be read. */
  problems: string[];
}

/** Starts the sweeps due since the last run; one that cannot be started does not keep the others from starting. */
export async function startDueSweeps(
  input: { set: Pick<PolicySet, "policies" | "settings">; last: string | undefined; now: Date },
  client: WorkflowClient,
  log: TriggerLog,
): Promise<SweepRun> {
  const window = sweepWindowStart(input.last, input.now, { periodMs: PERIOD_MS });
  const { due, problems } = dueSweeps(input.set.policies, input.set.settings.timeZone, window.since, input.now);
  const run: SweepRun = {
    since: window.since.toISOString(),
    now: input.now.toISOString(),
    window: window.reason,
    started: [],
    found: [],
    failed: [],
    problems,
  };
  for (const problem of problems) log.warn(`sweeps: not scheduled: ${problem}`);
  for (const sweep of due) {
    const sweepInput: SweepInput = { policy: sweep.policy, scope: sweep.slot, trigger: { type: "timer", id: sweep.instanceId } };
    try {
      const { started } = await startOrFind(client, ORCHESTRATIONS.sweep, sweep.instanceId, sweepInput);
      (started ? run.started : run.found).push(sweep.instanceId);
      if (started)
        log.log(`sweeps: started ${sweep.instanceId}${sweep.missedSince ? ` (slots missed since ${sweep.missedSince} run once)` : ""}`);
    } catch (error) {
      run.failed.push({ instanceId: sweep.instanceId, error: (error as Error)?.message ?? String(error) });
    }
  }
  return run;
}

app.timer("sweeps", {
  schedule: SWEEP_TIMER_SCHEDULE,
  extraInputs: [df.input.durableClient()],
  handler: async (timer: Timer, context: InvocationContext) => {
    const config = loadConfig(process.env);
    const set = await loadPolicyFile(config.policyFile, builtinRegistry());
    const run = await startDueSweeps({ set, last: timer.scheduleStatus?.last, now: now() }, df.getClient(context), context);
    context.log(`sweeps: ${run.window}: ${run.started.length} started, ${run.found.length} already started, ${run.failed.length} failed`);
    // A failed start shows as a failed invocation; the sweep runs at the policy's next slot.
    if (run.failed.length > 0)
      throw new Error(`sweeps could not be started: ${run.failed.map((failure) => `${failure.instanceId}: ${failure.error}`).join("; ")}`);
  },
});
