import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EstateDefinition } from "../../emulator/estate/load.ts";
import { type Emulator, startEmulator } from "../../emulator/server.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { rawRequest } from "../support/http.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const OTHER_SUB = "0b7e4c1d-92a6-4f35-8d21-5c9e7a3f6b10";
const NICS = 2600;
const QUERY_PATH = "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01";

/** An estate of 2,600 network interfaces in four resource groups, and a few VMs. */
function largeEstate(): EstateDefinition {
  const groups = ["rg-Odoo-Prod", "rg-odoo-staging", "rg-odoo-dev", "rg-odoo-test"];
  const estate: EstateDefinition = {
    resourceGroups: groups.map((name, index) => ({
      name,
      location: index === 0 ? "westeurope" : "northeurope",
      tags: { environment: name.split("-").at(-1)?.toLowerCase() ?? "" },
    })),
    resources: [],
  };
  for (let i = 0; i < NICS; i += 1) {
    estate.resources.push({
      type: "Microsoft.Network/networkInterfaces",
      resourceGroup: groups[i % groups.length],
      name: `nic-${String(i).padStart(4, "0")}`,
      body: { location: "westeurope", tags: i % 10 === 0 ? { environment: "dev", owner: "ops" } : { environment: "prod" } },
    });
  }
  const vm = (name: string, group: string, power: string, environment: string) => ({
    type: "Microsoft.Compute/virtualMachines",
    resourceGroup: group,
    name,
    body: {
      location: "westeurope",
      tags: { environment },
      properties: { hardwareProfile: { vmSize: "Standard_D2s_v5" }, timeCreated: "2026-01-01T00:00:00Z" },
    },
    sim: { powerState: power, workload: "idle" as const },
  });
  estate.resources.push(vm("vm-erp-prod-01", "rg-Odoo-Prod", "running", "prod"), vm("vm-erp-dev-01", "rg-odoo-dev", "deallocated", "dev"));
  return estate;
}

function graphClient(emulator: Emulator, retryDelayInMs?: number): ResourceGraphClient {
  const target = emulatorTarget(emulator, SUB, retryDelayInMs === undefined ? {} : { retryOptions: { retryDelayInMs, maxRetries: 5 } });
  return new ResourceGraphClient(target.credential, { endpoint: target.armEndpoint, ...target.clientOptions });
}

describe("Resource Graph through the real ResourceGraphClient", () => {
  let emulator: Emulator;
  let client: ResourceGraphClient;

  beforeAll(async () => {
    emulator = await startEmulator({ throttle: false, resourceGraphQuota: false, estate: largeEstate() });
    client = graphClient(emulator);
    // A second subscription the same user can see, which a query names or not.
    const { core } = emulator;
    core.store.addSubscription(OTHER_SUB);
    core.store.putGroup({
      id: `/subscriptions/${OTHER_SUB}/resourceGroups/rg-other`,
      name: "rg-other",
      type: "Microsoft.Resources/resourceGroups",
      location: "westeurope",
      tags: {},
    });
    const id = `/subscriptions/${OTHER_SUB}/resourceGroups/rg-other/providers/Microsoft.Network/networkInterfaces/nic-elsewhere`;
    core.store.put(
      core.materialise("Microsoft.Network/networkInterfaces", { id, name: "nic-elsewhere", body: { location: "westeurope" } }),
    );
  });
  afterAll(async () => emulator.close());

  it("pages a 2,600-row result 1,000 rows at a time, following $skipToken to the end without losing or repeating a row", async () => {
    const query = "Resources | where type =~ 'Microsoft.Network/networkInterfaces' | project id, name, resourceGroup | order by name asc";
    const pages: number[] = [];
    const ids = new Set<string>();
    let skipToken: string | undefined;
    let totalRecords: number | undefined;
    do {
      const page = await client.resources({ subscriptions: [SUB], query, options: skipToken === undefined ? {} : { skipToken } });
      totalRecords ??= page.totalRecords;
      expect(page.totalRecords).toBe(NICS);
      expect(page.resultTruncated).toBe("false");
      const rows = page.data as Array<{ id: string; name: string }>;
      expect(rows).toHaveLength(page.count);
      for (const row of rows) ids.add(row.id);
      pages.push(page.count);
      skipToken = page.skipToken;
    } while (skipToken !== undefined);
    expect(pages).toEqual([1000, 1000, 600]);
    expect(ids.size).toBe(NICS);
  });

  it("honours $top and $skip, and continues from there with $skipToken", async () => {
    const query = "Resources | where name startswith 'nic-' | project id, name | order by name asc";
    const first = await client.resources({ subscriptions: [SUB], query, options: { top: 3, skip: 10 } });
    expect((first.data as Array<{ name: string }>).map((row) => row.name)).toEqual(["nic-0010", "nic-0011", "nic-0012"]);
    expect(first.skipToken).toBeDefined();
    const next = await client.resources({ subscriptions: [SUB], query, options: { top: 3, skipToken: first.skipToken } });
    expect((next.data as Array<{ name: string }>).map((row) => row.name)).toEqual(["nic-0013", "nic-0014", "nic-0015"]);
  });

  it("cuts off a result that has no id column instead of paging it, as Resource Graph does", async () => {
    const page = await client.resources({ subscriptions: [SUB], query: "Resources | project name" });
    expect(page.count).toBe(1000);
    expect(page.totalRecords).toBe(NICS + 2);
    expect(page.resultTruncated).toBe("true");
    expect(page.skipToken).toBeUndefined();
  });

  it("shows rows as Resource Graph does: lower-case type and resource group, VM power state under properties.extended", async () => {
    const page = await client.resources({
      subscriptions: [SUB],
      query:
        "Resources | where type == 'microsoft.compute/virtualmachines' | project id, name, type, resourceGroup, subscriptionId, tenantId, location, power = tostring(properties.extended.instanceView.powerState.code), tags | order by name asc",
    });
    expect(page.data).toEqual([
      {
        id: `/subscriptions/${SUB}/resourceGroups/rg-odoo-dev/providers/Microsoft.Compute/virtualMachines/vm-erp-dev-01`,
        name: "vm-erp-dev-01",
        type: "microsoft.compute/virtualmachines",
        resourceGroup: "rg-odoo-dev",
        subscriptionId: SUB,
        tenantId: emulator.core.tenantId,
        location: "westeurope",
        power: "PowerState/deallocated",
        tags: { environment: "dev" },
      },
      {
        id: `/subscriptions/${SUB}/resourceGroups/rg-Odoo-Prod/providers/Microsoft.Compute/virtualMachines/vm-erp-prod-01`,
        name: "vm-erp-prod-01",
        type: "microsoft.compute/virtualmachines",
        resourceGroup: "rg-odoo-prod",
        subscriptionId: SUB,
        tenantId: emulator.core.tenantId,
        location: "westeurope",
        power: "PowerState/running",
        tags: { environment: "prod" },
      },
    ]);
  });

  it("counts resources by tag with summarize", async () => {
    const page = await client.resources({
      subscriptions: [SUB],
      query:
        "Resources | where type =~ 'microsoft.network/networkinterfaces' | summarize count() by environment = tostring(tags.environment) | order by environment asc",
    });
    expect(page.data).toEqual([
      { environment: "dev", count_: 260 },
      { environment: "prod", count_: 2340 },
    ]);
  });

  it("lists resource groups with their tags, and the subscription, in ResourceContainers", async () => {
    const page = await client.resources({
      subscriptions: [SUB],
      query: "ResourceContainers | project id, name, type, tags | order by name asc",
    });
    const rows = page.data as Array<{ name: string; type: string; tags: Record<string, string> }>;
    // Strings sort ordinally, upper case first, as in KQL.
    expect(
      rows.filter((row) => row.type === "microsoft.resources/subscriptions/resourcegroups").map((row) => [row.name, row.tags.environment]),
    ).toEqual([
      ["rg-Odoo-Prod", "prod"],
      ["rg-odoo-dev", "dev"],
      ["rg-odoo-staging", "staging"],
      ["rg-odoo-test", "test"],
    ]);
    expect(rows.filter((row) => row.type === "microsoft.resources/subscriptions")).toHaveLength(1);
  });

  it("searches only the subscriptions the request names", async () => {
    const query = "Resources | where name == 'nic-elsewhere' | project id, subscriptionId";
    expect((await client.resources({ subscriptions: [SUB], query })).count).toBe(0);
    const both = await client.resources({ subscriptions: [SUB, OTHER_SUB], query });
    expect(both.data).toEqual([
      {
        id: `/subscriptions/${OTHER_SUB}/resourceGroups/rg-other/providers/Microsoft.Network/networkInterfaces/nic-elsewhere`,
        subscriptionId: OTHER_SUB,
      },
    ]);
  });

  it("answers in the table format when asked", async () => {
    const page = await client.resources({
      subscriptions: [SUB],
      query: "Resources | where name == 'nic-0001' | project id, name, tags",
      options: { resultFormat: "table" },
    });
    expect(page.data).toEqual({
      columns: [
        { name: "id", type: "string" },
        { name: "name", type: "string" },
        { name: "tags", type: "object" },
      ],
      rows: [
        [
          `/subscriptions/${SUB}/resourceGroups/rg-odoo-staging/providers/Microsoft.Network/networkInterfaces/nic-0001`,
          "nic-0001",
          { environment: "prod" },
        ],
      ],
    });
  });

  it("refuses a query it does not understand with 400 BadRequest naming the token, never a wrong answer", async () => {
    const error = await client
      .resources({
        subscriptions: [SUB],
        query: "Resources | where tags.environment == 'prod' | join (ResourceContainers) on subscriptionId",
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ statusCode: 400, code: "BadRequest" });
    expect((error as Error).message).toContain("'join'");
    const raw = await rawRequest(emulator, "POST", QUERY_PATH, { subscriptions: [SUB], query: "Resources | where enviroment == 'prod'" });
    expect(raw.status).toBe(400);
    expect(raw.body).toMatchObject({
      error: {
        code: "BadRequest",
        details: [{ code: "InvalidQuery" }, { code: "InvalidQuery", line: 1, characterPositionInLine: 18, token: "enviroment" }],
      },
    });
  });

  it("refuses a $top above 1,000 and a $skipToken from another query", async () => {
    const tooMany = await rawRequest(emulator, "POST", QUERY_PATH, {
      subscriptions: [SUB],
      query: "Resources | project id",
      options: { $top: 5000 },
    });
    expect(tooMany.status).toBe(400);
    const first = await client.resources({ subscriptions: [SUB], query: "Resources | project id", options: { top: 1 } });
    const mixed = await rawRequest(emulator, "POST", QUERY_PATH, {
      subscriptions: [SUB],
      query: "Resources | project id, name",
      options: { $skipToken: first.skipToken },
    });
    expect(mixed.status).toBe(400);
  });
});

describe("Resource Graph's per-user quota", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({
      throttle: false,
      resourceGraphQuota: { queries: 3, windowSeconds: 1 },
      estate: { resourceGroups: [], resources: [] },
    });
  });
  afterAll(async () => emulator.close());

  it("counts down x-ms-user-quota-remaining and answers 429 with Retry-After once the window's queries are spent", async () => {
    const body = { subscriptions: [SUB], query: "Resources | take 1" };
    const answers = [];
    for (let i = 0; i < 4; i += 1)
      answers.push(await rawRequest(emulator, "POST", QUERY_PATH, body, { authorization: "Bearer quota-user-a" }));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429]);
    expect(answers.map((answer) => answer.headers["x-ms-user-quota-remaining"])).toEqual(["2", "1", "0", "0"]);
    expect(answers[3]?.headers["x-ms-user-quota-resets-after"]).toBe("00:00:01");
    expect(answers[3]?.headers["retry-after"]).toBe("1");
    expect(answers[3]?.body).toMatchObject({ error: { code: "RateLimiting" } });
    // Another user has a quota of their own.
    expect((await rawRequest(emulator, "POST", QUERY_PATH, body, { authorization: "Bearer quota-user-b" })).status).toBe(200);
  });

  it("lets the SDK wait out Retry-After and succeed", async () => {
    const client = graphClient(emulator, 50);
    const since = emulator.core.log.total;
    const results = [];
    for (let i = 0; i < 5; i += 1) results.push(await client.resources({ subscriptions: [SUB], query: "Resources | take 1" }));
    expect(results).toHaveLength(5);
    const statuses = emulator.core.log.entries({ route: "resourceGraph.resources", since }).map((entry) => entry.status);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(0);
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
  });

  it("is off when the emulator is started with resourceGraphQuota: false", async () => {
    const free = await startEmulator({ throttle: false, resourceGraphQuota: false });
    try {
      for (let i = 0; i < 20; i += 1) {
        const answer = await rawRequest(free, "POST", QUERY_PATH, { subscriptions: [SUB], query: "Resources | take 1" });
        expect(answer.status).toBe(200);
        expect(answer.headers["x-ms-user-quota-remaining"]).toBeUndefined();
      }
    } finally {
      await free.close();
    }
  });
});
