/**
 * The bundled price table that savings estimates use when a policy file gives no prices.
 *
 * List prices of one region and one date: West Europe, pay-as-you-go, Linux, 2026-11, in EUR,
 * rounded. They are estimates for ranking and reporting findings, not invoices: reserved
 * instances, savings plans, Windows licences and negotiated discounts all change the real
 * figure. A policy file overrides or extends the compute prices with `settings.prices`
 * (size → hourly price in `settings.currency`); the bundled table only applies when that
 * currency is EUR.
 *
 * Storage prices by the GB-month, and the monthly prices of what is billed per resource (public
 * IPs, load balancers, App Service plans), are each type's own, in its descriptor (shared/resourceTypes);
 * the hourly prices of compute sizes here serve every type priced by its size (VMs, AKS nodes).
 *
 * An unknown size is never guessed: the lookup says "no price for <size>", savings count 0 and
 * the action's description (the finding's reason) carries that sentence.
 */
import type { PriceSpec } from "../resourceTypes/descriptor.ts";
import { resourceTypeOfKind } from "../resourceTypes/index.ts";
import type { Settings } from "./types.ts";

export const PRICE_LIST = Object.freeze({ region: "westeurope", currency: "EUR", asOf: "2026-11" });

/** Hours in an average month (8760 / 12), as Azure's pricing calculator counts them. */
export const HOURS_PER_MONTH = 730;

/** Hourly price by VM size (also AKS node sizes), Linux, pay-as-you-go. */
const VM_HOURLY: Record<string, number> = {
  // B-series (burstable): small utility servers, cron hosts.
  Standard_B1s: 0.011,
  Standard_B1ms: 0.022,
  Standard_B2s: 0.044,
  Standard_B2ms: 0.088,
  Standard_B4ms: 0.176,
  Standard_B8ms: 0.352,
  Standard_B12ms: 0.528,
  Standard_B16ms: 0.704,
  // D v5: Odoo application servers and workers (with and without premium storage cost the same).
  Standard_D2s_v5: 0.106,
  Standard_D4s_v5: 0.212,
  Standard_D8s_v5: 0.424,
  Standard_D16s_v5: 0.848,
  Standard_D32s_v5: 1.696,
  Standard_D48s_v5: 2.544,
  Standard_D64s_v5: 3.392,
  Standard_D2_v5: 0.106,
  Standard_D4_v5: 0.212,
  Standard_D8_v5: 0.424,
  Standard_D16_v5: 0.848,
  Standard_D2ds_v5: 0.125,
  Standard_D4ds_v5: 0.25,
  Standard_D8ds_v5: 0.5,
  Standard_D16ds_v5: 1.0,
  Standard_DS2_v2: 0.146,
  // E v5 (memory optimised): analytics, large PostgreSQL on VMs.
  Standard_E2s_v5: 0.139,
  Standard_E4s_v5: 0.278,
  Standard_E8s_v5: 0.556,
  Standard_E16s_v5: 1.112,
  Standard_E32s_v5: 2.224,
  Standard_E2ds_v5: 0.161,
  Standard_E4ds_v5: 0.322,
  Standard_E8ds_v5: 0.644,
  Standard_E16ds_v5: 1.288,
  // M-series: SAP-class machines that sometimes get deployed by mistake.
  Standard_M32ls: 3.93,
  Standard_M32ts: 3.61,
  Standard_M64ls: 6.05,
  Standard_M64s: 6.64,
  Standard_M64ms: 10.33,
  Standard_M128s: 13.28,
  Standard_M128ms: 24.73,
};

export type PriceLookup = { found: true; price: number; source: "settings" | "list" } | { found: false; reason: string };

type PriceSettings = Pick<Settings, "prices" | "currency">;

function lookup(table: Record<string, number> | undefined, key: string): number | undefined {
  if (table === undefined) return undefined;
  if (key in table) return table[key];
  const lower = key.toLowerCase();
  for (const [name, price] of Object.entries(table)) if (name.toLowerCase() === lower) return price;
  return undefined;
}

function bundledApplies(settings: PriceSettings): boolean {
  return settings.currency.toUpperCase() === PRICE_LIST.currency;
}

/** Why there is no price; only compute prices can be supplied in settings.prices. */
function missing(what: string, settings: PriceSettings, overridable: boolean): PriceLookup {
  const elsewhere = bundledApplies(settings)
    ? "not in the bundled table"
    : `the bundled prices are in ${PRICE_LIST.currency}, not ${settings.currency}`;
  const hint = overridable
    ? bundledApplies(settings)
      ? "add it to settings.prices"
      : `${elsewhere}; add it to settings.prices`
    : elsewhere;
  return { found: false, reason: `no price for ${what} (${hint})` };
}

/** Hourly price of a VM or node size: `settings.prices` first (names compared case-insensitively), then the bundled table. */
export function hourlyPrice(size: string, settings: PriceSettings): PriceLookup {
  const override = lookup(settings.prices, size);
  if (override !== undefined) return { found: true, price: override, source: "settings" };
  const listed = bundledApplies(settings) ? lookup(VM_HOURLY, size) : undefined;
  return listed === undefined ? missing(size, settings, true) : { found: true, price: listed, source: "list" };
}

/** The GB-month price of a kind whose descriptor prices it so (snapshots, managed disks), from its bundled table. */
function gbMonthSpec(kind: string): Extract<PriceSpec, { per: "GB-month" }> | undefined {
  const price = resourceTypeOfKind(kind)?.price;
  return price?.per === "GB-month" ? price : undefined;
}

/** Price per GB-month of a snapshot or managed disk SKU (any kind its descriptor prices by the GB-month), from the bundled table. */
export function storagePrice(kind: string, sku: string, settings: PriceSettings): PriceLookup {
  const spec = gbMonthSpec(kind);
  const listed = spec !== undefined && bundledApplies(settings) ? lookup(spec.table, sku) : undefined;
  return listed === undefined
    ? missing(`${spec?.what ?? `${kind} storage`} ${sku}`, settings, false)
    : { found: true, price: listed, source: "list" };
}

/** The hourly price of a kind's SKU, for a kind its descriptor prices from its own table (a PostgreSQL server's compute). */
export function skuHourlyPrice(kind: string, sku: string, settings: PriceSettings): PriceLookup {
  const spec = resourceTypeOfKind(kind)?.price;
  const table = spec?.per === "hour" && spec.of === "sku" ? spec : undefined;
  const listed = table !== undefined && bundledApplies(settings) ? lookup(table.table, sku) : undefined;
  return listed === undefined ? missing(`${table?.what ?? kind} ${sku}`, settings, false) : { found: true, price: listed, source: "list" };
}

/** The monthly price of one resource of a kind its descriptor prices by the month (a public IP, a load balancer, a plan), by its table's key. */
export function monthlyPrice(kind: string, key: string, settings: PriceSettings): PriceLookup {
  const price = resourceTypeOfKind(kind)?.price;
  const spec = price?.per === "month" ? price : undefined;
  const listed = spec !== undefined && bundledApplies(settings) ? lookup(spec.table, key) : undefined;
  return listed === undefined ? missing(`${spec?.what ?? kind} ${key}`, settings, false) : { found: true, price: listed, source: "list" };
}

/** The size a resource of `sizeGb` is billed for: what its descriptor says (a disk pays for the tier that holds it), else the size itself. */
export function billedSizeGb(kind: string, sku: string, sizeGb: number): number {
  return gbMonthSpec(kind)?.billedSizeGb?.(sku, sizeGb) ?? sizeGb;
}

/** The size a managed disk is billed for: the smallest tier that holds it, for SKUs billed by tier. */
export function billedDiskSizeGb(sku: string, sizeGb: number): number {
  return billedSizeGb("disk", sku, sizeGb);
}

/** `140.16 EUR`: two decimals, as findings report savings. */
export function formatMoney(amount: number, currency: string): string {
  return `${(Math.round(amount * 100) / 100).toFixed(2)} ${currency}`;
}
