/**
 * The activities of the remediation workflows: all their I/O. Each reads the app settings at
 * every call (the kill switch and dry-run are checked when acting, not only when a workflow
 * starts); clients and the policy file are loaded once per process and settings.
 */
import * as df from "durable-functions";
import type { AuditRecord } from "../../shared/audit/record.ts";
import { openAuditTrail } from "../../shared/audit/storage.ts";
import type { AuditTrail } from "../../shared/audit/trail.ts";
import { type AzureTarget, targetFromConfig } from "../../shared/azure/target.ts";
import { now } from "../../shared/clock.ts";
import { type GovernorConfig, loadConfig } from "../../shared/config.ts";
import { readResource, readResourceGroup } from "../../shared/inventory/readResource.ts";
import { inheritedTag } from "../../shared/policy/environment.ts";
import { nextScheduleStart, parseSchedule } from "../../shared/time/schedule.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { loadPolicyFile } from "../../shared/policy/loader.ts";
import type { PolicySet } from "../../shared/policy/types.ts";
import { remediationAlert } from "../../shared/notifications/alerts.ts";
import { sendNotification } from "../../shared/notifications/send.ts";
import { applyRemediation } from "../../shared/remediation/apply.ts";
import type { RemediationOutcome, RemediationRequest } from "../../shared/remediation/types.ts";
import type { ApprovalDecision } from "../approval.ts";
import { ACTIVITIES } from "../names.ts";
import type { RemediateInput } from "../remediate.ts";

interface Loaded {
  target: AzureTarget;
  policySet: PolicySet;
  trail: AuditTrail;
}

let loaded: { key: string; value: Promise<Loaded> } | undefined;

export async function dependencies(): Promise<Loaded & { config: GovernorConfig }> {
  const config = loadConfig(process.env);
  const key = JSON.stringify([
    config.subscriptionId,
    config.policyFile,
    config.emulator?.armEndpoint,
    config.auditTable,
    process.env.AzureWebJobsStorage,
  ]);
  if (loaded?.key !== key) {
    const value = (async (): Promise<Loaded> => ({
      target: await targetFromConfig(config),
      policySet: await loadPolicyFile(config.policyFile, builtinRegistry()),
      trail: await openAuditTrail(process.env, { table: config.auditTable }),
    }))();
    loaded = { key, value };
    // A failed load is not kept: the next call tries again.
    value.catch(() => {
      if (loaded?.value === value) loaded = undefined;
    });
  }
  return { ...(await loaded.value), config };
}

async function applyRemediationActivity(request: RemediationRequest): Promise<RemediationOutcome> {
  const { target, config, policySet } = await dependencies();
  // Against the emulator, poll operations quickly: its clock is virtual. In Azure, Retry-After sets the pace.
  const options = config.emulator ? { pollIntervalMs: 50, retryDelayMs: 200, maxRetryDelayMs: 2_000 } : undefined;
  return applyRemediation(request, { target, config, policySet, registry: builtinRegistry(), now, ...(options ? { options } : {}) });
}

const EXPECTED_POWER: Record<string, string> = { deallocate: "deallocated", stop: "stopped", start: "running" };

/** Re-reads each resource an action was applied to and checks that Azure shows the result. */
async function verifyRemediationActivity(input: { outcomes: RemediationOutcome[] }): Promise<RemediationOutcome[]> {
  const { target } = await dependencies();
  return Promise.all(
    input.outcomes.map(async (outcome): Promise<RemediationOutcome> => {
      if (outcome.outcome !== "applied") return outcome;
      const fresh = await readResource(target, outcome.resourceId);
      if (outcome.action === "delete") {
        return fresh === undefined
          ? outcome
          : { ...outcome, outcome: "failed", reason: `verification: ${outcome.resourceId} still exists after delete` };
      }
      const expected = EXPECTED_POWER[outcome.action];
      if (expected !== undefined && fresh?.powerState !== expected) {
        return {
          ...outcome,
          outcome: "failed",
          reason: `verification: power state is ${fresh?.powerState ?? "unknown"}, expected ${expected}`,
        };
      }
      return outcome;
    }),
  );
}

type AuditStage =
  | ({ stage: "plan"; instanceId: string } & Pick<RemediateInput, "policy" | "trigger" | "resources"> & { action: string })
  | ({ stage: "approval"; instanceId: string; approval: ApprovalDecision } & Pick<RemediateInput, "policy" | "trigger"> & {
        action: string;
      })
  | ({ stage: "outcome"; instanceId: string; outcomes: RemediationOutcome[] } & Pick<RemediateInput, "policy" | "trigger"> & {
        action: string;
      });

const GOVERNOR = { type: "governor", id: "governor" } as const;

/** Audit records of one stage, with ids derived from the instance and the step: a retried activity records once. */
export function auditRecords(input: AuditStage, at: string): AuditRecord[] {
  // The audit trail keeps what started the workflow (type, id); the creator a tag action may carry is the change's, not the trigger's.
  const trigger = { type: input.trigger.type, ...(input.trigger.id === undefined ? {} : { id: input.trigger.id }) };
  const base = { at, policy: input.policy, action: input.action, instanceId: input.instanceId, trigger };
  switch (input.stage) {
    case "plan":
      return input.resources.map((resource) => ({
        ...base,
        id: `${input.instanceId}:plan:${resource.resourceId.toLowerCase()}`,
        kind: "decision",
        resourceId: resource.resourceId,
        reason: resource.reason,
        actor: GOVERNOR,
        details: { estimatedMonthlySavings: resource.estimatedMonthlySavings },
      }));
    case "approval": {
      const person = !/^(governor|policy|auto-approve)/.test(input.approval.decidedBy);
      return [
        {
          ...base,
          id: `${input.instanceId}:approval`,
          kind: "approval",
          reason: `${input.approval.outcome}: ${input.approval.reason}`,
          actor: person ? { type: "person", id: input.approval.decidedBy } : GOVERNOR,
          details: {
            approvedResourceIds: input.approval.approvedResourceIds,
            ...(input.approval.exemptedResourceIds === undefined
              ? {}
              : { exemptedResourceIds: input.approval.exemptedResourceIds, exemptUntil: input.approval.exemptUntil ?? null }),
          },
        },
      ];
    }
    case "outcome":
      return input.outcomes.map((outcome) => ({
        ...base,
        id: `${input.instanceId}:outcome:${outcome.resourceId.toLowerCase()}`,
        kind: "outcome",
        resourceId: outcome.resourceId,
        outcome: outcome.outcome,
        reason: outcome.reason,
        actor: GOVERNOR,
        details: JSON.parse(
          JSON.stringify({
            guard: outcome.guard,
            errorCode: outcome.errorCode,
            before: outcome.before,
            after: outcome.after,
            attempts: outcome.attempts,
          }),
        ) as AuditRecord["details"],
      }));
  }
}

async function recordAuditActivity(input: AuditStage): Promise<{ recorded: number }> {
  const { trail, config } = await dependencies();
  const records = auditRecords(input, now().toISOString());
  const result = await trail.append(records);
  // Changes that failed are an alert, one per workflow and action: a person looks at them now, not in tomorrow's digest.
  const failed = input.stage === "outcome" ? input.outcomes.filter((outcome) => outcome.outcome === "failed") : [];
  if (failed.length > 0)
    await sendNotification(remediationAlert(input.instanceId, input.policy, input.action, failed), {
      config,
      trail,
      trigger: { type: input.trigger.type, ...(input.trigger.id === undefined ? {} : { id: input.trigger.id }) },
    });
  return { recorded: result.recorded.length };
}

/** When each resource's schedule window next begins, from its governor-schedule tag (or its resource group's). */
async function nextScheduleStartsActivity(input: { resourceIds: string[] }): Promise<Array<{ resourceId: string; at: string }>> {
  const { target, policySet } = await dependencies();
  const settings = policySet.settings;
  const starts: Array<{ resourceId: string; at: string }> = [];
  for (const resourceId of input.resourceIds) {
    const resource = await readResource(target, resourceId);
    if (!resource) continue;
    const group = await readResourceGroup(target, resource.resourceGroup);
    const tag = inheritedTag(resource, settings.tags.schedule, {
      inventory: {
        subscriptionId: target.subscriptionId,
        resources: [],
        resourceGroups: group ? { [group.name.toLowerCase()]: group } : {},
      },
    }).value;
    if (tag === undefined) continue;
    try {
      const at = nextScheduleStart(parseSchedule(tag), now(), settings.holidays);
      if (at) starts.push({ resourceId, at: at.toISOString() });
    } catch {
      // An unreadable schedule never stopped anything (the off-hours filter answers unknown), so there is nothing to start.
    }
  }
  return starts;
}

df.app.activity(ACTIVITIES.applyRemediation, { handler: (input: unknown) => applyRemediationActivity(input as RemediationRequest) });
df.app.activity(ACTIVITIES.verifyRemediation, {
  handler: (input: unknown) => verifyRemediationActivity(input as { outcomes: RemediationOutcome[] }),
});
df.app.activity(ACTIVITIES.recordAudit, { handler: (input: unknown) => recordAuditActivity(input as AuditStage) });
df.app.activity(ACTIVITIES.nextScheduleStarts, {
  handler: (input: unknown) => nextScheduleStartsActivity(input as { resourceIds: string[] }),
});
