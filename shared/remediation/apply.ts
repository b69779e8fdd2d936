/**
 * `applyRemediation`: what a Durable activity calls to change Azure, once per resource. The world
 * changes while an approval waits and activities are delivered at least once, so nothing from
 * the plan is trusted:
 *
 * 1. the resource is read again from ARM (gone: `already-done` for a delete, `skipped` otherwise);
 * 2. already as the action leaves it (deallocated, tags in place, protected): `already-done`,
 *    nothing sent, unless this workflow marked the change sent before it restarted (then it is
 *    `applied`, its own: a delete found gone, a deallocation found done); otherwise, one that
 *    another operation holds (`provisioningState` Creating, Updating, Deleting) or that an
 *    operation left Failed is `skipped` (`busy`), unless the executor recognises the same change
 *    under way and joins it;
 * 3. the guards (exemption, production, change window) and THE POLICY are evaluated again for
 *    this one resource on the fresh read, with the facts it needs gathered again (this VM's CPU
 *    through the batch metrics API, backup coverage): a resource someone started using, tagged
 *    to keep, or made production is `skipped` with the reason; so is one whose policy requires an
 *    approval the request does not carry;
 * 4. the kill switch and dry-run, checked at each call: `skipped`, saying what would have been done;
 * 5. the executor makes the change, waits for it, retries what is transient and verifies it by
 *    reading again.
 *
 * Azure's failures come back as `failed` with the error code and message; only programming
 * errors (a malformed request, an action without an executor) are thrown.
 */
import { resourceScope } from "../policy/scopes.ts";
import { recentPolicyExemptions } from "../inventory/policyExemptions.ts";
import { recentReads } from "../inventory/recentReads.ts";
import type { GovernorConfig } from "../config.ts";
import type { AzureTarget } from "../azure/target.ts";
import { gatherFacts } from "../inventory/gather.ts";
import { armIdOrUndefined, parseArmId, parseResourceId, resourceNameOf } from "../azure/resourceId.ts";
import { readResource, readResourceGroup, readResourcesOfGroup, readSnapshotsOfDisk } from "../inventory/readResource.ts";
import { disruptive, evaluate, evaluateCondition, relatedReads } from "../policy/evaluate.ts";
import { type GuardBlock, resourceGuards } from "../policy/guards.ts";
import { buildIndex, snapshotSourceId } from "../policy/inventoryIndex.ts";
import type { EvaluationContext, Registry } from "../policy/registry.ts";
import type { Inventory, InventoryResource, InventoryResourceGroup, Policy, PolicySet, Settings } from "../policy/types.ts";
import { gatherBackupFactsOf } from "../inventory/backup.ts";
import { requestsByKind, sweepHistoryRequests } from "../planner.ts";
import { gatherSweepHistory } from "../inventory/sweepHistory.ts";
import {
  type Assessment,
  azureFailure,
  carryOut,
  type ExecutorContext,
  isProgrammingError,
  remediationTarget,
  type RemediationOptions,
  type ResolvedOptions,
  resolveOptions,
  retryingRead,
  removes,
} from "./executor.ts";
import { executorFor, undoesSomething, undoneBy } from "../actions/index.ts";
import { tagValue } from "../policy/settings.ts";
import { parseStoppedBy, STOPPED_BY_TAG } from "./stoppedBy.ts";
import { busyReason } from "./busy.ts";
import { type AuditRecord, GOVERNOR_ACTOR, TRIGGER_TYPES, type TriggerType } from "../audit/record.ts";
import type { AuditTrail } from "../audit/trail.ts";
import type { RemediationOutcome, RemediationRequest } from "./types.ts";

export interface RemediationDeps {
  target: AzureTarget;
  config: Pick<GovernorConfig, "killSwitch" | "dryRun">;
  policySet: PolicySet;
  registry: Registry;
  now: () => Date;
  options?: RemediationOptions;
  /**
   * The audit trail, where a start reads which other policies stopped the resource too (without
   * it, only the tag tells), and where a change is marked sent before it is sent (`append`), so a
   * workflow restarted mid-change knows the change it finds done or under way as its own.
   */
  trail?: Pick<AuditTrail, "query"> & Partial<Pick<AuditTrail, "append">>;
}

/** The id of the mark a workflow leaves before it sends a change to a resource: one per workflow, resource and action. */
export function sentRecordId(
  request: { instanceId: string; action: Pick<RemediationRequest["action"], "type"> },
  resourceId: string,
): string {
  return `${request.instanceId}:sent:${resourceId.toLowerCase()}:${request.action.type}`;
}

function sentRecord(request: RemediationRequest, policy: Policy, resource: InventoryResource, wouldHave: string, now: Date): AuditRecord {
  const type = (TRIGGER_TYPES as readonly string[]).includes(request.trigger.type) ? (request.trigger.type as TriggerType) : "manual";
  return {
    id: sentRecordId(request, resource.id),
    at: now.toISOString(),
    kind: "action",
    policy: policy.name,
    resourceId: resource.id,
    action: request.action.type,
    reason: `sending: ${wouldHave}`,
    instanceId: request.instanceId,
    trigger: { type, ...(request.trigger.id === undefined ? {} : { id: request.trigger.id }) },
    actor: GOVERNOR_ACTOR,
  };
}

/**
 * Whether this workflow marked the change sent before and has not recorded its outcome yet: the
 * activity runs again after a crash or a restart. Once the outcome is recorded, a run of the same
 * workflow again is a repeat, and what it finds done is `already-done`. Unreadable, it is taken as
 * not: the change is then reported `already-done`, which undercounts a saving but never claims
 * another's change.
 */
async function sentBefore(request: RemediationRequest, resourceId: string, deps: RemediationDeps, now: Date): Promise<boolean> {
  if (!deps.trail) return false;
  const id = sentRecordId(request, resourceId);
  try {
    const since = new Date(now.getTime() - STOPS_LOOKBACK_MS);
    const records = await deps.trail.query({ instanceId: request.instanceId, resourceId, since });
    return records.some((record) => record.id === id) && !records.some((record) => record.kind === "outcome");
  } catch {
    return false;
  }
}

/** How far back a start looks for other policies' stops of its resource. */
const STOPS_LOOKBACK_MS = 14 * 86_400_000;

class Skip {
  readonly guard: string;
  readonly reason: string;
  constructor(guard: string, reason: string) {
    this.guard = guard;
    this.reason = reason;
  }
}

function validate(request: RemediationRequest): void {
  const problems: string[] = [];
  if (typeof request?.policy !== "string" || request.policy === "") problems.push("policy");
  if (typeof request?.resourceId !== "string" || request.resourceId === "") problems.push("resourceId");
  if (typeof request?.action?.type !== "string" || request.action.type === "") problems.push("action.type");
  if (typeof request?.instanceId !== "string") problems.push("instanceId");
  if (typeof request?.trigger?.type !== "string") problems.push("trigger.type");
  if (problems.length > 0) throw new TypeError(`remediation request without a valid ${problems.join(", ")}: ${JSON.stringify(request)}`);
}

// ---------------------------------------------------------------------------------------------
// The fresh read as the evaluation sees it

/**
 * The resource's own small inventory: the resource, its resource group (inherited tags), for
 * a snapshot whose policy compares it with its disk the source disk and the disk's other
 * snapshots as ARM lists them now (whether it is the newest of its disk decides whether it may
 * go), and for a resource group what is in it. Facts are gathered for the resource alone.
 */
async function evaluationContext(
  target: AzureTarget,
  resource: InventoryResource,
  policy: Policy,
  /** Other policies decided on the same read (a start asks whether another would stop the resource again). */
  others: readonly Policy[],
  set: PolicySet,
  registry: Registry,
  settings: Settings,
  now: Date,
  options: ResolvedOptions,
  trail: Pick<AuditTrail, "query"> | undefined,
): Promise<EvaluationContext> {
  const read = <T>(call: () => Promise<T>): Promise<T> => retryingRead(call, options);
  // A stop or delete reads the group itself: its tags may make the resource production, and that
  // guard is the one that never rests on a shared read. Tags and enrolments share it for a moment.
  const shared = !disruptive(registry.action(policy.action.type)?.effect ?? "none");
  const group = await read(() => resourceGroupOf(target, resource.resourceGroup, shared));
  const related: InventoryResource[] = [];
  // The source disk and its other snapshots, only for a policy whose conditions compare with them (a retention's newest-of-disk).
  const needsSourceDisk = relatedReads({ policies: [policy, ...others], scopes: set.scopes }, registry).has("source-disk");
  const sourceId = resource.kind === "snapshot" && needsSourceDisk ? snapshotSourceId(resource) : undefined;
  if (sourceId !== undefined && armIdOrUndefined(sourceId)?.subscriptionId.toLowerCase() === target.subscriptionId.toLowerCase()) {
    const [disk, siblings] = await Promise.all([
      read(() => readSource(target, sourceId)),
      read(() => readSnapshotsOfDisk(target, sourceId)),
    ]);
    if (disk) related.push(disk);
    related.push(...siblings.filter((sibling) => sibling.id.toLowerCase() !== resource.id.toLowerCase()));
  }
  // A group is empty or not by what ARM lists in it now.
  if (resource.kind === "resource-group") related.push(...(await read(() => readResourcesOfGroup(target, resource.name))));
  const inventory: Inventory = {
    subscriptionId: target.subscriptionId,
    resources: [resource, ...related],
    resourceGroups: group ? { [group.name.toLowerCase()]: group } : {},
  };
  const requests = requestsByKind({ ...set, policies: [policy, ...others] }, registry);
  // The facts of this one resource: its CPU through one batch metrics call, its own backup item by name.
  const wantsBackup = Object.values(requests).some((kindRequests) => kindRequests?.some((request) => request.type === "backup"));
  const withoutBackup = Object.fromEntries(
    Object.entries(requests).map(([kind, kindRequests]) => [kind, kindRequests?.filter((request) => request.type !== "backup")]),
  ) as typeof requests;
  // A policy that reads its earlier sweeps (a resize's `consecutive`) reads them again too: the sweep that proposed it is one.
  const remembered = trail ? sweepHistoryRequests({ policies: [policy] }, registry) : [];
  // Azure Policy exemptions made since the plan (in the portal, while an approval waited) hold the change too.
  const [gathered, backup, sweepHistory, exemptions] = await Promise.all([
    read(() => gatherFacts(target, { ...inventory, resources: [resource] }, withoutBackup, now)),
    wantsBackup ? read(() => gatherBackupFactsOf(target, resource)) : Promise.resolve(undefined),
    trail && remembered.length > 0 ? read(() => gatherSweepHistory(trail, remembered, now)) : Promise.resolve(undefined),
    read(() => recentPolicyExemptions(target)),
  ]);
  inventory.policyExemptions = exemptions;
  const facts = { ...gathered, ...backup, ...(sweepHistory === undefined ? {} : { sweepHistory }) };
  // The guards on the fresh read see the settings of the resource's scopes (a subsidiary's freeze, its time zone).
  const scoped = resourceScope(resource, set.scopes ?? [], settings, inventory).settings;
  return { now, inventory, facts, settings: scoped, index: buildIndex(inventory) };
}

/**
 * How long a resource group read is shared by the non-disruptive changes (tag merges, backup
 * enrolment) of one worker. A sweep tags many resources of few groups at once; the group's tags
 * are read again at most this long after they were last read, which is still a read made after
 * the plan and the approval, not the plan's. Disruptive and destructive changes never share it.
 * A minute: at ARM's read refill (25 a second) a group read every 15 s was a tenth of a large
 * sweep's reads, for tags that change far less often than that.
 */
export const RESOURCE_GROUP_TTL_MS = 60_000;

const groups = recentReads<InventoryResourceGroup | undefined>(RESOURCE_GROUP_TTL_MS);

/** The group as read at most RESOURCE_GROUP_TTL_MS ago when `shared`; otherwise read now (and kept for the shared ones). */
function resourceGroupOf(target: AzureTarget, name: string, shared: boolean): Promise<InventoryResourceGroup | undefined> {
  const key = `${target.armEndpoint}|${target.subscriptionId.toLowerCase()}|${name.toLowerCase()}`;
  return groups(key, () => readResourceGroup(target, name), { fresh: !shared });
}

/** A snapshot's source disk; a source that is no resource id at all (an imported VHD) is no disk. */
async function readSource(target: AzureTarget, sourceId: string): Promise<InventoryResource | undefined> {
  try {
    parseResourceId(sourceId);
  } catch {
    return undefined;
  }
  return readResource(target, sourceId);
}

// ---------------------------------------------------------------------------------------------
// The policy, again, for one resource

/** The policy's conditions on the resource: the first that fails, or all matched. */
function conditionsOf(
  policy: Policy,
  resource: InventoryResource,
  registry: Registry,
  ctx: EvaluationContext,
): { matched: boolean; reason: string } {
  const reasons: string[] = [];
  for (const condition of policy.when) {
    const result = evaluateCondition(condition, resource, registry, ctx);
    if (result.outcome !== "match")
      return { matched: false, reason: `${result.outcome === "unknown" ? "undecided: " : ""}${result.reason}` };
    reasons.push(result.reason);
  }
  // What the action itself needs once the conditions hold (a resize: a cheaper size that still fits).
  const required = registry.action(policy.action.type)?.requires?.(resource, policy.action.args, ctx, policy.name);
  if (required && required.outcome !== "match")
    return { matched: false, reason: `${required.outcome === "unknown" ? "undecided: " : ""}${required.reason}` };
  if (required) reasons.push(required.reason);
  return { matched: true, reason: reasons.join("; ") };
}

/**
 * THE POLICY on the fresh read, through the same `evaluate` the plan used, with the blast-radius
 * caps counting this change as the only one (a cap of 0 still stops it) and dry-run left to
 * `applyRemediation`, which says what would have been done.
 */
function decide(
  policy: Policy,
  resource: InventoryResource,
  ctx: EvaluationContext,
  set: PolicySet,
  registry: Registry,
  request: RemediationRequest,
): Skip | undefined {
  const single: PolicySet = {
    ...set,
    settings: { ...ctx.settings, maxChangesPerRun: undefined },
    policies: [{ ...policy, limits: undefined }],
  };
  const { findings } = evaluate(single, ctx.inventory, ctx.facts, ctx.now, registry);
  const finding = findings.find((candidate) => candidate.resourceId.toLowerCase() === resource.id.toLowerCase());
  if (!finding)
    return new Skip(
      "conditions",
      `${policy.name} no longer applies to ${resource.name}: ${conditionsOf(policy, resource, registry, ctx).reason}`,
    );
  if (finding.verdict === "blocked") return new Skip(finding.guard ?? "guard", finding.reason);
  if (finding.verdict === "audit") return new Skip("audit", `${policy.name} is in audit mode: reported only`);
  if (finding.verdict === "needs-approval" && (request.approvedBy === undefined || request.approvedBy.trim() === "")) {
    const approvers = policy.approval?.approvers.join(", ") ?? "an approver";
    return new Skip("approval", `${policy.name} requires approval (${approvers}) and the request carries none`);
  }
  if (policy.limits?.maxResources !== undefined && policy.limits.maxResources < 1)
    return new Skip("cap", `blast-radius cap: ${policy.name} allows no resources per run`);
  if (
    set.settings.maxChangesPerRun !== undefined &&
    set.settings.maxChangesPerRun < 1 &&
    disruptive(registry.action(policy.action.type)?.effect ?? "none")
  )
    return new Skip("cap", "blast-radius cap: settings allow no disruptive or destructive changes per run");
  return undefined;
}

/**
 * The other policies that stop resources of this kind the way this one does (their action is
 * undone by the same `undo`), and act: their reasons to keep a resource stopped count too.
 */
function otherStoppers(policy: Policy, resource: InventoryResource, set: PolicySet, undo: string): Policy[] {
  return set.policies.filter(
    (other) =>
      other !== policy &&
      other.mode === "enforce" &&
      undoneBy(other.action.type) === undo &&
      (other.resource === "any" || other.resource === resource.kind),
  );
}

/**
 * Another policy's stop of the resource since it was last started (the audit trail's outcomes,
 * oldest first): two policies that stopped one resource at once both own the stop, whichever
 * wrote the tag last.
 */
function alsoStoppedBy(records: readonly AuditRecord[], policy: Policy, undo: string): AuditRecord | undefined {
  const lastStart = records.findLastIndex((record) => record.action === undo && record.outcome === "applied");
  return records
    .slice(lastStart + 1)
    .find(
      (record) =>
        record.policy !== policy.name &&
        (record.outcome === "applied" || record.outcome === "already-done") &&
        undoneBy(record.action ?? "") === undo,
    );
}

/**
 * Whether what undoes a schedule policy's stop may run (one owner per stop): only on a stop this
 * policy made itself (`governor-stopped-by` names it), not while a budget containment's stop holds,
 * and not while this policy or another that stops it would stop it again (it is still outside its
 * schedule, or idle, as if it were running).
 */
function decideStart(
  policy: Policy,
  resource: InventoryResource,
  ctx: EvaluationContext,
  set: PolicySet,
  registry: Registry,
  undo: string,
  records: readonly AuditRecord[],
): Skip | undefined {
  const owner = parseStoppedBy(tagValue(resource.tags, STOPPED_BY_TAG));
  if (!owner)
    return new Skip(
      "stopped-by",
      `${resource.name} carries no ${STOPPED_BY_TAG}: ${policy.name} did not stop it (a person or another tool did), so it does not ${undo} it`,
    );
  if (owner.budget && ctx.now.toISOString().slice(0, 10) < owner.budget.until)
    return new Skip(
      "stopped-by",
      `${resource.name} was stopped by the containment of budget ${owner.budget.name}: it stays stopped until the budget period ends (${owner.budget.until}) or a person starts it`,
    );
  if (owner.policy !== policy.name)
    return new Skip(
      "stopped-by",
      `${resource.name} was stopped by ${owner.policy}, not ${policy.name}: it stays stopped until that reason ends or a person starts it`,
    );
  const also = alsoStoppedBy(records, policy, undo);
  if (also)
    return new Skip(
      "stopped-by",
      `${resource.name} was stopped by ${also.policy} too (${also.at}): it stays stopped until that reason ends or a person starts it`,
    );
  const asRunning: InventoryResource = { ...resource, powerState: "running" };
  const inventory = { ...ctx.inventory, resources: ctx.inventory.resources.map((other) => (other === resource ? asRunning : other)) };
  const running = { ...ctx, inventory, index: buildIndex(inventory) };
  for (const stopper of [policy, ...otherStoppers(policy, resource, set, undo)]) {
    const result = conditionsOf(stopper, asRunning, registry, running);
    if (result.matched) return new Skip("conditions", `${stopper.name} would stop ${resource.name} again now: ${result.reason}`);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------

export async function applyRemediation(request: RemediationRequest, deps: RemediationDeps): Promise<RemediationOutcome> {
  validate(request);
  const executor = executorFor(request.action.type);
  if (!executor) throw new Error(`no executor for action "${request.action.type}" (request for ${request.resourceId})`);
  const parts = parseArmId(request.resourceId);
  if (parts.subscriptionId.toLowerCase() !== deps.target.subscriptionId.toLowerCase()) {
    throw new Error(`${request.resourceId} is not in the target subscription ${deps.target.subscriptionId}`);
  }
  const options = resolveOptions(deps.options);
  const target = remediationTarget(deps.target);
  const base = { resourceId: request.resourceId, policy: request.policy, action: request.action.type };
  const skipped = (skip: Skip, extra: Partial<RemediationOutcome> = {}): RemediationOutcome => ({
    ...base,
    outcome: "skipped",
    reason: skip.reason,
    guard: skip.guard,
    ...extra,
  });
  const failed = (error: unknown, doing: string): RemediationOutcome => {
    if (isProgrammingError(error)) throw error;
    const failure = azureFailure(error);
    return { ...base, outcome: "failed", reason: `${doing}: ${failure.code}: ${failure.message}`, errorCode: failure.code };
  };

  const policy = deps.policySet.policies.find((candidate) => candidate.name === request.policy);
  if (!policy)
    return skipped(new Skip("policy", `policy ${request.policy} is no longer in the policy set (${deps.policySet.sources.join(", ")})`));
  // The executor is the policy's action, or what undoes it (a `start` when a schedule's window opens).
  const starting = executor.action !== policy.action.type && undoesSomething(executor.action);
  if (starting ? undoneBy(policy.action.type) !== executor.action : policy.action.type !== executor.action) {
    return skipped(
      new Skip(
        "policy",
        starting
          ? `${policy.name} does not stop anything (its action is ${policy.action.type}): it has nothing to ${executor.action} again`
          : `${policy.name}'s action is ${policy.action.type}, not ${executor.action}`,
      ),
    );
  }

  // 1. The resource as ARM says it is now.
  let resource: InventoryResource | undefined;
  let readAtMs: number;
  try {
    resource = await retryingRead(() => readResource(target, request.resourceId), options);
    readAtMs = Date.now();
  } catch (error) {
    return failed(error, "could not read the resource");
  }
  if (!resource) {
    if (removes(executor)) {
      // A delete this workflow sent before it restarted, which Azure finished meanwhile: its own change.
      if (await sentBefore(request, request.resourceId, deps, deps.now())) {
        const reason = `${executor.action} of ${resourceNameOf(request.resourceId)} sent before this workflow restarted: the resource is gone`;
        return { ...base, outcome: "applied", reason, after: { exists: false } };
      }
      return { ...base, outcome: "already-done", reason: "the resource no longer exists", after: { exists: false } };
    }
    return skipped(new Skip("gone", "the resource no longer exists"), { after: { exists: false } });
  }
  const kindOk = (kinds: readonly string[]): boolean =>
    kinds.includes("any") || (resource.kind !== undefined && kinds.includes(resource.kind));
  if (!kindOk(executor.kinds) || !kindOk([policy.resource])) {
    return skipped(
      new Skip(
        "policy",
        `${resource.name} is a ${resource.kind ?? resource.type}: ${policy.name} (${executor.action}) acts on ${policy.resource === "any" ? executor.kinds.join(", ") : policy.resource}`,
      ),
    );
  }

  const now = deps.now();
  const dryRun = deps.config.dryRun || deps.policySet.settings.dryRun;
  // Dry-run is answered below, with what would have been done; the evaluation runs as if it were off.
  const settings: Settings = { ...deps.policySet.settings, dryRun: false };
  let ctx: ExecutorContext;
  try {
    const others = starting ? otherStoppers(policy, resource, deps.policySet, executor.action) : [];
    const evaluation = await evaluationContext(
      target,
      resource,
      policy,
      others,
      deps.policySet,
      deps.registry,
      settings,
      now,
      options,
      deps.trail,
    );
    ctx = { target, request, resource, readAtMs, args: policy.action.args, evaluation, options };
  } catch (error) {
    return failed(error, `could not gather what ${policy.name} decides on`);
  }
  const before = executor.state(ctx);

  // 2. Already as the action leaves it: nothing to send. Unless this workflow sent it before a
  // restart (its mark in the trail): then the change is its own, applied, and what the change
  // leaves beside the resource (a stop's owner tag) is written now if it was not.
  const assessment: Assessment = executor.assess(ctx);
  const own =
    assessment.status === "done" || assessment.status === "in-progress" ? await sentBefore(request, resource.id, deps, now) : false;
  if (assessment.status === "done" && own) {
    await executor.settle?.(ctx);
    const reason = `${executor.describe(ctx)} (sent before this workflow restarted, found done)`;
    return { ...base, outcome: "applied", reason, before, after: executor.state(ctx) };
  }
  if (assessment.status === "done") return { ...base, outcome: "already-done", reason: assessment.reason, before, after: before };
  // 2b. Held by another operation, or failed: not acted on. A change the executor knows as its own
  // under way (a delete of a resource already Deleting, a deallocate of a deallocating VM) is joined instead.
  if (assessment.status !== "in-progress") {
    const busy = busyReason(resource);
    if (busy !== undefined) return skipped(new Skip("busy", busy), { before });
  }
  if (assessment.status === "refused") return skipped(new Skip("executor", assessment.reason), { before });

  // 3. The guards, then the policy, on the fresh read.
  const guards = (current: ExecutorContext): GuardBlock | undefined =>
    resourceGuards(current.resource, policy, executor.effect, current.evaluation).block;
  const block = guards(ctx);
  if (block) return skipped(new Skip(block.guard, block.reason), { before });
  // A change already under way was decided when it was sent; joining it only waits for it.
  if (assessment.status === "todo") {
    let records: AuditRecord[] = [];
    if (starting && deps.trail) {
      try {
        const since = new Date(now.getTime() - STOPS_LOOKBACK_MS);
        records = await retryingRead(() => deps.trail!.query({ resourceId: resource.id, kind: "outcome", since }), options);
      } catch (error) {
        return failed(error, "could not read who else stopped it (the audit trail)");
      }
    }
    const skip = starting
      ? decideStart(policy, resource, ctx.evaluation, deps.policySet, deps.registry, executor.action, records)
      : decide(policy, resource, ctx.evaluation, deps.policySet, deps.registry, request);
    if (skip) return skipped(skip, { before });
  }

  // 4. The kill switch and dry-run, at every call.
  const wouldHave = executor.describe(ctx);
  if (deps.config.killSwitch)
    return skipped(new Skip("kill-switch", `kill switch on: would have ${wouldHave}; nothing changed`), { before });
  if (dryRun) return skipped(new Skip("dry-run", `dry-run: would have ${wouldHave}; nothing changed`), { before });

  // 5. Marked sent, then the change, waited for, retried and verified.
  if (!own && deps.trail?.append) {
    const append = deps.trail.append.bind(deps.trail);
    try {
      await retryingRead(() => append([sentRecord(request, policy, resource, wouldHave, now)]), options);
    } catch (error) {
      if (isProgrammingError(error)) throw error;
      return failed(error, "could not mark the change sent in the audit trail, so it was not sent");
    }
  }
  const result = await carryOut(executor, ctx, { recheck: guards, done: wouldHave, own });
  const { outcome, reason, attempts } = result;
  return {
    ...base,
    outcome,
    reason,
    ...("guard" in result ? { guard: result.guard } : {}),
    ...("errorCode" in result ? { errorCode: result.errorCode } : {}),
    before,
    ...(result.after === undefined ? {} : { after: result.after }),
    attempts,
  };
}
