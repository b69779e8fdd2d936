import { describe, expect, it } from "vitest";
import { findMetric, type MetricDefinition, metricNamespace } from "../../emulator/metrics/catalog.ts";
import { type MetricsRequest, type MetricSubject, queryMetric, subjectOf } from "../../emulator/metrics/series.ts";
import { centralEuropeTime, cpuPercent, hashString, isEuropeanBusinessHours } from "../../emulator/metrics/workloads.ts";
import type { StoredResource, WorkloadProfile } from "../../emulator/store.ts";

const HOUR = 3_600_000;
/** Monday 23 November 2026, 09:00 UTC (10:00 in Amsterdam): the emulator's default clock. */
const NOW = Date.UTC(2026, 10, 23, 9, 0);
const VM_TYPE = "Microsoft.Compute/virtualMachines";

function vm(name: string, sim: StoredResource["sim"], properties: Record<string, unknown> = {}): StoredResource {
  return {
    arm: {
      id: `/subscriptions/6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31/resourceGroups/rg-odoo-dev/providers/Microsoft.Compute/virtualMachines/${name}`,
      name,
      type: VM_TYPE,
      location: "westeurope",
      properties: { hardwareProfile: { vmSize: "Standard_D4s_v5" }, timeCreated: "2026-01-01T00:00:00Z", ...properties },
    },
    sim,
  };
}

function metric(type: string, name: string): MetricDefinition {
  const definition = findMetric(metricNamespace(type) ?? { namespace: "", metrics: [] }, name);
  if (!definition) throw new Error(`no metric ${name} for ${type}`);
  return definition;
}

const CPU = metric(VM_TYPE, "Percentage CPU");

function request(
  hours: number,
  interval: number | "FULL",
  aggregations: MetricsRequest["aggregations"] = ["average"],
  endMs = NOW,
): MetricsRequest {
  return { startMs: endMs - hours * HOUR, endMs, interval, aggregations, nowMs: NOW };
}

function averages(subject: MetricSubject, definition: MetricDefinition, req: MetricsRequest): Array<number | undefined> {
  return (queryMetric(subject, definition, req).metric.timeseries[0]?.data ?? []).map((point) => point.average);
}

const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;

describe("workload profiles", () => {
  it("an idle VM averages well below 5 % CPU over 72 hours, and never peaks above 3 %", () => {
    const subject = subjectOf(vm("vm-idle", { powerState: "running", workload: "idle" }));
    const [point] =
      queryMetric(subject, CPU, request(72, "FULL", ["average", "maximum", "minimum", "count"])).metric.timeseries[0]?.data ?? [];
    expect(point?.average).toBeLessThan(5);
    expect(point?.average).toBeGreaterThan(0.5);
    expect(point?.maximum).toBeLessThan(3);
    expect(point?.minimum).toBeGreaterThanOrEqual(0.5);
    expect(point?.count).toBe(72 * 60);
  });

  it("a business-hours VM is busy on weekdays from 08:00 to 18:00 Europe time and quiet at night and at weekends", () => {
    const subject = subjectOf(vm("vm-odoo-web", { workload: "business-hours" }));
    const week = averages(subject, CPU, request(7 * 24, HOUR));
    const hourly = week.map((value, index) => ({ value: value as number, at: NOW - 7 * 24 * HOUR + index * HOUR }));
    const working = hourly.filter((entry) => isEuropeanBusinessHours(entry.at + HOUR / 2)).map((entry) => entry.value);
    const quiet = hourly.filter((entry) => !isEuropeanBusinessHours(entry.at + HOUR / 2)).map((entry) => entry.value);
    expect(working).toHaveLength(5 * 10);
    expect(mean(working)).toBeGreaterThan(40);
    expect(Math.min(...working)).toBeGreaterThan(30);
    expect(mean(quiet)).toBeLessThan(6);
    expect(Math.max(...quiet)).toBeLessThan(8);
  });

  it("business hours follow Central European time, summer time included", () => {
    // 07:30 UTC is 08:30 in Amsterdam in winter (working) and 09:30 in summer; 06:30 UTC is 07:30 in winter.
    expect(isEuropeanBusinessHours(Date.UTC(2026, 0, 14, 7, 30))).toBe(true);
    expect(isEuropeanBusinessHours(Date.UTC(2026, 0, 14, 6, 30))).toBe(false);
    expect(isEuropeanBusinessHours(Date.UTC(2026, 6, 15, 6, 30))).toBe(true);
    expect(isEuropeanBusinessHours(Date.UTC(2026, 6, 15, 16, 30))).toBe(false);
    expect(isEuropeanBusinessHours(Date.UTC(2026, 10, 21, 10, 0))).toBe(false);
    expect(centralEuropeTime(Date.UTC(2026, 2, 29, 0, 59)).hour).toBeCloseTo(1 + 59 / 60);
    expect(centralEuropeTime(Date.UTC(2026, 2, 29, 1, 0)).hour).toBe(3);
  });

  it("steady stays within 20-40 %, busy within 60-90 %, nightly-batch peaks between 01:00 and 04:00", () => {
    const seed = hashString("vm-any");
    for (let t = NOW - 48 * HOUR; t < NOW; t += 7 * 60_000) {
      expect(cpuPercent("steady", seed, t)).toBeGreaterThanOrEqual(20);
      expect(cpuPercent("steady", seed, t)).toBeLessThanOrEqual(40);
      expect(cpuPercent("busy", seed, t)).toBeGreaterThanOrEqual(60);
      expect(cpuPercent("busy", seed, t)).toBeLessThanOrEqual(90);
      const { hour } = centralEuropeTime(t);
      const batch = cpuPercent("nightly-batch", seed, t);
      if (hour >= 1 && hour < 4) expect(batch).toBeGreaterThanOrEqual(70);
      else expect(batch).toBeLessThanOrEqual(8);
    }
  });

  it("a resource without a workload profile is steady", () => {
    const subject = subjectOf(vm("vm-unprofiled", {}));
    expect(subject.profile).toBe("steady");
    const [average] = averages(subject, CPU, request(24, "FULL"));
    expect(average).toBeGreaterThan(20);
    expect(average).toBeLessThan(40);
  });
});

describe("missing data is not idleness", () => {
  it("a deallocated VM has time stamps without values", () => {
    const subject = subjectOf(vm("vm-off", { powerState: "deallocated", workload: "idle" }));
    const answer = queryMetric(subject, CPU, request(72, HOUR, ["average", "maximum", "count"]));
    const data = answer.metric.timeseries[0]?.data ?? [];
    expect(data).toHaveLength(72);
    for (const point of data) expect(Object.keys(point)).toEqual(["timeStamp"]);
  });

  it("a stopped VM, a stopped cluster and a stopped PostgreSQL server emit nothing either", () => {
    expect(subjectOf(vm("vm-stopped", { powerState: "stopped" })).active).toBeUndefined();
    const cluster: StoredResource = {
      arm: {
        id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-dev",
        name: "aks-dev",
        type: "Microsoft.ContainerService/managedClusters",
        location: "westeurope",
        properties: { powerState: { code: "Stopped" } },
      },
      sim: {},
    };
    const server: StoredResource = {
      arm: {
        id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-dev",
        name: "pg-dev",
        type: "Microsoft.DBforPostgreSQL/flexibleServers",
        location: "westeurope",
        properties: { state: "Stopped" },
      },
      sim: {},
    };
    const nodeCpu = metric("Microsoft.ContainerService/managedClusters", "node_cpu_usage_percentage");
    const pgCpu = metric("Microsoft.DBforPostgreSQL/flexibleServers", "cpu_percent");
    expect(averages(subjectOf(cluster), nodeCpu, request(6, HOUR))).toEqual(Array(6).fill(undefined));
    expect(averages(subjectOf(server), pgCpu, request(6, HOUR))).toEqual(Array(6).fill(undefined));
    expect(
      averages(subjectOf({ ...server, arm: { ...server.arm, properties: { state: "Ready" } } }), pgCpu, request(6, HOUR)).every(
        (value) => value !== undefined,
      ),
    ).toBe(true);
  });

  it("a VM deallocated three hours ago has data until then and none after", () => {
    const subject = subjectOf(
      vm("vm-was-on", { powerState: "deallocated", powerStateChangedAt: new Date(NOW - 3 * HOUR).toISOString(), workload: "idle" }),
    );
    const values = averages(subject, CPU, request(6, HOUR));
    expect(values.slice(0, 3).every((value) => value !== undefined)).toBe(true);
    expect(values.slice(3)).toEqual([undefined, undefined, undefined]);
  });

  it("there is no data before a VM was created, nor after now", () => {
    const subject = subjectOf(vm("vm-new", { workload: "busy" }, { timeCreated: new Date(NOW - 2 * HOUR).toISOString() }));
    expect(averages(subject, CPU, request(4, HOUR)).map((value) => value !== undefined)).toEqual([false, false, true, true]);
    const future = averages(subject, CPU, request(2, HOUR, ["average"], NOW + 2 * HOUR));
    expect(future).toEqual([undefined, undefined]);
  });
});

describe("determinism", () => {
  it("the same resource, metric and time give the same values every time", () => {
    const subject = subjectOf(vm("vm-odoo-worker", { workload: "business-hours" }));
    const first = queryMetric(subject, CPU, request(24, 5 * 60_000, ["average", "maximum"]));
    const second = queryMetric(
      subjectOf(vm("vm-odoo-worker", { workload: "business-hours" })),
      CPU,
      request(24, 5 * 60_000, ["average", "maximum"]),
    );
    expect(second).toEqual(first);
  });

  it("two resources with one profile differ, seeded by their ids", () => {
    const a = averages(subjectOf(vm("vm-a", { workload: "steady" })), CPU, request(24, HOUR));
    const b = averages(subjectOf(vm("vm-b", { workload: "steady" })), CPU, request(24, HOUR));
    expect(a).not.toEqual(b);
  });

  it("an hour's average is the average of its minutes, whatever the interval asked", () => {
    const subject = subjectOf(vm("vm-consistent", { workload: "nightly-batch" }));
    const minutes = averages(subject, CPU, request(1, 60_000)) as number[];
    const [hour] = averages(subject, CPU, request(1, HOUR));
    expect(minutes).toHaveLength(60);
    expect(hour).toBeCloseTo(mean(minutes), 9);
  });

  it("every profile is defined for every metric of every served type", () => {
    const profiles: WorkloadProfile[] = ["idle", "business-hours", "steady", "busy", "nightly-batch"];
    for (const type of [VM_TYPE, "Microsoft.ContainerService/managedClusters", "Microsoft.DBforPostgreSQL/flexibleServers"]) {
      for (const definition of metricNamespace(type)?.metrics ?? []) {
        for (const workload of profiles) {
          const value = definition.sample({ seed: 42, profile: workload, memoryBytes: 16 * 1024 ** 3 }, NOW);
          expect(Number.isFinite(value), `${definition.name} ${workload}`).toBe(true);
          expect(value).toBeGreaterThanOrEqual(0);
        }
      }
    }
  });
});
