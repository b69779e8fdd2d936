/**
 * One emulator, one tenant, several subscriptions under a management group hierarchy: the groups
 * and the subscriptions list as Azure answers them, Resource Graph across subscriptions and
 * across a group, and ARM's throttling buckets kept per subscription.
 */
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { ResourceManagementClient } from "@azure/arm-resources";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VirtualClock } from "../../emulator/clock.ts";
import type { EstateDefinition } from "../../emulator/estate/load.ts";
import { sampleEstates } from "../../emulator/estate/sample.ts";
import { type Emulator, startEmulator } from "../../emulator/server.ts";
import { type AzureClientOptions, emulatorTarget } from "../../shared/azure/target.ts";
import { type ArmReader, armReader } from "../support/armRequests.ts";

const MG_API = "api-version=2023-04-01";
const SUBSCRIPTIONS_API = "api-version=2022-12-01";
const GROUPS = "/providers/Microsoft.Management/managementGroups";

const sample = sampleEstates(3);
const [FIRST, SECOND, THIRD] = [sample.subscriptionId, ...sample.subscriptions.map((subscription) => subscription.subscriptionId)] as [
  string,
  string,
  string,
];
/** A subscription of the same tenant that no group names: it sits in the tenant root group, outside mg-nordwind. */
const OUTSIDE = "0b7e4c1d-92a6-4f35-8d21-5c9e7a3f6b10";
const UNKNOWN = "99999999-9999-4999-8999-999999999999";

const sandbox: EstateDefinition = {
  resourceGroups: [{ name: "rg-sandbox", location: "westeurope", tags: { environment: "dev" } }],
  resources: [
    { type: "Microsoft.Network/networkInterfaces", resourceGroup: "rg-sandbox", name: "nic-sandbox-01", body: { location: "westeurope" } },
  ],
};

function graphClient(emulator: Emulator): ResourceGraphClient {
  const target = emulatorTarget(emulator, FIRST);
  return new ResourceGraphClient(target.credential, { endpoint: target.armEndpoint, ...target.clientOptions });
}

function resourcesClient(emulator: Emulator, subscriptionId: string, options: AzureClientOptions = {}): ResourceManagementClient {
  const target = emulatorTarget(emulator, subscriptionId, options);
  return new ResourceManagementClient(target.credential, target.subscriptionId, { endpoint: target.armEndpoint, ...target.clientOptions });
}

describe("three subscriptions under mg-nordwind", () => {
  let emulator: Emulator;
  let arm: ArmReader;
  let graph: ResourceGraphClient;

  beforeAll(async () => {
    emulator = await startEmulator({
      estate: sample.estate,
      subscriptionId: FIRST,
      displayName: sample.displayName,
      subscriptions: [...sample.subscriptions, { subscriptionId: OUTSIDE, displayName: "Contoso sandbox", estate: sandbox }],
      // The third subscription sits one level down, so scopes must follow the hierarchy all the way.
      managementGroups: [
        {
          name: "mg-nordwind",
          displayName: "Nordwind",
          subscriptions: [FIRST, SECOND],
          children: [{ name: "mg-nordwind-alpine", displayName: "Nordwind Alpine", subscriptions: [THIRD] }],
        },
      ],
      clock: new VirtualClock(sample.now),
      throttle: false,
      resourceGraphQuota: false,
    });
    arm = armReader(emulatorTarget(emulator, FIRST));
    graph = graphClient(emulator);
  });
  afterAll(async () => emulator.close());

  it("answers mg-nordwind with $expand=children: its child group and its two subscriptions, under the tenant root group", async () => {
    const answer = await arm.get(`${GROUPS}/mg-nordwind?${MG_API}&$expand=children`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      id: `${GROUPS}/mg-nordwind`,
      type: "Microsoft.Management/managementGroups",
      name: "mg-nordwind",
      properties: {
        tenantId: emulator.core.tenantId,
        displayName: "Nordwind",
        details: { parent: { id: `${GROUPS}/${emulator.core.tenantId}`, name: emulator.core.tenantId, displayName: "Tenant Root Group" } },
        children: [
          { id: `${GROUPS}/mg-nordwind-alpine`, type: "Microsoft.Management/managementGroups", name: "mg-nordwind-alpine" },
          { id: `/subscriptions/${FIRST}`, type: "/subscriptions", name: FIRST, displayName: "Nordwind Distribution" },
          { id: `/subscriptions/${SECOND}`, type: "/subscriptions", name: SECOND, displayName: "Nordwind Benelux" },
        ],
      },
    });
    const children = (answer.body as { properties: { children: Array<{ children?: unknown }> } }).properties.children;
    expect(children.every((child) => child.children === undefined)).toBe(true);
  });

  it("answers the whole hierarchy below a group with $recurse=true, and refuses $recurse without $expand=children", async () => {
    const answer = await arm.get(`${GROUPS}/mg-nordwind?${MG_API}&$expand=children&$recurse=true`);
    const alpine = (answer.body as { properties: { children: Array<{ name: string; children?: unknown }> } }).properties.children.find(
      (child) => child.name === "mg-nordwind-alpine",
    );
    expect(alpine?.children).toEqual([
      { id: `/subscriptions/${THIRD}`, type: "/subscriptions", name: THIRD, displayName: "Nordwind Alpine" },
    ]);

    const root = await arm.get(`${GROUPS}/${emulator.core.tenantId}?${MG_API}&$expand=children&$recurse=true`);
    const rootChildren = (root.body as { properties: { children: Array<{ name: string }> } }).properties.children.map(
      (child) => child.name,
    );
    expect(rootChildren).toEqual(["mg-nordwind", OUTSIDE]);

    expect(await arm.get(`${GROUPS}/mg-nordwind?${MG_API}&$recurse=true`)).toMatchObject({ status: 400 });
    expect(await arm.get(`${GROUPS}/mg-elsewhere?${MG_API}`)).toMatchObject({ status: 404, body: { error: { code: "NotFound" } } });
  });

  it("gives a group's path from the root and its ancestors from the nearest", async () => {
    const path = await arm.get(`${GROUPS}/mg-nordwind-alpine?${MG_API}&$expand=path`);
    expect((path.body as { properties: { details: { path: unknown } } }).properties.details.path).toEqual([
      { name: emulator.core.tenantId, displayName: "Tenant Root Group" },
      { name: "mg-nordwind", displayName: "Nordwind" },
      { name: "mg-nordwind-alpine", displayName: "Nordwind Alpine" },
    ]);
    const ancestors = await arm.get(`${GROUPS}/mg-nordwind-alpine?${MG_API}&$expand=ancestors`);
    expect(
      (ancestors.body as { properties: { details: { managementGroupAncestors: unknown } } }).properties.details.managementGroupAncestors,
    ).toEqual(["mg-nordwind", emulator.core.tenantId]);
  });

  it("pages mg-nordwind's descendants with $top and $skiptoken: every group and subscription below it once, each with its parent", async () => {
    const pages: Array<Array<{ id: string; type: string; properties: { displayName: string; parent: { id: string } } }>> = [];
    let next: string | null = `${GROUPS}/mg-nordwind/descendants?${MG_API}&$top=2`;
    while (next !== null) {
      const page = (await arm.get(next)).body as { value: (typeof pages)[number]; nextLink: string | null };
      pages.push(page.value);
      if (page.nextLink !== null) expect(new URL(page.nextLink).searchParams.get("$skiptoken")).not.toBeNull();
      next = page.nextLink;
    }
    expect(pages.map((page) => page.length)).toEqual([2, 2]);
    expect(pages.flat().map((entry) => [entry.id, entry.type, entry.properties.parent.id])).toEqual([
      [`${GROUPS}/mg-nordwind-alpine`, "Microsoft.Management/managementGroups", `${GROUPS}/mg-nordwind`],
      [`/subscriptions/${THIRD}`, "Microsoft.Management/managementGroups/subscriptions", `${GROUPS}/mg-nordwind-alpine`],
      [`/subscriptions/${FIRST}`, "Microsoft.Management/managementGroups/subscriptions", `${GROUPS}/mg-nordwind`],
      [`/subscriptions/${SECOND}`, "Microsoft.Management/managementGroups/subscriptions", `${GROUPS}/mg-nordwind`],
    ]);
    const unpaged = (await arm.get(`${GROUPS}/mg-nordwind/descendants?${MG_API}`)).body as { value: unknown[]; nextLink: unknown };
    expect(unpaged).toEqual({ value: pages.flat(), nextLink: null });
  });

  it("lists every subscription of the tenant with its id, display name, state and tenant", async () => {
    const answer = await arm.get(`/subscriptions?${SUBSCRIPTIONS_API}`);
    expect(answer.status).toBe(200);
    const listed = (answer.body as { value: Array<Record<string, unknown>> }).value;
    expect(listed.map((subscription) => [subscription.subscriptionId, subscription.displayName])).toEqual([
      [FIRST, "Nordwind Distribution"],
      [SECOND, "Nordwind Benelux"],
      [THIRD, "Nordwind Alpine"],
      [OUTSIDE, "Contoso sandbox"],
    ]);
    for (const subscription of listed) {
      expect(subscription).toMatchObject({
        id: `/subscriptions/${subscription.subscriptionId as string}`,
        state: "Enabled",
        tenantId: emulator.core.tenantId,
        authorizationSource: "RoleBased",
      });
    }
    const one = await arm.get(`/subscriptions/${SECOND}?${SUBSCRIPTIONS_API}`);
    expect(one.body).toMatchObject({ subscriptionId: SECOND, displayName: "Nordwind Benelux" });
  });

  it("answers a Resource Graph query naming three subscriptions with rows of all three and only them, each with its subscriptionId", async () => {
    const query = "Resources | project id, subscriptionId";
    const page = await graph.resources({ subscriptions: [FIRST, SECOND, THIRD], query });
    const rows = page.data as Array<{ id: string; subscriptionId: string }>;
    expect(new Set(rows.map((row) => row.subscriptionId))).toEqual(new Set([FIRST, SECOND, THIRD]));
    for (const row of rows) expect(row.id.startsWith(`/subscriptions/${row.subscriptionId}/`)).toBe(true);
    let alone = 0;
    for (const subscriptionId of [FIRST, SECOND, THIRD])
      alone += (await graph.resources({ subscriptions: [subscriptionId], query })).totalRecords;
    expect(page.totalRecords).toBe(alone);
  });

  it("answers a query scoped to mg-nordwind across every subscription under it, its child group's too, and none outside it", async () => {
    const query = "Resources | summarize resources = count() by subscriptionId | order by subscriptionId asc";
    const byGroup = await graph.resources({ managementGroups: ["mg-nordwind"], query });
    const bySubscriptions = await graph.resources({ subscriptions: [FIRST, SECOND, THIRD], query });
    expect(byGroup.data).toEqual(bySubscriptions.data);
    expect((byGroup.data as Array<{ subscriptionId: string }>).map((row) => row.subscriptionId)).toEqual([FIRST, SECOND, THIRD].sort());

    const alpine = await graph.resources({ managementGroups: ["mg-nordwind-alpine"], query: "Resources | project id, subscriptionId" });
    expect(new Set((alpine.data as Array<{ subscriptionId: string }>).map((row) => row.subscriptionId))).toEqual(new Set([THIRD]));

    const containers = await graph.resources({
      managementGroups: ["mg-nordwind"],
      query:
        "ResourceContainers | where type == 'microsoft.resources/subscriptions' | project id, name, chain = properties.managementGroupAncestorsChain | order by id asc",
    });
    expect(containers.data).toContainEqual({
      id: `/subscriptions/${THIRD}`,
      name: "Nordwind Alpine",
      chain: [
        { name: "mg-nordwind-alpine", displayName: "Nordwind Alpine" },
        { name: "mg-nordwind", displayName: "Nordwind" },
        { name: emulator.core.tenantId, displayName: "Tenant Root Group" },
      ],
    });
  });

  it("pages a result across subscriptions with $skipToken without losing or repeating a row, pages spanning two subscriptions", async () => {
    const query = "Resources | project id, name, subscriptionId";
    const seen: string[] = [];
    const subscriptionsPerPage: number[] = [];
    let skipToken: string | undefined;
    let total = 0;
    do {
      const page = await graph.resources({
        managementGroups: ["mg-nordwind"],
        query,
        options: { top: 40, ...(skipToken ? { skipToken } : {}) },
      });
      total = page.totalRecords;
      const rows = page.data as Array<{ id: string; subscriptionId: string }>;
      seen.push(...rows.map((row) => row.id));
      subscriptionsPerPage.push(new Set(rows.map((row) => row.subscriptionId)).size);
      skipToken = page.skipToken;
    } while (skipToken !== undefined);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect(subscriptionsPerPage.some((count) => count > 1)).toBe(true);
  });

  it("refuses a query naming both subscriptions and management groups, or a group it does not know", async () => {
    const query = "Resources | project id";
    await expect(graph.resources({ subscriptions: [FIRST], managementGroups: ["mg-nordwind"], query })).rejects.toMatchObject({
      statusCode: 400,
    });
    await expect(graph.resources({ managementGroups: ["mg-elsewhere"], query })).rejects.toMatchObject({ statusCode: 400 });
  });

  it("answers a subscription it does not serve with 404 SubscriptionNotFound, through ARM and the subscriptions API", async () => {
    const unknown = resourcesClient(emulator, UNKNOWN);
    await expect(unknown.resourceGroups.list().next()).rejects.toMatchObject({ statusCode: 404, code: "SubscriptionNotFound" });
    expect(await arm.get(`/subscriptions/${UNKNOWN}?${SUBSCRIPTIONS_API}`)).toMatchObject({
      status: 404,
      body: { error: { code: "SubscriptionNotFound" } },
    });
    // The others answer their own resource groups.
    const groups: string[] = [];
    for await (const group of resourcesClient(emulator, THIRD).resourceGroups.list()) groups.push(group.name as string);
    expect(groups).toEqual(["rg-odoo-prod-s3", "rg-odoo-dev-s3", "rg-network-s3"]);
  });
});

describe("ARM throttling per subscription", () => {
  let emulator: Emulator;
  const group = (name: string): EstateDefinition => ({ resourceGroups: [{ name, location: "westeurope" }], resources: [] });

  beforeAll(async () => {
    emulator = await startEmulator({
      estate: group("rg-first"),
      subscriptionId: FIRST,
      subscriptions: [{ subscriptionId: SECOND, estate: group("rg-second") }],
      // Buckets that do not refill within the test: what one subscription spends stays spent.
      throttle: {
        read: { capacity: 3, refillPerSecond: 0.01 },
        write: { capacity: 3, refillPerSecond: 0.01 },
        delete: { capacity: 3, refillPerSecond: 0.01 },
      },
    });
  });
  afterAll(async () => emulator.close());

  it("throttles one subscription whose read bucket is empty while another subscription still answers 200, and its writes still pass", async () => {
    const noRetries = { retryOptions: { maxRetries: 0 } };
    const first = resourcesClient(emulator, FIRST, noRetries);
    for (let read = 0; read < 3; read += 1) expect((await first.resourceGroups.get("rg-first")).name).toBe("rg-first");
    await expect(first.resourceGroups.get("rg-first")).rejects.toMatchObject({ statusCode: 429, code: "TooManyRequests" });

    const second = resourcesClient(emulator, SECOND, noRetries);
    expect((await second.resourceGroups.get("rg-second")).name).toBe("rg-second");
    // Reads, writes and deletes are three buckets: the first subscription's empty reads leave its writes.
    expect((await first.resourceGroups.createOrUpdate("rg-first-more", { location: "westeurope" })).name).toBe("rg-first-more");

    const throttled = emulator.core.log.entries({ route: "resourceGroups.get" }).filter((entry) => entry.status === 429);
    expect(throttled.map((entry) => entry.path)).toEqual([`/subscriptions/${FIRST}/resourcegroups/rg-first`]);
  });
});
