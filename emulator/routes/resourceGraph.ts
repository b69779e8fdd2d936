/**
 * Microsoft.ResourceGraph: KQL over the `Resources`, `ResourceContainers` and `ComputeResources`
 * tables, built from the store as Resource Graph shows resources (lower-case types and resource
 * groups, VM power state under `properties.extended`; the instances of Uniform scale sets, each
 * with its power state, in `ComputeResources`, as Azure keeps them apart from `Resources`). Pages of at most 1,000 rows continued with an opaque `$skipToken`,
 * and Resource Graph's own per-user quota, separate from ARM's throttling. A query reads the
 * subscriptions its body names, or those under the management groups it names.
 */
import { createHash } from "node:crypto";
import type { EmulatorCore, ResourceGraphQuota } from "../core.ts";
import { ArmError } from "../errors.ts";
import { KqlError } from "../kql/errors.ts";
import { type Column, type QueryResult, type Row, rowsAsJson, runQuery, type Table } from "../kql/evaluate.ts";
import { toJsonValue } from "../kql/values.ts";
import { parseArmId } from "../../shared/azure/resourceId.ts";
import type { RouteContext, RouteDefinition, RouteResult } from "../router.ts";
import type { ArmResource, StoredResource } from "../store.ts";
import { POWER_DISPLAY } from "./compute/instanceView.ts";

export const MAX_ROWS_PER_PAGE = 1000;

const RESOURCE_COLUMNS: Column[] = [
  { name: "id", type: "string" },
  { name: "name", type: "string" },
  { name: "type", type: "string" },
  { name: "tenantId", type: "string" },
  { name: "kind", type: "string" },
  { name: "location", type: "string" },
  { name: "resourceGroup", type: "string" },
  { name: "subscriptionId", type: "string" },
  { name: "managedBy", type: "string" },
  { name: "sku", type: "dynamic" },
  { name: "plan", type: "dynamic" },
  { name: "properties", type: "dynamic" },
  { name: "tags", type: "dynamic" },
  { name: "identity", type: "dynamic" },
  { name: "zones", type: "dynamic" },
  { name: "extendedLocation", type: "dynamic" },
];

/**
 * Types Resource Graph keeps out of the `Resources` table: AKS agent pools live inside the
 * cluster's `agentPoolProfiles`, vault items in `RecoveryServicesResources`, PostgreSQL server
 * children (firewall rules, backups) and budgets are not indexed there.
 */
const NOT_IN_RESOURCES: RegExp[] = [
  /^microsoft\.containerservice\/managedclusters\/agentpools$/,
  /^microsoft\.recoveryservices\/vaults\/.+/,
  /^microsoft\.dbforpostgresql\/flexibleservers\/.+/,
  /^microsoft\.consumption\//,
];

const KQL_TYPE_NAMES: Record<string, string> = {
  string: "string",
  long: "integer",
  real: "number",
  bool: "boolean",
  datetime: "datetime",
  timespan: "timespan",
  dynamic: "object",
};

/** A Resource Graph error: ARM's shape with the `details` Resource Graph adds (parser position, token). */
class ResourceGraphError extends ArmError {
  readonly details: Array<Record<string, unknown>>;

  constructor(
    status: number,
    code: string,
    message: string,
    details: Array<Record<string, unknown>>,
    headers: Record<string, string> = {},
  ) {
    super(status, code, message, headers);
    this.details = details;
  }

  override toBody(): { error: { code: string; message: string } } {
    const error = { code: this.code, message: this.message, details: this.details };
    return { error };
  }
}

const invalidRequest = (message: string): ArmError =>
  new ResourceGraphError(400, "BadRequest", message, [{ code: "InvalidRequest", message }]);

function queryError(error: KqlError): ArmError {
  const detail: Record<string, unknown> = { code: error.kind === "SemanticError" ? "InvalidQuery" : error.kind, message: error.message };
  if (error.position) {
    detail.line = error.position.line;
    detail.characterPositionInLine = error.position.column;
  }
  if (error.token !== undefined) detail.token = error.token;
  return new ResourceGraphError(400, "BadRequest", `Query is invalid: ${error.message}`, [
    {
      code: "InvalidQuery",
      message:
        "Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying.",
    },
    detail,
  ]);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === "string" ? value : fallback;
}

const normaliseLocation = (location: unknown): string => stringOr(location, "").toLowerCase().replace(/\s+/g, "");

/** One resource as a `Resources` row. */
export function resourceRow(resource: StoredResource, tenantId: string): Row {
  const { arm, sim } = resource;
  const parsed = parseArmId(arm.id);
  const type = arm.type.toLowerCase();
  let properties: unknown = arm.properties ?? {};
  if (type === "microsoft.compute/virtualmachines") {
    const state = (sim.powerState ?? "running").toLowerCase();
    const base = arm.properties ?? {};
    const extended = (base.extended !== null && typeof base.extended === "object" ? base.extended : {}) as Record<string, unknown>;
    const instanceView = (
      extended.instanceView !== null && typeof extended.instanceView === "object" ? extended.instanceView : {}
    ) as Record<string, unknown>;
    properties = {
      ...base,
      extended: {
        ...extended,
        instanceView: {
          ...instanceView,
          powerState: { code: `PowerState/${state}`, level: "Info", displayStatus: POWER_DISPLAY[state] ?? `VM ${state}` },
        },
      },
    };
  }
  return {
    id: arm.id,
    name: arm.name,
    type,
    tenantId,
    kind: stringOr(arm.kind, ""),
    location: normaliseLocation(arm.location),
    resourceGroup: (parsed.resourceGroup ?? "").toLowerCase(),
    subscriptionId: parsed.subscriptionId.toLowerCase(),
    managedBy: stringOr(arm.managedBy, ""),
    sku: arm.sku ?? null,
    plan: arm.plan ?? null,
    properties,
    tags: arm.tags ?? {},
    identity: arm.identity ?? null,
    zones: arm.zones ?? null,
    extendedLocation: arm.extendedLocation ?? null,
  };
}

const SCALE_SET_TYPE = "microsoft.compute/virtualmachinescalesets";
const SCALE_SET_VM_TYPE = "microsoft.compute/virtualmachinescalesets/virtualmachines";

/**
 * The instances of a Uniform scale set as `ComputeResources` rows (`…/virtualMachines/0`, `…/1`),
 * each with the scale set's power state in its instance view: the emulator keeps one state for
 * all its instances. Instances of a Flexible scale set are VMs of their own, in `Resources`.
 */
export function scaleSetInstanceRows(resource: StoredResource, tenantId: string): Row[] {
  const { arm, sim } = resource;
  const mode = arm.properties?.orchestrationMode;
  if (typeof mode === "string" && mode.toLowerCase() !== "uniform") return [];
  const sku = (arm.sku ?? {}) as { name?: unknown; capacity?: unknown };
  const capacity = typeof sku.capacity === "number" ? sku.capacity : 0;
  const state = String(sim.powerState ?? "running").toLowerCase();
  const parsed = parseArmId(arm.id);
  return Array.from({ length: capacity }, (_, index) => ({
    id: `${arm.id}/virtualMachines/${index}`,
    name: `${arm.name}_${index}`,
    type: SCALE_SET_VM_TYPE,
    tenantId,
    kind: "",
    location: normaliseLocation(arm.location),
    resourceGroup: (parsed.resourceGroup ?? "").toLowerCase(),
    subscriptionId: parsed.subscriptionId.toLowerCase(),
    managedBy: "",
    sku: { name: sku.name ?? null, tier: "Standard" },
    plan: null,
    properties: {
      latestModelApplied: true,
      provisioningState: "Succeeded",
      hardwareProfile: { vmSize: sku.name ?? null },
      extended: {
        instanceView: {
          powerState: { code: `PowerState/${state}`, level: "Info", displayStatus: POWER_DISPLAY[state] ?? `VM ${state}` },
        },
      },
    },
    tags: {},
    identity: null,
    zones: null,
    extendedLocation: null,
  }));
}

function containerRow(fields: Partial<Row> & { id: string; name: string; type: string; subscriptionId: string }, tenantId: string): Row {
  return {
    id: fields.id,
    name: fields.name,
    type: fields.type,
    tenantId,
    kind: "",
    location: fields.location ?? "",
    resourceGroup: fields.resourceGroup ?? "",
    subscriptionId: fields.subscriptionId,
    managedBy: fields.managedBy ?? "",
    sku: null,
    plan: null,
    properties: fields.properties ?? {},
    tags: fields.tags ?? {},
    identity: null,
    zones: null,
    extendedLocation: null,
  };
}

function groupRow(group: ArmResource, subscriptionId: string, tenantId: string): Row {
  return containerRow(
    {
      id: group.id,
      name: group.name,
      type: "microsoft.resources/subscriptions/resourcegroups",
      location: normaliseLocation(group.location),
      resourceGroup: group.name.toLowerCase(),
      subscriptionId: subscriptionId.toLowerCase(),
      managedBy: stringOr(group.managedBy, ""),
      // A group being deleted shows Deleting here too, as its GET does.
      properties: { provisioningState: stringOr(group.properties?.provisioningState, "Succeeded") },
      tags: group.tags ?? {},
    },
    tenantId,
  );
}

function subscriptionRow(core: EmulatorCore, subscriptionId: string): Row {
  const holder = core.managementGroups.parentOfSubscription(subscriptionId);
  return containerRow(
    {
      id: `/subscriptions/${subscriptionId}`,
      name: core.subscriptionDisplayName(subscriptionId),
      type: "microsoft.resources/subscriptions",
      subscriptionId,
      properties: {
        state: "Enabled",
        subscriptionPolicies: { locationPlacementId: "Public_2014-09-01", quotaId: "PayAsYouGo_2014-09-01", spendingLimit: "Off" },
        // From the group that holds the subscription up to the tenant root group.
        managementGroupAncestorsChain: [holder, ...core.managementGroups.ancestorsOf(holder)].map((group) => ({
          name: group.name,
          displayName: group.displayName,
        })),
      },
    },
    core.tenantId,
  );
}

/** The tables of the subscriptions in scope, in a stable order (by id) so that pages do not shift. */
export function resourceGraphTables(core: EmulatorCore, subscriptions: string[]): Record<string, Table> {
  const resources: Row[] = [];
  const containers: Row[] = [];
  const compute: Row[] = [];
  for (const subscriptionId of subscriptions) {
    if (!core.store.hasSubscription(subscriptionId)) continue;
    for (const resource of core.store.list({ subscriptionId })) {
      const type = resource.arm.type.toLowerCase();
      if (type === SCALE_SET_TYPE) compute.push(...scaleSetInstanceRows(resource, core.tenantId));
      if (NOT_IN_RESOURCES.some((pattern) => pattern.test(type))) continue;
      // Back-references (a NIC's VM, a public IP's configuration) are part of what Resource Graph shows.
      const viewed = core.typeHandler(type)?.view ? { arm: core.view(resource), sim: resource.sim } : resource;
      resources.push(resourceRow(viewed, core.tenantId));
    }
    containers.push(subscriptionRow(core, subscriptionId.toLowerCase()));
    for (const group of core.store.listGroups(subscriptionId)) containers.push(groupRow(group, subscriptionId, core.tenantId));
  }
  const byId = (a: Row, b: Row): number => {
    const x = (a.id as string).toLowerCase();
    const y = (b.id as string).toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  };
  resources.sort(byId);
  containers.sort(byId);
  compute.sort(byId);
  return {
    Resources: { columns: RESOURCE_COLUMNS, rows: resources },
    ResourceContainers: { columns: RESOURCE_COLUMNS, rows: containers },
    ComputeResources: { columns: RESOURCE_COLUMNS, rows: compute },
  };
}

/** Resource Graph's quota: a number of queries per user per window, on real time like ARM throttling. */
class UserQuota {
  readonly #settings: ResourceGraphQuota;
  readonly #windows = new Map<string, { startedMs: number; used: number }>();

  constructor(settings: ResourceGraphQuota) {
    this.#settings = settings;
  }

  take(user: string, nowMs: number): { allowed: boolean; headers: Record<string, string>; retryAfterSeconds: number } {
    const windowMs = this.#settings.windowSeconds * 1000;
    let window = this.#windows.get(user);
    if (!window || nowMs - window.startedMs >= windowMs) {
      window = { startedMs: nowMs, used: 0 };
      this.#windows.set(user, window);
    }
    const resetsInMs = Math.max(0, window.startedMs + windowMs - nowMs);
    const allowed = window.used < this.#settings.queries;
    if (allowed) window.used += 1;
    const remaining = Math.max(0, this.#settings.queries - window.used);
    return {
      allowed,
      retryAfterSeconds: Math.max(1, Math.ceil(resetsInMs / 1000)),
      headers: { "x-ms-user-quota-remaining": String(remaining), "x-ms-user-quota-resets-after": formatHms(resetsInMs) },
    };
  }
}

/** `hh:mm:ss`, rounded up to the second. */
function formatHms(ms: number): string {
  const total = Math.ceil(ms / 1000);
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${pad(Math.floor(total / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
}

const quotas = new WeakMap<EmulatorCore, UserQuota>();

function quotaFor(core: EmulatorCore): UserQuota | undefined {
  const settings = core.resourceGraphQuota;
  if (settings === undefined) return undefined;
  let quota = quotas.get(core);
  if (!quota) {
    quota = new UserQuota(settings);
    quotas.set(core, quota);
  }
  return quota;
}

interface QueryRequestBody {
  subscriptions?: unknown;
  managementGroups?: unknown;
  query?: unknown;
  options?: { $top?: unknown; $skip?: unknown; $skipToken?: unknown; resultFormat?: unknown; [key: string]: unknown };
  facets?: unknown;
}

function wholeNumber(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalidRequest(`The option '${name}' must be a whole number from ${min} to ${max}.`);
  }
  return value;
}

function queryFingerprint(query: string, subscriptions: string[]): string {
  return createHash("sha256")
    .update(JSON.stringify([query, [...subscriptions].sort()]))
    .digest("base64url")
    .slice(0, 16);
}

function encodeSkipToken(fingerprint: string, offset: number): string {
  return Buffer.from(JSON.stringify({ v: 1, q: fingerprint, o: offset }), "utf8").toString("base64");
}

function decodeSkipToken(token: string, fingerprint: string): number {
  try {
    const decoded = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as { v?: unknown; q?: unknown; o?: unknown };
    if (decoded.v === 1 && decoded.q === fingerprint && typeof decoded.o === "number" && Number.isInteger(decoded.o) && decoded.o >= 0)
      return decoded.o;
  } catch {
    // Falls through to the error below.
  }
  throw invalidRequest("The $skipToken is not valid for this query: pass it back with the same query and subscriptions.");
}

function tableFormat(result: QueryResult, rows: Row[]): { columns: Array<{ name: string; type: string }>; rows: unknown[][] } {
  return {
    columns: result.columns.map((column) => ({ name: column.name, type: KQL_TYPE_NAMES[column.type] ?? "object" })),
    rows: rows.map((row) => result.columns.map((column) => toJsonValue(row[column.name]))),
  };
}

/** The names a scope field lists (lower case, each once), or undefined when the body leaves it out. */
function namedScope(value: unknown, name: string, what: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== "string"))
    throw invalidRequest(`'${name}' must be an array of ${what}.`);
  return [...new Set((value as string[]).map((entry) => entry.toLowerCase()))];
}

/**
 * The subscriptions a query reads: every one under the management groups it names (their child
 * groups' too), or those it names, or, naming neither, every subscription the emulator serves.
 */
function subscriptionsInScope(core: EmulatorCore, body: QueryRequestBody): string[] {
  const subscriptions = namedScope(body.subscriptions, "subscriptions", "subscription ids");
  const groups = namedScope(body.managementGroups, "managementGroups", "management group names") ?? [];
  if (groups.length === 0) return subscriptions ?? [...core.store.subscriptions];
  if (subscriptions !== undefined && subscriptions.length > 0) {
    throw invalidRequest("Name either 'subscriptions' or 'managementGroups' as the query's scope, not both.");
  }
  const under = groups.flatMap((name) => {
    const group = core.managementGroups.group(name);
    if (!group) throw invalidRequest(`The management group '${name}' was not found or you do not have access to it.`);
    return core.managementGroups.subscriptionsUnder(group, core.store.subscriptions);
  });
  return [...new Set(under)];
}

function handleQuery(ctx: RouteContext): RouteResult {
  const quota = quotaFor(ctx.core);
  let quotaHeaders: Record<string, string> = {};
  if (quota) {
    const authorization = ctx.headers.authorization ?? "anonymous";
    const taken = quota.take(authorization, performance.now());
    quotaHeaders = taken.headers;
    if (!taken.allowed) {
      throw new ArmError(
        429,
        "RateLimiting",
        "Client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed. Please see https://aka.ms/resourcegraph-throttling for help.",
        { ...taken.headers, "Retry-After": String(taken.retryAfterSeconds) },
      );
    }
  }

  const body = (ctx.body ?? {}) as QueryRequestBody;
  if (typeof body !== "object" || Array.isArray(body)) throw invalidRequest("The request body must be a JSON object with a 'query'.");
  if (typeof body.query !== "string" || body.query.trim() === "") throw invalidRequest("The request must have a non-empty 'query'.");
  if (Array.isArray(body.facets) && body.facets.length > 0) throw invalidRequest("Facets are not emulated: query with summarize instead.");
  const subscriptions = subscriptionsInScope(ctx.core, body);
  const options = body.options ?? {};
  const top = wholeNumber(options.$top, "$top", 1, MAX_ROWS_PER_PAGE);
  const skip = wholeNumber(options.$skip, "$skip", 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const format = options.resultFormat ?? "objectArray";
  if (format !== "objectArray" && format !== "table")
    throw invalidRequest(`The resultFormat ${JSON.stringify(format)} is not one of objectArray or table.`);

  const query = body.query;
  const fingerprint = queryFingerprint(query, subscriptions);
  const offset =
    typeof options.$skipToken === "string" && options.$skipToken !== "" ? decodeSkipToken(options.$skipToken, fingerprint) : skip;

  let result: QueryResult;
  try {
    result = runQuery(query, { tables: resourceGraphTables(ctx.core, subscriptions), now: ctx.core.clock.now() });
  } catch (error) {
    if (error instanceof KqlError) throw queryError(error);
    throw error;
  }

  const pageSize = top ?? MAX_ROWS_PER_PAGE;
  const page = result.rows.slice(offset, offset + pageSize);
  const more = offset + page.length < result.rows.length;
  // Resource Graph pages only results that carry `id`; without it the rest is cut off.
  const pageable = result.columns.some((column) => column.name === "id");
  const response: Record<string, unknown> = {
    totalRecords: result.rows.length,
    count: page.length,
    resultTruncated: more && !pageable ? "true" : "false",
  };
  if (more && pageable) response.$skipToken = encodeSkipToken(fingerprint, offset + page.length);
  response.facets = [];
  response.data = format === "table" ? tableFormat(result, page) : rowsAsJson({ columns: result.columns, rows: page });
  return { status: 200, body: response, headers: quotaHeaders };
}

export function resourceGraphRoutes(): RouteDefinition[] {
  return [
    {
      method: "POST",
      pattern: "/providers/Microsoft.ResourceGraph/resources",
      name: "resourceGraph.resources",
      // A query reads: it must not draw from ARM's write bucket.
      kind: "read",
      handler: handleQuery,
    },
  ];
}
