import { describe, expect, it } from "vitest";
import { billedDiskSizeGb, formatMoney, hourlyPrice, HOURS_PER_MONTH, PRICE_LIST, storagePrice } from "../../../shared/policy/prices.ts";
import { DEFAULT_SETTINGS } from "../../../shared/policy/settings.ts";

const settings = DEFAULT_SETTINGS;

describe("prices", () => {
  it("bundles West Europe list prices in EUR for the sizes the estates use", () => {
    expect(PRICE_LIST).toEqual({ region: "westeurope", currency: "EUR", asOf: "2026-11" });
    for (const size of [
      "Standard_B2ms",
      "Standard_D2s_v5",
      "Standard_D4s_v5",
      "Standard_D8s_v5",
      "Standard_D16s_v5",
      "Standard_E8s_v5",
      "Standard_M64s",
    ]) {
      expect(hourlyPrice(size, settings), size).toMatchObject({ found: true, source: "list" });
    }
    expect(hourlyPrice("Standard_D4s_v5", settings)).toEqual({ found: true, price: 0.212, source: "list" });
  });

  it("looks sizes up case-insensitively", () => {
    expect(hourlyPrice("standard_d4s_v5", settings)).toMatchObject({ found: true, price: 0.212 });
  });

  it("lets settings.prices override a listed size and add an unlisted one", () => {
    const custom = { ...settings, prices: { Standard_D4s_v5: 0.15, Standard_NC6s_v3: 2.9 } };
    expect(hourlyPrice("Standard_D4s_v5", custom)).toEqual({ found: true, price: 0.15, source: "settings" });
    expect(hourlyPrice("Standard_NC6s_v3", custom)).toEqual({ found: true, price: 2.9, source: "settings" });
  });

  it("says there is no price for an unknown size rather than guessing one", () => {
    expect(hourlyPrice("Standard_Z99", settings)).toEqual({
      found: false,
      reason: "no price for Standard_Z99 (add it to settings.prices)",
    });
  });

  it("does not use the EUR table for another currency", () => {
    const dollars = { ...settings, currency: "USD" };
    expect(hourlyPrice("Standard_D4s_v5", dollars)).toEqual({
      found: false,
      reason: "no price for Standard_D4s_v5 (the bundled prices are in EUR, not USD; add it to settings.prices)",
    });
    expect(hourlyPrice("Standard_D4s_v5", { ...dollars, prices: { Standard_D4s_v5: 0.23 } })).toMatchObject({ found: true, price: 0.23 });
  });

  it("prices snapshot and disk storage per GB-month, disks by the tier that holds them", () => {
    expect(storagePrice("snapshot", "Standard_LRS", settings)).toEqual({ found: true, price: 0.05, source: "list" });
    expect(storagePrice("disk", "Premium_LRS", settings)).toMatchObject({ found: true });
    expect(storagePrice("disk", "Mystery_LRS", settings)).toMatchObject({
      found: false,
      reason: "no price for disk storage Mystery_LRS (not in the bundled table)",
    });
    expect(billedDiskSizeGb("Premium_LRS", 100)).toBe(128);
    expect(billedDiskSizeGb("Premium_LRS", 512)).toBe(512);
    expect(billedDiskSizeGb("PremiumV2_LRS", 100)).toBe(100);
  });

  it("counts 730 hours a month and shows money with two decimals", () => {
    expect(HOURS_PER_MONTH).toBe(730);
    expect(formatMoney(154.76000000000002, "EUR")).toBe("154.76 EUR");
    expect(formatMoney(6.4, "EUR")).toBe("6.40 EUR");
  });
});
