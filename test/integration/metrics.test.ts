import { MonitorClient } from "@azure/arm-monitor";
import { MetricsClient } from "@azure/monitor-query-metrics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EstateDefinition, EstateResource } from "../../emulator/estate/load.ts";
import { type Emulator, startEmulator } from "../../emulator/server.ts";
import type { WorkloadProfile } from "../../emulator/store.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { aggregatePoints, grainMs } from "../../shared/inventory/metrics.ts";
import { monitorShapes, vmPercentageCpuOldShape } from "../shapes/monitor.cases.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const OTHER_SUB = "0b7e4c1d-92a6-4f35-8d21-5c9e7a3f6b10";
const RG = "rg-odoo-test";
const VM_NAMESPACE = "Microsoft.Compute/virtualMachines";
const HOUR = 3_600_000;

const vmId = (name: string, group = RG): string =>
  `/subscriptions/${SUB}/resourceGroups/${group}/providers/Microsoft.Compute/virtualMachines/${name}`;

function vm(name: string, location: string, workload: WorkloadProfile, powerState = "running"): EstateResource {
  return {
    type: VM_NAMESPACE,
    resourceGroup: RG,
    name,
    body: {
      location,
      tags: { environment: "test" },
      properties: { hardwareProfile: { vmSize: "Standard_D4s_v5" }, timeCreated: "2026-01-05T10:00:00Z" },
    },
    sim: { powerState, workload },
  };
}

/** Fifty-two VMs in West Europe (every other one idle), one in North Europe, one deallocated, an AKS cluster. */
const WEST = Array.from({ length: 52 }, (_, i) => `vm-test-${String(i).padStart(2, "0")}`);
const estate: EstateDefinition = {
  resourceGroups: [
    { name: RG, location: "westeurope", tags: { environment: "test" } },
    { name: "rg-odoo-aks", location: "westeurope" },
  ],
  resources: [
    ...WEST.map((name, i) => vm(name, "westeurope", i % 2 === 0 ? "idle" : "business-hours")),
    vm("vm-test-north", "northeurope", "steady"),
    vm("vm-test-off", "westeurope", "idle", "deallocated"),
    { type: "Microsoft.Network/networkInterfaces", resourceGroup: RG, name: "nic-test", body: { location: "westeurope" } },
    {
      type: "Microsoft.ContainerService/managedClusters",
      resourceGroup: "rg-odoo-aks",
      name: "aks-odoo-test",
      body: {
        location: "westeurope",
        properties: {
          dnsPrefix: "aks-odoo-test",
          agentPoolProfiles: [{ name: "system", count: 2, vmSize: "Standard_D4s_v5", mode: "System" }],
        },
      },
      sim: { workload: "busy" },
    },
  ],
};

let emulator: Emulator;
let metrics: MetricsClient;
let monitor: MonitorClient;

beforeAll(async () => {
  emulator = await startEmulator({ throttle: false, estate });
  const target = emulatorTarget(emulator, SUB);
  metrics = new MetricsClient(target.metricsEndpoint("westeurope"), target.credential, target.clientOptions);
  monitor = new MonitorClient(target.credential, SUB, { endpoint: target.armEndpoint, ...target.clientOptions });
});
afterAll(async () => emulator.close());

const now = (): Date => emulator.core.clock.now();
const hoursAgo = (hours: number): Date => new Date(now().getTime() - hours * HOUR);

describe("batch metrics through the real MetricsClient.queryResources", () => {
  it("reads Percentage CPU over 72 hours for 50 VMs in one call, and the idle ones average under 5 %", async () => {
    const ids = WEST.slice(0, 50).map((name) => vmId(name));
    const since = emulator.core.log.total;
    const results = await metrics.queryResources(ids, ["Percentage CPU"], VM_NAMESPACE, {
      startTime: hoursAgo(72),
      endTime: now(),
      interval: "PT1H",
      aggregation: "average,maximum",
    });
    expect(emulator.core.log.entries({ route: "metrics.batch", since })).toHaveLength(1);
    expect(results).toHaveLength(50);
    for (const [index, result] of results.entries()) {
      expect(result.resourceId).toBe(ids[index]);
      expect(result.resourceRegion).toBe("westeurope");
      expect(result.granularity).toBe("PT1H");
      const data = result.getMetricByName("Percentage CPU")?.timeseries[0]?.data ?? [];
      expect(data).toHaveLength(72);
      const averages = data.map((point) => point.average as number);
      const overall = averages.reduce((sum, value) => sum + value, 0) / averages.length;
      if (index % 2 === 0) expect(overall).toBeLessThan(5);
      else expect(Math.max(...data.map((point) => point.maximum as number))).toBeGreaterThan(35);
    }
  });

  it("refuses a batch of more than 50 resources", async () => {
    const error = await metrics
      .queryResources(
        WEST.map((name) => vmId(name)),
        ["Percentage CPU"],
        VM_NAMESPACE,
      )
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ statusCode: 400 });
    expect((error as Error).message).toContain("at most 50");
  });

  it("refuses a batch that spans two regions, naming them", async () => {
    const error = await metrics
      .queryResources([vmId("vm-test-00"), vmId("vm-test-north")], ["Percentage CPU"], VM_NAMESPACE)
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ statusCode: 400 });
    expect((error as Error).message).toContain("same region");
    expect((error as Error).message).toContain("northeurope, westeurope");
  });

  it("refuses a batch that mixes resource types or subscriptions", async () => {
    const nic = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/networkInterfaces/nic-test`;
    const mixedTypes = await metrics
      .queryResources([vmId("vm-test-00"), nic], ["Percentage CPU"], VM_NAMESPACE)
      .catch((caught: unknown) => caught);
    expect(mixedTypes).toMatchObject({ statusCode: 400 });
    const foreign = vmId("vm-test-00").replace(SUB, OTHER_SUB);
    const mixedSubscriptions = await metrics
      .queryResources([vmId("vm-test-00"), foreign], ["Percentage CPU"], VM_NAMESPACE)
      .catch((caught: unknown) => caught);
    expect(mixedSubscriptions).toMatchObject({ statusCode: 400 });
    expect((mixedSubscriptions as Error).message).toContain("subscription");
  });

  it("gives a deallocated VM time stamps without values, so it never reads as idle", async () => {
    const [off, on] = await metrics.queryResources([vmId("vm-test-off"), vmId("vm-test-00")], ["Percentage CPU"], VM_NAMESPACE, {
      startTime: hoursAgo(6),
      endTime: now(),
      interval: "PT1H",
    });
    const offData = off?.metrics[0]?.timeseries[0]?.data ?? [];
    expect(offData).toHaveLength(6);
    expect(offData.every((point) => point.average === undefined)).toBe(true);
    expect(on?.metrics[0]?.timeseries[0]?.data?.every((point) => typeof point.average === "number")).toBe(true);
  });

  it("reads its window from the virtual clock: the default hour ends now, and moves when the clock does", async () => {
    const before = await metrics.queryResources([vmId("vm-test-01")], ["Percentage CPU"], VM_NAMESPACE);
    expect(before[0]?.timespan).toEqual({ startTime: hoursAgo(1), endTime: now() });
    expect(before[0]?.metrics[0]?.timeseries[0]?.data).toHaveLength(60);
    emulator.core.clock.advance(24 * HOUR);
    const after = await metrics.queryResources([vmId("vm-test-01")], ["Percentage CPU"], VM_NAMESPACE);
    expect(after[0]?.timespan).toEqual({ startTime: hoursAgo(1), endTime: now() });
    expect(after[0]?.metrics[0]?.timeseries[0]?.data?.[0]?.timeStamp).toEqual(hoursAgo(1));
  });
});

describe("ARM metrics through the real MonitorClient.metrics.list", () => {
  it("lists a VM's CPU, network and memory metrics with their units and the requested grain", async () => {
    const end = now();
    const start = new Date(end.getTime() - 6 * HOUR);
    const response = await monitor.metrics.list(vmId("vm-test-02"), {
      metricnames: "Percentage CPU,Network In Total,Network Out Total,Available Memory Bytes",
      timespan: `${start.toISOString()}/${end.toISOString()}`,
      interval: "PT1H",
      aggregation: "average,total",
      metricnamespace: VM_NAMESPACE,
    });
    expect(response.interval).toBe("PT1H");
    expect(response.namespace).toBe("microsoft.compute/virtualmachines");
    expect(response.resourceregion).toBe("westeurope");
    expect(response.value.map((metric) => [metric.name.value, metric.unit])).toEqual([
      ["Percentage CPU", "Percent"],
      ["Network In Total", "Bytes"],
      ["Network Out Total", "Bytes"],
      ["Available Memory Bytes", "Bytes"],
    ]);
    for (const metric of response.value) {
      const data = metric.timeseries?.[0]?.data ?? [];
      expect(data).toHaveLength(6);
      for (const point of data) {
        expect(point.average).toBeGreaterThan(0);
        expect(point.total).toBeGreaterThan(0);
      }
    }
    const memory = response.value[3]?.timeseries?.[0]?.data?.[0]?.average as number;
    expect(memory).toBeLessThan(16 * 1024 ** 3);
  });

  it("reads an AKS cluster's node CPU", async () => {
    const cluster = `/subscriptions/${SUB}/resourceGroups/rg-odoo-aks/providers/Microsoft.ContainerService/managedClusters/aks-odoo-test`;
    const response = await monitor.metrics.list(cluster, {
      metricnames: "node_cpu_usage_percentage",
      interval: "PT5M",
      aggregation: "average",
    });
    const data = response.value[0]?.timeseries?.[0]?.data ?? [];
    expect(data).toHaveLength(12);
    for (const point of data) expect(point.average).toBeGreaterThanOrEqual(60);
  });

  it("answers 404 for a resource that does not exist", async () => {
    const error = await monitor.metrics
      .list(vmId("vm-never-created"), { metricnames: "Percentage CPU" })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ statusCode: 404, code: "ResourceNotFound" });
  });

  it("answers 400 listing the valid metrics when a name is unknown", async () => {
    const error = await monitor.metrics
      .list(vmId("vm-test-00"), { metricnames: "CPU Credits Consumed" })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ statusCode: 400 });
    expect((error as Error).message).toContain("Valid metrics: Percentage CPU");
  });
});

describe("the ARM metrics API at api-version 2018-01-01", () => {
  let shapes: Emulator;
  beforeAll(async () => {
    shapes = await startEmulator({ throttle: false, estate: monitorShapes.estate });
  });
  afterAll(async () => shapes.close());

  it("answers the hour asked for minute by minute, with an idle VM's low values", async () => {
    const answer = await vmPercentageCpuOldShape.run(shapes);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ interval: "PT1M", timespan: "2026-11-23T07:48:10Z/2026-11-23T08:48:10Z" });
    const data =
      (answer.body as { value: Array<{ timeseries: Array<{ data: Array<{ timeStamp: string; average: number }> }> }> }).value[0]
        ?.timeseries[0]?.data ?? [];
    expect(data[0]?.timeStamp).toBe("2026-11-23T07:48:00Z");
    expect(data).toHaveLength(61);
    for (const point of data) expect(point.average).toBeLessThan(3);
  });
});

describe("buckets as Azure Monitor makes them: from the window's start rounded down to the minute", () => {
  // Off the hour and the minute, as a sweep's "now" is: whole-hour buckets would not start here.
  const NOW = "2026-11-23T09:17:23Z";
  let aligned: Emulator;
  let batch: MetricsClient;
  let arm: MonitorClient;
  beforeAll(async () => {
    aligned = await startEmulator({ throttle: false, estate });
    aligned.core.clock.set(NOW);
    const target = emulatorTarget(aligned, SUB);
    batch = new MetricsClient(target.metricsEndpoint("westeurope"), target.credential, target.clientOptions);
    arm = new MonitorClient(target.credential, SUB, { endpoint: target.armEndpoint, ...target.clientOptions });
  });
  afterAll(async () => aligned.close());

  const stamps = (data: ReadonlyArray<{ timeStamp: Date }>): string[] => data.map((point) => point.timeStamp.toISOString());
  const withData = (data: ReadonlyArray<{ average?: number }>): number => data.filter((point) => typeof point.average === "number").length;

  async function bothDoors(windowMs: number, interval: string) {
    const end = new Date(NOW);
    const start = new Date(end.getTime() - windowMs);
    const [fromBatch] = await batch.queryResources([vmId("vm-test-01")], ["Percentage CPU"], VM_NAMESPACE, {
      startTime: start,
      endTime: end,
      interval,
      aggregation: "average",
    });
    const fromArm = await arm.metrics.list(vmId("vm-test-01"), {
      metricnames: "Percentage CPU",
      timespan: `${start.toISOString()}/${end.toISOString()}`,
      interval,
      aggregation: "average",
      metricnamespace: VM_NAMESPACE,
    });
    return {
      window: { startMs: start.getTime(), endMs: end.getTime() },
      batch: { data: fromBatch?.metrics[0]?.timeseries[0]?.data ?? [], grain: fromBatch?.granularity },
      arm: { data: fromArm.value[0]?.timeseries?.[0]?.data ?? [], grain: fromArm.interval },
    };
  }

  it("a 2-hour window at PT1H: buckets from 07:17, both hours with data, and Governor's aggregation keeps both", async () => {
    const answer = await bothDoors(2 * HOUR, "PT1H");
    for (const door of [answer.batch, answer.arm]) {
      expect(door.grain).toBe("PT1H");
      // The last bucket holds the 23 seconds up to now, which have no data yet.
      expect(stamps(door.data)).toEqual(["2026-11-23T07:17:00.000Z", "2026-11-23T08:17:00.000Z", "2026-11-23T09:17:00.000Z"]);
      expect(withData(door.data)).toBe(2);
      // The first bucket starts 23 seconds before the window: it is still the window's hour.
      expect((door.data[0]?.timeStamp.getTime() ?? 0) < answer.window.startMs).toBe(true);
      expect(aggregatePoints(door.data, "average", answer.window, grainMs(door.grain) ?? 0)).toHaveLength(2);
    }
  });

  it("a 3-day window at P1D: a bucket from 09:17 on each of the three days, and Governor's aggregation keeps all three", async () => {
    const answer = await bothDoors(72 * HOUR, "P1D");
    for (const door of [answer.batch, answer.arm]) {
      expect(door.grain).toBe("P1D");
      expect(stamps(door.data)).toEqual([
        "2026-11-20T09:17:00.000Z",
        "2026-11-21T09:17:00.000Z",
        "2026-11-22T09:17:00.000Z",
        "2026-11-23T09:17:00.000Z",
      ]);
      expect(withData(door.data)).toBe(3);
      expect(aggregatePoints(door.data, "average", answer.window, grainMs(door.grain) ?? 0)).toHaveLength(3);
    }
  });

  it("each bucket holds the minutes from its own start: the batch and ARM doors agree on every value", async () => {
    const answer = await bothDoors(2 * HOUR, "PT1H");
    expect(answer.batch.data.map((point) => point.average)).toEqual(answer.arm.data.map((point) => point.average));
    const perMinute = await batch.queryResources([vmId("vm-test-01")], ["Percentage CPU"], VM_NAMESPACE, {
      startTime: new Date(answer.window.startMs),
      endTime: new Date(answer.window.startMs + HOUR),
      interval: "PT1M",
      aggregation: "average",
    });
    const minutes = perMinute[0]?.metrics[0]?.timeseries[0]?.data ?? [];
    // 07:17 to 08:17: the sixty minutes of the first hourly bucket (the 61st, 08:17, is the next bucket's).
    const firstHour = minutes.slice(0, 60).map((point) => point.average as number);
    expect(answer.batch.data[0]?.average).toBeCloseTo(firstHour.reduce((sum, value) => sum + value, 0) / 60, 9);
  });
});
