import { describe, expect, it } from "vitest";
import { metricFilter } from "../../../../shared/policy/filters/metric.ts";
import type { MetricFact } from "../../../../shared/policy/types.ts";
import { HOUR_MS, check, condition, context, metricFacts, resource } from "../support.ts";

const idle = "{ metric: Percentage CPU, aggregation: average, over: 72h, below: 5 }";
const CPU_72H = { metric: "Percentage CPU", aggregation: "average" as const, windowMs: 72 * HOUR_MS };

function withCpu(fact: MetricFact, yaml = idle) {
  const vm = resource({ name: "vm-odoo-dev-01" });
  const ctx = context({ resources: [vm], facts: { metrics: metricFacts([{ resource: vm, request: CPU_72H, fact }]) } });
  return check(metricFilter, yaml, vm, ctx);
}

describe("metric filter", () => {
  it("1. matches a VM whose average CPU over 72h is below the threshold, with the values in the reason", () => {
    expect(withCpu({ value: 1.83, points: 72, expectedPoints: 72 })).toEqual({
      outcome: "match",
      reason: "CPU average 1.8% over 72h < 5%",
    });
  });

  it("2. matches above a threshold", () => {
    const busy = "{ metric: Percentage CPU, aggregation: average, over: 72h, above: 80 }";
    expect(withCpu({ value: 91.2, points: 72, expectedPoints: 72 }, busy)).toEqual({
      outcome: "match",
      reason: "CPU average 91.2% over 72h > 80%",
    });
  });

  it("3. accepts partial data when coverage reaches minCoverage", () => {
    expect(withCpu({ value: 2, points: 60, expectedPoints: 72 }).outcome).toBe("match");
  });

  it("compliant: a busy VM is not below the threshold", () => {
    expect(withCpu({ value: 32.2, points: 72, expectedPoints: 72 })).toEqual({
      outcome: "no-match",
      reason: "CPU average 32.2% over 72h ≥ 5%",
    });
  });

  describe("missing data is not idleness", () => {
    const none: MetricFact = { value: null, points: 0, expectedPoints: 72 };

    it("no data (a deallocated VM emits no CPU) does not match by default", () => {
      expect(withCpu(none)).toEqual({ outcome: "no-match", reason: "no Percentage CPU data over 72h: missing data is not idleness" });
    });

    it("no data matches only when the policy says missing: match, and is unknown with missing: unknown", () => {
      expect(withCpu(none, `{ metric: Percentage CPU, over: 72h, below: 5, missing: match }`).outcome).toBe("match");
      expect(withCpu(none, `{ metric: Percentage CPU, over: 72h, below: 5, missing: unknown }`).outcome).toBe("unknown");
    });

    it("too little data is unknown, and the reason counts the points", () => {
      expect(withCpu({ value: 0.9, points: 12, expectedPoints: 72 })).toEqual({
        outcome: "unknown",
        reason: "CPU average over 72h: only 12 of 72 hourly points have data (needs 80%)",
      });
    });

    it("a metric nobody gathered for the resource is unknown", () => {
      const vm = resource();
      expect(check(metricFilter, idle, vm).outcome).toBe("unknown");
    });
  });

  it("asks inventory for the metric it reads, with the window in milliseconds", () => {
    const args = condition(metricFilter, "{ metric: Percentage CPU, aggregation: p95-of-max, over: 7d, below: 3 }");
    expect(metricFilter.facts?.(args, "virtual-machine")).toEqual([
      { type: "metric", metric: "Percentage CPU", aggregation: "p95-of-max", windowMs: 7 * 24 * HOUR_MS },
    ]);
  });

  it("defaults to the average, no-match on missing data and 80% coverage", () => {
    expect(condition(metricFilter, "{ metric: Percentage CPU, over: 72h, below: 5 }")).toMatchObject({
      aggregation: "average",
      missing: "no-match",
      minCoverage: 0.8,
    });
  });

  it("rejects a bad window, a missing threshold and two thresholds", () => {
    expect(() => metricFilter.parse({ metric: "Percentage CPU", over: "72x", below: 5 })).toThrow(
      'invalid duration "72x": expected a number and a unit (ms, s, m, h, d, w), e.g. 72h',
    );
    expect(() => condition(metricFilter, "{ metric: Percentage CPU, over: 72x, below: 5 }")).toThrow("schema:");
    expect(() => condition(metricFilter, "{ metric: Percentage CPU, over: 72h }")).toThrow(
      'the metric "Percentage CPU" condition needs one of below, above; it has none',
    );
    expect(() => condition(metricFilter, "{ metric: Percentage CPU, over: 72h, below: 5, above: 1 }")).toThrow(
      "this one has below and above",
    );
    expect(() => condition(metricFilter, "{ metric: Percentage CPU, over: 0h, below: 5 }")).toThrow("over 0h is an empty window");
  });
});
