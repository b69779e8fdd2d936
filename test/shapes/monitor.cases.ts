import { rawRequest } from "../support/http.ts";
import { readExample, type ShapeCase, type ShapeFamily } from "../support/shapes.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const STORAGE_RG = "rg-odoo-files";
const BLOB_SERVICE = `/subscriptions/${SUB}/resourceGroups/${STORAGE_RG}/providers/Microsoft.Storage/storageAccounts/stodoofiles/blobServices/default`;
const REDIS_RG = "rg-odoo-cache";
const REDIS = ["redis5", "redis3", "redis2"].map(
  (name) => `/subscriptions/${SUB}/resourceGroups/${REDIS_RG}/providers/Microsoft.Cache/Redis/${name}`,
);
const VM = `/subscriptions/${SUB}/resourceGroups/rg-odoo-dev/providers/Microsoft.Compute/virtualMachines/vm-odoo-dev-01`;

/** The query string of a reference example's parameters, minus the ones that are path or body. */
function queryOf(example: string, skip: string[]): string {
  const parameters = readExample(example).parameters as Record<string, unknown>;
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(parameters)) {
    if (skip.includes(key)) continue;
    query.set(key, String(value));
  }
  return query.toString();
}

/** The VM `Percentage CPU` example is a bare response body from the docs (api-version 2018-01-01). */
export const vmPercentageCpuOldShape: ShapeCase = {
  example: "monitor/metrics-list-vm-percentage-cpu.json",
  run: (emulator) =>
    rawRequest(
      emulator,
      "GET",
      `${VM}/providers/microsoft.insights/metrics?api-version=2018-01-01&metricnames=${encodeURIComponent("Percentage CPU")}&timespan=${encodeURIComponent("2026-11-23T07:48:10Z/2026-11-23T08:48:10Z")}`,
    ),
};

const cases: ShapeCase[] = [
  vmPercentageCpuOldShape,
  {
    example: "monitor/metrics-list-blob-storage-arm.json",
    run: (emulator) =>
      rawRequest(
        emulator,
        "GET",
        `${BLOB_SERVICE}/providers/Microsoft.Insights/metrics?${queryOf("monitor/metrics-list-blob-storage-arm.json", ["resourceUri"])}`,
      ),
  },
  {
    example: "monitor/metrics-batch-getbatch-redis.json",
    status: "200",
    run: (emulator) =>
      rawRequest(
        emulator,
        "POST",
        `/subscriptions/${SUB}/metrics:getBatch?${queryOf("monitor/metrics-batch-getbatch-redis.json", ["baseUrl", "subscriptionId", "batchRequest"])}`,
        { resourceids: REDIS },
      ),
  },
];

export const monitorShapes: ShapeFamily = {
  name: "monitor",
  estate: {
    resourceGroups: [
      { name: STORAGE_RG, location: "westus2" },
      { name: REDIS_RG, location: "westus2" },
      { name: "rg-odoo-dev", location: "westeurope", tags: { environment: "dev" } },
    ],
    resources: [
      {
        type: "Microsoft.Storage/storageAccounts",
        resourceGroup: STORAGE_RG,
        name: "stodoofiles",
        body: { location: "westus2", kind: "StorageV2", sku: { name: "Standard_LRS" } },
      },
      {
        type: "Microsoft.Storage/storageAccounts/blobServices",
        resourceGroup: STORAGE_RG,
        name: "stodoofiles/default",
        body: { location: "westus2" },
      },
      ...["redis5", "redis3", "redis2"].map((name) => ({
        type: "Microsoft.Cache/Redis",
        resourceGroup: REDIS_RG,
        name,
        body: { location: "westus2", properties: { sku: { name: "Standard", family: "C", capacity: 1 } } },
        sim: { workload: "business-hours" as const },
      })),
      {
        type: "Microsoft.Compute/virtualMachines",
        resourceGroup: "rg-odoo-dev",
        name: "vm-odoo-dev-01",
        body: {
          location: "westeurope",
          tags: { environment: "dev" },
          properties: { hardwareProfile: { vmSize: "Standard_D2s_v5" }, timeCreated: "2026-01-05T10:00:00Z" },
        },
        sim: { powerState: "running", workload: "idle" },
      },
    ],
  },
  cases,
};
