/**
 * Reads a decision posted to the approval endpoint (the page's form, or JSON) into the event the
 * approval orchestration takes. Every problem is named; nothing is guessed: an id outside the
 * plan, a missing or past exemption date, an unreadable snooze are refused.
 */
import { parseDuration } from "../time/duration.ts";
import type { ApprovalEvent } from "./decision.ts";

export interface DecisionForm {
  token: string;
  decision: string;
  /** approve: the resources approved (all when none is given). */
  approve: string[];
  /** exempt (or approve): the resources exempted until `exemptUntil`. */
  exempt: string[];
  exemptUntil?: string;
  snoozeFor?: string;
  comment?: string;
}

export const SNOOZE_MIN_MS = 5 * 60_000;
export const SNOOZE_MAX_MS = 7 * 86_400_000;
export const DEFAULT_SNOOZE = "2h";
/** Exemptions from an approval are short-lived by design: longer ones belong in the policy file. */
export const EXEMPT_MAX_DAYS = 90;

const many = (value: unknown): string[] =>
  value === undefined || value === null ? [] : (Array.isArray(value) ? value : [value]).map((item) => String(item).trim()).filter(Boolean);
const one = (value: unknown): string | undefined => many(value)[0];

/** A form body (`application/x-www-form-urlencoded`) or a JSON object, as the same fields. */
export function readDecisionBody(contentType: string | null, text: string): DecisionForm | { error: string } {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  let fields: Record<string, unknown>;
  if (type === "application/x-www-form-urlencoded") {
    const params = new URLSearchParams(text);
    fields = {};
    for (const name of new Set(params.keys())) fields[name] = params.getAll(name);
  } else if (type === "application/json") {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return { error: "the body must be a JSON object" };
      fields = parsed as Record<string, unknown>;
    } catch (error) {
      return { error: `the body is not valid JSON: ${(error as Error).message}` };
    }
  } else {
    return { error: `content type must be application/x-www-form-urlencoded or application/json, not ${contentType ?? "missing"}` };
  }
  const token = one(fields.token);
  const decision = one(fields.decision);
  if (!token) return { error: "the decision carries no token: use the link from the request" };
  if (!decision) return { error: "no decision: expected approve, reject, snooze or exempt" };
  return {
    token,
    decision,
    approve: many(fields.approve ?? fields.resourceIds),
    exempt: many(fields.exempt),
    ...(one(fields.exemptUntil) === undefined ? {} : { exemptUntil: one(fields.exemptUntil) }),
    ...(one(fields.snoozeFor) === undefined ? {} : { snoozeFor: one(fields.snoozeFor) }),
    ...(one(fields.comment) === undefined ? {} : { comment: (one(fields.comment) as string).slice(0, 500) }),
  };
}

/** The event for a form, checked against the plan's resources and the time now. */
export function eventFromForm(
  form: DecisionForm,
  plan: { resourceIds: string[] },
  decidedBy: string,
  now: Date,
): { event: ApprovalEvent } | { error: string } {
  const inPlan = (ids: string[], field: string): string[] | { error: string } => {
    const found: string[] = [];
    for (const id of ids) {
      const match = plan.resourceIds.find((planned) => planned.toLowerCase() === id.toLowerCase());
      if (match === undefined) return { error: `${field}: ${id} is not in this plan` };
      if (!found.includes(match)) found.push(match);
    }
    return found;
  };
  const comment = form.comment === undefined ? {} : { comment: form.comment };
  switch (form.decision) {
    case "reject":
      return { event: { decision: "reject", decidedBy, ...comment } };
    case "snooze": {
      let ms: number;
      try {
        ms = parseDuration(form.snoozeFor ?? DEFAULT_SNOOZE);
      } catch (error) {
        return { error: `snoozeFor: ${(error as Error).message}` };
      }
      if (ms < SNOOZE_MIN_MS || ms > SNOOZE_MAX_MS) return { error: "snoozeFor: between 5m and 7d" };
      return { event: { decision: "snooze", snoozeUntil: new Date(now.getTime() + ms).toISOString(), decidedBy, ...comment } };
    }
    case "approve":
    case "exempt": {
      const approve = inPlan(form.approve, "approve");
      if ("error" in approve) return approve;
      const exempt = inPlan(form.exempt, "exempt");
      if ("error" in exempt) return exempt;
      let until: string | undefined;
      if (exempt.length > 0 || form.decision === "exempt") {
        if (exempt.length === 0) return { error: "exempt: name the resources to exempt" };
        const date = form.exemptUntil ?? "";
        const parsed = /^\d{4}-\d{2}-\d{2}$/.test(date) ? new Date(`${date}T23:59:59Z`) : undefined;
        if (parsed === undefined || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== date)
          return { error: `exemptUntil: expected a date YYYY-MM-DD, not "${date}"` };
        if (parsed.getTime() <= now.getTime()) return { error: `exemptUntil: ${date} has passed` };
        if (parsed.getTime() > now.getTime() + EXEMPT_MAX_DAYS * 86_400_000)
          return { error: `exemptUntil: at most ${EXEMPT_MAX_DAYS} days ahead; longer exemptions belong in the policy file` };
        until = date;
      }
      const exemptPart = until === undefined ? {} : { exempt: { resourceIds: exempt, until } };
      if (form.decision === "exempt") return { event: { decision: "exempt", ...exemptPart, decidedBy, ...comment } };
      // An exempted resource is not approved, even when ticked both ways; approving none named approves all the others.
      const approved = (approve.length > 0 ? approve : plan.resourceIds).filter((id) => !exempt.includes(id));
      if (approved.length === 0) return { error: "approve: nothing left to approve; use exempt or reject" };
      return { event: { decision: "approve", resourceIds: approved, ...exemptPart, decidedBy, ...comment } };
    }
    default:
      return { error: `decision must be approve, reject, snooze or exempt, not "${form.decision}"` };
  }
}
