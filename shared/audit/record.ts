/**
 * One entry of the audit trail: what Governor (or a person) found, decided, approved or did to a
 * resource, when, under which policy, why, and with what outcome. Records are plain JSON, so an
 * activity can build one from its input and the trail can store it as it is.
 *
 * The `id` is deterministic: the caller derives it from what happened (instance id + step +
 * resource, say), never from a clock or a random number, so an activity delivered twice records
 * once.
 */
import type { Verdict } from "../policy/types.ts";

export const AUDIT_KINDS = ["finding", "decision", "approval", "action", "outcome", "drill", "notice"] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

export const TRIGGER_TYPES = ["event", "timer", "budget-alert", "cli", "approval", "manual"] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

export const ACTOR_TYPES = ["governor", "person"] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

/** Governor itself, as the actor of what it decides and does. */
export const GOVERNOR_ACTOR = { type: "governor", id: "governor" } as const;

export const OUTCOMES = ["applied", "already-done", "skipped", "failed"] as const;
export type Outcome = (typeof OUTCOMES)[number];

const VERDICTS: readonly Verdict[] = ["remediate", "needs-approval", "audit", "blocked"];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface AuditRecord {
  /** Deterministic, from what happened: the same event recorded twice keeps one record. */
  id: string;
  /** ISO 8601 date-time with a zone; the trail stores it in UTC to the millisecond. */
  at: string;
  kind: AuditKind;
  policy?: string;
  /** ARM resource id, as Azure spells it (the trail matches it case-insensitively). */
  resourceId?: string;
  action?: string;
  verdict?: Verdict;
  /** Human-readable: why, with the values that mattered. */
  reason: string;
  /** The Durable orchestration instance the record belongs to. */
  instanceId?: string;
  trigger: { type: TriggerType; id?: string };
  /** Who did it: Governor itself, or the person who approved, rejected, exempted or ran the CLI. */
  actor: { type: ActorType; id: string; name?: string };
  outcome?: Outcome;
  details?: Json;
}

/** Bounds of the text fields, so a record always fits a Table Storage entity (keys at most 1 KiB, properties 64 KiB). */
export const LIMITS = {
  id: 1024,
  reason: 8000,
  /** policy, action, trigger id, actor id and name. */
  name: 256,
  resourceId: 2048,
  instanceId: 1024,
  /** Nesting of `details`: deeper is a mistake, not data. */
  detailsDepth: 64,
} as const;

const FIELDS = new Set([
  "id",
  "at",
  "kind",
  "policy",
  "resourceId",
  "action",
  "verdict",
  "reason",
  "instanceId",
  "trigger",
  "actor",
  "outcome",
  "details",
]);

// A date-time with a zone: a time without one means a different instant on every machine.
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The instant an ISO 8601 date-time with a zone names, or undefined when it is not one (`2024-02-30` is not). */
export function parseIsoDateTime(text: string): Date | undefined {
  const match = ISO_DATE_TIME.exec(text);
  if (!match) return undefined;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = match.slice(1).map((part) => Number(part ?? 0));
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return undefined;
  // Date accepts 2024-02-30 as March 1st: check the calendar fields themselves.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  // Row keys sort by the ISO text: keep to four-digit years.
  const utcYear = date.getUTCFullYear();
  if (utcYear < 1970 || utcYear > 9999) return undefined;
  return date;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function quote(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

function checkText(problems: string[], field: string, value: unknown, options: { required: boolean; max: number }): void {
  if (value === undefined) {
    if (options.required) problems.push(`${field}: required, a non-empty string`);
    return;
  }
  if (typeof value !== "string") problems.push(`${field}: must be a string, not ${quote(value)}`);
  else if (value.trim() === "") problems.push(`${field}: must not be empty`);
  else if (value.length > options.max) problems.push(`${field}: at most ${options.max} characters, not ${value.length}`);
}

function checkOneOf(problems: string[], field: string, value: unknown, allowed: readonly string[], required: boolean): void {
  if (value === undefined) {
    if (required) problems.push(`${field}: required, one of ${allowed.map((item) => `"${item}"`).join(", ")}`);
    return;
  }
  if (typeof value !== "string" || !allowed.includes(value))
    problems.push(`${field}: must be one of ${allowed.map((item) => `"${item}"`).join(", ")}, not ${quote(value)}`);
}

function checkJson(problems: string[], path: string, value: unknown, depth: number, seen: Set<object>): void {
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) problems.push(`${path}: ${value} is not a JSON number`);
    return;
  }
  if (typeof value !== "object") {
    problems.push(`${path}: a ${typeof value} is not JSON`);
    return;
  }
  if (depth > LIMITS.detailsDepth) {
    problems.push(`${path}: nested deeper than ${LIMITS.detailsDepth} levels`);
    return;
  }
  if (seen.has(value)) {
    problems.push(`${path}: refers to itself (a cycle is not JSON)`);
    return;
  }
  seen.add(value);
  if (Array.isArray(value)) value.forEach((item, index) => checkJson(problems, `${path}[${index}]`, item, depth + 1, seen));
  else if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null)
    problems.push(`${path}: a ${value.constructor?.name ?? "class instance"} is not plain JSON`);
  else
    for (const [key, item] of Object.entries(value)) {
      // JSON.stringify drops undefined members, as the trail does.
      if (item !== undefined) checkJson(problems, `${path}.${key}`, item, depth + 1, seen);
    }
  seen.delete(value);
}

/**
 * The problems of a would-be audit record, each naming its field (`at: "yesterday" is not an ISO
 * 8601 date-time with a zone`); none means it is a valid `AuditRecord`. Unknown fields are
 * problems too: a misspelt field would otherwise vanish from the trail unnoticed.
 */
export function validateAuditRecord(raw: unknown): string[] {
  if (!isObject(raw)) return [`record: must be an object, not ${quote(raw)}`];
  const problems: string[] = [];
  for (const key of Object.keys(raw))
    if (!FIELDS.has(key) && raw[key] !== undefined) problems.push(`${key}: not a field of an audit record`);

  checkText(problems, "id", raw.id, { required: true, max: LIMITS.id });
  if (typeof raw.id === "string" && CONTROL.test(raw.id)) problems.push("id: must not contain control characters");

  if (raw.at === undefined) problems.push("at: required, an ISO 8601 date-time with a zone (2024-05-01T18:55:00Z)");
  else if (typeof raw.at !== "string" || parseIsoDateTime(raw.at) === undefined)
    problems.push(`at: ${quote(raw.at)} is not an ISO 8601 date-time with a zone, between 1970 and 9999 (2024-05-01T18:55:00Z)`);

  checkOneOf(problems, "kind", raw.kind, AUDIT_KINDS, true);
  checkText(problems, "policy", raw.policy, { required: false, max: LIMITS.name });
  checkText(problems, "resourceId", raw.resourceId, { required: false, max: LIMITS.resourceId });
  if (typeof raw.resourceId === "string" && raw.resourceId.trim() !== "" && !raw.resourceId.startsWith("/"))
    problems.push(`resourceId: ${quote(raw.resourceId)} is not an ARM resource id (/subscriptions/...)`);
  checkText(problems, "action", raw.action, { required: false, max: LIMITS.name });
  checkOneOf(problems, "verdict", raw.verdict, VERDICTS, false);
  checkText(problems, "reason", raw.reason, { required: true, max: LIMITS.reason });
  checkText(problems, "instanceId", raw.instanceId, { required: false, max: LIMITS.instanceId });

  if (raw.trigger === undefined) problems.push(`trigger: required, { type: ${TRIGGER_TYPES.map((type) => `"${type}"`).join(" | ")}, id? }`);
  else if (!isObject(raw.trigger)) problems.push(`trigger: must be an object { type, id? }, not ${quote(raw.trigger)}`);
  else {
    for (const key of Object.keys(raw.trigger))
      if (key !== "type" && key !== "id" && raw.trigger[key] !== undefined) problems.push(`trigger.${key}: not a field of a trigger`);
    checkOneOf(problems, "trigger.type", raw.trigger.type, TRIGGER_TYPES, true);
    checkText(problems, "trigger.id", raw.trigger.id, { required: false, max: LIMITS.name });
  }

  if (raw.actor === undefined) problems.push(`actor: required, { type: "governor" | "person", id, name? }`);
  else if (!isObject(raw.actor)) problems.push(`actor: must be an object { type, id, name? }, not ${quote(raw.actor)}`);
  else {
    for (const key of Object.keys(raw.actor))
      if (key !== "type" && key !== "id" && key !== "name" && raw.actor[key] !== undefined)
        problems.push(`actor.${key}: not a field of an actor`);
    checkOneOf(problems, "actor.type", raw.actor.type, ACTOR_TYPES, true);
    checkText(problems, "actor.id", raw.actor.id, { required: true, max: LIMITS.name });
    checkText(problems, "actor.name", raw.actor.name, { required: false, max: LIMITS.name });
  }

  checkOneOf(problems, "outcome", raw.outcome, OUTCOMES, false);
  if (raw.details !== undefined) checkJson(problems, "details", raw.details, 0, new Set());
  if (raw.kind === "drill") checkDrill(problems, raw);
  return problems;
}

/**
 * A drill's record is evidence for an auditor: it names the server, says how the drill ended and
 * carries every check and whether the drill server was confirmed deleted (shared/drills/record.ts).
 */
function checkDrill(problems: string[], raw: Record<string, unknown>): void {
  if (typeof raw.resourceId !== "string" || raw.resourceId.trim() === "")
    problems.push("resourceId: required for a drill (the drilled server)");
  if (raw.outcome === undefined) problems.push("outcome: required for a drill");
  const details = raw.details;
  if (!isObject(details)) {
    problems.push("details: required for a drill, with its checks, timings and teardown");
    return;
  }
  if (!Array.isArray(details.checks)) problems.push("details.checks: required for a drill, the list of checks run");
  if (!isObject(details.teardown) || typeof details.teardown.confirmed !== "boolean")
    problems.push("details.teardown: required for a drill, { confirmed: boolean, ... }");
  if (typeof details.pointInTime !== "string") problems.push("details.pointInTime: required for a drill, the restore point");
}

/** A batch refused before anything was written: every problem of every bad record, by position and id. */
export class AuditRecordError extends Error {
  readonly refused: Array<{ index: number; id?: string; problems: string[] }>;

  constructor(refused: Array<{ index: number; id?: string; problems: string[] }>) {
    const lines = refused.flatMap(({ index, id, problems }) =>
      problems.map((problem) => `- record ${index}${id === undefined ? "" : ` (${JSON.stringify(id)})`}: ${problem}`),
    );
    super(`audit records refused, nothing was written:\n${lines.join("\n")}`);
    this.name = "AuditRecordError";
    this.refused = refused;
  }
}

/**
 * The records as the trail stores them (`at` in UTC to the millisecond, undefined fields
 * dropped), or an `AuditRecordError` naming every problem of every record.
 */
export function normaliseAuditRecords(raws: readonly unknown[]): AuditRecord[] {
  const refused: Array<{ index: number; id?: string; problems: string[] }> = [];
  raws.forEach((raw, index) => {
    const problems = validateAuditRecord(raw);
    if (problems.length > 0) {
      const id = isObject(raw) && typeof raw.id === "string" ? raw.id : undefined;
      refused.push({ index, ...(id === undefined ? {} : { id }), problems });
    }
  });
  if (refused.length > 0) throw new AuditRecordError(refused);
  return raws.map((raw) => {
    // Through JSON: drops undefined members and copies, so a caller's later change cannot reach the trail.
    const record = JSON.parse(JSON.stringify(raw)) as AuditRecord;
    record.at = (parseIsoDateTime(record.at) as Date).toISOString();
    return record;
  });
}
