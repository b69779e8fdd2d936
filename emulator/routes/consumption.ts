/**
 * Microsoft.Consumption: budgets at subscription scope (list, get, create or update, delete).
 *
 * Spend is not computed from usage: a budget's `currentSpend` is what its estate entry (or the
 * test that set it) says, 0 for a budget created through the API; `forecastSpend` is the estate's
 * figure or, failing that, the current spend projected linearly to the end of the current period
 * of the budget's time grain, by the virtual clock. A PUT cannot set either (ARM ignores read-only
 * properties). Amounts are in the subscription's billing currency (EUR unless the estate says).
 */
import { randomBytes } from "node:crypto";
import type { EmulatorCore, MaterialiseInput, ResourceTypeHandler } from "../core.ts";
import { ArmError, badRequest } from "../errors.ts";
import { pagedList } from "../paging.ts";
import type { RouteContext, RouteDefinition, RouteResult } from "../router.ts";
import type { ArmResource, StoredResource } from "../store.ts";
import { asNumber, asObject, asString, type Json } from "../json.ts";

export const BUDGET_TYPE = "Microsoft.Consumption/budgets";
const DEFAULT_CURRENCY = "EUR";
const CATEGORIES = ["Cost", "Usage"];
const TIME_GRAINS = ["Monthly", "Quarterly", "Annually", "BillingMonth", "BillingQuarter", "BillingAnnual"];
const OPERATORS = ["EqualTo", "GreaterThan", "GreaterThanOrEqualTo"];
const MAX_NOTIFICATIONS = 5;

function propertiesOf(resource: { arm: ArmResource }): Json {
  resource.arm.properties ??= {};
  return resource.arm.properties;
}

const newETag = (): string => `"${randomBytes(8).toString("hex").slice(0, 15)}"`;

/** Start and end of the period of `timeGrain` that contains `now` (UTC). */
function currentPeriod(timeGrain: string, now: Date): { start: number; end: number } {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  const grain = timeGrain.toLowerCase().replace(/^billing/, "");
  if (grain === "quarterly" || grain === "quarter") {
    const first = month - (month % 3);
    return { start: Date.UTC(year, first, 1), end: Date.UTC(year, first + 3, 1) };
  }
  if (grain === "annually" || grain === "annual") return { start: Date.UTC(year, 0, 1), end: Date.UTC(year + 1, 0, 1) };
  return { start: Date.UTC(year, month, 1), end: Date.UTC(year, month + 1, 1) };
}

function spendOf(value: unknown): { amount: number; unit: string } | undefined {
  const object = asObject(value);
  const amount = asNumber(object?.amount);
  return amount === undefined ? undefined : { amount, unit: asString(object?.unit) ?? DEFAULT_CURRENCY };
}

function forecast(current: { amount: number; unit: string }, timeGrain: string, now: Date): { amount: number; unit: string } {
  const { start, end } = currentPeriod(timeGrain, now);
  const elapsed = Math.max(now.getTime() - start, 1);
  const amount = current.amount === 0 ? 0 : Math.round(((current.amount * (end - start)) / elapsed) * 100) / 100;
  return { amount, unit: current.unit };
}

function materialiseBudget(input: MaterialiseInput): StoredResource {
  const { id, name, body, existing, core } = input;
  const previous = existing ? propertiesOf(existing) : {};
  const sent = asObject(body.properties) ?? {};
  const merged: Json = { ...previous, ...sent };
  const timeGrain = asString(merged.timeGrain) ?? "Monthly";
  const timePeriod = asObject(merged.timePeriod) ?? {};
  const startDate = asString(timePeriod.startDate) ?? new Date(currentPeriod("Monthly", core.clock.now()).start).toISOString();
  const endDate =
    asString(timePeriod.endDate) ??
    new Date(
      Date.UTC(new Date(startDate).getUTCFullYear() + 10, new Date(startDate).getUTCMonth(), new Date(startDate).getUTCDate()),
    ).toISOString();
  const currentSpend = spendOf(sent.currentSpend) ?? spendOf(previous.currentSpend) ?? { amount: 0, unit: DEFAULT_CURRENCY };
  // An estate may fix the forecast; it stays fixed through later writes.
  const fixedForecast = spendOf(sent.forecastSpend) ?? (existing?.sim.forecastFixed === true ? spendOf(previous.forecastSpend) : undefined);
  const properties: Json = {
    ...merged,
    category: asString(merged.category) ?? "Cost",
    amount: asNumber(merged.amount) ?? 0,
    timeGrain,
    timePeriod: { startDate, endDate },
    currentSpend,
    notifications: asObject(merged.notifications) ?? {},
  };
  if (fixedForecast) properties.forecastSpend = fixedForecast;
  else delete properties.forecastSpend;
  return {
    arm: { id: existing?.arm.id ?? id, name: existing?.arm.name ?? name, type: BUDGET_TYPE, eTag: newETag(), properties },
    sim: { ...(existing?.sim ?? {}), ...(input.sim ?? {}), ...(fixedForecast ? { forecastFixed: true } : {}) },
  };
}

export function consumptionTypes(): ResourceTypeHandler[] {
  return [{ type: BUDGET_TYPE, materialise: materialiseBudget }];
}

/** The budget as ARM returns it, its forecast brought up to the clock unless an estate fixed it. */
function budgetBody(core: EmulatorCore, budget: StoredResource): ArmResource {
  const properties = propertiesOf(budget);
  const current = spendOf(properties.currentSpend) ?? { amount: 0, unit: DEFAULT_CURRENCY };
  const fixed = budget.sim.forecastFixed === true ? spendOf(properties.forecastSpend) : undefined;
  properties.forecastSpend = fixed ?? forecast(current, asString(properties.timeGrain) ?? "Monthly", core.clock.now());
  return budget.arm;
}

function validateBudget(body: Json): Json {
  const properties = asObject(body.properties);
  if (!properties) throw badRequest("'properties' is required for a budget.", "BadRequest");
  const amount = properties.amount;
  if (typeof amount !== "number" || !Number.isFinite(amount) || amount <= 0) {
    throw badRequest(`'properties.amount' must be a positive number; got ${JSON.stringify(amount ?? null)}.`, "BadRequest");
  }
  const category = asString(properties.category) ?? "Cost";
  if (!CATEGORIES.includes(category)) throw badRequest(`'properties.category' must be one of ${CATEGORIES.join(", ")}.`, "BadRequest");
  const timeGrain = asString(properties.timeGrain) ?? "Monthly";
  if (!TIME_GRAINS.includes(timeGrain)) throw badRequest(`'properties.timeGrain' must be one of ${TIME_GRAINS.join(", ")}.`, "BadRequest");
  const timePeriod = asObject(properties.timePeriod);
  const start = asString(timePeriod?.startDate);
  if (start === undefined || Number.isNaN(Date.parse(start)))
    throw badRequest("'properties.timePeriod.startDate' is required.", "BadRequest");
  const end = asString(timePeriod?.endDate);
  if (end !== undefined && (Number.isNaN(Date.parse(end)) || Date.parse(end) <= Date.parse(start))) {
    throw badRequest("'properties.timePeriod.endDate' must be after its startDate.", "BadRequest");
  }
  const notifications = asObject(properties.notifications) ?? {};
  if (Object.keys(notifications).length > MAX_NOTIFICATIONS) {
    throw badRequest(`A budget has at most ${MAX_NOTIFICATIONS} notifications.`, "BadRequest");
  }
  for (const [key, value] of Object.entries(notifications)) {
    const notification = asObject(value);
    const threshold = asNumber(notification?.threshold);
    if (!notification || threshold === undefined || threshold <= 0 || threshold > 1000) {
      throw badRequest(`Notification '${key}' needs a threshold greater than 0 and at most 1000.`, "BadRequest");
    }
    if (!OPERATORS.includes(asString(notification.operator) ?? "")) {
      throw badRequest(`Notification '${key}' needs an operator: one of ${OPERATORS.join(", ")}.`, "BadRequest");
    }
  }
  // currentSpend and forecastSpend are read-only: ARM ignores them in a PUT.
  const { currentSpend: _current, forecastSpend: _forecast, ...writable } = properties;
  return { properties: writable };
}

const BUDGETS_PATH = "/subscriptions/{subscriptionId}/providers/Microsoft.Consumption/budgets";

function budgetId(ctx: RouteContext): string {
  return `/subscriptions/${ctx.params.subscriptionId}/providers/${BUDGET_TYPE}/${ctx.params.budgetName}`;
}

function findBudget(ctx: RouteContext): StoredResource | undefined {
  const found = ctx.core.store.get(budgetId(ctx));
  return found && found.arm.type.toLowerCase() === BUDGET_TYPE.toLowerCase() ? found : undefined;
}

function requireBudget(ctx: RouteContext): StoredResource {
  const budget = findBudget(ctx);
  if (!budget)
    throw new ArmError(404, "NotFound", `Budget '${ctx.params.budgetName}' was not found in subscription '${ctx.params.subscriptionId}'.`);
  return budget;
}

function createOrUpdateBudget(ctx: RouteContext): RouteResult {
  const { core } = ctx;
  const body = asObject(ctx.body);
  if (!body) throw badRequest("The request content was invalid and could not be deserialized: the body must be a JSON object.");
  const existing = findBudget(ctx);
  const write = validateBudget(body);
  const id = existing?.arm.id ?? budgetId(ctx);
  const budget = core.materialise(BUDGET_TYPE, {
    id,
    name: existing?.arm.name ?? (ctx.params.budgetName as string),
    body: write,
    ...(existing ? { existing } : {}),
  });
  core.store.put(budget);
  core.store.emitChange({
    kind: "write",
    resourceId: budget.arm.id,
    resourceType: BUDGET_TYPE,
    operationName: `${BUDGET_TYPE}/write`,
    at: core.nowIso(),
  });
  return { status: existing ? 200 : 201, body: budgetBody(core, budget) };
}

export function consumptionRoutes(): RouteDefinition[] {
  return [
    {
      method: "GET",
      pattern: BUDGETS_PATH,
      name: "budgets.list",
      handler: (ctx) => {
        const budgets = ctx.core.store
          .list({ subscriptionId: ctx.params.subscriptionId as string, type: BUDGET_TYPE })
          .filter((budget) => !/\/resourcegroups\//i.test(budget.arm.id));
        return pagedList(
          ctx,
          budgets.map((budget) => budgetBody(ctx.core, budget)),
        );
      },
    },
    {
      method: "GET",
      pattern: `${BUDGETS_PATH}/{budgetName}`,
      name: "budgets.get",
      handler: (ctx) => ({ status: 200, body: budgetBody(ctx.core, requireBudget(ctx)) }),
    },
    { method: "PUT", pattern: `${BUDGETS_PATH}/{budgetName}`, name: "budgets.createOrUpdate", handler: createOrUpdateBudget },
    {
      method: "DELETE",
      pattern: `${BUDGETS_PATH}/{budgetName}`,
      name: "budgets.delete",
      handler: (ctx) => {
        const budget = requireBudget(ctx);
        ctx.core.store.delete(budget.arm.id);
        ctx.core.store.emitChange({
          kind: "delete",
          resourceId: budget.arm.id,
          resourceType: BUDGET_TYPE,
          operationName: `${BUDGET_TYPE}/delete`,
          at: ctx.core.nowIso(),
        });
        return { status: 200 };
      },
    },
  ];
}
