/**
 * Policy Insights' remediation tasks at a subscription (`Microsoft.PolicyInsights/remediations`):
 * created for an assignment (and, for an initiative, one definition reference) whose effect is
 * modify, over the resources non-compliant with it when the task is created (narrowed by
 * `filters.resourceIds` and `filters.locations`, at most `resourceCount`). The task runs as a
 * long-running operation the client polls with GET: `Accepted`, then `Evaluating` for as many
 * reads as the emulator's LRO polls, then `Succeeded` once its deployments (the rule's tag
 * operations, run as the assignment's identity would) are done; `listDeployments` then names each
 * resource's deployment and its status. A deploy-if-not-exists reference
 * is refused: its template deployments are not emulated.
 */
import { randomUUID } from "node:crypto";
import { ArmError, badRequest } from "../errors.ts";
import { pagedList } from "../paging.ts";
import { asText } from "../policy/expressions.ts";
import { policyStates, remediateWithModify } from "../policy/evaluation.ts";
import type { PolicyObject } from "../policy/state.ts";
import { idKey } from "../../shared/azure/resourceId.ts";
import type { RouteContext, RouteDefinition, RouteResult } from "../router.ts";
import { systemData } from "./policy.ts";

const TYPE = "Microsoft.PolicyInsights/remediations";
const NAME = /^[^<>*%&:\\?+/]{1,260}$/;
const DEFAULT_RESOURCE_COUNT = 500;
const TERMINAL = new Set(["succeeded", "failed", "canceled", "complete"]);

interface Progress {
  pollsLeft: number;
  targets: string[];
  /** Each target's deployment, once the task has run them (`listDeployments`). */
  deployments: Array<Record<string, unknown>>;
}
const progress = new WeakMap<PolicyObject, Progress>();

const idOf = (ctx: RouteContext): string => `/subscriptions/${ctx.params.subscriptionId}/providers/${TYPE}/${ctx.params.name as string}`;

function putRemediation(ctx: RouteContext): RouteResult {
  const name = ctx.params.name as string;
  if (!NAME.test(name)) throw badRequest(`The remediation name '${name}' is invalid.`, "InvalidRemediationName");
  const body = ctx.body as { properties?: Record<string, unknown> } | undefined;
  const properties = body?.properties;
  if (properties === undefined || properties === null || typeof properties !== "object" || Array.isArray(properties))
    throw badRequest("The 'properties' object is required.");
  const id = idOf(ctx);
  const existing = ctx.core.policy.remediations.get(idKey(id));
  // The same task asked for again (a retried request): it is the one already running or done.
  if (existing) return { status: 200, body: existing };
  const assignmentId = asText(properties.policyAssignmentId ?? "");
  const assignment = ctx.core.policy.assignments.get(idKey(assignmentId));
  if (!assignment) throw new ArmError(404, "PolicyAssignmentNotFound", `The policy assignment '${assignmentId}' could not be found.`);
  const references = ctx.core.policy.references(assignment);
  const referenceId = properties.policyDefinitionReferenceId === undefined ? null : asText(properties.policyDefinitionReferenceId);
  const reference = references.find((candidate) => (candidate.referenceId ?? null)?.toLowerCase() === referenceId?.toLowerCase());
  if (!reference) {
    throw badRequest(
      referenceId === null
        ? `The assignment '${assignment.name}' assigns an initiative: name the policyDefinitionReferenceId to remediate.`
        : `The assignment '${assignment.name}' has no policy definition reference '${referenceId}'.`,
      "InvalidRemediationRequest",
    );
  }
  const states = policyStates(ctx.core, ctx.params.subscriptionId as string).filter(
    (state) =>
      idKey(state.policyAssignmentId) === idKey(assignment.id) &&
      state.policyDefinitionReferenceId.toLowerCase() === (reference.referenceId ?? "").toLowerCase(),
  );
  const effect = states[0]?.policyDefinitionAction.toLowerCase();
  if (effect !== undefined && effect !== "modify") {
    throw badRequest(
      effect === "deployifnotexists"
        ? "The emulator does not run deploy-if-not-exists deployments: only modify references can be remediated here."
        : `The policy's effect is '${effect}': only deployIfNotExists and modify policies can be remediated.`,
      "InvalidRemediationRequest",
    );
  }
  const filters = (properties.filters ?? {}) as { resourceIds?: unknown; locations?: unknown };
  const ids = Array.isArray(filters.resourceIds) ? filters.resourceIds.map((value) => idKey(asText(value))) : undefined;
  if (ids !== undefined && (ids.length === 0 || ids.length > 100))
    throw badRequest("filters.resourceIds holds from 1 to 100 resource ids.", "InvalidRemediationRequest");
  const locations = Array.isArray(filters.locations) ? filters.locations.map((value) => asText(value).toLowerCase()) : undefined;
  const count = typeof properties.resourceCount === "number" ? properties.resourceCount : DEFAULT_RESOURCE_COUNT;
  const targets = [
    ...new Set(
      states
        .filter((state) => state.complianceState === "NonCompliant")
        .filter((state) => ids === undefined || ids.includes(idKey(state.resourceId)))
        .filter((state) => locations === undefined || locations.includes(state.resourceLocation.toLowerCase().replace(/\s+/g, "")))
        .map((state) => state.resourceId),
    ),
  ].slice(0, count);
  const now = ctx.core.nowIso();
  const remediation: PolicyObject = {
    id,
    name,
    type: TYPE,
    systemData: systemData(ctx),
    properties: {
      policyAssignmentId: assignment.id,
      ...(reference.referenceId === null ? {} : { policyDefinitionReferenceId: reference.referenceId }),
      resourceDiscoveryMode: asText(properties.resourceDiscoveryMode ?? "ExistingNonCompliant"),
      provisioningState: "Accepted",
      createdOn: now,
      lastUpdatedOn: now,
      ...(properties.filters === undefined ? {} : { filters: properties.filters }),
      deploymentStatus: { totalDeployments: targets.length, successfulDeployments: 0, failedDeployments: 0 },
      statusMessage: `Remediation of ${targets.length} resource(s) accepted`,
      correlationId: randomUUID(),
      ...(properties.resourceCount === undefined ? {} : { resourceCount: properties.resourceCount }),
      ...(properties.parallelDeployments === undefined ? {} : { parallelDeployments: properties.parallelDeployments }),
      ...(properties.failureThreshold === undefined ? {} : { failureThreshold: properties.failureThreshold }),
    },
  };
  progress.set(remediation, { pollsLeft: ctx.core.lro.options.polls, targets, deployments: [] });
  ctx.core.policy.remediations.set(idKey(id), remediation);
  return { status: 201, body: remediation };
}

/** A read moves a running task on: Evaluating while polls are left, then its deployments run and it succeeds. */
function advance(ctx: RouteContext, remediation: PolicyObject): void {
  const state = progress.get(remediation);
  const properties = remediation.properties;
  if (!state || TERMINAL.has(asText(properties.provisioningState).toLowerCase())) return;
  properties.lastUpdatedOn = ctx.core.nowIso();
  if (state.pollsLeft > 0) {
    state.pollsLeft -= 1;
    properties.provisioningState = "Evaluating";
    properties.statusMessage = `Remediating ${state.targets.length} resource(s)`;
    return;
  }
  const assignment = ctx.core.policy.assignments.get(idKey(asText(properties.policyAssignmentId)));
  const referenceId = properties.policyDefinitionReferenceId === undefined ? null : asText(properties.policyDefinitionReferenceId);
  const results = assignment
    ? remediateWithModify(ctx.core, assignment, referenceId, state.targets)
    : state.targets.map((resourceId) => ({
        resourceId,
        succeeded: false,
        error: { code: "PolicyAssignmentNotFound", message: "The policy assignment of the remediation no longer exists." },
      }));
  const now = ctx.core.nowIso();
  const subscription = `/subscriptions/${ctx.params.subscriptionId as string}`;
  state.deployments = results.map((result) => {
    const stored = ctx.core.store.get(result.resourceId);
    return {
      remediatedResourceId: result.resourceId,
      deploymentId: `${subscription}/providers/Microsoft.Resources/deployments/${randomUUID()}`,
      status: result.succeeded ? "Succeeded" : "Failed",
      resourceLocation: stored?.arm.location ?? "",
      ...(result.error === undefined ? {} : { error: result.error }),
      createdOn: now,
      lastUpdatedOn: now,
    };
  });
  const succeeded = results.filter((result) => result.succeeded).length;
  const failed = results.length - succeeded;
  properties.deploymentStatus = {
    totalDeployments: state.targets.length,
    successfulDeployments: succeeded,
    failedDeployments: failed,
  };
  properties.provisioningState = failed > 0 && succeeded === 0 ? "Failed" : "Succeeded";
  properties.statusMessage = `${succeeded} of ${state.targets.length} resource(s) remediated`;
}

function getRemediation(ctx: RouteContext): RouteResult {
  const remediation = ctx.core.policy.remediations.get(idKey(idOf(ctx)));
  if (!remediation) throw new ArmError(404, "RemediationNotFound", `The remediation '${ctx.params.name as string}' could not be found.`);
  advance(ctx, remediation);
  return { status: 200, body: remediation };
}

/** The task's deployments, one per resource it remediated (none before they run). */
function listDeployments(ctx: RouteContext): RouteResult {
  const remediation = ctx.core.policy.remediations.get(idKey(idOf(ctx)));
  if (!remediation) throw new ArmError(404, "RemediationNotFound", `The remediation '${ctx.params.name as string}' could not be found.`);
  const deployments = progress.get(remediation)?.deployments ?? [];
  // One page: the SDK follows a next link with GET, which this POST route does not answer.
  return pagedList(ctx, deployments, Math.max(deployments.length, 1));
}

export function remediationRoutes(): RouteDefinition[] {
  const base = `/subscriptions/{subscriptionId}/providers/${TYPE}`;
  return [
    { method: "PUT", pattern: `${base}/{name}`, name: "remediations.createOrUpdate", handler: putRemediation },
    { method: "GET", pattern: `${base}/{name}`, name: "remediations.get", handler: getRemediation },
    {
      method: "POST",
      pattern: `${base}/{name}/listDeployments`,
      name: "remediations.listDeployments",
      kind: "read",
      handler: listDeployments,
    },
    {
      method: "GET",
      pattern: base,
      name: "remediations.list",
      handler: (ctx) =>
        pagedList(
          ctx,
          [...ctx.core.policy.remediations.values()].filter((remediation) =>
            idKey(remediation.id).startsWith(idKey(`/subscriptions/${ctx.params.subscriptionId as string}/`)),
          ),
        ),
    },
  ];
}
