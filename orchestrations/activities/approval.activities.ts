/**
 * The approval workflow's I/O: making and delivering a request (the plan read again, the signed
 * link, Teams and email), writing the exemptions a decision grants, and recording each step.
 * All idempotent: a request is made once per instance and round (the approvals store remembers
 * it), exemptions are a tag merge, and audit records carry ids derived from the step.
 */
import { platformOf } from "../../shared/platform.ts";
import { randomUUID } from "node:crypto";
import { type AuditRecord, GOVERNOR_ACTOR } from "../../shared/audit/record.ts";
import { resourcesClient } from "../../shared/azure/clients.ts";
import { now } from "../../shared/clock.ts";
import { approvalCard, teamsMessage } from "../../shared/approvals/card.ts";
import { type ChannelReport, postToTeams, sendEmail } from "../../shared/notifications/channels.ts";
import { approvalEmail } from "../../shared/approvals/email.ts";
import { type ApprovalPlan, type PlannedResource, planHash } from "../../shared/approvals/approvalPlan.ts";
import { type ApprovalRequest, approvalLink } from "../../shared/approvals/request.ts";
import { appApprovalStore } from "../../shared/approvals/store.ts";
import { signToken } from "../../shared/approvals/token.ts";
import { exportAzurePolicy, referencesOf } from "../../shared/azurePolicy/export.ts";
import { writeFormalExemption } from "../../shared/azurePolicy/exemptions.ts";
import { readResource } from "../../shared/inventory/readResource.ts";
import { undeliveredApprovalAlert } from "../../shared/notifications/alerts.ts";
import { pacerOf } from "../../shared/notifications/pacer.ts";
import { appNotificationStore } from "../../shared/notifications/store.ts";
import { sendNotification } from "../../shared/notifications/send.ts";
import { tagValue } from "../../shared/policy/settings.ts";
import type { ApprovalRequestInput, ApprovalRequestResult } from "../approval.ts";
import { registerActivity } from "../calls.ts";
import { ACTIVITIES } from "../names.ts";
import { dependencies, targetOf } from "./remediation.activities.ts";

/** ARM's limit on a tag value. */
const TAG_VALUE_MAX = 256;

async function readPlan(input: ApprovalRequestInput): Promise<ApprovalPlan> {
  const { targets, policySet } = await dependencies();
  const environmentTag = policySet.settings.tags.environment;
  const resources = await Promise.all(
    input.resources.map(async (resource): Promise<PlannedResource> => {
      const fresh = await readResource(targetOf(targets, resource.resourceId), resource.resourceId);
      const state: NonNullable<PlannedResource["state"]> = fresh === undefined ? { exists: false } : { exists: true };
      if (fresh?.powerState !== undefined) state.powerState = fresh.powerState;
      if (fresh?.location) state.location = fresh.location;
      if (fresh?.sku) state.sku = fresh.sku;
      const environment = fresh === undefined ? undefined : tagValue(fresh.tags, environmentTag);
      if (environment !== undefined) state.environment = environment;
      return { ...resource, state };
    }),
  );
  return {
    policy: input.policy,
    action: input.action,
    resources,
    currency: policySet.settings.currency,
    ...(input.total === undefined ? {} : { total: input.total }),
  };
}

async function requestApprovalActivity(input: ApprovalRequestInput): Promise<ApprovalRequestResult> {
  const approvals = await appApprovalStore();
  const made = await approvals.requestMade(input.instanceId, input.round);
  if (made !== undefined) return made;

  const { config, trail } = await dependencies();
  const settings = config.approvals;
  const plan = await readPlan(input);
  const hash = planHash(plan);
  const configured = settings.teamsWebhookUrl !== undefined || settings.email !== undefined;
  const channels: ChannelReport[] = [];
  let link: string | undefined;
  if (settings.signingKey !== undefined && settings.baseUrl !== undefined) {
    const token = signToken(
      { jti: randomUUID(), instanceId: input.instanceId, planHash: hash, exp: Date.parse(input.expiresAt) },
      settings.signingKey,
    );
    link = approvalLink(settings.baseUrl, input.instanceId, token);
  }
  if (configured && link === undefined) {
    const missing =
      settings.signingKeyProblem ??
      `${settings.signingKey === undefined ? "GOVERNOR_APPROVAL_KEY" : "GOVERNOR_APPROVAL_BASE_URL"} is not set`;
    for (const channel of ["teams", "email"] as const)
      if (channel === "teams" ? settings.teamsWebhookUrl : settings.email)
        channels.push({ channel, delivered: false, attempts: 0, error: `no link can be made: ${missing}` });
  } else if (link !== undefined) {
    const request: ApprovalRequest = {
      plan,
      link,
      expiresAt: input.expiresAt,
      approvers: input.approvers,
      escalated: input.escalated,
      nameSubscriptions: config.subscriptions.length > 1,
    };
    const platform = platformOf(config);
    const retry = platform.notificationRetry;
    const sends: Array<Promise<ChannelReport>> = [];
    if (settings.teamsWebhookUrl) sends.push(postToTeams(settings.teamsWebhookUrl, teamsMessage(approvalCard(request)), retry));
    if (settings.email) {
      const to = input.escalated && settings.email.escalationTo.length > 0 ? settings.email.escalationTo : settings.email.to;
      const email = settings.email;
      // Counted with every other email of Governor's, inside the service's quota (shared/notifications/pacer.ts).
      const pacer = pacerOf(await appNotificationStore(), now);
      sends.push(
        pacer
          .send(`approval:${input.instanceId}:${input.round}`, "prompt", () =>
            sendEmail(
              {
                connectionString: email.connectionString,
                sender: email.sender,
                to,
                ...(platform.tlsCa === undefined ? {} : { tlsCa: platform.tlsCa }),
                ...(platform.pollIntervalMs === undefined ? {} : { pollIntervalMs: platform.pollIntervalMs }),
              },
              approvalEmail(request),
              retry,
            ),
          )
          .then((paced): ChannelReport =>
            paced.sent ? paced.value : { channel: "email", delivered: false, attempts: 0, error: paced.reason },
          ),
      );
    }
    channels.push(...(await Promise.all(sends)));
    // Locally, the link is what a person uses when no channel is set up (npm start prints it).
    if (!configured && platform.printsUnsentApprovalLinks)
      console.log(`approval requested for ${input.policy} (${input.instanceId}): ${link}`);
  }
  const delivered = channels.some((channel) => channel.delivered);
  const result: ApprovalRequestResult = {
    planHash: hash,
    delivery: !configured ? "not-configured" : delivered ? "delivered" : "failed",
    channels,
  };
  const how =
    channels.length === 0
      ? "no Teams webhook or email configured: the request is recorded only"
      : channels
          .map((channel) =>
            channel.delivered
              ? `${channel.channel}: delivered (${channel.attempts} attempt${channel.attempts === 1 ? "" : "s"})`
              : `${channel.channel}: FAILED after ${channel.attempts} attempt(s): ${channel.error ?? "unknown error"}`,
          )
          .join("; ");
  const record: AuditRecord = {
    // The first request keeps the id the daily digest looks for; later rounds (snooze, escalation) add theirs.
    id: input.round === 0 ? `${input.instanceId}:approval-requested` : `${input.instanceId}:approval-requested:${input.round}`,
    at: now().toISOString(),
    kind: "notice",
    policy: input.policy,
    action: input.action,
    instanceId: input.instanceId,
    reason: `${result.delivery === "failed" ? "approval request could NOT be delivered anywhere: " : ""}${input.escalated ? "escalated: " : ""}approval requested from ${input.audience.join(", ")} for ${input.total?.resources ?? input.resources.length} resource(s), until ${input.expiresAt}; ${how}`,
    trigger: { type: "approval" },
    actor: GOVERNOR_ACTOR,
    details: {
      round: input.round,
      escalated: input.escalated,
      delivery: result.delivery,
      planHash: hash,
      expiresAt: input.expiresAt,
      channels: channels.map((channel) => ({ ...channel, error: channel.error ?? null })),
      resources: input.resources.map((resource) => resource.resourceId),
    },
  };
  await trail.append([record]);
  await approvals.recordRequest(input.instanceId, input.round, result, plan);
  // Nobody could be asked: the escalation recipients hear of it at once (the alert's own delivery is recorded apart).
  if (result.delivery === "failed")
    await sendNotification(undeliveredApprovalAlert(input.instanceId, input.round, input.policy, input.resources.length, how), {
      config,
      trail,
      trigger: { type: "approval", id: input.instanceId },
    });
  return result;
}

interface ExemptionInput {
  instanceId: string;
  policy: string;
  action: string;
  resourceIds: string[];
  until: string;
  decidedBy: string;
  reason: string;
}

/**
 * Writes `governor-exempt-until` (and why, by whom) on each exempted resource, merging, never
 * replacing tags; and, where the policy has an Azure Policy equivalent, the formal exemption of
 * Governor's assignment on the resource, so the portal's compliance view shows it too.
 */
async function writeExemptionsActivity(input: ExemptionInput): Promise<Array<{ resourceId: string; written: boolean; reason: string }>> {
  const { targets, trail, policySet, config } = await dependencies();
  const referenceIds = referencesOf(exportAzurePolicy(policySet), input.policy);
  const why = `${input.reason} (exempted by ${input.decidedBy} from approval ${input.instanceId})`.slice(0, TAG_VALUE_MAX);
  const tags = { [policySet.settings.tags.exemptUntil]: input.until, "governor-exempt-reason": why };
  const results = await Promise.all(
    input.resourceIds.map(async (resourceId) => {
      let target;
      try {
        target = targetOf(targets, resourceId);
        const client = await resourcesClient(target);
        await client.tagsOperations.updateAtScope(
          resourceId,
          { operation: "Merge", properties: { tags } },
          platformOf(config).pollIntervalMs === undefined ? {} : { updateIntervalInMs: platformOf(config).pollIntervalMs },
        );
      } catch (error) {
        return { resourceId, written: false, reason: `the exemption could not be written: ${(error as Error).message}` };
      }
      const formal = await writeFormalExemption(target, {
        resourceId,
        policy: input.policy,
        referenceIds,
        until: input.until,
        approver: input.decidedBy,
        reason: input.reason,
        approvalInstance: input.instanceId,
      });
      return {
        resourceId,
        written: true,
        reason: `exempt until ${input.until}: ${why}; ${formal.reason}`,
        ...(formal.id === undefined ? {} : { policyExemptionId: formal.id }),
      };
    }),
  );
  const at = now().toISOString();
  await trail.append(
    results.map((result): AuditRecord => ({
      id: `${input.instanceId}:exemption:${result.resourceId.toLowerCase()}`,
      at,
      kind: "action",
      policy: input.policy,
      action: "exempt",
      resourceId: result.resourceId,
      instanceId: input.instanceId,
      reason: result.reason,
      trigger: { type: "approval" },
      actor: { type: "person", id: input.decidedBy },
      outcome: result.written ? "applied" : "failed",
      details: { until: input.until, ...("policyExemptionId" in result ? { policyExemptionId: result.policyExemptionId } : {}) },
    })),
  );
  return results;
}

interface StepInput {
  instanceId: string;
  policy: string;
  action: string;
  step: string;
  reason: string;
  decidedBy?: string;
}

async function recordApprovalStepActivity(input: StepInput): Promise<void> {
  const { trail } = await dependencies();
  await trail.append([
    {
      id: `${input.instanceId}:${input.step}`,
      at: now().toISOString(),
      kind: "approval",
      policy: input.policy,
      action: input.action,
      instanceId: input.instanceId,
      reason: input.reason,
      trigger: { type: "approval" },
      actor: input.decidedBy ? { type: "person", id: input.decidedBy } : GOVERNOR_ACTOR,
    },
  ]);
}

/** The handles the approval workflow calls these activities by. */
export const approvalActivities = {
  requestApproval: registerActivity(ACTIVITIES.requestApproval, requestApprovalActivity),
  writeExemptions: registerActivity(ACTIVITIES.writeExemptions, writeExemptionsActivity),
  recordApprovalStep: registerActivity(ACTIVITIES.recordApprovalStep, recordApprovalStepActivity),
};
