/** Which batch calls the metric facts need (shared/inventory/metrics.ts planMetricBatches): pure, no I/O. */
import { describe, expect, it } from "vitest";
import { planMetricBatches } from "../../shared/inventory/metrics.ts";
import type { InventoryResource, MetricRequest } from "../../shared/policy/types.ts";
import { resource } from "./policy/support.ts";

const HOUR = 3_600_000;
const idle: MetricRequest = { kind: "virtual-machine", metric: "Percentage CPU", aggregation: "average", windowMs: 72 * HOUR };
const rightsizeCpu: MetricRequest = {
  kind: "virtual-machine",
  metric: "Percentage CPU",
  aggregation: "p95-of-max",
  windowMs: 7 * 24 * HOUR,
  grainMs: HOUR / 2,
};
const rightsizeMemory: MetricRequest = { ...rightsizeCpu, metric: "Available Memory Bytes", aggregation: "minimum" };

const vms = (count: number, environment: string, location = "westeurope"): InventoryResource[] =>
  Array.from({ length: count }, (_, index) =>
    resource({ name: `vm-${environment}-${location}-${index}`, location, tags: { environment } }),
  );

describe("metric batches", () => {
  it("without a scope, asks every running VM of the kind everything, 50 a call per region", () => {
    const batches = planMetricBatches([...vms(60, "dev"), ...vms(10, "prod", "northeurope")], [idle, rightsizeCpu, rightsizeMemory]);
    expect(batches.map((batch) => [batch.region, batch.metricIds.length, batch.grainMs])).toEqual([
      ["northeurope", 10, HOUR / 2],
      ["westeurope", 50, HOUR / 2],
      ["westeurope", 10, HOUR / 2],
    ]);
    expect(batches[0]?.metricNames).toEqual(["Percentage CPU", "Available Memory Bytes"]);
    expect(batches[0]?.aggregations.sort()).toEqual(["average", "maximum", "minimum"]);
  });

  it("with a scope, asks each VM only what a policy could use: a week of half-hours for the dev VMs, three days of hours for production", () => {
    const dev = vms(3, "dev");
    const prod = vms(2, "prod");
    const scope = (request: MetricRequest, subject: InventoryResource): boolean => request === idle || subject.tags.environment === "dev";
    const batches = planMetricBatches([...prod, ...dev], [idle, rightsizeCpu, rightsizeMemory], scope);
    expect(batches).toHaveLength(2);
    const week = batches.find((batch) => batch.grainMs === HOUR / 2);
    const days = batches.find((batch) => batch.grainMs === HOUR);
    expect(week?.metricIds).toEqual(dev.map((vm) => vm.id));
    expect(week?.windowMs).toBe(7 * 24 * HOUR);
    expect(week?.requests).toEqual([idle, rightsizeCpu, rightsizeMemory]);
    expect(days?.metricIds).toEqual(prod.map((vm) => vm.id));
    expect(days?.windowMs).toBe(72 * HOUR);
    expect(days?.metricNames).toEqual(["Percentage CPU"]);
    expect(days?.aggregations).toEqual(["average"]);
    expect(days?.requests).toEqual([idle]);
  });

  it("asks nothing of a VM out of every request's scope, nor of one that does not run", () => {
    const stopped = resource({ name: "vm-stopped", powerState: "deallocated", tags: { environment: "dev" } });
    const batches = planMetricBatches([...vms(2, "prod"), stopped], [idle], (_request, subject) => subject.tags.environment === "dev");
    expect(batches).toEqual([]);
  });
});
