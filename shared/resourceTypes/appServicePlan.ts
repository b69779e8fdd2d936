/** App Service plans: billed for their instances whether or not an app runs on them; one with no app is an orphan. */
import { describeResourceType } from "./descriptor.ts";

/**
 * Per month of one instance by SKU, West Europe, Linux, pay-as-you-go (a Windows plan costs
 * more: the estimate says so). Free and Shared plans cost nothing.
 */
const APP_SERVICE_PLAN_MONTH: Readonly<Record<string, number>> = {
  F1: 0,
  D1: 0,
  B1: 12.41,
  B2: 24.82,
  B3: 49.64,
  S1: 63.51,
  S2: 127.02,
  S3: 254.04,
  P0v3: 56.94,
  P1v3: 113.88,
  P2v3: 227.76,
  P3v3: 455.52,
  P1mv3: 136.66,
  P1v2: 73.0,
  P2v2: 146.0,
  P3v2: 292.0,
  EP1: 135.78,
  EP2: 271.56,
  EP3: 543.12,
};

export const appServicePlan = describeResourceType({
  kind: "app-service-plan",
  armType: "Microsoft.Web/serverfarms",
  properties: [
    // The apps on it, its instances and whether it is Linux (`reserved`): what makes it an orphan and its price.
    "numberOfSites",
    "numberOfWorkers",
    "reserved",
  ],
  metrics: { namespace: "Microsoft.Web/serverfarms" },
  events: [{ operation: "Microsoft.Web/serverfarms/write", why: "created or changed" }],
  price: { per: "month", what: "App Service plan", table: APP_SERVICE_PLAN_MONTH },
  reread: { apiVersion: "2025-05-01" },
});
