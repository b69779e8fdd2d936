/**
 * The sweeps timer: every five minutes, starts the `sweep` workflow of each policy whose own
 * NCRONTAB `schedule` (in the policy file's time zone) had a slot since the last run. The last
 * run is the host's: `scheduleStatus.last`, which the Functions host keeps in storage across
 * restarts, so slots missed while the app was down run once when it is back. Each sweep's
 * instance id names its policy and slot: a timer that fires twice finds it already started.
 *
 * A policy that needs approval is not swept again while the request of one of its earlier sweeps
 * still waits for a person (asking, waiting, snoozed): the same people would be asked about the
 * same resources every half hour. It is swept at its first slot after that request is answered
 * or times out.
 */
import type { InvocationContext, Timer } from "@azure/functions";
import { app } from "@azure/functions";
import * as df from "durable-functions";
import { openAuditTrail } from "../shared/audit/storage.ts";
import { now } from "../shared/clock.ts";
import { checkKillSwitch } from "../shared/notifications/killSwitch.ts";
import { appNotificationStore } from "../shared/notifications/store.ts";
import { loadConfig } from "../shared/config.ts";
import { appPolicies } from "../shared/policy/appSource.ts";
import type { PolicySet } from "../shared/policy/types.ts";
import { dueSweeps, slotsAwaitingApproval, sweepWindowStart } from "../shared/triggers/sweeps.ts";
import { approvalInstanceId, ORCHESTRATIONS, remediationInstanceId } from "../orchestrations/names.ts";
import type { SweepInput } from "../orchestrations/sweep.ts";
import { findStatus, startOrFind, type TriggerLog, type WorkflowClient } from "../shared/triggers/workflows.ts";

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
  /** Sweeps not started because an earlier sweep's request for approval still waits for a person. */
  deferred: Array<{ instanceId: string; waitingOn: string }>;
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
    deferred: [],
    problems,
  };
  for (const problem of problems) log.warn(`sweeps: not scheduled: ${problem}`);
  for (const sweep of due) {
    const sweepInput: SweepInput = { policy: sweep.policy, scope: sweep.slot, trigger: { type: "timer", id: sweep.instanceId } };
    try {
      const policy = input.set.policies.find((candidate) => candidate.name === sweep.policy);
      const waitingOn = policy ? await pendingApproval(policy, new Date(sweep.slot), input.set.settings.timeZone, client) : undefined;
      if (waitingOn !== undefined) {
        run.deferred.push({ instanceId: sweep.instanceId, waitingOn });
        log.log(`sweeps: ${sweep.instanceId} not started: the request for approval ${waitingOn} still waits for a person`);
        continue;
      }
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

/** Stages of the approval workflow in which a person has not answered yet. */
const UNANSWERED = new Set(["requesting", "awaiting-approval", "snoozed"]);

/** The approval of an earlier sweep of the policy that still waits for a person, if any. */
async function pendingApproval(
  policy: PolicySet["policies"][number],
  slot: Date,
  timeZone: string,
  client: WorkflowClient,
): Promise<string | undefined> {
  for (const earlier of slotsAwaitingApproval(policy, slot, timeZone)) {
    // The sweep's remediation is named by policy and slot (orchestrations/remediations.ts); its approval is a child.
    const approvalId = approvalInstanceId(remediationInstanceId(policy.name, earlier.toISOString()));
    const status = await findStatus(client, approvalId);
    const stage = (status?.customStatus as { stage?: string } | undefined)?.stage;
    if ((status?.runtimeStatus === "Running" || status?.runtimeStatus === "Pending") && stage !== undefined && UNANSWERED.has(stage))
      return approvalId;
  }
  return undefined;
}

app.timer("sweeps", {
  schedule: SWEEP_TIMER_SCHEDULE,
  extraInputs: [df.input.durableClient()],
  handler: async (timer: Timer, context: InvocationContext) => {
    const config = loadConfig(process.env);
    const set = await appPolicies(config);
    const run = await startDueSweeps({ set, last: timer.scheduleStatus?.last, now: now() }, df.getClient(context), context);
    context.log(`sweeps: ${run.window}: ${run.started.length} started, ${run.found.length} already started, ${run.failed.length} failed`);
    // The kill switch changes by an app setting, which calls nobody: this timer notices and tells people.
    const killSwitch = await checkKillSwitch(
      config,
      await appNotificationStore(),
      await openAuditTrail(process.env, { table: config.auditTable }),
      now(),
    );
    if (killSwitch.alerted) context.log(`sweeps: kill switch turned ${killSwitch.state}: ${killSwitch.alerted}`);
    // A failed start shows as a failed invocation; the sweep runs at the policy's next slot.
    if (run.failed.length > 0)
      throw new Error(`sweeps could not be started: ${run.failed.map((failure) => `${failure.instanceId}: ${failure.error}`).join("; ")}`);
  },
});
