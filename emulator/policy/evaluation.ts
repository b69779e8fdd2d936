/**
 * Azure Policy over the emulated estate: at PUT time (modify, then deny, for assignments in
 * Default enforcement) and as compliance states (every assignment on every resource it covers),
 * which Policy Insights' routes summarise and list.
 */
import type { EmulatorCore } from "../core.ts";
import { ArmError } from "../errors.ts";
import { parseArmId as parseResourceId } from "../../shared/azure/resourceId.ts";
import type { ArmResource, StoredResource } from "../store.ts";
import { asText, evaluateExpression } from "./expressions.ts";
import { fieldValue, type PolicyResource } from "./rules.ts";
import type { ComplianceState, PolicyObject, ReferenceOutcome } from "./state.ts";

const PROTECTED_ITEMS = "microsoft.recoveryservices/backupprotecteditems";

function groupOf(core: EmulatorCore, id: string): PolicyResource["resourceGroup"] {
  const parsed = parseResourceId(id);
  if (parsed.resourceGroup === undefined) return undefined;
  const group = core.store.getGroup(parsed.subscriptionId, parsed.resourceGroup);
  return group ? { name: group.name, tags: group.tags ?? {}, ...(group.location ? { location: group.location } : {}) } : undefined;
}

export function policyResourceOf(core: EmulatorCore, arm: ArmResource): PolicyResource {
  const resource: PolicyResource = {
    id: arm.id,
    name: arm.name,
    type: arm.type,
    tags: arm.tags ?? {},
    properties: arm.properties ?? {},
  };
  // ARM normalises a location before policy sees it: `West Europe` is `westeurope`.
  if (arm.location !== undefined) resource.location = arm.location.toLowerCase().replace(/\s+/g, "");
  if (typeof arm.kind === "string") resource.kind = arm.kind;
  if (arm.sku !== undefined) resource.sku = arm.sku;
  const group = groupOf(core, arm.id);
  if (group) resource.resourceGroup = group;
  return resource;
}

/** If-not-exists rules: whether the related resource of the details' type exists for this one. */
function related(core: EmulatorCore): (type: string, resource: PolicyResource) => boolean {
  return (type, resource) => {
    const lower = type.toLowerCase();
    const id = resource.id.toLowerCase();
    if (lower === PROTECTED_ITEMS) {
      return core.store
        .list({})
        .some(
          (item) =>
            asText(item.arm.properties?.sourceResourceId ?? "").toLowerCase() === id &&
            item.arm.type.toLowerCase().endsWith("/protecteditems"),
        );
    }
    return core.store.list({ type }).some((candidate) => candidate.arm.id.toLowerCase().startsWith(`${id}/`));
  };
}

export function evaluateAssignment(core: EmulatorCore, assignment: PolicyObject, resource: PolicyResource): ReferenceOutcome[] {
  // subscription() in a rule is the resource's own subscription, which need not be the emulator's first.
  const subscriptionId = /^\/subscriptions\/([^/]+)/i.exec(resource.id)?.[1] ?? core.subscriptionId;
  return core.policy.evaluate(assignment, resource, { subscriptionId, now: core.clock.now(), related: related(core) });
}

const enforced = (assignment: PolicyObject): boolean => (assignment.properties.enforcementMode ?? "Default") === "Default";

/** The `tags[...]` a modify operation names, or undefined for another field. */
function tagOfField(field: string): string | undefined {
  return (/^tags\[['"]?(.+?)['"]?\]$/i.exec(field) ?? /^tags\.(.+)$/i.exec(field))?.[1];
}

function applyModify(outcome: ReferenceOutcome, resource: PolicyResource, body: Record<string, unknown>): void {
  const rule = outcome.reference.definition.properties.policyRule as {
    then: { details?: { operations?: Array<Record<string, unknown>> } };
  };
  const scope = {
    parameters: outcome.reference.parameters,
    subscriptionId: resource.id.split("/")[2] ?? "",
    field: (path: string) => fieldValue(resource, path),
    ...(resource.resourceGroup ? { resourceGroup: resource.resourceGroup } : {}),
  };
  for (const operation of rule.then.details?.operations ?? []) {
    const tag = tagOfField(asText(evaluateExpression(operation.field, scope)));
    if (tag === undefined) continue;
    const tags = { ...resource.tags };
    const present = Object.keys(tags).find((key) => key.toLowerCase() === tag.toLowerCase());
    const kind = asText(operation.operation).toLowerCase();
    if (kind === "remove") {
      if (present !== undefined) delete tags[present];
    } else if (kind === "addorreplace" || present === undefined) {
      if (present !== undefined) delete tags[present];
      tags[present ?? tag] = asText(evaluateExpression(operation.value, scope));
    }
    resource.tags = tags;
    body.tags = tags;
  }
}

/**
 * The single hook on every PUT of a resource: assignments in Default enforcement modify the
 * request (their tag operations), then deny it when a deny rule holds and no exemption covers it,
 * with Azure Policy's 403 `RequestDisallowedByPolicy`. Policy objects themselves, resource groups
 * and child resources pass (as Indexed-mode rules do).
 */
export function admitPut(core: EmulatorCore, path: string, body: unknown): void {
  if (core.policy.assignments.size === 0 || body === null || typeof body !== "object" || Array.isArray(body)) return;
  if ((path.match(/\/providers\//gi) ?? []).length !== 1 || !/^\/subscriptions\//i.test(path)) return;
  const parsed = parseResourceId(path);
  if (parsed.type === undefined || parsed.name === undefined || parsed.type.split("/").length !== 2) return;
  // Azure Policy's own objects and subscription-level resources (budgets) are not what its rules judge.
  if (/^microsoft\.(authorization|policyinsights)$/i.test(parsed.provider ?? "") || parsed.resourceGroup === undefined) return;
  const request = body as Record<string, unknown>;
  const existing: StoredResource | undefined = core.store.get(path);
  const arm: ArmResource = {
    ...(existing?.arm ?? {}),
    ...request,
    id: existing?.arm.id ?? path.replace(/\/+$/, ""),
    name: parsed.name,
    type: existing?.arm.type ?? parsed.type,
    properties: { ...(existing?.arm.properties ?? {}), ...((request.properties as Record<string, unknown> | undefined) ?? {}) },
  };
  const resource = policyResourceOf(core, arm);
  const assignments = core.policy.assignmentsCovering(resource.id).filter(enforced);
  for (const assignment of assignments) {
    for (const outcome of evaluateAssignment(core, assignment, resource)) {
      if (outcome.effect === "modify" && outcome.matched && outcome.state !== "Exempt") applyModify(outcome, resource, request);
    }
  }
  const denied: Array<{ assignment: PolicyObject; outcome: ReferenceOutcome }> = [];
  for (const assignment of assignments) {
    for (const outcome of evaluateAssignment(core, assignment, resource)) {
      if (outcome.effect === "deny" && outcome.state === "NonCompliant") denied.push({ assignment, outcome });
    }
  }
  if (denied.length === 0) return;
  const identifiers = denied.map(({ assignment, outcome }) => ({
    policyAssignment: { name: assignment.name, id: assignment.id },
    policyDefinition: { name: outcome.reference.definition.name, id: outcome.reference.definition.id },
    ...(outcome.reference.referenceId === null
      ? {}
      : {
          policySetDefinition: { id: asText(assignment.properties.policyDefinitionId) },
          policyDefinitionReferenceId: outcome.reference.referenceId,
        }),
  }));
  throw new ArmError(
    403,
    "RequestDisallowedByPolicy",
    `Resource '${parsed.name}' was disallowed by policy. Policy identifiers: '${JSON.stringify(identifiers)}'.`,
  );
}

/**
 * The deployments of a remediation task of a modify reference, as the assignment's identity runs
 * them: each resource still non-compliant gets the rule's tag operations, whatever the
 * assignment's enforcement (a remediation task works at DoNotEnforce too).
 */
export function remediateWithModify(
  core: EmulatorCore,
  assignment: PolicyObject,
  referenceId: string | null,
  resourceIds: readonly string[],
): Array<{ resourceId: string; succeeded: boolean; error?: { code: string; message: string } }> {
  return resourceIds.map((id) => {
    const stored = core.store.get(id);
    const resource = stored ? policyResourceOf(core, stored.arm) : undefined;
    const outcome = resource
      ? evaluateAssignment(core, assignment, resource).find((candidate) => candidate.reference.referenceId === referenceId)
      : undefined;
    if (!stored || !resource || !outcome)
      return { resourceId: id, succeeded: false, error: { code: "ResourceNotFound", message: `The resource '${id}' was not found.` } };
    if (outcome.effect === "modify" && outcome.state === "NonCompliant") {
      const body: Record<string, unknown> = {};
      applyModify(outcome, resource, body);
      if (body.tags !== undefined) core.store.put({ ...stored, arm: { ...stored.arm, tags: body.tags as Record<string, string> } });
    }
    return { resourceId: id, succeeded: true };
  });
}

export interface PolicyStateRecord {
  timestamp: string;
  resourceId: string;
  policyAssignmentId: string;
  policyDefinitionId: string;
  isCompliant: boolean;
  subscriptionId: string;
  resourceType: string;
  resourceLocation: string;
  resourceGroup: string;
  resourceTags: string;
  policyAssignmentName: string;
  policyAssignmentOwner: string;
  policyAssignmentParameters: string;
  policyAssignmentScope: string;
  policyDefinitionName: string;
  policyDefinitionAction: string;
  policyDefinitionCategory: string;
  policySetDefinitionId: string;
  policySetDefinitionName: string;
  policySetDefinitionOwner: string;
  policySetDefinitionCategory: string;
  policySetDefinitionParameters: string;
  managementGroupIds: string;
  policyDefinitionReferenceId: string;
  complianceState: ComplianceState;
  policyDefinitionGroupNames: string[];
  policyDefinitionVersion: string;
  policySetDefinitionVersion: string;
  policyAssignmentVersion: string;
  effectiveParameters: string;
}

const ACTIONS: Record<string, string> = {
  deny: "deny",
  audit: "audit",
  modify: "modify",
  auditifnotexists: "auditIfNotExists",
  deployifnotexists: "deployIfNotExists",
  append: "append",
  manual: "manual",
};

/** The latest compliance state of every resource of the subscription under every assignment covering it. */
export function policyStates(core: EmulatorCore, subscriptionId: string): PolicyStateRecord[] {
  const records: PolicyStateRecord[] = [];
  const timestamp = core.nowIso();
  const resources = core.store.list({ subscriptionId });
  for (const assignment of core.policy.assignments.values()) {
    const target = asText(assignment.properties.policyDefinitionId);
    const set = /\/policySetDefinitions\//i.test(target) ? core.policy.setDefinitions.get(target.toLowerCase()) : undefined;
    for (const stored of resources) {
      if (core.policy.assignmentsCovering(stored.arm.id).every((covering) => covering.id !== assignment.id)) continue;
      const resource = policyResourceOf(core, stored.arm);
      const parsed = parseResourceId(stored.arm.id);
      for (const outcome of evaluateAssignment(core, assignment, resource)) {
        if (outcome.state === undefined) continue;
        const definition = outcome.reference.definition;
        records.push({
          timestamp,
          resourceId: stored.arm.id,
          policyAssignmentId: assignment.id,
          policyDefinitionId: definition.id,
          isCompliant: outcome.state === "Compliant",
          subscriptionId: parsed.subscriptionId,
          resourceType: `/${stored.arm.type}`,
          resourceLocation: stored.arm.location ?? "",
          resourceGroup: parsed.resourceGroup ?? "",
          resourceTags: JSON.stringify(stored.arm.tags ?? {}),
          policyAssignmentName: assignment.name,
          policyAssignmentOwner: "tbd",
          policyAssignmentParameters: JSON.stringify(assignment.properties.parameters ?? {}),
          policyAssignmentScope: asText(assignment.properties.scope),
          policyDefinitionName: definition.name,
          policyDefinitionAction: ACTIONS[outcome.effect] ?? outcome.effect,
          policyDefinitionCategory: asText((definition.properties.metadata as { category?: string } | undefined)?.category ?? ""),
          policySetDefinitionId: set?.id ?? "",
          policySetDefinitionName: set?.name ?? "",
          policySetDefinitionOwner: "",
          policySetDefinitionCategory: asText((set?.properties.metadata as { category?: string } | undefined)?.category ?? ""),
          policySetDefinitionParameters: JSON.stringify(set?.properties.parameters ?? {}),
          managementGroupIds: "",
          policyDefinitionReferenceId: outcome.reference.referenceId ?? "",
          complianceState: outcome.state,
          policyDefinitionGroupNames: outcome.reference.groupNames,
          policyDefinitionVersion: asText(definition.properties.version ?? "1.0.0"),
          policySetDefinitionVersion: asText(set?.properties.version ?? ""),
          policyAssignmentVersion: "1.0.0",
          effectiveParameters: JSON.stringify(outcome.reference.parameters),
        });
      }
    }
  }
  return records;
}
