/**
 * `resize`, the policy side: what it needs of a VM before it proposes (sizes read, enough data,
 * a cheaper size that fits, enough sweeps in a row), the finding's reason (target, percentiles,
 * saving), its arguments, and the mark its executor leaves on the VM. The target choice itself is
 * rightsizing.test.ts's.
 */
import { describe, expect, it } from "vitest";
import {
  parseResizeArgs,
  parseResizeMark,
  formatResizeMark,
  RIGHTSIZING_GRAIN_MS,
  resizeAction,
  type ResizeArgs,
} from "../../../shared/actions/resize.ts";
import { evaluate } from "../../../shared/policy/evaluate.ts";
import { builtinRegistry } from "../../../shared/policy/builtins.ts";
import { DEFAULT_SETTINGS } from "../../../shared/policy/settings.ts";
import {
  type Facts,
  type InventoryResource,
  type MetricFact,
  metricKey,
  type Policy,
  type VmSizeFact,
} from "../../../shared/policy/types.ts";
import { actionArgs, context, DAY_MS, NOW, resource } from "../policy/support.ts";

const GIB = 1024 ** 3;
const WEEK = 7 * DAY_MS;

const vmSize = (name: string, vCPUs: number, memoryGb: number, traits: Partial<VmSizeFact> = {}): VmSizeFact => ({
  name,
  family: "standardDSv5Family",
  vCPUs,
  memoryGb,
  premiumIO: true,
  acceleratedNetworking: true,
  maxDataDisks: 8,
  maxNics: 2,
  architecture: "x64",
  ...traits,
});
const WESTEUROPE: VmSizeFact[] = [
  vmSize("Standard_D16s_v5", 16, 64, { maxDataDisks: 32, maxNics: 8 }),
  vmSize("Standard_D4s_v5", 4, 16),
  vmSize("Standard_D2s_v5", 2, 8, { maxDataDisks: 4 }),
  vmSize("Standard_E4s_v5", 4, 32, { family: "standardESv5Family" }),
  vmSize("Standard_E2s_v5", 2, 16, { family: "standardESv5Family", maxDataDisks: 4 }),
];

const reporting = resource({
  name: "vm-odoo-test-reporting-01",
  resourceGroup: "rg-odoo-test",
  sku: "Standard_D16s_v5",
  tags: { environment: "test" },
  properties: {
    hardwareProfile: { vmSize: "Standard_D16s_v5" },
    storageProfile: { dataDisks: [] },
    networkProfile: { networkInterfaces: [{ id: "nic-1" }] },
  },
});

const ARGS = actionArgs(resizeAction, "{ type: resize, lookback: 7d, families: [D, E, B] }");

const fact = (value: number | null, points = 336): MetricFact => ({ value, points, expectedPoints: WEEK / RIGHTSIZING_GRAIN_MS });

/** The four facts resize reads, for one VM, over the lookback at 30-minute buckets. */
function usage(
  vm: InventoryResource,
  values: { cpuP95: number | null; cpuAverage?: number; minAvailableGb: number | null; networkBytes?: number; points?: number },
  args: ResizeArgs = ARGS,
): Facts["metrics"] {
  const key = (metric: string, aggregation: "p95-of-max" | "average" | "minimum" | "p95-of-average") =>
    metricKey({ metric, aggregation, windowMs: args.lookbackMs, grainMs: RIGHTSIZING_GRAIN_MS });
  return {
    [vm.id.toLowerCase()]: {
      [key("Percentage CPU", "p95-of-max")]: fact(values.cpuP95, values.points),
      [key("Percentage CPU", "average")]: fact(values.cpuAverage ?? 5, values.points),
      [key("Available Memory Bytes", "minimum")]: fact(values.minAvailableGb === null ? null : values.minAvailableGb * GIB, values.points),
      [key("Network Out Total", "p95-of-average")]: fact(values.networkBytes ?? 1_500_000, values.points),
    },
  };
}

function ctxFor(vm: InventoryResource, metrics: Facts["metrics"], extra: Partial<Facts> = {}) {
  return context({ resources: [vm], facts: { metrics, vmSizes: { westeurope: WESTEUROPE }, ...extra } });
}

const LIGHT = { cpuP95: 9.66, minAvailableGb: 45 };

describe("resize: what a VM must show before a resize is proposed", () => {
  it("1. no finding while the region's sizes were not read (undecided)", () => {
    const ctx = context({ resources: [reporting], facts: { metrics: usage(reporting, LIGHT) } });
    expect(resizeAction.requires?.(reporting, ARGS, ctx, "p")).toEqual({
      outcome: "unknown",
      reason: "the VM sizes of westeurope were not read (Resource SKUs)",
    });
  });

  it("2. undecided when the data covers less than 80 % of the half-hours (started recently, stopped part of the week)", () => {
    const result = resizeAction.requires?.(reporting, ARGS, ctxFor(reporting, usage(reporting, { ...LIGHT, points: 200 })), "p");
    expect(result).toEqual({
      outcome: "unknown",
      reason: "Percentage CPU over 7d: only 200 of 336 half-hours have data (needs 80%)",
    });
  });

  it("3. undecided when it did not run at all: no data is not a small load", () => {
    const result = resizeAction.requires?.(
      reporting,
      ARGS,
      ctxFor(reporting, usage(reporting, { cpuP95: null, minAvailableGb: null })),
      "p",
    );
    expect(result?.outcome).toBe("unknown");
    expect(result?.reason).toBe("no Percentage CPU data over 7d: a VM that did not run is not rightsized");
  });

  it("4. undecided when more memory was free than the size has: the lookback holds data from a larger size", () => {
    const e4 = resource({
      ...reporting,
      sku: "Standard_E4s_v5",
      properties: { ...reporting.properties, hardwareProfile: { vmSize: "Standard_E4s_v5" } },
    });
    const result = resizeAction.requires?.(e4, ARGS, ctxFor(e4, usage(e4, LIGHT)), "p");
    expect(result).toEqual({
      outcome: "unknown",
      reason: "lowest Available Memory 45 GiB over 7d is more than Standard_E4s_v5's 32 GiB: the lookback holds data from a larger size",
    });
  });

  it("5. no finding when no cheaper size fits, with the values seen and why each cheaper size fails", () => {
    const busy = resource({
      ...reporting,
      name: "vm-odoo-test-build-01",
      sku: "Standard_D4s_v5",
      properties: { hardwareProfile: { vmSize: "Standard_D4s_v5" } },
    });
    const result = resizeAction.requires?.(busy, ARGS, ctxFor(busy, usage(busy, { cpuP95: 86.8, minAvailableGb: 5 })), "p");
    expect(result?.outcome).toBe("no-match");
    expect(result?.reason).toContain(
      "Standard_D4s_v5 (4 vCPU, 16 GiB) over 7d: P95 of 30-minute CPU maxima 86.8%, memory used at most 11 GiB",
    );
    expect(result?.reason).toContain("no cheaper size fits: Standard_D2s_v5 CPU 173.6% > 40%; Standard_E2s_v5 CPU 173.6% > 40%");
  });

  it("6. held while fewer sweeps in a row than `consecutive` recommended the same target", () => {
    const args = actionArgs(resizeAction, "{ type: resize, consecutive: 3 }");
    const metrics = usage(reporting, LIGHT, args);
    const id = reporting.id.toLowerCase();
    // No trail read (a plan outside the sweeps): this sweep is the only one.
    expect(resizeAction.requires?.(reporting, args, ctxFor(reporting, metrics), "rightsize")?.hold).toEqual({
      guard: "consecutive",
      reason:
        "held: Standard_E4s_v5 recommended by 1 of the 3 sweeps in a row the policy asks for (no earlier sweep was read (a plan outside the sweeps reads no audit trail))",
    });
    const history = (targets: Array<string | null>) => ({
      sweepHistory: {
        rightsize: {
          sweeps: targets.map((_, index) => ({ instanceId: `sweep-${index}`, at: NOW.toISOString() })),
          targets: { [id]: targets },
        },
      },
    });
    // The sweep before recommended it, the one before that another size: two in a row, not three.
    const broken = resizeAction.requires?.(
      reporting,
      args,
      ctxFor(reporting, metrics, history(["Standard_E4s_v5", "Standard_D8s_v5"])),
      "rightsize",
    );
    expect(broken?.hold?.reason).toBe(
      "held: Standard_E4s_v5 recommended by 2 of the 3 sweeps in a row the policy asks for (2 earlier sweep(s) read)",
    );
    // A sweep in between without a recommendation breaks the run too.
    expect(
      resizeAction.requires?.(reporting, args, ctxFor(reporting, metrics, history([null, "Standard_E4s_v5"])), "rightsize")?.hold,
    ).toBeDefined();
    // Another policy's sweeps are not this one's.
    expect(
      resizeAction.requires?.(reporting, args, ctxFor(reporting, metrics, history(["Standard_E4s_v5", "Standard_E4s_v5"])), "other")?.hold,
    ).toBeDefined();
    // Three in a row: proposed.
    const proposed = resizeAction.requires?.(
      reporting,
      args,
      ctxFor(reporting, metrics, history(["Standard_E4s_v5", "Standard_E4s_v5"])),
      "rightsize",
    );
    expect(proposed?.hold).toBeUndefined();
    expect(proposed?.reason).toMatch(/recommended by 3 sweeps in a row$/);
  });

  it("a VM that fits a cheaper size: the reason names the percentiles, the headroom and the target; the saving is the hourly difference × 730 h", () => {
    const ctx = ctxFor(reporting, usage(reporting, LIGHT));
    const result = resizeAction.requires?.(reporting, ARGS, ctx, "p");
    expect(result).toEqual({
      outcome: "match",
      reason:
        "Standard_D16s_v5 (16 vCPU, 64 GiB) over 7d: P95 of 30-minute CPU maxima 9.7%, memory used at most 19 GiB (lowest available 45 GiB), " +
        "P95 network out 0.2 Mbit/s (not compared: Resource SKUs give no bandwidth); " +
        "user-facing (workload not set, not one of batch, reporting, build, background): CPU ≤ 40%, memory ≤ 60% on the target; " +
        "Standard_E4s_v5 fits (4 vCPU, 32 GiB): projected CPU 38.6%, memory 59.4%, the same premium storage, accelerated networking and x64",
    });
    expect(resizeAction.savings?.(reporting, ARGS, ctx)).toBeCloseTo((0.848 - 0.278) * 730);
    expect(resizeAction.describe?.(reporting, ARGS, ctx)).toBe(
      "resize vm-odoo-test-reporting-01 from Standard_D16s_v5 to Standard_E4s_v5 (Azure restarts it; deallocated first if its hardware cluster lacks the size): " +
        "Standard_D16s_v5 at 0.848 EUR/h − Standard_E4s_v5 at 0.278 EUR/h = 0.57 EUR/h × 730 h = 416.10 EUR/month",
    );
    expect(resizeAction.details?.(reporting, ARGS, ctx)).toEqual({ target: "Standard_E4s_v5", from: "Standard_D16s_v5" });
  });

  it("takes the 80 % headroom for a VM whose workload tag (or its group's) says it is not user-facing", () => {
    const batch = resource({ ...reporting, tags: { environment: "test", workload: "reporting" } });
    const result = resizeAction.requires?.(batch, ARGS, ctxFor(batch, usage(batch, { cpuP95: 9.66, minAvailableGb: 57 })), "p");
    // 7 GiB used: E2s_v5 (2 vCPU at 77.3 %, 16 GiB at 43.8 %) within 80 %.
    expect(result?.reason).toContain("not user-facing (workload=reporting): CPU ≤ 80%, memory ≤ 80% on the target");
    expect(result?.reason).toContain("Standard_E2s_v5 fits");
  });
});

describe("resize: arguments and facts", () => {
  it("defaults to Advisor's 7 days, families D, E and B, one sweep", () => {
    expect(parseResizeArgs({})).toEqual({
      lookback: "7d",
      lookbackMs: WEEK,
      families: ["D", "E", "B"],
      consecutive: 1,
      nonUserFacing: { tag: "workload", in: ["batch", "reporting", "build", "background"] },
    });
    // Parsing what it parsed gives the same (the loader's result is parsed again by workflows).
    expect(parseResizeArgs(parseResizeArgs({ lookback: "14d" }) as unknown as Record<string, unknown>).lookbackMs).toBe(14 * DAY_MS);
  });

  it("refuses a lookback outside 7 to 90 days, and a schema-invalid one", () => {
    expect(() => parseResizeArgs({ lookback: "3d" })).toThrow("resize: lookback 3d must be whole days from 7d to 90d");
    expect(() => parseResizeArgs({ lookback: "120d" })).toThrow("from 7d to 90d");
    expect(() => actionArgs(resizeAction, "{ type: resize, lookback: 72h }")).toThrow("schema:");
    expect(() => actionArgs(resizeAction, "{ type: resize, consecutive: 0 }")).toThrow("schema:");
  });

  it("asks for the four metrics at 30-minute buckets over the lookback, the region's sizes, the VM's disks and NICs, and the sweeps before", () => {
    const args = actionArgs(resizeAction, "{ type: resize, lookback: 14d, consecutive: 3 }");
    expect(resizeAction.facts?.(args, "virtual-machine")).toEqual([
      { type: "metric", metric: "Percentage CPU", aggregation: "p95-of-max", windowMs: 14 * DAY_MS, grainMs: 1_800_000 },
      { type: "metric", metric: "Percentage CPU", aggregation: "average", windowMs: 14 * DAY_MS, grainMs: 1_800_000 },
      { type: "metric", metric: "Available Memory Bytes", aggregation: "minimum", windowMs: 14 * DAY_MS, grainMs: 1_800_000 },
      { type: "metric", metric: "Network Out Total", aggregation: "p95-of-average", windowMs: 14 * DAY_MS, grainMs: 1_800_000 },
      { type: "vm-sizes" },
    ]);
    expect(resizeAction.reads?.(args, "virtual-machine")).toEqual([
      "properties.storageProfile.dataDisks",
      "properties.networkProfile.networkInterfaces",
    ]);
    expect(resizeAction.remembers?.(args)).toBe(2);
  });

  it("writes and reads the mark it leaves on a VM", () => {
    const mark = {
      target: "Standard_E4s_v5",
      from: "Standard_D16s_v5",
      wasRunning: true,
      job: "remediate:rightsize-nonprod-vms:2026-11-23",
    };
    expect(formatResizeMark(mark)).toBe("Standard_E4s_v5 from Standard_D16s_v5; running; remediate:rightsize-nonprod-vms:2026-11-23");
    expect(parseResizeMark(formatResizeMark(mark))).toEqual(mark);
    expect(parseResizeMark("something else")).toBeUndefined();
  });
});

describe("resize in the evaluation", () => {
  const policy = (consecutive: number): Policy => ({
    name: "rightsize",
    resource: "virtual-machine",
    mode: "enforce",
    when: [],
    action: {
      type: "resize",
      args: actionArgs(resizeAction, `{ type: resize, consecutive: ${consecutive} }`) as unknown as Record<string, unknown>,
    },
    approval: { required: true, approvers: ["platform-team"], escalation: [], timeoutMs: 8 * 3_600_000, onTimeout: "skip" },
    exemptions: [],
    includeProduction: false,
  });
  const run = (consecutive: number, vm: InventoryResource, metrics: Facts["metrics"]) =>
    evaluate(
      { settings: DEFAULT_SETTINGS, policies: [policy(consecutive)], sources: ["test"] },
      { subscriptionId: vm.subscriptionId, resources: [vm], resourceGroups: {} },
      { metrics, backup: {}, vaults: [], vmSizes: { westeurope: WESTEUROPE } },
      NOW,
      builtinRegistry(),
    );

  it("a finding that names the target, as data too; needing approval", () => {
    const { findings } = run(1, reporting, usage(reporting, LIGHT));
    expect(findings).toMatchObject([
      {
        verdict: "needs-approval",
        action: "resize",
        effect: "disruptive",
        details: { target: "Standard_E4s_v5" },
        estimatedMonthlySavings: 416.1,
      },
    ]);
  });

  it("a held recommendation is a blocked finding (guard consecutive), recorded for the next sweep", () => {
    const { findings, summary } = run(3, reporting, usage(reporting, LIGHT, actionArgs(resizeAction, "{ type: resize, consecutive: 3 }")));
    expect(findings).toMatchObject([{ verdict: "blocked", guard: "consecutive", details: { target: "Standard_E4s_v5" } }]);
    expect(findings[0]?.reason).toContain("held: Standard_E4s_v5 recommended by 1 of the 3 sweeps");
    expect(summary.policies[0]?.needsApproval).toBe(0);
  });

  it("no finding, and none undecided, when no cheaper size fits", () => {
    const busy = resource({ ...reporting, sku: "Standard_D4s_v5", properties: { hardwareProfile: { vmSize: "Standard_D4s_v5" } } });
    const { findings, summary } = run(1, busy, usage(busy, { cpuP95: 86.8, minAvailableGb: 5 }));
    expect(findings).toEqual([]);
    expect(summary.policies[0]).toMatchObject({ violations: 0, undecided: 0 });
  });
});
