/**
 * Rightsizing's target choice against hand-worked cases: a small catalogue of sizes with the
 * capabilities Resource SKUs report and made-up hourly prices, and the arithmetic of each case
 * written out beside it.
 */
import { describe, expect, it } from "vitest";
import {
  BACKGROUND_HEADROOM,
  chooseTarget,
  inFamilies,
  seriesOf,
  type TargetInput,
  USER_FACING_HEADROOM,
} from "../../../shared/actions/common/rightsizing.ts";
import type { VmSizeFact } from "../../../shared/policy/types.ts";

const size = (name: string, vCPUs: number, memoryGb: number, traits: Partial<VmSizeFact> = {}): VmSizeFact => ({
  name,
  family: "family",
  vCPUs,
  memoryGb,
  premiumIO: true,
  acceleratedNetworking: true,
  maxDataDisks: vCPUs * 2,
  maxNics: vCPUs >= 8 ? 4 : 2,
  architecture: "x64",
  ...traits,
});

const D16 = size("Standard_D16s_v5", 16, 64);
const D8 = size("Standard_D8s_v5", 8, 32);
const D4 = size("Standard_D4s_v5", 4, 16);
const D2 = size("Standard_D2s_v5", 2, 8);
const E4 = size("Standard_E4s_v5", 4, 32);
const E2 = size("Standard_E2s_v5", 2, 16);
const B4 = size("Standard_B4ms", 4, 16, { acceleratedNetworking: false });
const B8 = size("Standard_B8ms", 8, 32, { acceleratedNetworking: false });
const CATALOGUE = [D16, D8, D4, D2, E4, E2, B4, B8];

const PRICES: Record<string, number> = {
  Standard_D16s_v5: 0.848,
  Standard_D8s_v5: 0.424,
  Standard_D4s_v5: 0.212,
  Standard_D2s_v5: 0.106,
  Standard_E4s_v5: 0.278,
  Standard_E2s_v5: 0.139,
  Standard_B4ms: 0.176,
  Standard_B8ms: 0.352,
};

function input(overrides: Partial<TargetInput> = {}): TargetInput {
  return {
    current: D16,
    usage: { cpuP95: 10, memoryUsedGb: 19, cpuAverage: 6 },
    headroom: USER_FACING_HEADROOM,
    attached: { dataDisks: 0, nics: 1 },
    families: ["D", "E", "B"],
    sizes: CATALOGUE,
    price: (name) => PRICES[name],
    ...overrides,
  };
}

const targetOf = (choice: ReturnType<typeof chooseTarget>): string | undefined => (choice.fits ? choice.target.size.name : undefined);

describe("rightsizing: the target size", () => {
  it("1. headroom kept (user-facing): D16s_v5 at CPU 10 %, 19 GiB used → E4s_v5, the cheapest that keeps CPU ≤ 40 % and memory ≤ 60 %", () => {
    // D2s_v5: CPU 10 × 16 / 2 = 80 % > 40. E2s_v5: 80 % > 40. D4s_v5: CPU 40 %, memory 19 / 16 = 119 % > 60.
    // E4s_v5: CPU 40 % ≤ 40, memory 19 / 32 = 59.4 % ≤ 60, at 0.278 < 0.848.
    const choice = chooseTarget(input());
    expect(targetOf(choice)).toBe("Standard_E4s_v5");
    if (!choice.fits) throw new Error("expected a fit");
    expect(choice.target.cpu).toBeCloseTo(40);
    expect(choice.target.memory).toBeCloseTo(59.375);
    expect(choice.currentHourly).toBe(0.848);
  });

  it("2. headroom kept (not user-facing): 80 % CPU and memory allow the smaller E2s_v5 at 10 GiB used", () => {
    // E2s_v5: CPU 80 % ≤ 80, memory 10 / 16 = 62.5 % ≤ 80; D2s_v5: memory 10 / 8 = 125 %.
    expect(targetOf(chooseTarget(input({ usage: { cpuP95: 10, memoryUsedGb: 10 }, headroom: BACKGROUND_HEADROOM })))).toBe(
      "Standard_E2s_v5",
    );
    // The same load, user-facing: E2s_v5 at 80 % CPU and 62.5 % memory is too tight; D4s_v5 at 62.5 % memory too; E4s_v5 fits.
    expect(targetOf(chooseTarget(input({ usage: { cpuP95: 10, memoryUsedGb: 10 } })))).toBe("Standard_E4s_v5");
  });

  it("3. capability kept: premium storage, accelerated networking, CPU architecture, data disks and NICs", () => {
    const light = { cpuP95: 5, memoryUsedGb: 4 };
    // Every one of these would fit the load and costs less than D4s_v5, but lacks what the current size has.
    const cheap = [
      size("Standard_D2_v5", 2, 8, { premiumIO: false }),
      size("Standard_A2_v2", 2, 8, { acceleratedNetworking: false }),
      size("Standard_D2ps_v5", 2, 8, { architecture: "Arm64" }),
    ];
    const prices: Record<string, number> = { ...PRICES, Standard_D2_v5: 0.05, Standard_A2_v2: 0.04, Standard_D2ps_v5: 0.03 };
    const choice = chooseTarget(input({ current: D4, usage: light, families: ["D", "A"], sizes: [D4, ...cheap], price: (n) => prices[n] }));
    expect(choice).toEqual({
      fits: false,
      reason:
        "no cheaper size fits: Standard_D2ps_v5 Arm64, not x64; Standard_A2_v2 no accelerated networking; Standard_D2_v5 no premium storage",
      considered: 3,
    });
    // Data disks and NICs: D8s_v5 holds 16 disks and 4 NICs, D4s_v5 8 and 2, E4s_v5 8 and 2.
    expect(targetOf(chooseTarget(input({ usage: light, attached: { dataDisks: 10, nics: 1 } })))).toBe("Standard_D8s_v5");
    expect(targetOf(chooseTarget(input({ usage: light, attached: { dataDisks: 0, nics: 3 } })))).toBe("Standard_D8s_v5");
    // A size without accelerated networking is a target for a VM whose size has none either.
    const a4 = size("Standard_A4_v2", 4, 8, { acceleratedNetworking: false, premiumIO: false });
    const a2 = size("Standard_A2_v2", 2, 4, { acceleratedNetworking: false, premiumIO: false });
    expect(
      targetOf(
        chooseTarget(
          input({
            current: a4,
            usage: { cpuP95: 10, memoryUsedGb: 2 },
            families: ["A"],
            sizes: [a4, a2],
            price: (n) => ({ Standard_A4_v2: 0.2, Standard_A2_v2: 0.1 })[n],
          }),
        ),
      ),
    ).toBe("Standard_A2_v2");
  });

  it("4. family respected: only the policy's families are targets", () => {
    // Without E, the cheapest D that fits is D8s_v5 (CPU 20 %, memory 59.4 %).
    expect(targetOf(chooseTarget(input({ families: ["D"] })))).toBe("Standard_D8s_v5");
    expect(targetOf(chooseTarget(input({ families: ["E"] })))).toBe("Standard_E4s_v5");
    expect(chooseTarget(input({ families: ["M"] }))).toEqual({
      fits: false,
      reason: "no cheaper size than Standard_D16s_v5 in families M in the region",
      considered: 0,
    });
  });

  it("5. cheaper only: a size that fits but costs as much or more is never the target", () => {
    const prices: Record<string, number> = { ...PRICES, Standard_E4s_v5: 0.848, Standard_D8s_v5: 0.9 };
    const choice = chooseTarget(input({ families: ["D", "E"], price: (n) => prices[n] }));
    expect(choice.fits).toBe(false);
    // Nor is a size without a price: it cannot be compared.
    const unpriced = chooseTarget(input({ families: ["E"], price: (n) => (n === "Standard_E4s_v5" ? undefined : PRICES[n]) }));
    expect(targetOf(unpriced)).toBeUndefined();
  });

  it("6. no cheaper size fits a busy VM: no target, and the reason names the values of the cheapest tried", () => {
    // D4s_v5 at 87 % CPU and 11 GiB used: every cheaper size is too small.
    const choice = chooseTarget(input({ current: D4, usage: { cpuP95: 87, memoryUsedGb: 11 } }));
    expect(choice).toEqual({
      fits: false,
      reason:
        "no cheaper size fits: Standard_D2s_v5 CPU 174% > 40%; Standard_E2s_v5 CPU 174% > 40%; Standard_B4ms no accelerated networking",
      considered: 3,
    });
  });

  it("7. a burstable size only where its baseline carries the load", () => {
    const noAcceleration = size("Standard_D8_v5", 8, 32, { acceleratedNetworking: false, premiumIO: true });
    const prices: Record<string, number> = { ...PRICES, Standard_D8_v5: 0.424 };
    const base = { current: noAcceleration, families: ["B"], sizes: [noAcceleration, B4, B8], price: (n: string) => prices[n] };
    // B4ms: baseline 22.5 % of the VM. Average 2 % × 8 / 4 = 4 % ≤ 22.5; P95 8 % × 8 / 4 = 16 % ≤ 45 and ≤ 40.
    expect(targetOf(chooseTarget(input({ ...base, usage: { cpuP95: 8, cpuAverage: 2, memoryUsedGb: 6 } })))).toBe("Standard_B4ms");
    // An average of 12 % is 24 % on B4ms, above its baseline: B8ms, at 12 % ≤ 16.9 %, and a P95 of 8 % ≤ twice its baseline.
    expect(targetOf(chooseTarget(input({ ...base, usage: { cpuP95: 8, cpuAverage: 12, memoryUsedGb: 6 } })))).toBe("Standard_B8ms");
    // Without the average, no burstable size is a target.
    expect(chooseTarget(input({ ...base, usage: { cpuP95: 8, memoryUsedGb: 6 } }))).toMatchObject({
      fits: false,
      reason: expect.stringContaining("Standard_B4ms burstable: average CPU not known") as unknown,
    });
  });

  it("a compliant VM: one already the cheapest that fits has no target", () => {
    expect(chooseTarget(input({ current: E4 })).fits).toBe(false);
  });

  it("reads families by the letters after Standard_", () => {
    expect(seriesOf("Standard_DS2_v2")).toBe("DS");
    expect(inFamilies("Standard_DS2_v2", ["D"])).toBe(true);
    expect(inFamilies("Standard_E4s_v5", ["D", "B"])).toBe(false);
    expect(inFamilies("Standard_B2ms", ["b"])).toBe(true);
  });
});
