/**
 * Policy Insights over the emulated subscription: the latest policy states (`queryResults`) and
 * their summary (`summarize`), per assignment, definition reference and group, computed from the
 * assignments and the estate as they are now (Azure evaluates on a cycle; the emulator on demand).
 * `$filter` takes `and`-joined `eq` / `ne` clauses on state fields and `'<group>' IN PolicyDefinitionGroupNames`.
 */
import { asText } from "../policy/expressions.ts";
import { badRequest } from "../errors.ts";
import { policyStates, type PolicyStateRecord } from "../policy/evaluation.ts";
import type { RouteContext, RouteDefinition, RouteResult } from "../router.ts";

const INSIGHTS = "providers/Microsoft.PolicyInsights/policyStates";

function filterRecords(records: PolicyStateRecord[], filter: string | null): PolicyStateRecord[] {
  if (filter === null || filter.trim() === "") return records;
  let result = records;
  for (const clause of filter.trim().split(/\s+and\s+/i)) {
    const group = /^'([^']+)'\s+IN\s+PolicyDefinitionGroupNames$/i.exec(clause);
    const comparison = /^(\w+)\s+(eq|ne)\s+('([^']*)'|true|false)$/i.exec(clause);
    if (group) {
      const name = (group[1] as string).toLowerCase();
      result = result.filter((record) => record.policyDefinitionGroupNames.some((candidate) => candidate.toLowerCase() === name));
    } else if (comparison) {
      const field = ((comparison[1] as string)[0]?.toLowerCase() ?? "") + (comparison[1] as string).slice(1);
      const expected = comparison[4] ?? comparison[3]?.toLowerCase();
      const negate = (comparison[2] as string).toLowerCase() === "ne";
      result = result.filter((record) => {
        const actual = (record as unknown as Record<string, unknown>)[field];
        if (actual === undefined) throw badRequest(`Unknown property '${comparison[1]}' in $filter.`, "InvalidFilterInQueryString");
        return (asText(actual).toLowerCase() === asText(expected).toLowerCase()) !== negate;
      });
    } else {
      throw badRequest(`Unsupported $filter clause: ${clause}`, "InvalidFilterInQueryString");
    }
  }
  return result;
}

function queryResultsUri(ctx: RouteContext, extra?: string): string {
  const url = new URL(ctx.path.replace(/\/summarize$/i, "/queryResults"), ctx.baseUrl);
  url.searchParams.set("api-version", ctx.query.get("api-version") ?? "2024-10-01");
  const filter = [ctx.query.get("$filter"), extra].filter((part) => part !== null && part !== undefined && part !== "").join(" and ");
  if (filter !== "") url.searchParams.set("$filter", filter);
  return url.toString();
}

const stateOf = (record: PolicyStateRecord): string => record.complianceState.toLowerCase();

/** A resource is non-compliant when any of its states is; a policy likewise over its resources. */
function worst(states: string[]): string {
  return states.includes("noncompliant") ? "noncompliant" : states.includes("compliant") ? "compliant" : (states[0] ?? "compliant");
}

function details(
  records: PolicyStateRecord[],
  key: (record: PolicyStateRecord) => string,
): Array<{ complianceState: string; count: number }> {
  const byKey = new Map<string, string[]>();
  for (const record of records) byKey.set(key(record), [...(byKey.get(key(record)) ?? []), stateOf(record)]);
  const counts = new Map<string, number>();
  for (const states of byKey.values()) counts.set(worst(states), (counts.get(worst(states)) ?? 0) + 1);
  return [...counts].map(([complianceState, count]) => ({ complianceState, count }));
}

const policyKey = (record: PolicyStateRecord): string =>
  `${record.policyAssignmentId}|${record.policyDefinitionReferenceId}|${record.policyDefinitionId}`.toLowerCase();

function results(ctx: RouteContext, records: PolicyStateRecord[], extra?: string): Record<string, unknown> {
  const nonCompliant = records.filter((record) => record.complianceState === "NonCompliant");
  return {
    queryResultsUri: queryResultsUri(ctx, extra),
    nonCompliantResources: new Set(nonCompliant.map((record) => record.resourceId.toLowerCase())).size,
    nonCompliantPolicies: new Set(nonCompliant.map(policyKey)).size,
    resourceDetails: details(records, (record) => record.resourceId.toLowerCase()),
    policyDetails: details(records, policyKey),
    policyGroupDetails: details(
      records.filter((record) => record.policyDefinitionGroupNames.length > 0),
      (record) => `${record.policyAssignmentId}|${record.policyDefinitionGroupNames.join(",")}`.toLowerCase(),
    ),
  };
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

function summarize(ctx: RouteContext): RouteResult {
  const records = filterRecords(policyStates(ctx.core, ctx.params.subscriptionId as string), ctx.query.get("$filter"));
  const context = `${ctx.baseUrl}/subscriptions/${ctx.params.subscriptionId}/${INSIGHTS}/$metadata#summary`;
  const policyAssignments = [...groupBy(records, (record) => record.policyAssignmentId.toLowerCase()).values()].map((assigned) => {
    const first = assigned[0] as PolicyStateRecord;
    const byAssignment = `PolicyAssignmentId eq '${first.policyAssignmentId}'`;
    return {
      policyAssignmentId: first.policyAssignmentId,
      policySetDefinitionId: first.policySetDefinitionId,
      results: results(ctx, assigned, byAssignment),
      policyDefinitions: [...groupBy(assigned, policyKey).values()].map((referenced) => {
        const reference = referenced[0] as PolicyStateRecord;
        return {
          policyDefinitionId: reference.policyDefinitionId,
          policyDefinitionReferenceId: reference.policyDefinitionReferenceId,
          policyDefinitionGroupNames: reference.policyDefinitionGroupNames,
          effect: reference.policyDefinitionAction,
          results: results(
            ctx,
            referenced,
            `${byAssignment} and PolicyDefinitionReferenceId eq '${reference.policyDefinitionReferenceId}'`,
          ),
        };
      }),
      policyGroups: [
        ...groupBy(
          assigned.filter((record) => record.policyDefinitionGroupNames.length > 0),
          (record) => record.policyDefinitionGroupNames[0] as string,
        ),
      ].map(([policyGroupName, grouped]) => ({
        policyGroupName,
        results: results(ctx, grouped, `${byAssignment} and '${policyGroupName}' IN PolicyDefinitionGroupNames`),
      })),
    };
  });
  return {
    status: 200,
    body: {
      "@odata.context": context,
      "@odata.count": 1,
      value: [{ "@odata.id": null, "@odata.context": `${context}/$entity`, results: results(ctx, records), policyAssignments }],
    },
  };
}

function queryResults(ctx: RouteContext): RouteResult {
  const records = filterRecords(policyStates(ctx.core, ctx.params.subscriptionId as string), ctx.query.get("$filter"));
  const top = Number.parseInt(ctx.query.get("$top") ?? "", 10);
  const page = Number.isFinite(top) && top > 0 ? records.slice(0, top) : records;
  const context = `${ctx.baseUrl}/subscriptions/${ctx.params.subscriptionId}/${INSIGHTS}/$metadata#latest`;
  return {
    status: 200,
    body: {
      "@odata.nextLink": null,
      "@odata.context": context,
      "@odata.count": page.length,
      value: page.map((record) => ({ "@odata.id": null, "@odata.context": `${context}/$entity`, ...record })),
    },
  };
}

export function policyInsightsRoutes(): RouteDefinition[] {
  const sub = "/subscriptions/{subscriptionId}";
  return [
    { method: "POST", pattern: `${sub}/${INSIGHTS}/latest/summarize`, name: "policyStates.summarize", kind: "read", handler: summarize },
    {
      method: "POST",
      pattern: `${sub}/${INSIGHTS}/latest/queryResults`,
      name: "policyStates.queryResults",
      kind: "read",
      handler: queryResults,
    },
  ];
}
