/**
 * Savings estimates of the actions that stop or delete something, with the arithmetic spelled
 * out for the finding's reason, so finance can check a number rather than trust it.
 */
import { billedDiskSizeGb, formatMoney, hourlyPrice, skuHourlyPrice, storagePrice } from "../../policy/prices.ts";
import type { Settings } from "../../policy/types.ts";

export interface Estimate {
  /** Per month, in the settings' currency; 0 when nothing could be priced. */
  monthly: number;
  /** `Standard_D4s_v5 at 0.212 EUR/h × 730 h = 154.76 EUR/month`, or `no price for …`. */
  explanation: string;
}

type PriceSettings = Pick<Settings, "prices" | "currency">;

/** Machines of given sizes not running for some hours a month. */
export function computeEstimate(machines: Array<{ size: string; count: number }>, hours: number, settings: PriceSettings): Estimate {
  let monthly = 0;
  const parts: string[] = [];
  for (const { size, count } of machines) {
    const price = hourlyPrice(size, settings);
    if (!price.found) {
      parts.push(price.reason);
      continue;
    }
    const amount = count * price.price * hours;
    monthly += amount;
    const source = price.source === "settings" ? " (settings.prices)" : "";
    parts.push(
      `${count === 1 ? "" : `${count} × `}${size} at ${price.price} ${settings.currency}/h${source} × ${hours} h = ${formatMoney(amount, settings.currency)}/month`,
    );
  }
  return { monthly, explanation: parts.join("; ") };
}

/** A resource priced by the hour of its SKU from its type's own table (a PostgreSQL server's compute) not running for some hours a month. */
export function skuEstimate(kind: string, sku: string, hours: number, settings: PriceSettings): Estimate {
  const price = skuHourlyPrice(kind, sku, settings);
  if (!price.found) return { monthly: 0, explanation: price.reason };
  const monthly = price.price * hours;
  return {
    monthly,
    explanation: `${sku} at ${price.price} ${settings.currency}/h × ${hours} h = ${formatMoney(monthly, settings.currency)}/month`,
  };
}

/** Storage no longer billed once a snapshot or disk is deleted. */
export function storageEstimate(kind: "snapshot" | "disk", sku: string, sizeGb: number, settings: PriceSettings): Estimate {
  const price = storagePrice(kind, sku, settings);
  if (!price.found) return { monthly: 0, explanation: price.reason };
  const billedGb = kind === "disk" ? billedDiskSizeGb(sku, sizeGb) : sizeGb;
  const monthly = billedGb * price.price;
  const tier = billedGb === sizeGb ? "" : ` (billed as the ${billedGb} GB tier)`;
  return {
    monthly,
    explanation: `${sizeGb} GB ${sku}${tier} at ${price.price} ${settings.currency}/GB-month = ${formatMoney(monthly, settings.currency)}/month`,
  };
}
