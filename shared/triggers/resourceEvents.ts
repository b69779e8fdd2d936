/**
 * The Event Grid resource events of the subscription's system topic, from a delivery as it
 * arrives to the checks it asks for. Pure: no I/O, no clock.
 *
 * 1. `parseDelivery`: a delivery is a JSON array of events in the Event Grid schema (`eventType`,
 *    `eventTime`, `subject`, `topic`) or in the CloudEvents 1.0 schema (`type`, `time`, `source`,
 *    `specversion`), as in the reference payloads, `data.claims` an object or, in the older
 *    format, its JSON text. One malformed event refuses the whole delivery, every problem named: a
 *    delivery we cannot read changes nothing. A refusal is an answer, not an error: the trigger
 *    logs it and returns, since Event Grid would only deliver the same bytes again for 24 hours.
 * 2. Only `Microsoft.Resources.Resource{Write,Delete,Action}Success` are kept; the subscription
 *    validation event is recognised (`isValidationEvent`) and answered by whoever serves the webhook.
 * 3. Events caused by Governor's own identity (its tag writes raise events too) are dropped, so it
 *    cannot loop.
 * 4. The operation (`data.operationName`) and the resource (`data.resourceUri`) say which policies
 *    care: those written for the resource's kind, or for `any`. Only writes and the actions in
 *    `HANDLED_OPERATIONS` (built from the resource types' descriptors) of a resource itself count; children, extension resources, deletes and
 *    the noise of `listKeys/action` and the like are dropped before anything costly is read.
 * 5. Events are deduplicated by id within the delivery and put in `eventTime` order (Event Grid
 *    may reorder).
 */
import { parseResourceId, parseTopLevelResourceId } from "../azure/resourceId.ts";
import { kindOfArmType, type Policy, type ResourceKind } from "../policy/types.ts";
import { RESOURCE_TYPES } from "../resourceTypes/index.ts";

export const RESOURCE_EVENT_TYPES = [
  "Microsoft.Resources.ResourceWriteSuccess",
  "Microsoft.Resources.ResourceDeleteSuccess",
  "Microsoft.Resources.ResourceActionSuccess",
] as const;
export type ResourceEventType = (typeof RESOURCE_EVENT_TYPES)[number];

export const VALIDATION_EVENT_TYPE = "Microsoft.EventGrid.SubscriptionValidationEvent";

/** Longest event id accepted: Event Grid's are GUIDs; anything much longer is not an event of ours. */
export const MAX_EVENT_ID_LENGTH = 512;

export type EventSchema = "eventgrid" | "cloudevents";

/** One resource event, normalised from either schema. */
export interface ResourceEvent {
  eventId: string;
  /** ISO 8601 in UTC, to the millisecond. */
  eventTime: string;
  eventType: ResourceEventType;
  schema: EventSchema;
  /** The resource the event is about (`data.resourceUri`), as Azure spells it. */
  resourceId: string;
  /** `Microsoft.Compute/virtualMachines/write`, `.../start/action`, `Microsoft.Resources/tags/write`. */
  operationName: string;
  /** `data.status`: `Succeeded` for the success events. */
  status: string | undefined;
  /** Who made the change, for an owner tag: the UPN, else the name in `data.claims`. */
  creator: string | undefined;
  callerObjectId: string | undefined;
  callerAppId: string | undefined;
}

/** Governor's own managed identity (config.identity). */
export interface OwnIdentity {
  objectId?: string | undefined;
  clientId?: string | undefined;
}

// ---------------------------------------------------------------------------------------------
// Operations

export interface HandledOperation {
  /** As in `data.operationName`; `{provider}/{type}/write` stands for every other top-level type. */
  operation: string;
  /** The policies that care: written for this kind (and always those written for `any`). */
  kind: ResourceKind;
  why: string;
}

const GENERIC_WRITE = "{provider}/{type}/write";
const TAGS_WRITE = "microsoft.resources/tags/write";

/**
 * What the event path checks, and why: each resource type's own operations (its descriptor's
 * `events`), then tag writes and every other top-level write. The infra template's event
 * subscription filters on the same list (`eventSubscriptionFilter`).
 */
export const HANDLED_OPERATIONS: readonly HandledOperation[] = [
  ...RESOURCE_TYPES.flatMap((type) => type.events.map(({ operation, why }) => ({ operation, kind: type.kind, why }))),
  {
    operation: "Microsoft.Resources/tags/write",
    kind: "any",
    why: "tags changed through the tags API by someone else: the resource at that scope is checked, as its kind",
  },
  { operation: GENERIC_WRITE, kind: "any", why: "any other top-level resource created or changed: the policies written for any resource" },
];

const RULES = new Map(HANDLED_OPERATIONS.map((rule) => [rule.operation.toLowerCase(), rule]));
const GENERIC_RULE = RULES.get(GENERIC_WRITE) as HandledOperation;
const TAGS_RULE = RULES.get(TAGS_WRITE) as HandledOperation;

/**
 * Providers whose "resources" in a resource group are not resources policies are written for:
 * deployments, role and policy assignments, locks, budgets. Their writes are not checked.
 */
export const NOT_CHECKED_PROVIDERS: readonly string[] = [
  "microsoft.authorization",
  "microsoft.resources",
  "microsoft.policyinsights",
  "microsoft.features",
  "microsoft.advisor",
  "microsoft.security",
  "microsoft.consumption",
  "microsoft.costmanagement",
];

/** What to subscribe to (Event Grid advanced filters), from the same table: nothing else can start a check. */
export function eventSubscriptionFilter(): {
  includedEventTypes: string[];
  advancedFilters: Array<{ operatorType: "StringEndsWith"; key: string; values: string[] }>;
} {
  const suffixes = new Set(
    HANDLED_OPERATIONS.map((rule) => (rule.operation.endsWith("/write") ? "/write" : `/${rule.operation.split("/").slice(-2).join("/")}`)),
  );
  return {
    includedEventTypes: ["Microsoft.Resources.ResourceWriteSuccess", "Microsoft.Resources.ResourceActionSuccess"],
    advancedFilters: [{ operatorType: "StringEndsWith", key: "data.operationName", values: [...suffixes].sort() }],
  };
}

const TAGS_SCOPE_SUFFIX = /\/providers\/Microsoft\.Resources\/tags\/default$/i;

export type OperationDecision =
  | { handled: true; resourceId: string; kind: Exclude<ResourceKind, "any"> | undefined; rule: HandledOperation }
  | { handled: false; reason: string };

/**
 * Whether the operation on this resource is one the event path checks, and as which kind.
 * A write counts only on the resource it names; an action only when listed.
 */
export function classifyOperation(eventType: ResourceEventType, operationName: string, resourceUri: string): OperationDecision {
  if (eventType === "Microsoft.Resources.ResourceDeleteSuccess") return { handled: false, reason: "deleted: nothing left to check" };
  const operation = operationName.toLowerCase();
  if (operation === TAGS_WRITE) {
    const resourceId = resourceUri.replace(TAGS_SCOPE_SUFFIX, "");
    const resource = parseTopLevelResourceId(resourceId);
    if (!resource) return { handled: false, reason: `tags written at ${resourceUri}: not a resource in a resource group` };
    return {
      handled: true,
      resourceId,
      kind: kindOfArmType(resource.type),
      rule: TAGS_RULE,
    };
  }
  const resource = parseTopLevelResourceId(resourceUri);
  if (!resource)
    return {
      handled: false,
      reason: `${operationName} on ${resourceUri}: not a top-level resource in a resource group (child or extension resource)`,
    };
  const type = resource.type.toLowerCase();
  if (eventType === "Microsoft.Resources.ResourceActionSuccess") {
    const rule = operation.endsWith("/action") ? RULES.get(operation) : undefined;
    if (!rule || !operation.startsWith(`${type}/`))
      return { handled: false, reason: `action ${operationName} is not one the event path checks` };
    return { handled: true, resourceId: resourceUri, kind: kindOfArmType(type), rule };
  }
  if (operation !== `${type}/write`)
    return { handled: false, reason: `${operationName} is not the write of ${resource.type} (a child's or another type's)` };
  const namespace = type.slice(0, type.indexOf("/"));
  if (NOT_CHECKED_PROVIDERS.includes(namespace))
    return { handled: false, reason: `${resource.type} is not a resource policies are written for` };
  const kind = kindOfArmType(type);
  return { handled: true, resourceId: resourceUri, kind, rule: RULES.get(operation) ?? GENERIC_RULE };
}

/** The policies that care about a resource of this kind: enforce-mode ones written for it or for `any` (audit ones never act). */
export function policiesFor(kind: ResourceKind | undefined, policies: ReadonlyArray<Pick<Policy, "name" | "resource" | "mode">>): string[] {
  return policies
    .filter((policy) => policy.mode === "enforce" && (policy.resource === "any" || (kind !== undefined && policy.resource === kind)))
    .map((policy) => policy.name);
}

// ---------------------------------------------------------------------------------------------
// Claims

const OBJECT_ID_CLAIMS = ["http://schemas.microsoft.com/identity/claims/objectidentifier", "oid"];
const APP_ID_CLAIMS = ["appid", "azp"];
/** A UPN first (an owner tag must reach someone), the display name last. */
const CREATOR_CLAIMS = [
  "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
  "upn",
  "unique_name",
  "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
  "name",
];

function claim(claims: Record<string, unknown> | undefined, names: readonly string[]): string | undefined {
  if (!claims) return undefined;
  for (const name of names) {
    const value = claims[name];
    if (typeof value === "string" && value.trim() !== "") return value.trim();
  }
  return undefined;
}

const sameId = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/** Whether Governor's own identity made the change (by object id, or by client id as `appid`). */
export function isOwnEvent(event: Pick<ResourceEvent, "callerObjectId" | "callerAppId">, identity: OwnIdentity): boolean {
  return sameId(event.callerObjectId, identity.objectId) || sameId(event.callerAppId, identity.clientId);
}

// ---------------------------------------------------------------------------------------------
// Parsing

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** The validation handshake's event (Event Grid schema): answer `data.validationCode` as `validationResponse`. */
export function isValidationEvent(
  event: unknown,
): event is { id: string; eventType: typeof VALIDATION_EVENT_TYPE; data: { validationCode: string } } {
  return (
    isObject(event) &&
    event.eventType === VALIDATION_EVENT_TYPE &&
    isObject(event.data) &&
    typeof event.data.validationCode === "string" &&
    event.data.validationCode !== ""
  );
}

/** An event as read from either schema, before deciding what it means. */
interface Envelope {
  index: number;
  id: string;
  type: string;
  timeMs: number;
  schema: EventSchema;
  data: Json | undefined;
}

function describe(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return value === "" ? "empty" : `"${value.length > 60 ? `${value.slice(0, 57)}...` : value}"`;
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** The envelope of one event, or its problems (prefixed with its position). */
function readEnvelope(raw: unknown, index: number, problems: string[]): Envelope | undefined {
  const at = `event ${index}`;
  if (!isObject(raw)) {
    problems.push(`${at}: not an object but ${describe(raw)}`);
    return undefined;
  }
  const before = problems.length;
  const schema: EventSchema = raw.specversion !== undefined ? "cloudevents" : "eventgrid";
  const typeField = schema === "cloudevents" ? "type" : "eventType";
  const timeField = schema === "cloudevents" ? "time" : "eventTime";
  const id = raw.id;
  if (typeof id !== "string" || id.trim() === "") problems.push(`${at}: id is ${describe(id)}, not a non-empty string`);
  else if (id.length > MAX_EVENT_ID_LENGTH) problems.push(`${at}: id is ${id.length} characters long, more than ${MAX_EVENT_ID_LENGTH}`);
  const type = raw[typeField];
  if (typeof type !== "string" || type === "") problems.push(`${at}: ${typeField} is ${describe(type)}, not a non-empty string`);
  const isValidation = type === VALIDATION_EVENT_TYPE;
  if (schema === "cloudevents") {
    if (raw.specversion !== "1.0") problems.push(`${at}: specversion is ${describe(raw.specversion)}, not "1.0"`);
    if (typeof raw.source !== "string" || raw.source === "")
      problems.push(`${at}: source is ${describe(raw.source)}, not a non-empty string`);
    if (raw.subject !== undefined && typeof raw.subject !== "string")
      problems.push(`${at}: subject is ${describe(raw.subject)}, not a string`);
  } else if (typeof raw.subject !== "string") problems.push(`${at}: subject is ${describe(raw.subject)}, not a string`);
  const time = raw[timeField];
  let timeMs = Number.NaN;
  if (typeof time !== "string" || !ISO_TIME.test(time) || Number.isNaN((timeMs = Date.parse(time))))
    problems.push(`${at}: ${timeField} is ${describe(time)}, not an ISO 8601 date-time with a zone`);
  const data = raw.data;
  const ours = isValidation || (RESOURCE_EVENT_TYPES as readonly unknown[]).includes(type);
  // Other event types are not ours: their data is their publisher's business.
  if (ours && !isObject(data)) problems.push(`${at}: data is ${describe(data)}, not an object`);
  if (problems.length > before) return undefined;
  return { index, id: id as string, type: type as string, timeMs, schema, data: isObject(data) ? data : undefined };
}

/**
 * An object member that the older event format writes as JSON text: the 2018-01-01 schema of the
 * subscription's events types `claims`, `authorization` and `httpRequest` as strings, and events
 * in that form still arrive (`"claims": "{\"aud\":…}"`). The object either way; absent for
 * nothing or an empty string; a problem for anything else.
 */
function jsonMember(value: unknown): { value: Json | undefined } | { problem: string } {
  if (value === undefined || value === null) return { value: undefined };
  if (isObject(value)) return { value };
  if (typeof value === "string") {
    if (value.trim() === "") return { value: undefined };
    try {
      const parsed: unknown = JSON.parse(value);
      if (isObject(parsed)) return { value: parsed };
    } catch {
      // Not JSON: said below.
    }
  }
  return { problem: `${describe(value)}, neither an object nor the JSON text of one` };
}

/** The data of a resource event, or its problems. Governor reads the caller from `claims`; `authorization` and `httpRequest` it does not read, in either form. */
function readResourceData(
  envelope: Envelope,
  problems: string[],
): { resourceUri: string; operationName: string; status: string | undefined; claims: Json | undefined } | undefined {
  const at = `event ${envelope.index} (${envelope.id})`;
  const data = envelope.data as Json;
  const before = problems.length;
  const { resourceUri, operationName, status, claims } = data;
  if (typeof resourceUri !== "string" || !resourceUri.startsWith("/subscriptions/"))
    problems.push(`${at}: data.resourceUri is ${describe(resourceUri)}, not a resource id (/subscriptions/...)`);
  if (typeof operationName !== "string" || operationName === "")
    problems.push(`${at}: data.operationName is ${describe(operationName)}, not a non-empty string`);
  if (status !== undefined && typeof status !== "string") problems.push(`${at}: data.status is ${describe(status)}, not a string`);
  const readClaims = jsonMember(claims);
  if ("problem" in readClaims) problems.push(`${at}: data.claims is ${readClaims.problem}`);
  if (problems.length > before || "problem" in readClaims) return undefined;
  return {
    resourceUri: resourceUri as string,
    operationName: operationName as string,
    status: status as string | undefined,
    claims: readClaims.value,
  };
}

export interface DroppedEvent {
  eventId: string;
  reason: string;
}

export type ParsedDelivery =
  | { status: "rejected"; problems: string[] }
  | { status: "validation"; validationCode: string }
  /** `events`: the resource events, normalised, in the delivery's order; `ignored`: events of other types. */
  | { status: "parsed"; events: ResourceEvent[]; ignored: DroppedEvent[] };

/**
 * Reads a delivery as received (the parsed JSON body) in either schema. Any malformed event
 * refuses the whole delivery, with every problem named.
 */
export function parseDelivery(delivery: unknown): ParsedDelivery {
  if (!Array.isArray(delivery)) return { status: "rejected", problems: [`a delivery is an array of events, not ${describe(delivery)}`] };
  const problems: string[] = [];
  const events: ResourceEvent[] = [];
  const ignored: DroppedEvent[] = [];
  let validation: Envelope | undefined;
  for (let index = 0; index < delivery.length; index += 1) {
    const envelope = readEnvelope(delivery[index], index, problems);
    if (!envelope) continue;
    if (envelope.type === VALIDATION_EVENT_TYPE) {
      validation ??= envelope;
      continue;
    }
    if (!(RESOURCE_EVENT_TYPES as readonly string[]).includes(envelope.type)) {
      ignored.push({ eventId: envelope.id, reason: `event type ${envelope.type} is not handled` });
      continue;
    }
    const data = readResourceData(envelope, problems);
    if (!data) continue;
    events.push({
      eventId: envelope.id,
      eventTime: new Date(envelope.timeMs).toISOString(),
      eventType: envelope.type as ResourceEventType,
      schema: envelope.schema,
      resourceId: data.resourceUri,
      operationName: data.operationName,
      status: data.status,
      creator: claim(data.claims, CREATOR_CLAIMS),
      callerObjectId: claim(data.claims, OBJECT_ID_CLAIMS),
      callerAppId: claim(data.claims, APP_ID_CLAIMS),
    });
  }
  // The handshake comes alone; answering it is all there is to do.
  if (validation) {
    const code = validation.data?.validationCode;
    if (typeof code !== "string" || code === "") problems.push(`event ${validation.index}: a validation event without data.validationCode`);
    else if (problems.length === 0) return { status: "validation", validationCode: code };
  }
  if (problems.length > 0) return { status: "rejected", problems };
  return { status: "parsed", events, ignored };
}

/** A resource event and the policies that care about it. */
export interface RelevantEvent {
  event: ResourceEvent;
  /** Of the resource itself (a tags write names the resource at its scope). */
  resourceId: string;
  kind: Exclude<ResourceKind, "any"> | undefined;
  policies: string[];
}

export type Triage =
  | { status: "rejected"; problems: string[] }
  | { status: "validation"; validationCode: string }
  /** `relevant`: in eventTime order, each id once; `dropped`: every other event, with its reason. */
  | { status: "accepted"; relevant: RelevantEvent[]; dropped: DroppedEvent[] };

export interface TriageOptions {
  identity: OwnIdentity;
  /** The governed subscription: events of any other are dropped. */
  subscriptionId?: string;
  /** Every governed subscription, when there are several (`subscriptionId` then stands for the first). */
  subscriptions?: readonly string[];
  policies: ReadonlyArray<Pick<Policy, "name" | "resource" | "mode">>;
}

/** From the body as received to the events that start checks; the cheap tests (operation, identity) first. */
export function triageDelivery(delivery: unknown, options: TriageOptions): Triage {
  const parsed = parseDelivery(delivery);
  if (parsed.status !== "parsed") return parsed;
  const dropped: DroppedEvent[] = [...parsed.ignored];
  const relevant: Array<RelevantEvent & { timeMs: number }> = [];
  const seen = new Set<string>();
  const governed = (options.subscriptions ?? (options.subscriptionId === undefined ? undefined : [options.subscriptionId]))?.map((id) =>
    id.toLowerCase(),
  );
  for (const event of parsed.events) {
    if (seen.has(event.eventId)) {
      dropped.push({ eventId: event.eventId, reason: "duplicate in this delivery" });
      continue;
    }
    seen.add(event.eventId);
    const decision = classifyOperation(event.eventType, event.operationName, event.resourceId);
    if (!decision.handled) {
      dropped.push({ eventId: event.eventId, reason: decision.reason });
      continue;
    }
    if (isOwnEvent(event, options.identity)) {
      dropped.push({ eventId: event.eventId, reason: "caused by Governor's own identity" });
      continue;
    }
    if (governed !== undefined && !governed.includes(parseResourceId(decision.resourceId).subscriptionId.toLowerCase())) {
      dropped.push({
        eventId: event.eventId,
        reason:
          governed.length === 1
            ? `${decision.resourceId} is not in the governed subscription ${options.subscriptions?.[0] ?? options.subscriptionId}`
            : `${decision.resourceId} is not in a governed subscription (${(options.subscriptions ?? []).join(", ")})`,
      });
      continue;
    }
    const policies = policiesFor(decision.kind, options.policies);
    if (policies.length === 0) {
      dropped.push({ eventId: event.eventId, reason: `no enforced policy is written for ${decision.kind ?? "this type of resource"}` });
      continue;
    }
    relevant.push({ event, resourceId: decision.resourceId, kind: decision.kind, policies, timeMs: Date.parse(event.eventTime) });
  }
  // Event Grid may reorder: oldest first (sort is stable: simultaneous events keep the delivery's order).
  relevant.sort((a, b) => a.timeMs - b.timeMs);
  return { status: "accepted", relevant: relevant.map(({ timeMs: _timeMs, ...rest }) => rest), dropped };
}
