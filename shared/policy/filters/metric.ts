/**
 * `metric`: an Azure Monitor metric aggregated over a window ending now, below or above a threshold.
 *
 * ```yaml
 * - metric: Percentage CPU
 *   aggregation: average      # average | maximum | minimum | total | p95-of-max
 *   over: 72h
 *   below: 5
 *   missing: no-match         # no data at all: no-match (default) | match | unknown
 *   minCoverage: 0.8          # share of the window's points that must have data
 * ```
 *
 * Missing data is not idleness: a deallocated VM emits no CPU at all, so "no data" never counts
 * as "below 5%" unless the policy says `missing: match`. Data that covers too little of the window
 * (a VM started an hour ago) is `unknown`: one quiet hour says nothing about three days.
 */
import { formatDuration, parseDuration } from "../../time/duration.ts";
import type { FilterDefinition } from "../registry.ts";
import { DURATION_PATTERN } from "../schema.ts";
import { metricKey, type MetricAggregation } from "../types.ts";
import { formatNumber } from "./format.ts";
import { exactlyOneOperator } from "./operators.ts";

const AGGREGATIONS: readonly MetricAggregation[] = ["average", "maximum", "minimum", "total", "p95-of-max"];
const DEFAULT_MIN_COVERAGE = 0.8;

export interface MetricArgs {
  metric: string;
  aggregation: MetricAggregation;
  windowMs: number;
  /** The window as written, for reasons. */
  over: string;
  operator: "below" | "above";
  threshold: number;
  missing: "no-match" | "match" | "unknown";
  minCoverage: number;
}

/** `Percentage CPU` reads as `CPU …%`; other metrics keep their name and take no unit. */
function label(metric: string): { name: string; unit: string } {
  const percentage = /^percentage\s+(.+)$/i.exec(metric);
  if (percentage) return { name: percentage[1] as string, unit: "%" };
  return { name: metric, unit: /percent/i.test(metric) ? "%" : "" };
}

/** `hourly points`, `daily points`, `points of 5m`: how the window is sampled. */
function pointsOf(windowMs: number, expectedPoints: number): string {
  const interval = windowMs / expectedPoints;
  if (interval === 3_600_000) return "hourly points";
  if (interval === 86_400_000) return "daily points";
  if (interval === 60_000) return "per-minute points";
  return Number.isInteger(interval) ? `points of ${formatDuration(interval)}` : "points";
}

const AGGREGATION_LABEL: Record<MetricAggregation, string> = {
  average: "average",
  maximum: "maximum",
  minimum: "minimum",
  total: "total",
  "p95-of-max": "p95 of maximum",
  "p95-of-average": "p95 of average",
};

export const metricFilter: FilterDefinition<MetricArgs> = {
  key: "metric",
  summary:
    "An Azure Monitor metric aggregated over a window (e.g. average Percentage CPU over 72h) below or above a threshold; no data is never idleness.",
  example: "{ metric: Percentage CPU, aggregation: average, over: 72h, below: 5 }",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["metric", "over"],
    properties: {
      metric: { type: "string", minLength: 1, description: "Metric name as Azure Monitor spells it, e.g. Percentage CPU." },
      aggregation: { enum: [...AGGREGATIONS], description: "How the window is summarised (default average)." },
      over: { type: "string", pattern: DURATION_PATTERN, description: "The window ending now, e.g. 72h or 7d." },
      below: { type: "number" },
      above: { type: "number" },
      missing: {
        enum: ["no-match", "match", "unknown"],
        description: "When there is no data at all (default no-match: missing data is not idleness).",
      },
      minCoverage: {
        type: "number",
        minimum: 0,
        maximum: 1,
        description: "Share of the window's points that must have data (default 0.8).",
      },
    },
  },
  parse(condition) {
    const metric = String(condition.metric);
    const operator = exactlyOneOperator(condition, `metric "${metric}"`, ["below", "above"] as const);
    const over = String(condition.over);
    const windowMs = parseDuration(over);
    if (windowMs <= 0) throw new Error(`metric "${metric}": over ${over} is an empty window`);
    return {
      metric,
      aggregation: (condition.aggregation as MetricAggregation | undefined) ?? "average",
      windowMs,
      over,
      operator,
      threshold: condition[operator] as number,
      missing: (condition.missing as MetricArgs["missing"] | undefined) ?? "no-match",
      minCoverage: (condition.minCoverage as number | undefined) ?? DEFAULT_MIN_COVERAGE,
    };
  },
  facts(args) {
    return [{ type: "metric", metric: args.metric, aggregation: args.aggregation, windowMs: args.windowMs }];
  },
  evaluate(resource, args, ctx) {
    const { name, unit } = label(args.metric);
    const what = `${name} ${AGGREGATION_LABEL[args.aggregation]}`;
    const fact = ctx.facts.metrics[resource.id.toLowerCase()]?.[metricKey(args)];
    if (fact === undefined) return { outcome: "unknown", reason: `${args.metric} over ${args.over} was not gathered for this resource` };
    if (fact.value === null) {
      const reason = `no ${args.metric} data over ${args.over}`;
      if (args.missing === "match") return { outcome: "match", reason: `${reason} (missing data counts as a match for this policy)` };
      if (args.missing === "unknown") return { outcome: "unknown", reason };
      return { outcome: "no-match", reason: `${reason}: missing data is not idleness` };
    }
    if (fact.expectedPoints > 0 && fact.points / fact.expectedPoints < args.minCoverage) {
      return {
        outcome: "unknown",
        reason: `${what} over ${args.over}: only ${fact.points} of ${fact.expectedPoints} ${pointsOf(args.windowMs, fact.expectedPoints)} have data (needs ${Math.round(args.minCoverage * 100)}%)`,
      };
    }
    const holds = args.operator === "below" ? fact.value < args.threshold : fact.value > args.threshold;
    const sign = args.operator === "below" ? (holds ? "<" : "≥") : holds ? ">" : "≤";
    return {
      outcome: holds ? "match" : "no-match",
      reason: `${what} ${formatNumber(fact.value)}${unit} over ${args.over} ${sign} ${formatNumber(args.threshold)}${unit}`,
    };
  },
};
