/**
 * A restore drill of one PostgreSQL server: choose the restore point, start a point-in-time
 * restore into a new server in the drill resource group, wait for it (a durable timer between
 * status checks, raced against a `CancelDrill` event), open access for Governor, run the
 * verification suite, then delete the drill server whatever happened before (failure,
 * cancellation), and record the drill with its RTO, RPO and every check. A drill server this
 * workflow never deletes (a crash, a terminated instance) carries an expiry tag: the
 * `drillSweeper` workflow deletes it once expired.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import type { RestoreDrillArgs } from "../shared/actions/restoreDrill.ts";
import { type DrillOptions, RESTORE_TIMEOUT_MS } from "../shared/drills/drillOptions.ts";
import type { DrillFacts, DrillRecord } from "../shared/drills/record.ts";
import type { CheckResult, RecoveryPointEvidence, SourceExpectations } from "../shared/drills/types.ts";
import { drillActivities } from "./activities/drill.activities.ts";
import { call, registerOrchestration } from "./calls.ts";
import { EVENTS, ORCHESTRATIONS } from "./names.ts";

export interface DrillInput {
  serverId: string;
  /** The policy that asked for the drill, and its action's settings. */
  policy?: string;
  args: RestoreDrillArgs;
  trigger: { type: "timer" | "cli" | "manual"; id?: string };
  /** Seconds between two status checks of the restore. Default 30. */
  pollSeconds?: number;
}

export interface DrillPreparation {
  runId: string;
  server: { id: string; name: string; fullyQualifiedDomainName?: string; administratorLogin?: string };
  drillServer: { id: string; name: string; resourceGroup: string };
  options: DrillOptions;
  restorePoint: string;
  pointInTime: string;
  requestedAt: string;
  expiresAt: string;
  tags: Record<string, string>;
  expectations: SourceExpectations;
  /** Set when the drill cannot run (no such server, restore point outside the window): it fails. */
  refused?: string;
  /** Set when Governor may change nothing (kill switch, dry run): the drill is skipped, not failed. */
  skipped?: string;
}

export interface RestoreStarted {
  /** The SDK poller's serialised state, to check the operation from the next activity. */
  resumeFrom?: string;
  /** How long the request took, measured by the activity (in the emulator it performs the restore itself). */
  requestSeconds: number;
  error?: string;
  /** The kill switch or dry run was turned on since the drill was prepared: nothing was requested. */
  skipped?: string;
}

export interface RestoreProgress {
  state: "InProgress" | "Succeeded" | "Failed";
  resumeFrom?: string;
  error?: string;
  at: string;
}

export interface Verification {
  checks: CheckResult[];
  evidence: RecoveryPointEvidence;
  verifiedAt: string;
  verifySeconds: number;
}

export interface Teardown {
  confirmed: boolean;
  note: string;
  at: string;
  /** The server is busy (its restore still runs): try again later. */
  busy?: boolean;
}

const RETRY = new df.RetryOptions(5_000, 4);
const DEFAULT_POLL_SECONDS = 30;

function* restoreDrillOrchestrator(context: OrchestrationContext, input: DrillInput): Generator<Task, DrillRecord, unknown> {
  const instanceId = context.df.instanceId;
  const pollMs = (input.pollSeconds ?? DEFAULT_POLL_SECONDS) * 1000;
  context.df.setCustomStatus({ stage: "preparing", server: input.serverId });
  const prep = yield* call(context, drillActivities.prepareDrill, { instanceId, input }, RETRY);

  const facts: DrillFacts = {
    runId: prep.runId,
    ...(input.policy === undefined ? {} : { policy: input.policy }),
    server: { id: prep.server.id, name: prep.server.name },
    drillServer: prep.drillServer,
    restorePoint: prep.restorePoint,
    pointInTime: prep.pointInTime,
    objectives: prep.options.objectives,
    requestedAt: prep.requestedAt,
    teardown: { confirmed: true, note: "no drill server was created" },
  };
  let created = false;
  // The restore operation's latest state: a teardown waiting for a restore still running keeps polling it.
  let restoreResume: string | undefined;
  if (prep.skipped !== undefined) {
    facts.skipped = prep.skipped;
  } else if (prep.refused !== undefined) {
    facts.restoreError = prep.refused;
  } else {
    try {
      context.df.setCustomStatus({ stage: "restoring", server: prep.server.name, drillServer: prep.drillServer.name });
      const started = yield* call(context, drillActivities.startDrillRestore, prep, RETRY);
      facts.requestSeconds = started.requestSeconds;
      if (started.skipped !== undefined) {
        facts.skipped = started.skipped;
      } else if (started.error !== undefined) {
        facts.restoreError = started.error;
      } else {
        created = true;
        let progress: RestoreProgress = {
          state: "InProgress",
          at: prep.requestedAt,
          ...(started.resumeFrom ? { resumeFrom: started.resumeFrom } : {}),
        };
        const giveUpAt = new Date(Date.parse(prep.requestedAt) + RESTORE_TIMEOUT_MS);
        const cancel = context.df.waitForExternalEvent(EVENTS.cancelDrill);
        for (;;) {
          progress = yield* call(
            context,
            drillActivities.pollDrillRestore,
            { prep, ...(progress.resumeFrom ? { resumeFrom: progress.resumeFrom } : {}) },
            RETRY,
          );
          restoreResume = progress.resumeFrom;
          if (progress.state !== "InProgress") break;
          const until = new Date(context.df.currentUtcDateTime.getTime() + pollMs);
          if (until.getTime() > giveUpAt.getTime()) {
            progress = { state: "Failed", error: "the restore did not complete within 4 hours", at: until.toISOString() };
            break;
          }
          context.df.setCustomStatus({ stage: "waiting-for-restore", server: prep.server.name, until: until.toISOString() });
          const timer = context.df.createTimer(until);
          const winner: unknown = yield context.df.Task.any([timer, cancel]);
          if (winner === cancel) {
            timer.cancel();
            facts.cancelled = true;
            break;
          }
        }
        if (!facts.cancelled && progress.state === "Failed") facts.restoreError = progress.error ?? "the restore failed";
        if (!facts.cancelled && progress.state === "Succeeded") {
          facts.readyAt = progress.at;
          context.df.setCustomStatus({ stage: "verifying", server: prep.server.name, drillServer: prep.drillServer.name });
          facts.access = yield* call(context, drillActivities.openDrillAccess, prep, RETRY);
          const verification = yield* call(context, drillActivities.verifyDrill, prep, RETRY);
          facts.verification = verification;
        }
      }
    } catch (error) {
      facts.restoreError = error instanceof Error ? error.message : String(error);
      // A failure after the restore request may have left a server: delete it to be sure.
      created = true;
    }
  }

  if (created) {
    // Azure refuses to delete a server while its restore runs (409): wait for it, then delete.
    for (;;) {
      context.df.setCustomStatus({ stage: "tearing-down", server: prep.server.name, drillServer: prep.drillServer.name });
      let teardown: Teardown;
      try {
        teardown = yield* call(context, drillActivities.deleteDrillServer, prep, RETRY);
      } catch (error) {
        teardown = {
          confirmed: false,
          note: `deleting ${prep.drillServer.name} failed: ${error instanceof Error ? error.message : String(error)}; the sweeper deletes it after ${prep.expiresAt}`,
          at: context.df.currentUtcDateTime.toISOString(),
        };
      }
      const until = new Date(context.df.currentUtcDateTime.getTime() + pollMs);
      if (!teardown.busy || until.getTime() >= Date.parse(prep.expiresAt)) {
        const { busy: _busy, ...kept } = teardown;
        facts.teardown = kept;
        break;
      }
      if (restoreResume !== undefined) {
        const progress = yield* call(context, drillActivities.pollDrillRestore, { prep, resumeFrom: restoreResume }, RETRY);
        restoreResume = progress.resumeFrom;
      }
      context.df.setCustomStatus({ stage: "waiting-for-teardown", server: prep.server.name, until: until.toISOString() });
      yield context.df.createTimer(until);
    }
  }

  const record = yield* call(
    context,
    drillActivities.recordDrill,
    {
      instanceId,
      trigger: input.trigger.type === "timer" ? input.trigger : { type: input.trigger.type, id: input.trigger.id ?? instanceId },
      facts,
    },
    RETRY,
  );
  context.df.setCustomStatus({ stage: "done", server: prep.server.name, outcome: record.outcome });
  return record;
}

export const restoreDrill = registerOrchestration(ORCHESTRATIONS.restoreDrill, restoreDrillOrchestrator);
