/**
 * Azure Policy's control plane (Microsoft.Authorization): custom and built-in policy definitions,
 * initiatives (policy set definitions), assignments and exemptions: create, get, list, delete,
 * validated as ARM validates them (a definition an assignment names must exist, every parameter
 * without a default must be given, an exemption names an existing assignment). Evaluation lives in
 * emulator/policy/; deny and modify at PUT time in emulator/policy/admission.ts.
 */
import { asText } from "../policy/expressions.ts";
import { randomUUID } from "node:crypto";
import { ArmError, badRequest } from "../errors.ts";
import { pagedList } from "../paging.ts";
import { missingParameters, type PolicyObject, scopeOfExtension } from "../policy/state.ts";
import { currentCaller } from "../requestContext.ts";
import { idKey } from "../../shared/azure/resourceId.ts";
import type { RouteContext, RouteDefinition, RouteResult } from "../router.ts";

const AUTH = "providers/Microsoft.Authorization";
const DEFINITION_TYPE = "Microsoft.Authorization/policyDefinitions";
const SET_TYPE = "Microsoft.Authorization/policySetDefinitions";
const ASSIGNMENT_TYPE = "Microsoft.Authorization/policyAssignments";
const EXEMPTION_TYPE = "Microsoft.Authorization/policyExemptions";
const NAME = /^[^<>*%&:\\?+/]{1,128}$/;

type Json = Record<string, unknown>;

function bodyProperties(ctx: RouteContext): Json {
  const body = ctx.body as { properties?: unknown } | undefined;
  if (body === undefined || typeof body !== "object" || body === null || Array.isArray(body))
    throw badRequest("The request body must be a JSON object.");
  const properties = body.properties;
  if (properties === null || typeof properties !== "object" || Array.isArray(properties))
    throw badRequest("The 'properties' object is required.");
  return properties as Json;
}

function checkName(name: string, what: string): void {
  if (!NAME.test(name)) throw badRequest(`The ${what} name '${name}' is invalid.`, "InvalidPolicyName");
}

const scopeOf = (ctx: RouteContext): string => `/${(ctx.params.scope as string).replace(/^\/+/, "")}`.replace(/\/+$/, "");

export function systemData(ctx: RouteContext, existing?: PolicyObject): Json {
  const now = ctx.core.nowIso();
  const caller = currentCaller();
  const who = caller?.upn ?? caller?.objectId ?? "unknown";
  const whoType = caller?.kind === "governor" ? "ManagedIdentity" : caller?.kind === "user" ? "User" : "Application";
  const created = existing?.systemData as Json | undefined;
  return {
    createdBy: created?.createdBy ?? who,
    createdByType: created?.createdByType ?? whoType,
    createdAt: created?.createdAt ?? now,
    lastModifiedBy: who,
    lastModifiedByType: whoType,
    lastModifiedAt: now,
  };
}

function requireSubscriptionScope(ctx: RouteContext, scope: string): void {
  const match = /^\/subscriptions\/([^/]+)/i.exec(scope);
  if (match && !ctx.core.store.hasSubscription(match[1] as string))
    throw new ArmError(404, "SubscriptionNotFound", `The subscription '${match[1]}' could not be found.`);
}

function checkRule(rule: unknown): void {
  const candidate = rule as { if?: unknown; then?: { effect?: unknown } } | undefined;
  if (candidate === undefined || typeof candidate !== "object" || candidate === null)
    throw badRequest("The policy definition needs a 'policyRule'.", "InvalidPolicyRule");
  if (typeof candidate.if !== "object" || candidate.if === null)
    throw badRequest("The policy rule needs an 'if' condition.", "InvalidPolicyRule");
  if (typeof candidate.then?.effect !== "string") throw badRequest("The policy rule needs 'then.effect'.", "InvalidPolicyRule");
}

function putDefinition(ctx: RouteContext): RouteResult {
  const name = ctx.params.name as string;
  checkName(name, "policy definition");
  const properties = bodyProperties(ctx);
  checkRule(properties.policyRule);
  const id = `/subscriptions/${ctx.params.subscriptionId}/${AUTH}/policyDefinitions/${name}`;
  const existing = ctx.core.policy.definitions.get(idKey(id));
  const version = typeof properties.version === "string" ? properties.version : "1.0.0";
  const definition: PolicyObject = {
    id,
    name,
    type: DEFINITION_TYPE,
    properties: {
      mode: "Indexed",
      parameters: {},
      ...properties,
      policyType: "Custom",
      version,
      versions: [version],
    },
    systemData: systemData(ctx, existing),
  };
  ctx.core.policy.definitions.set(idKey(id), definition);
  // ARM answers 201 to every PUT of a definition or an assignment, a create or an update (the SDK expects no other).
  return { status: 201, body: definition };
}

function putSetDefinition(ctx: RouteContext): RouteResult {
  const name = ctx.params.name as string;
  checkName(name, "policy set definition");
  const properties = bodyProperties(ctx);
  const references = properties.policyDefinitions;
  if (!Array.isArray(references) || references.length === 0)
    throw badRequest("A policy set definition needs at least one entry in 'policyDefinitions'.", "InvalidPolicySetDefinition");
  const groups = new Set(((properties.policyDefinitionGroups as Array<{ name: string }> | undefined) ?? []).map((group) => group.name));
  const seen = new Set<string>();
  const policyDefinitions = references.map((entry: Json, index) => {
    const definitionId = asText(entry.policyDefinitionId ?? "");
    const definition = ctx.core.policy.definition(definitionId);
    if (!definition) throw new ArmError(404, "PolicyDefinitionNotFound", `The policy definition '${definitionId}' could not be found.`);
    const referenceId = typeof entry.policyDefinitionReferenceId === "string" ? entry.policyDefinitionReferenceId : `${index}`;
    if (seen.has(referenceId.toLowerCase()))
      throw badRequest(`The policy definition reference id '${referenceId}' is used twice.`, "InvalidPolicySetDefinition");
    seen.add(referenceId.toLowerCase());
    for (const group of (entry.groupNames as string[] | undefined) ?? []) {
      if (!groups.has(group))
        throw badRequest(`The group '${group}' of '${referenceId}' is not a policyDefinitionGroups entry.`, "InvalidPolicySetDefinition");
    }
    const passed = Object.fromEntries(
      Object.entries((entry.parameters as Record<string, { value: unknown }> | undefined) ?? {}).map(([key, value]) => [key, value.value]),
    );
    const declared = (definition.properties.parameters ?? {}) as Json;
    const unknown = Object.keys(passed).filter((parameter) => !(parameter in declared));
    if (unknown.length > 0)
      throw badRequest(
        `The policy definition '${definition.name}' has no parameter ${unknown.join(", ")} ('${referenceId}').`,
        "UndefinedPolicyParameter",
      );
    const missing = missingParameters(definition, passed);
    if (missing.length > 0)
      throw badRequest(
        `The parameter ${missing.join(", ")} of '${definition.name}' has no value ('${referenceId}').`,
        "MissingPolicyParameter",
      );
    return { definitionVersion: "1.*.*", ...entry, policyDefinitionReferenceId: referenceId };
  });
  const id = `/subscriptions/${ctx.params.subscriptionId}/${AUTH}/policySetDefinitions/${name}`;
  const existing = ctx.core.policy.setDefinitions.get(idKey(id));
  const version = typeof properties.version === "string" ? properties.version : "1.0.0";
  const set: PolicyObject = {
    id,
    name,
    type: SET_TYPE,
    properties: { parameters: {}, ...properties, policyDefinitions, policyType: "Custom", version, versions: [version] },
    systemData: systemData(ctx, existing),
  };
  ctx.core.policy.setDefinitions.set(idKey(id), set);
  return { status: existing ? 200 : 201, body: set };
}

function putAssignment(ctx: RouteContext): RouteResult {
  const scope = scopeOf(ctx);
  requireSubscriptionScope(ctx, scope);
  const name = ctx.params.name as string;
  checkName(name, "policy assignment");
  const body = ctx.body as Json;
  const properties = bodyProperties(ctx);
  const target = asText(properties.policyDefinitionId ?? "");
  const isSet = /\/policySetDefinitions\//i.test(target);
  const definition = isSet ? ctx.core.policy.setDefinitions.get(idKey(target)) : ctx.core.policy.definition(target);
  if (!definition) {
    throw isSet
      ? new ArmError(404, "PolicySetDefinitionNotFound", `The policy set definition '${target}' could not be found.`)
      : new ArmError(404, "PolicyDefinitionNotFound", `The policy definition '${target}' could not be found.`);
  }
  const given = Object.fromEntries(
    Object.entries((properties.parameters as Record<string, { value: unknown }> | undefined) ?? {}).map(([key, value]) => [
      key,
      value.value,
    ]),
  );
  const missing = missingParameters(definition, given);
  if (missing.length > 0)
    throw badRequest(`The policy assignment '${name}' gives no value for ${missing.join(", ")}.`, "MissingPolicyParameter");
  const enforcementMode = properties.enforcementMode ?? "Default";
  if (enforcementMode !== "Default" && enforcementMode !== "DoNotEnforce")
    throw badRequest(`The enforcement mode '${asText(enforcementMode)}' is not Default or DoNotEnforce.`, "InvalidPolicyAssignment");
  const id = `${scope}/${AUTH}/policyAssignments/${name}`;
  const existing = ctx.core.policy.assignments.get(idKey(id));
  const identity = body.identity as { type?: string; userAssignedIdentities?: Json } | undefined;
  if (identity?.type !== undefined && identity.type !== "None" && typeof body.location !== "string")
    throw badRequest("A policy assignment with a managed identity needs a 'location'.", "InvalidPolicyAssignment");
  const assignment: PolicyObject = {
    id,
    name,
    type: ASSIGNMENT_TYPE,
    properties: {
      definitionVersion: "1.*.*",
      notScopes: [],
      metadata: {},
      ...properties,
      enforcementMode,
      scope,
      instanceId: existing?.properties.instanceId ?? randomUUID(),
    },
    systemData: systemData(ctx, existing),
  };
  if (typeof body.location === "string") assignment.location = body.location;
  if (identity?.type === "SystemAssigned") {
    assignment.identity = {
      type: "SystemAssigned",
      principalId: (existing?.identity as Json | undefined)?.principalId ?? randomUUID(),
      tenantId: ctx.core.tenantId,
    };
  } else if (identity?.type === "UserAssigned") {
    assignment.identity = {
      type: "UserAssigned",
      userAssignedIdentities: Object.fromEntries(
        Object.keys(identity.userAssignedIdentities ?? {}).map((key) => [key, { principalId: randomUUID(), clientId: randomUUID() }]),
      ),
    };
  }
  ctx.core.policy.assignments.set(idKey(id), assignment);
  return { status: 201, body: assignment };
}

function putExemption(ctx: RouteContext): RouteResult {
  const scope = scopeOf(ctx);
  requireSubscriptionScope(ctx, scope);
  const name = ctx.params.name as string;
  checkName(name, "policy exemption");
  const properties = bodyProperties(ctx);
  const assignmentId = asText(properties.policyAssignmentId ?? "");
  const assignment = ctx.core.policy.assignments.get(idKey(assignmentId));
  if (!assignment) throw new ArmError(404, "PolicyAssignmentNotFound", `The policy assignment '${assignmentId}' could not be found.`);
  if (properties.exemptionCategory !== "Waiver" && properties.exemptionCategory !== "Mitigated")
    throw badRequest("The exemption category must be Waiver or Mitigated.", "InvalidPolicyExemption");
  if (properties.expiresOn !== undefined && Number.isNaN(Date.parse(asText(properties.expiresOn))))
    throw badRequest(`'expiresOn' (${asText(properties.expiresOn)}) is not a date and time.`, "InvalidPolicyExemption");
  const known = new Set(ctx.core.policy.references(assignment).map((reference) => reference.referenceId?.toLowerCase()));
  const unknown = ((properties.policyDefinitionReferenceIds as string[] | undefined) ?? []).filter(
    (reference) => !known.has(reference.toLowerCase()),
  );
  if (unknown.length > 0)
    throw badRequest(
      `The assignment '${assignment.name}' has no policy definition reference ${unknown.join(", ")}.`,
      "InvalidPolicyExemption",
    );
  const assignmentScope = idKey(asText(assignment.properties.scope));
  if (!(idKey(scope) === assignmentScope || idKey(scope).startsWith(`${assignmentScope}/`)))
    throw badRequest(`The exemption's scope '${scope}' is outside the assignment's scope.`, "InvalidPolicyExemption");
  const id = `${scope}/${AUTH}/policyExemptions/${name}`;
  const existing = ctx.core.policy.exemptions.get(idKey(id));
  const exemption: PolicyObject = { id, name, type: EXEMPTION_TYPE, properties: { ...properties }, systemData: systemData(ctx, existing) };
  ctx.core.policy.exemptions.set(idKey(id), exemption);
  return { status: existing ? 200 : 201, body: exemption };
}

function getOr404(map: Map<string, PolicyObject>, id: string, code: string, what: string): RouteResult {
  const found = map.get(idKey(id));
  if (!found) throw new ArmError(404, code, `The ${what} '${id}' could not be found.`);
  return { status: 200, body: found };
}

function deleteFrom(map: Map<string, PolicyObject>, id: string): RouteResult {
  return { status: map.delete(idKey(id)) ? 200 : 204 };
}

/** `$filter` of exemption lists: `excludeExpired()`, `policyAssignmentId eq '…'`, `atScope()` (every exemption here applies at or below). */
function filterExemptions(ctx: RouteContext, exemptions: PolicyObject[]): PolicyObject[] {
  const filter = ctx.query.get("$filter")?.trim();
  if (!filter) return exemptions;
  let result = exemptions;
  for (const clause of filter.split(/\s+and\s+/i)) {
    const assignment = /^policyAssignmentId\s+eq\s+'([^']+)'$/i.exec(clause);
    if (/^excludeExpired\(\)$/i.test(clause)) {
      const now = ctx.core.clock.now().getTime();
      result = result.filter(
        (exemption) => exemption.properties.expiresOn === undefined || Date.parse(asText(exemption.properties.expiresOn)) > now,
      );
    } else if (assignment) {
      result = result.filter((exemption) => idKey(asText(exemption.properties.policyAssignmentId)) === idKey(assignment[1] as string));
    } else if (!/^atScope\(\)$/i.test(clause)) {
      throw badRequest(`Unsupported $filter clause: ${clause}`, "InvalidFilterInQueryString");
    }
  }
  return result;
}

/** Exemptions at a scope or below it (a subscription's list includes its resource groups' and resources'). */
function exemptionsUnder(ctx: RouteContext, scope: string): RouteResult {
  const key = idKey(scope);
  const all = [...ctx.core.policy.exemptions.values()].filter((exemption) => {
    const at = idKey(scopeOfExtension(exemption.id));
    return at === key || at.startsWith(`${key}/`);
  });
  return pagedList(ctx, filterExemptions(ctx, all));
}

export function policyRoutes(): RouteDefinition[] {
  const sub = "/subscriptions/{subscriptionId}";
  const definitionId = (ctx: RouteContext) => `/subscriptions/${ctx.params.subscriptionId}/${AUTH}/policyDefinitions/${ctx.params.name}`;
  const setId = (ctx: RouteContext) => `/subscriptions/${ctx.params.subscriptionId}/${AUTH}/policySetDefinitions/${ctx.params.name}`;
  const assignmentId = (ctx: RouteContext) => `${scopeOf(ctx)}/${AUTH}/policyAssignments/${ctx.params.name}`;
  const exemptionId = (ctx: RouteContext) => `${scopeOf(ctx)}/${AUTH}/policyExemptions/${ctx.params.name}`;
  return [
    { method: "PUT", pattern: `${sub}/${AUTH}/policyDefinitions/{name}`, name: "policyDefinitions.createOrUpdate", handler: putDefinition },
    {
      method: "GET",
      pattern: `${sub}/${AUTH}/policyDefinitions/{name}`,
      name: "policyDefinitions.get",
      handler: (ctx) => {
        // A subscription's get also finds a built-in by its name, as ARM's does.
        const builtin = ctx.core.policy.builtins.get((ctx.params.name as string).toLowerCase());
        return builtin
          ? { status: 200, body: builtin }
          : getOr404(ctx.core.policy.definitions, definitionId(ctx), "PolicyDefinitionNotFound", "policy definition");
      },
    },
    {
      method: "GET",
      pattern: `${sub}/${AUTH}/policyDefinitions`,
      name: "policyDefinitions.list",
      handler: (ctx) => pagedList(ctx, [...ctx.core.policy.definitions.values(), ...ctx.core.policy.builtins.values()]),
    },
    {
      method: "DELETE",
      pattern: `${sub}/${AUTH}/policyDefinitions/{name}`,
      name: "policyDefinitions.delete",
      handler: (ctx) => deleteFrom(ctx.core.policy.definitions, definitionId(ctx)),
    },
    {
      method: "GET",
      pattern: `/${AUTH}/policyDefinitions/{name}`,
      name: "policyDefinitions.getBuiltIn",
      handler: (ctx) => {
        const builtin = ctx.core.policy.builtins.get((ctx.params.name as string).toLowerCase());
        if (!builtin) throw new ArmError(404, "PolicyDefinitionNotFound", `The policy definition '${ctx.params.name}' could not be found.`);
        return { status: 200, body: builtin };
      },
    },
    {
      method: "GET",
      pattern: `/${AUTH}/policyDefinitions`,
      name: "policyDefinitions.listBuiltIn",
      handler: (ctx) => pagedList(ctx, [...ctx.core.policy.builtins.values()]),
    },
    {
      method: "PUT",
      pattern: `${sub}/${AUTH}/policySetDefinitions/{name}`,
      name: "policySetDefinitions.createOrUpdate",
      handler: putSetDefinition,
    },
    {
      method: "GET",
      pattern: `${sub}/${AUTH}/policySetDefinitions/{name}`,
      name: "policySetDefinitions.get",
      handler: (ctx) => getOr404(ctx.core.policy.setDefinitions, setId(ctx), "PolicySetDefinitionNotFound", "policy set definition"),
    },
    {
      method: "GET",
      pattern: `${sub}/${AUTH}/policySetDefinitions`,
      name: "policySetDefinitions.list",
      handler: (ctx) => pagedList(ctx, [...ctx.core.policy.setDefinitions.values()]),
    },
    {
      method: "DELETE",
      pattern: `${sub}/${AUTH}/policySetDefinitions/{name}`,
      name: "policySetDefinitions.delete",
      handler: (ctx) => deleteFrom(ctx.core.policy.setDefinitions, setId(ctx)),
    },
    { method: "PUT", pattern: `/{*scope}/${AUTH}/policyAssignments/{name}`, name: "policyAssignments.create", handler: putAssignment },
    {
      method: "GET",
      pattern: `/{*scope}/${AUTH}/policyAssignments/{name}`,
      name: "policyAssignments.get",
      handler: (ctx) => getOr404(ctx.core.policy.assignments, assignmentId(ctx), "PolicyAssignmentNotFound", "policy assignment"),
    },
    {
      method: "DELETE",
      pattern: `/{*scope}/${AUTH}/policyAssignments/{name}`,
      name: "policyAssignments.delete",
      handler: (ctx) => {
        // ARM answers the delete of an assignment with the assignment it deleted.
        const existing = ctx.core.policy.assignments.get(idKey(assignmentId(ctx)));
        ctx.core.policy.assignments.delete(idKey(assignmentId(ctx)));
        return existing ? { status: 200, body: existing } : { status: 204 };
      },
    },
    {
      method: "GET",
      pattern: `${sub}/${AUTH}/policyAssignments`,
      name: "policyAssignments.list",
      handler: (ctx) =>
        pagedList(
          ctx,
          [...ctx.core.policy.assignments.values()].filter((assignment) =>
            idKey(asText(assignment.properties.scope)).startsWith(`/subscriptions/${(ctx.params.subscriptionId as string).toLowerCase()}`),
          ),
        ),
    },
    { method: "PUT", pattern: `/{*scope}/${AUTH}/policyExemptions/{name}`, name: "policyExemptions.createOrUpdate", handler: putExemption },
    {
      method: "GET",
      pattern: `/{*scope}/${AUTH}/policyExemptions/{name}`,
      name: "policyExemptions.get",
      handler: (ctx) => getOr404(ctx.core.policy.exemptions, exemptionId(ctx), "PolicyExemptionNotFound", "policy exemption"),
    },
    {
      method: "DELETE",
      pattern: `/{*scope}/${AUTH}/policyExemptions/{name}`,
      name: "policyExemptions.delete",
      handler: (ctx) => deleteFrom(ctx.core.policy.exemptions, exemptionId(ctx)),
    },
    {
      method: "GET",
      pattern: `/{*scope}/${AUTH}/policyExemptions`,
      name: "policyExemptions.list",
      handler: (ctx) => exemptionsUnder(ctx, scopeOf(ctx)),
    },
  ];
}
