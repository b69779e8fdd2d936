/** Azure Cache for Redis: tagged, and audited on its settings. */
import { asObject, describeResourceType, nonEmptyString } from "./descriptor.ts";

export const redisCache = describeResourceType({
  kind: "redis-cache",
  armType: "Microsoft.Cache/redis",
  azurePolicyType: "Microsoft.Cache/Redis",
  properties: [
    // Redis keeps its SKU under properties.
    "sku",
  ],
  sku: (properties, skuName) => nonEmptyString(asObject(properties.sku)?.name) ?? skuName,
  metrics: { namespace: "Microsoft.Cache/redis" },
  events: [{ operation: "Microsoft.Cache/redis/write", why: "created or changed" }],
  reread: { apiVersion: "2024-03-01" },
});
