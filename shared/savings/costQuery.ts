/**
 * Daily actual cost per resource from Azure Cost Management's Query API
 * (`POST {scope}/providers/Microsoft.CostManagement/query`, api-version 2024-08-01), grouped by
 * ResourceId, daily granularity, filtered to the resources asked for. Called through
 * `@azure/core-client` with the same credential, endpoint, TLS trust and retry settings as the SDK
 * clients (shared/azure/clients.ts): `@azure/arm-costmanagement`'s only release is a 2022 beta
 * whose client is fixed to api-version 2022-10-01 and does not follow `nextLink`.
 *
 * Azure checks `Microsoft.CostManagement/query/action` for it (Reader's `* /read` does not grant a
 * POST): see orchestrations/activities/permissions.ts.
 */
import { subscriptionKeyOf } from "../azure/resourceId.ts";
import type { AzureTarget } from "../azure/target.ts";

export const COST_QUERY_API_VERSION = "2024-08-01";
/** Resource ids per query: the filter's `In` list stays well inside a request's size. */
const IDS_PER_QUERY = 200;
const MAX_PAGES = 100;

/** Cost by lower-case resource id, then by UTC day (`2026-11-23`). */
export interface DailyCosts {
  currency: string | undefined;
  byResource: Map<string, Map<string, number>>;
}

/** Asks for the daily cost of some resources over whole UTC days `[fromDay, toDay]`. */
export type CostSource = (request: { resourceIds: string[]; fromDay: string; toDay: string }) => Promise<DailyCosts>;

interface QueryResult {
  properties?: { nextLink?: string | null; columns?: Array<{ name?: string; type?: string }>; rows?: unknown[][] };
}

export class CostQueryError extends Error {}

function dayOfUsageDate(value: unknown): string | undefined {
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value : undefined;
  if (text === undefined) return undefined;
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  if (compact) return `${compact[1]}-${compact[2]}-${compact[3]}`;
  const iso = /^(\d{4}-\d{2}-\d{2})/.exec(text);
  return iso?.[1];
}

/** Adds a page of rows into `into`, reading the columns by name (their order is the service's). */
export function addRows(into: DailyCosts, result: QueryResult): void {
  const columns = (result.properties?.columns ?? []).map((column) => column.name?.toLowerCase() ?? "");
  const cost = columns.findIndex((name) => name === "cost" || name === "pretaxcost");
  const resource = columns.indexOf("resourceid");
  const date = columns.indexOf("usagedate");
  const currency = columns.indexOf("currency");
  if (cost < 0 || resource < 0 || date < 0)
    throw new CostQueryError(`the cost query answered without the Cost, ResourceId and UsageDate columns (columns: ${columns.join(", ")})`);
  for (const row of result.properties?.rows ?? []) {
    const amount = row[cost];
    const id = row[resource];
    const day = dayOfUsageDate(row[date]);
    if (typeof amount !== "number" || typeof id !== "string" || day === undefined) continue;
    const rowCurrency = currency >= 0 && typeof row[currency] === "string" ? row[currency] : undefined;
    if (rowCurrency !== undefined) {
      if (into.currency !== undefined && into.currency !== rowCurrency)
        throw new CostQueryError(
          `the cost query answered in two currencies (${into.currency} and ${rowCurrency}): realised savings would mix them`,
        );
      into.currency = rowCurrency;
    }
    const days = into.byResource.get(id.toLowerCase()) ?? new Map<string, number>();
    days.set(day, (days.get(day) ?? 0) + amount);
    into.byResource.set(id.toLowerCase(), days);
  }
}

/** The query body: actual cost, daily, grouped by ResourceId, for these resources and days. */
export function costQueryBody(resourceIds: string[], fromDay: string, toDay: string): Record<string, unknown> {
  return {
    type: "ActualCost",
    timeframe: "Custom",
    timePeriod: { from: `${fromDay}T00:00:00Z`, to: `${toDay}T23:59:59Z` },
    dataset: {
      granularity: "Daily",
      aggregation: { totalCost: { name: "Cost", function: "Sum" } },
      grouping: [{ type: "Dimension", name: "ResourceId" }],
      filter: { dimensions: { name: "ResourceId", operator: "In", values: resourceIds } },
    },
  };
}

/**
 * A cost source reading each resource's own subscription (Azure, or the emulator's Cost
 * Management): a subscription's query answers only for its own resources, so the ids are asked of
 * the governed subscription each is in, one query per subscription and 200 ids. An id of a
 * subscription not among `targets` has no cost here.
 */
export async function costManagementSource(targets: AzureTarget | readonly AzureTarget[]): Promise<CostSource> {
  const list: readonly AzureTarget[] = Array.isArray(targets) ? targets : [targets as AzureTarget];
  const bySubscription = new Map<string, SubscriptionQuery>();
  for (const target of list) bySubscription.set(target.subscriptionId.toLowerCase(), await subscriptionQuery(target));
  return async ({ resourceIds, fromDay, toDay }) => {
    const costs: DailyCosts = { currency: undefined, byResource: new Map() };
    const grouped = new Map<string, string[]>();
    for (const id of resourceIds) {
      const subscription = subscriptionKeyOf(id);
      if (subscription === undefined || !bySubscription.has(subscription)) continue;
      const ids = grouped.get(subscription);
      if (ids) ids.push(id);
      else grouped.set(subscription, [id]);
    }
    for (const [subscription, ids] of grouped) await bySubscription.get(subscription)?.(costs, ids, fromDay, toDay);
    return costs;
  };
}

/** The cost query of one subscription: adds its answers for `resourceIds` into `costs`. */
type SubscriptionQuery = (costs: DailyCosts, resourceIds: string[], fromDay: string, toDay: string) => Promise<void>;

async function subscriptionQuery(target: AzureTarget): Promise<SubscriptionQuery> {
  const [{ ServiceClient }, { createPipelineRequest, createHttpHeaders }] = await Promise.all([
    import("@azure/core-client"),
    import("@azure/core-rest-pipeline"),
  ]);
  const endpoint = target.armEndpoint.replace(/\/+$/, "");
  const client = new ServiceClient({
    endpoint,
    credential: target.credential,
    credentialScopes: [`${endpoint}/.default`],
    ...(target.clientOptions.tlsOptions ? { tlsOptions: target.clientOptions.tlsOptions } : {}),
    ...(target.clientOptions.retryOptions ? { retryOptions: target.clientOptions.retryOptions } : {}),
  });
  const scope = `/subscriptions/${target.subscriptionId}`;
  const post = async (url: string, body: Record<string, unknown>): Promise<QueryResult> => {
    const response = await client.sendRequest(
      createPipelineRequest({
        url,
        method: "POST",
        headers: createHttpHeaders({ "Content-Type": "application/json", Accept: "application/json" }),
        body: JSON.stringify(body),
      }),
    );
    const text = response.bodyAsText ?? "";
    if (response.status !== 200) {
      let reason = text.slice(0, 500);
      try {
        const error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
        if (error) reason = `${error.code ?? "error"}: ${error.message ?? ""}`;
      } catch {
        // Not JSON: the start of the text says enough.
      }
      throw new CostQueryError(`Cost Management query answered ${response.status}: ${reason}`);
    }
    return JSON.parse(text) as QueryResult;
  };
  return async (costs, resourceIds, fromDay, toDay) => {
    for (let start = 0; start < resourceIds.length; start += IDS_PER_QUERY) {
      const body = costQueryBody(resourceIds.slice(start, start + IDS_PER_QUERY), fromDay, toDay);
      let url: string | undefined = `${endpoint}${scope}/providers/Microsoft.CostManagement/query?api-version=${COST_QUERY_API_VERSION}`;
      for (let page = 0; url !== undefined; page += 1) {
        if (page === MAX_PAGES) throw new CostQueryError(`the cost query returned more than ${MAX_PAGES} pages`);
        const result = await post(url, body);
        addRows(costs, result);
        url = result.properties?.nextLink ?? undefined;
      }
    }
  };
}
