/**
 * Cost Management budget alerts, as an action group delivers them to Governor's webhook, and the
 * graduated response they call for. Pure: the payload and the time it arrived in, a decision out.
 *
 * Two payload shapes reach the webhook (see test/fixtures/azure-examples/cost-management/):
 *
 * - the legacy `AIP Budget Notification`: amounts as plain numbers in strings, the threshold as a
 *   fraction of the budget (`"0.8"` is 80 %: Microsoft's budget tutorial compares it with 0.8 and
 *   1), the start date as M/D/YYYY (the action group's test action adds a time and an offset:
 *   `6/1/2018 12:00:00 AM -08:00`), and no threshold type: it predates forecast notifications, so
 *   it is read as Actual;
 * - the common alert schema with `essentials.monitoringService: CostAlerts`: amounts formatted
 *   with a currency symbol and thousands separators (`$11,111.00`), the threshold as an amount
 *   (`NotificationThresholdAmount` against `BudgetThreshold`, the budget), and `ThresholdType`.
 *
 * Other alerts sent to the same action group (metric, log, activity log alerts) are ignored with
 * the reason; a payload that is neither is refused with every problem named.
 *
 * The response: a forecast never stops anything (notify: the forecast and a plan of the cost
 * policies as proposals); actual spend at a threshold of 100 % or more asks for approval to stop
 * idle and off-hours non-production compute (contain); below 100 % it notifies.
 */
import { containmentKinds } from "../actions/index.ts";
import { budgetInstanceId } from "../../orchestrations/names.ts";
import type { Policy, PolicySet } from "../policy/types.ts";

export type ThresholdType = "Actual" | "Forecasted";

export interface BudgetAlert {
  /** Which payload it came in. */
  schema: "legacy" | "common";
  budgetName: string;
  thresholdType: ThresholdType;
  /** The notification's threshold, in percent of the budget (80, 100, 120). */
  thresholdPercent: number;
  /** What the payload reports as spent (for a forecast alert, what Azure put in the amount it sends). */
  spend: number;
  budgetAmount: number;
  /** The payload's unit (`USD`, `EUR`), when it says. */
  currency?: string;
  /** The budget's start date as the payload gives it, YYYY-MM-DD. */
  periodStart: string;
  /** Only a real GUID: the legacy sample carries the placeholder `<GUID>`. */
  subscriptionId?: string;
  /** The common schema's `essentials.alertId`. */
  alertId?: string;
  /** The common schema's `essentials.firedDateTime`, ISO. */
  firedAt?: string;
  /** The budget's scope (`/subscriptions/…` or a resource group), when the payload says. */
  scope?: string;
}

export type BudgetAlertParse =
  | { kind: "alert"; alert: BudgetAlert }
  /** Another kind of alert: nothing to do, and nothing wrong. */
  | { kind: "ignored"; reason: string }
  /** Not a payload Governor can read: the reason names every problem. */
  | { kind: "invalid"; reason: string };

export type BudgetResponse = "notify" | "contain";

export interface BudgetDecision {
  response: BudgetResponse;
  reason: string;
  /** `budget:<budget>:<type>:<threshold>:<period>`: a redelivery of the alert finds the same instance. */
  instanceId: string;
  /** Start (YYYY-MM-DD, UTC) of the calendar month the alert fired in: the period of the key. */
  period: string;
}

const LEGACY_SCHEMA = "AIP Budget Notification";
const COMMON_SCHEMA = "azureMonitorCommonAlertSchema";
/** The other schemas an action group may send (the non-common ones of metric, log and activity log alerts). */
const OTHER_ALERT_SCHEMAS = ["AzureMonitorMetricAlert", "Microsoft.Insights/activityLogs", "Microsoft.Insights/LogAlert"];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function quote(value: unknown): string {
  if (value === undefined) return "missing";
  // JSON.stringify answers undefined only for functions and symbols, which JSON.parse never produces.
  const json = JSON.stringify(value) ?? typeof value;
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/**
 * An amount as the payloads write it: `"100"`, `"$11,111.00"`, `"€ 1.234,50"`. A lone comma
 * followed by groups of three digits separates thousands (`12,000`), otherwise it is the decimal
 * separator (`0,8`); with both, the last one is the decimal separator.
 */
export function parseAmount(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  // A currency symbol or code may stand on either side; anything else is not an amount.
  const match = /^[^\d\-.,]{0,5}\s*(-?[\d.,]*\d)\s*[^\d\-.,]{0,5}$/u.exec(trimmed);
  if (!match) return undefined;
  let digits = match[1] as string;
  const lastComma = digits.lastIndexOf(",");
  const lastDot = digits.lastIndexOf(".");
  if (lastComma >= 0 && lastDot >= 0) {
    digits = lastComma > lastDot ? digits.replaceAll(".", "").replace(",", ".") : digits.replaceAll(",", "");
  } else if (lastComma >= 0) {
    digits = /^-?\d{1,3}(,\d{3})+$/.test(digits) ? digits.replaceAll(",", "") : digits.replace(",", ".");
  }
  if (!/^-?\d+(\.\d+)?$/.test(digits)) return undefined;
  const amount = Number(digits);
  return Number.isFinite(amount) ? amount : undefined;
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1 || year < 1970 || year > 9999) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** A date and, when written, a time and an offset, as the payloads write them. */
interface WrittenDateTime {
  year: number;
  month: number;
  day: number;
  /** Milliseconds after midnight, when a time is written. */
  timeMs?: number;
  /** Minutes ahead of UTC, when an offset is written (`Z` is 0). */
  offsetMinutes?: number;
}

const TIME = String.raw`(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?`;
const OFFSET = String.raw`Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?`;
/** `2022-11-01`, `2022-11-01T00:00:00Z`, `2022-11-01 00:00:00.0000000+00:00`. */
const ISO_DATE_TIME = new RegExp(String.raw`^(\d{4})-(\d{2})-(\d{2})(?:[T ]${TIME}\s*(${OFFSET})?)?$`, "i");
/**
 * US month/day/year, as .NET's en-US culture writes a date and a DateTimeOffset: `6/1/2018`,
 * `6/1/2018 12:00:00 AM -08:00` (the legacy payload as the action group's test action sends it),
 * `06/01/2018 00:00:00`.
 */
const US_DATE_TIME = new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+${TIME}(?:\s*([AP])\.?M\.?)?\s*(${OFFSET})?)?$`, "i");

function offsetMinutes(written: string | undefined): number | undefined | null {
  if (written === undefined) return undefined;
  if (/^(z|utc|gmt)$/i.test(written)) return 0;
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(written);
  if (!match) return null;
  const hours = Number(match[2]);
  const minutes = Number(match[3] ?? 0);
  if (hours > 14 || minutes > 59) return null;
  return (match[1] === "-" ? -1 : 1) * (hours * 60 + minutes);
}

function readDateTime(value: unknown): WrittenDateTime | undefined {
  const written = text(value);
  if (written === undefined) return undefined;
  const iso = ISO_DATE_TIME.exec(written);
  const us = iso ? null : US_DATE_TIME.exec(written);
  let date: [number, number, number];
  let time: { hour: string | undefined; minute: string | undefined; second: string | undefined; fraction: string | undefined };
  let meridiem: string | undefined;
  let offset: string | undefined;
  if (iso) {
    date = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
    time = { hour: iso[4], minute: iso[5], second: iso[6], fraction: iso[7] };
    offset = iso[8];
  } else if (us) {
    date = [Number(us[3]), Number(us[1]), Number(us[2])];
    time = { hour: us[4], minute: us[5], second: us[6], fraction: us[7] };
    meridiem = us[8]?.toUpperCase();
    offset = us[9];
  } else return undefined;
  if (!isCalendarDate(...date)) return undefined;
  const result: WrittenDateTime = { year: date[0], month: date[1], day: date[2] };
  if (time.hour !== undefined) {
    let hour = Number(time.hour);
    const minute = Number(time.minute);
    const second = Number(time.second ?? 0);
    if (meridiem !== undefined) {
      // 12:00:00 AM is midnight, 12:00:00 PM noon.
      if (hour < 1 || hour > 12) return undefined;
      hour = (hour % 12) + (meridiem === "P" ? 12 : 0);
    }
    if (hour > 23 || minute > 59 || second > 59) return undefined;
    const milliseconds = Math.floor(Number(`0.${time.fraction ?? "0"}`) * 1000);
    result.timeMs = ((hour * 60 + minute) * 60 + second) * 1000 + milliseconds;
  }
  const minutes = offsetMinutes(offset);
  if (minutes === null) return undefined;
  if (minutes !== undefined) result.offsetMinutes = minutes;
  return result;
}

/**
 * A budget's start date as YYYY-MM-DD, from any form the payloads write it in: `2022-11-01`,
 * `2022-11-01T00:00:00Z`, the legacy `6/1/2018`, or `6/1/2018 12:00:00 AM -08:00` as the action
 * group's test action sends it. The date is the one written: a time and an offset that come
 * with it say where it was written (the budget starts on that day), not another day in UTC.
 */
export function parseBudgetDate(value: unknown): string | undefined {
  const written = readDateTime(value);
  if (written === undefined) return undefined;
  return `${written.year}-${String(written.month).padStart(2, "0")}-${String(written.day).padStart(2, "0")}`;
}

/**
 * An instant the payloads write (`essentials.firedDateTime`), as ISO in UTC: ISO 8601 or the US
 * form, with or without an offset. Without one it is read as UTC, as Azure writes it; a date
 * alone is its midnight.
 */
export function parseAlertTime(value: unknown): string | undefined {
  const written = readDateTime(value);
  if (written === undefined) return undefined;
  const local = Date.UTC(written.year, written.month - 1, written.day) + (written.timeMs ?? 0);
  return new Date(local - (written.offsetMinutes ?? 0) * 60_000).toISOString();
}

/** Percent to two decimals, so 9,600 of 12,000 is 80 and not 80.00000000000001. */
function percent(value: number): number {
  return Math.round(value * 10_000) / 100;
}

function subscriptionOf(...candidates: unknown[]): string | undefined {
  for (const candidate of candidates) {
    const value = text(candidate);
    if (value === undefined) continue;
    if (GUID.test(value)) return value.toLowerCase();
    const fromId = /\/subscriptions\/([0-9a-f-]{36})(?:\/|$)/i.exec(value)?.[1];
    if (fromId && GUID.test(fromId)) return fromId.toLowerCase();
  }
  return undefined;
}

function parseLegacy(data: unknown): BudgetAlertParse {
  if (!isObject(data)) return { kind: "invalid", reason: `data: must be an object, not ${quote(data)}` };
  const problems: string[] = [];
  const budgetName = text(data.BudgetName);
  if (budgetName === undefined) problems.push(`data.BudgetName: required, not ${quote(data.BudgetName)}`);
  const budgetAmount = parseAmount(data.Budget);
  if (budgetAmount === undefined || budgetAmount <= 0) problems.push(`data.Budget: an amount above 0, not ${quote(data.Budget)}`);
  const spend = parseAmount(data.SpendingAmount);
  if (spend === undefined) problems.push(`data.SpendingAmount: an amount, not ${quote(data.SpendingAmount)}`);
  const threshold = parseAmount(data.NotificationThresholdAmount);
  if (threshold === undefined || threshold <= 0)
    problems.push(
      `data.NotificationThresholdAmount: a fraction of the budget above 0 (0.8 is 80 %), not ${quote(data.NotificationThresholdAmount)}`,
    );
  const periodStart = parseBudgetDate(data.BudgetStartDate);
  if (periodStart === undefined)
    problems.push(`data.BudgetStartDate: a date (6/1/2018, 6/1/2018 12:00:00 AM -08:00 or 2018-06-01), not ${quote(data.BudgetStartDate)}`);
  if (problems.length > 0) return { kind: "invalid", reason: `budget alert (${LEGACY_SCHEMA}): ${problems.join("; ")}` };

  // Budget notification thresholds run from 0.01 % to 1000 %: a fraction is at most 10. Anything
  // larger can only be an amount of the budget's currency, as the common schema sends it.
  const fraction = (threshold as number) <= 10 ? (threshold as number) : (threshold as number) / (budgetAmount as number);
  const alert: BudgetAlert = {
    schema: "legacy",
    budgetName: budgetName as string,
    thresholdType: "Actual",
    thresholdPercent: percent(fraction),
    spend: spend as number,
    budgetAmount: budgetAmount as number,
    periodStart: periodStart as string,
  };
  const currency = text(data.Unit);
  if (currency !== undefined) alert.currency = currency;
  const subscriptionId = subscriptionOf(data.SubscriptionId);
  if (subscriptionId !== undefined) alert.subscriptionId = subscriptionId;
  return { kind: "alert", alert };
}

function parseCommon(data: unknown): BudgetAlertParse {
  if (!isObject(data)) return { kind: "invalid", reason: `data: must be an object, not ${quote(data)}` };
  const essentials = data.essentials;
  if (!isObject(essentials)) return { kind: "invalid", reason: `data.essentials: must be an object, not ${quote(essentials)}` };
  const service = text(essentials.monitoringService);
  if (service === undefined)
    return { kind: "invalid", reason: `data.essentials.monitoringService: required, not ${quote(essentials.monitoringService)}` };
  if (service !== "CostAlerts") {
    const signal = text(essentials.signalType);
    const rule = text(essentials.alertRule);
    return {
      kind: "ignored",
      reason: `not a budget alert: a ${service}${signal ? ` ${signal}` : ""} alert${rule ? ` (rule ${rule})` : ""}`,
    };
  }
  if (text(essentials.monitorCondition) === "Resolved") return { kind: "ignored", reason: "a resolved cost alert: nothing to respond to" };
  const context = data.alertContext;
  if (!isObject(context)) return { kind: "invalid", reason: `data.alertContext: must be an object, not ${quote(context)}` };
  const category = text(context.AlertCategory);
  if (category !== undefined && category.toLowerCase() !== "budgets")
    return { kind: "ignored", reason: `a cost alert of category ${category}, not a budget alert` };
  const alertData = context.AlertData;
  if (!isObject(alertData)) return { kind: "invalid", reason: `data.alertContext.AlertData: must be an object, not ${quote(alertData)}` };

  const at = "data.alertContext.AlertData";
  const problems: string[] = [];
  const budgetName = text(alertData.BudgetName);
  if (budgetName === undefined) problems.push(`${at}.BudgetName: required, not ${quote(alertData.BudgetName)}`);
  const typeText = text(alertData.ThresholdType);
  const thresholdType: ThresholdType | undefined =
    typeText?.toLowerCase() === "actual" ? "Actual" : typeText?.toLowerCase() === "forecasted" ? "Forecasted" : undefined;
  if (thresholdType === undefined) problems.push(`${at}.ThresholdType: "Actual" or "Forecasted", not ${quote(alertData.ThresholdType)}`);
  const budgetAmount = parseAmount(alertData.BudgetThreshold);
  if (budgetAmount === undefined || budgetAmount <= 0)
    problems.push(`${at}.BudgetThreshold: the budget, an amount above 0, not ${quote(alertData.BudgetThreshold)}`);
  const thresholdAmount = parseAmount(alertData.NotificationThresholdAmount);
  if (thresholdAmount === undefined || thresholdAmount <= 0)
    problems.push(`${at}.NotificationThresholdAmount: an amount above 0, not ${quote(alertData.NotificationThresholdAmount)}`);
  const spend = parseAmount(alertData.SpentAmount);
  if (spend === undefined) problems.push(`${at}.SpentAmount: an amount, not ${quote(alertData.SpentAmount)}`);
  const periodStart = parseBudgetDate(alertData.BudgetStartDate);
  if (periodStart === undefined) problems.push(`${at}.BudgetStartDate: a date (2022-11-01), not ${quote(alertData.BudgetStartDate)}`);
  const fired = text(essentials.firedDateTime);
  const firedAt = fired === undefined ? undefined : parseAlertTime(fired);
  if (fired !== undefined && firedAt === undefined)
    problems.push(`data.essentials.firedDateTime: a date-time (2022-12-07T21:13:20.645Z), not ${quote(essentials.firedDateTime)}`);
  if (problems.length > 0) return { kind: "invalid", reason: `budget alert (common alert schema): ${problems.join("; ")}` };

  const alert: BudgetAlert = {
    schema: "common",
    budgetName: budgetName as string,
    thresholdType: thresholdType as ThresholdType,
    thresholdPercent: percent((thresholdAmount as number) / (budgetAmount as number)),
    spend: spend as number,
    budgetAmount: budgetAmount as number,
    periodStart: periodStart as string,
  };
  const currency = text(alertData.Unit);
  if (currency !== undefined) alert.currency = currency;
  const subscriptionId = subscriptionOf(alertData.Scope, alertData.BudgetId, essentials.alertId);
  if (subscriptionId !== undefined) alert.subscriptionId = subscriptionId;
  const alertId = text(essentials.alertId);
  if (alertId !== undefined) alert.alertId = alertId;
  if (firedAt !== undefined) alert.firedAt = firedAt;
  const scope = text(alertData.Scope);
  if (scope !== undefined) alert.scope = scope;
  return { kind: "alert", alert };
}

/** Reads what an action group posted: a budget alert in either shape, another alert to ignore, or neither. */
export function parseBudgetAlert(body: unknown): BudgetAlertParse {
  if (!isObject(body)) return { kind: "invalid", reason: `the body must be a JSON object, not ${quote(body)}` };
  const schemaId = body.schemaId;
  if (schemaId === LEGACY_SCHEMA) return parseLegacy(body.data);
  if (schemaId === COMMON_SCHEMA) return parseCommon(body.data);
  if (typeof schemaId === "string" && OTHER_ALERT_SCHEMAS.includes(schemaId))
    return { kind: "ignored", reason: `not a budget alert: schema ${schemaId}` };
  // The alert context of a metric or log alert on its own, as the documentation shows it.
  const context = isObject(body.alertContext) ? body.alertContext : isObject(body.data) ? body.data.alertContext : undefined;
  if (schemaId === undefined && isObject(context) && typeof context.conditionType === "string")
    return { kind: "ignored", reason: `not a budget alert: the context of an alert with condition ${context.conditionType}` };
  return {
    kind: "invalid",
    reason:
      schemaId === undefined
        ? `schemaId: missing; expected "${LEGACY_SCHEMA}" or "${COMMON_SCHEMA}"`
        : `schemaId: ${quote(schemaId)} is not an alert schema Governor knows ("${LEGACY_SCHEMA}", "${COMMON_SCHEMA}")`,
  };
}

/** The alert's period for the key: the UTC month it fired in (when it arrived, for the legacy payload that does not say), not before the budget starts. */
export function alertPeriod(alert: BudgetAlert, receivedAt: Date): string {
  const at = alert.firedAt === undefined ? receivedAt : new Date(alert.firedAt);
  const month = `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, "0")}-01`;
  return alert.periodStart > month ? alert.periodStart : month;
}

function money(amount: number, currency: string | undefined): string {
  const rounded = amount.toLocaleString("en-US", { maximumFractionDigits: 2 });
  return currency ? `${rounded} ${currency}` : rounded;
}

/** The graduated response: forecast → notify; actual at 100 % or more → contain (with approval); actual below → notify. */
export function decideBudgetResponse(
  alert: BudgetAlert,
  receivedAt: Date,
  /** The home subscription: a budget of another governed subscription is named with its subscription (they share budget names). */
  options: { home?: string } = {},
): BudgetDecision {
  // The same key for every delivery of one notification: Azure evaluates budgets about once a day and
  // may send again, the action group retries, and both payload shapes may arrive for one notification.
  const period = alertPeriod(alert, receivedAt);
  const other =
    alert.subscriptionId !== undefined && options.home !== undefined && alert.subscriptionId.toLowerCase() !== options.home.toLowerCase()
      ? alert.subscriptionId
      : undefined;
  const instanceId = budgetInstanceId(alert, period, other);
  const budget = other === undefined ? `budget ${alert.budgetName}` : `budget ${alert.budgetName} of subscription ${other}`;
  const spent = `${money(alert.spend, alert.currency)} of ${money(alert.budgetAmount, alert.currency)}`;
  const ratio = percent(alert.spend / alert.budgetAmount);
  if (alert.thresholdType === "Forecasted") {
    return {
      response: "notify",
      instanceId,
      period,
      reason: `${budget} is forecast past its ${alert.thresholdPercent} % threshold (${spent}): the forecast and proposals are posted; nothing is stopped on a forecast`,
    };
  }
  if (alert.thresholdPercent >= 100) {
    return {
      response: "contain",
      instanceId,
      period,
      reason: `${budget}: actual spend crossed its ${alert.thresholdPercent} % threshold (${spent}, ${ratio} %): approval is asked to stop idle and off-hours non-production compute`,
    };
  }
  if (ratio >= 100) {
    // A lower threshold's alert that already reports spend past the budget (alerts come about once
    // a day, and a budget may have no 100 % threshold at all): contain now, under the 100 %
    // threshold's key, so that threshold's own alert finds this containment instead of starting another.
    return {
      response: "contain",
      instanceId: budgetInstanceId({ ...alert, thresholdPercent: 100 }, period, other),
      period,
      reason: `${budget}: actual spend is past the budget (${spent}, ${ratio} %) in the alert of its ${alert.thresholdPercent} % threshold: approval is asked to stop idle and off-hours non-production compute`,
    };
  }
  return {
    response: "notify",
    instanceId,
    period,
    reason: `${budget}: actual spend crossed its ${alert.thresholdPercent} % threshold (${spent}, ${ratio} %): the spend and proposals are posted`,
  };
}

/**
 * The cost policies of a pack: non-production compute that a policy deallocates or stops. A
 * policy that names production is never one, whatever else it says.
 */
export function costPolicies(set: PolicySet, names?: readonly string[]): { policies: Policy[]; notUsed: string[] } {
  const eligible = (policy: Policy): boolean =>
    // What a budget response may take: stopping compute, which a person can start again (the action modules say which).
    containmentKinds(policy.action.type).includes(policy.resource) && !policy.includeProduction;
  if (names === undefined) return { policies: set.policies.filter(eligible), notUsed: [] };
  const policies: Policy[] = [];
  const notUsed: string[] = [];
  for (const name of names) {
    const policy = set.policies.find((candidate) => candidate.name === name);
    if (!policy) notUsed.push(`${name}: no such policy`);
    else if (!eligible(policy)) notUsed.push(`${name}: not a policy that stops non-production compute`);
    else if (!policies.includes(policy)) policies.push(policy);
  }
  return { policies, notUsed };
}
