/**
 * Microsoft.CostManagement: the Query operation (`POST {scope}/providers/Microsoft.CostManagement/query`)
 * at subscription and resource group scope, answered from the emulator's meter
 * (emulator/costs/meter.ts): each resource's cost by its size, its power history and Governor's
 * price table, so a deallocated VM's daily cost drops here as it would on the invoice.
 *
 * Supported: `type` Usage, ActualCost, AmortizedCost (the same figures: the emulator has no
 * reservations); `timeframe` Custom (with `timePeriod`), MonthToDate, BillingMonthToDate,
 * TheLastMonth, TheLastBillingMonth, WeekToDate; `granularity` Daily or None; a Sum aggregation;
 * up to two groupings by the dimensions ResourceId, ResourceGroup(Name), ResourceLocation,
 * ResourceType; filters of `and`, `or`, `not`, `dimensions` and `tags` with the `In` operator.
 * Columns follow the REST reference: the aggregation, the groupings, `UsageDate` (yyyymmdd, a
 * number) when daily, `Currency`. Resource ids come back in lower case, as Cost Management
 * returns them. Rows with no cost are left out, as Cost Management leaves them out. No published
 * example groups by ResourceId: this follows the REST API reference (2024-08-01).
 */
import { ArmError, badRequest } from "../errors.ts";
import { asObject, asString, type Json, normaliseLocation, stableGuid } from "../json.ts";
import { billedResources, COST_CURRENCY, DAY_MS, dailyCost } from "../costs/meter.ts";
import type { RouteContext, RouteDefinition, RouteResult } from "../router.ts";
import type { StoredResource } from "../store.ts";

const TYPES = ["usage", "actualcost", "amortizedcost"];
const TIMEFRAMES = ["custom", "monthtodate", "billingmonthtodate", "thelastmonth", "thelastbillingmonth", "weektodate"];
const AGGREGATED = ["PreTaxCost", "Cost", "CostUSD", "PreTaxCostUSD"];
const PAGE_ROWS = 5_000;

type Dimension = "ResourceId" | "ResourceGroup" | "ResourceGroupName" | "ResourceLocation" | "ResourceType";
const DIMENSIONS: Dimension[] = ["ResourceId", "ResourceGroup", "ResourceGroupName", "ResourceLocation", "ResourceType"];

function dimensionName(name: unknown, where: string): Dimension {
  const found = DIMENSIONS.find((dimension) => typeof name === "string" && dimension.toLowerCase() === name.toLowerCase());
  if (!found)
    throw badRequest(`${where}: the dimension '${String(name)}' is not supported (one of ${DIMENSIONS.join(", ")}).`, "BadRequest");
  return found;
}

function dimensionValue(resource: StoredResource, dimension: Dimension): string {
  const id = resource.arm.id.toLowerCase();
  switch (dimension) {
    case "ResourceId":
      return id;
    case "ResourceGroup":
    case "ResourceGroupName":
      return (/\/resourcegroups\/([^/]+)/.exec(id)?.[1] ?? "").toLowerCase();
    case "ResourceLocation":
      return normaliseLocation(resource.arm.location ?? "");
    case "ResourceType":
      return resource.arm.type.toLowerCase();
  }
}

const comparable = (dimension: Dimension, value: string): string =>
  dimension === "ResourceLocation" ? normaliseLocation(value) : value.toLowerCase();

type Predicate = (resource: StoredResource) => boolean;

function valuesOf(clause: Json, where: string): string[] {
  const operator = asString(clause.operator);
  if (operator?.toLowerCase() !== "in")
    throw badRequest(`${where}.operator: only 'In' is supported, not '${String(clause.operator)}'.`, "BadRequest");
  if (!Array.isArray(clause.values) || clause.values.some((value) => typeof value !== "string"))
    throw badRequest(`${where}.values: must be an array of strings.`, "BadRequest");
  return clause.values as string[];
}

function filterOf(raw: unknown, where: string): Predicate {
  const filter = asObject(raw);
  if (!filter) throw badRequest(`${where}: must be an object.`, "BadRequest");
  const list = (key: "and" | "or"): Predicate[] => {
    const items = filter[key];
    if (!Array.isArray(items) || items.length < 2) throw badRequest(`${where}.${key}: must hold at least two expressions.`, "BadRequest");
    return items.map((item, index) => filterOf(item, `${where}.${key}[${index}]`));
  };
  if (filter.and !== undefined) {
    const parts = list("and");
    return (resource) => parts.every((part) => part(resource));
  }
  if (filter.or !== undefined) {
    const parts = list("or");
    return (resource) => parts.some((part) => part(resource));
  }
  if (filter.not !== undefined) {
    const inner = filterOf(filter.not, `${where}.not`);
    return (resource) => !inner(resource);
  }
  const dimensions = asObject(filter.dimensions);
  if (dimensions) {
    const dimension = dimensionName(dimensions.name, `${where}.dimensions.name`);
    const wanted = new Set(valuesOf(dimensions, `${where}.dimensions`).map((value) => comparable(dimension, value)));
    return (resource) => wanted.has(dimensionValue(resource, dimension));
  }
  const tags = asObject(filter.tags);
  if (tags) {
    const name = asString(tags.name);
    if (!name) throw badRequest(`${where}.tags.name: required.`, "BadRequest");
    const wanted = new Set(valuesOf(tags, `${where}.tags`).map((value) => value.toLowerCase()));
    return (resource) => {
      const entry = Object.entries(resource.arm.tags ?? {}).find(([key]) => key.toLowerCase() === name.toLowerCase());
      return entry !== undefined && wanted.has(String(entry[1]).toLowerCase());
    };
  }
  throw badRequest(`${where}: an expression of and, or, not, dimensions or tags.`, "BadRequest");
}

function dayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** `[first day, last day]` (UTC day starts, both included) of the query's time frame. */
function period(body: Json, nowMs: number): { first: number; last: number } {
  const timeframe = asString(body.timeframe)?.toLowerCase();
  if (!timeframe || !TIMEFRAMES.includes(timeframe))
    throw badRequest(
      `timeframe: one of Custom, MonthToDate, BillingMonthToDate, TheLastMonth, TheLastBillingMonth, WeekToDate, not '${String(body.timeframe)}'.`,
      "BadRequest",
    );
  const now = new Date(nowMs);
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const today = dayStart(nowMs);
  switch (timeframe) {
    case "custom": {
      const timePeriod = asObject(body.timePeriod);
      const from = Date.parse(asString(timePeriod?.from) ?? "");
      const to = Date.parse(asString(timePeriod?.to) ?? "");
      if (Number.isNaN(from) || Number.isNaN(to))
        throw badRequest("timePeriod: a Custom time frame needs timePeriod.from and timePeriod.to as date-times.", "BadRequest");
      if (to < from) throw badRequest("timePeriod: 'to' must not be before 'from'.", "BadRequest");
      if (to - from > 366 * DAY_MS) throw badRequest("timePeriod: at most one year can be queried at once.", "BadRequest");
      return { first: dayStart(from), last: dayStart(to) };
    }
    case "monthtodate":
    case "billingmonthtodate":
      return { first: monthStart, last: today };
    case "thelastmonth":
    case "thelastbillingmonth":
      return { first: Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1), last: monthStart - DAY_MS };
    default: {
      const weekday = (now.getUTCDay() + 6) % 7;
      return { first: today - weekday * DAY_MS, last: today };
    }
  }
}

interface Query {
  costColumn: string;
  daily: boolean;
  groupings: Dimension[];
  filter: Predicate;
  first: number;
  last: number;
}

function parseQuery(raw: unknown, nowMs: number): Query {
  const body = asObject(raw);
  if (!body) throw badRequest("The request content was invalid and could not be deserialized: the body must be a JSON object.");
  const type = asString(body.type)?.toLowerCase();
  if (!type || !TYPES.includes(type))
    throw badRequest(`type: one of Usage, ActualCost, AmortizedCost, not '${String(body.type)}'.`, "BadRequest");
  const { first, last } = period(body, nowMs);
  const dataset = asObject(body.dataset) ?? {};
  const granularity = asString(dataset.granularity) ?? "None";
  if (!["daily", "none"].includes(granularity.toLowerCase()))
    throw badRequest(`dataset.granularity: Daily or None, not '${granularity}'.`, "BadRequest");
  let costColumn = type === "usage" ? "PreTaxCost" : "Cost";
  const aggregation = asObject(dataset.aggregation);
  if (aggregation) {
    const entries = Object.values(aggregation).map((value) => asObject(value));
    if (entries.length !== 1 || !entries[0]) throw badRequest("dataset.aggregation: exactly one aggregation is supported.", "BadRequest");
    const name = asString(entries[0].name);
    if (!name || !AGGREGATED.includes(name))
      throw badRequest(
        `dataset.aggregation: the column '${String(name)}' is not supported (one of ${AGGREGATED.join(", ")}).`,
        "BadRequest",
      );
    if (asString(entries[0].function) !== "Sum") throw badRequest("dataset.aggregation: only the Sum function is supported.", "BadRequest");
    costColumn = name;
  }
  const grouping = dataset.grouping === undefined ? [] : dataset.grouping;
  if (!Array.isArray(grouping) || grouping.length > 2) throw badRequest("dataset.grouping: at most two groupings.", "BadRequest");
  const groupings = grouping.map((item, index) => {
    const group = asObject(item);
    if (asString(group?.type) !== "Dimension")
      throw badRequest(`dataset.grouping[${index}].type: only Dimension is supported.`, "BadRequest");
    return dimensionName(group?.name, `dataset.grouping[${index}].name`);
  });
  const filter = dataset.filter === undefined ? () => true : filterOf(dataset.filter, "dataset.filter");
  return { costColumn, daily: granularity.toLowerCase() === "daily", groupings, filter, first, last };
}

function usageDate(dayMs: number): number {
  const date = new Date(dayMs);
  return date.getUTCFullYear() * 10_000 + (date.getUTCMonth() + 1) * 100 + date.getUTCDate();
}

function query(ctx: RouteContext): RouteResult {
  const { core } = ctx;
  const subscriptionId = (ctx.params.subscriptionId as string).toLowerCase();
  const resourceGroup = ctx.params.resourceGroupName?.toLowerCase();
  if (!core.store.subscriptions.has(subscriptionId))
    throw new ArmError(404, "SubscriptionNotFound", `The subscription '${ctx.params.subscriptionId}' could not be found.`);
  if (resourceGroup !== undefined) core.store.requireGroup(subscriptionId, resourceGroup);
  const parsed = parseQuery(ctx.body, core.clock.nowMs());
  const inScope = billedResources(core).filter((resource) => {
    const id = resource.arm.id.toLowerCase();
    if (!id.startsWith(`/subscriptions/${subscriptionId}/`)) return false;
    return resourceGroup === undefined || id.startsWith(`/subscriptions/${subscriptionId}/resourcegroups/${resourceGroup}/`);
  });
  const rows = new Map<string, { cost: number; keys: string[]; day?: number }>();
  for (const resource of inScope.filter(parsed.filter)) {
    const keys = parsed.groupings.map((dimension) => dimensionValue(resource, dimension));
    for (let day = parsed.first; day <= parsed.last; day += DAY_MS) {
      const cost = dailyCost(core, resource, day);
      if (cost <= 0) continue;
      const key = JSON.stringify([...keys, parsed.daily ? day : 0]);
      const row = rows.get(key) ?? { cost: 0, keys, ...(parsed.daily ? { day } : {}) };
      row.cost += cost;
      rows.set(key, row);
    }
  }
  const all = [...rows.values()]
    .sort((a, b) => (a.day ?? 0) - (b.day ?? 0) || a.keys.join("|").localeCompare(b.keys.join("|")))
    .map((row) => [row.cost, ...row.keys, ...(row.day === undefined ? [] : [usageDate(row.day)]), COST_CURRENCY]);
  const skip = Number(ctx.query.get("$skiptoken") ?? "0");
  if (!Number.isInteger(skip) || skip < 0)
    throw badRequest(`$skiptoken: '${ctx.query.get("$skiptoken")}' is not one this operation gave.`, "BadRequest");
  const page = all.slice(skip, skip + PAGE_ROWS);
  const next = skip + PAGE_ROWS < all.length ? skip + PAGE_ROWS : undefined;
  const apiVersion = ctx.query.get("api-version") ?? "";
  const scope = ctx.path.replace(/\/providers\/Microsoft\.CostManagement\/query$/i, "").replace(/^\//, "");
  const body: Json = {
    id: `${scope}/providers/Microsoft.CostManagement/query/${stableGuid(JSON.stringify(ctx.body))}`,
    name: stableGuid(`${JSON.stringify(ctx.body)}|${skip}`),
    type: "Microsoft.CostManagement/query",
    location: null,
    sku: null,
    eTag: null,
    properties: {
      nextLink: next === undefined ? null : `${ctx.baseUrl}${ctx.path}?api-version=${encodeURIComponent(apiVersion)}&$skiptoken=${next}`,
      columns: [
        { name: parsed.costColumn, type: "Number" },
        ...parsed.groupings.map((name) => ({ name, type: "String" })),
        ...(parsed.daily ? [{ name: "UsageDate", type: "Number" }] : []),
        { name: "Currency", type: "String" },
      ],
      rows: page,
    },
  };
  return { status: 200, body };
}

export function costManagementRoutes(): RouteDefinition[] {
  // A query reads: Azure authorises it as Microsoft.CostManagement/query/action, not as a write.
  return [
    {
      method: "POST",
      pattern: "/subscriptions/{subscriptionId}/providers/Microsoft.CostManagement/query",
      name: "costManagement.query",
      kind: "read",
      handler: query,
    },
    {
      method: "POST",
      pattern: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.CostManagement/query",
      name: "costManagement.queryResourceGroup",
      kind: "read",
      handler: query,
    },
  ];
}
