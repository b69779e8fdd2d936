/**
 * The baselines' facts through the real SDK clients against the emulator: the subscription's locks
 * in one list (resource, group and subscription locks alike), each resource's diagnostic settings,
 * a PostgreSQL server's `ssl_min_protocol_version` as Azure reports it, and only for the resources
 * in scope; a resource whose settings cannot be read is that resource's undecided fact.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VirtualClock } from "../../emulator/clock.ts";
import { sampleEstate } from "../../emulator/estate/sample.ts";
import { type Emulator, startEmulator } from "../../emulator/server.ts";
import { monitorClient } from "../../shared/azure/clients.ts";
import { type AzureTarget, emulatorTarget } from "../../shared/azure/target.ts";
import { createRequestCounter, type FactRequestsByKind, gatherFacts, gatherInventory } from "../../shared/inventory/gather.ts";
import type { Facts, Inventory, InventoryResource } from "../../shared/policy/types.ts";

const sample = sampleEstate();
const TLS = { type: "server-parameter", name: "ssl_min_protocol_version" } as const;
const REQUESTS: FactRequestsByKind = {
  "postgresql-server": [{ type: "diagnostic-settings" }, TLS, { type: "locks" }],
  "storage-account": [{ type: "diagnostic-settings" }],
  "key-vault": [{ type: "diagnostic-settings" }, { type: "locks" }],
};

let emulator: Emulator;
let target: AzureTarget;
let inventory: Inventory;
let facts: Facts;

const named = (name: string): InventoryResource => {
  const found = inventory.resources.find((resource) => resource.name === name);
  if (!found) throw new Error(`${name} is not in the inventory`);
  return found;
};

beforeAll(async () => {
  emulator = await startEmulator({ estate: sample.estate, subscriptionId: sample.subscriptionId, clock: new VirtualClock(sample.now) });
  target = emulatorTarget(emulator, sample.subscriptionId);
  inventory = await gatherInventory(target);
  facts = await gatherFacts(target, inventory, REQUESTS, sample.now);
});
afterAll(async () => emulator.close());

describe("the baselines' facts", () => {
  it("list every lock of the subscription once, each with the scope it is on", () => {
    const group = `/subscriptions/${sample.subscriptionId}/resourceGroups/rg-odoo-dr`;
    expect(facts.locks).toEqual(
      expect.arrayContaining([
        { name: "lock-psql-odoo-prod", level: "CanNotDelete", scope: named("psql-odoo-prod").id },
        { name: "lock-kv-odoo-prod", level: "ReadOnly", scope: named("kv-odoo-prod").id },
        { name: "lock-rg-odoo-dr", level: "CanNotDelete", scope: group },
      ]),
    );
    expect(emulator.core.log.entries().filter((entry) => entry.route === "managementLocks.list")).toHaveLength(1);
  });

  it("read each asked resource's diagnostic settings: to a workspace, to storage only, or none", () => {
    const of = (name: string) => facts.diagnosticSettings?.[named(name).id.toLowerCase()];
    expect(of("psql-odoo-prod")).toEqual({
      settings: [
        { name: "diag-psql-odoo-prod", workspaceId: expect.stringMatching(/\/workspaces\/law-odoo-prod$/) as unknown, enabled: true },
      ],
    });
    expect(of("psql-odoo-staging")).toEqual({
      settings: [
        { name: "diag-psql-odoo-staging-archive", storageAccountId: expect.stringMatching(/stodooprodfiles$/) as unknown, enabled: true },
      ],
    });
    expect(of("kv-odoo-staging")).toEqual({ settings: [] });
    // Not asked for: AKS clusters and Redis caches.
    expect(of("aks-odoo-staging")).toBeUndefined();
    expect(of("redis-odoo-prod")).toBeUndefined();
  });

  it("read ssl_min_protocol_version of each server as Azure reports it, default or overridden", () => {
    const of = (name: string) => facts.serverParameters?.[named(name).id.toLowerCase()]?.ssl_min_protocol_version;
    expect(of("psql-odoo-dev")).toEqual({ value: "TLSv1", source: "user-override" });
    expect(of("psql-odoo-prod")).toEqual({ value: "TLSv1.2", source: "system-default" });
  });

  it("read per-resource facts only for the resources in scope, and no locks when none is", async () => {
    const counter = createRequestCounter();
    const dev = named("psql-odoo-dev");
    const scoped = await gatherFacts(target, inventory, REQUESTS, sample.now, {
      requestCounter: counter,
      scope: (request, resource) => request.type !== "locks" && resource.id === dev.id,
    });
    expect(Object.keys(scoped.diagnosticSettings ?? {})).toEqual([dev.id.toLowerCase()]);
    expect(Object.keys(scoped.serverParameters ?? {})).toEqual([dev.id.toLowerCase()]);
    expect(scoped.locks).toBeUndefined();
    expect(counter.requests).toBe(2);
  });

  it("read a storage account's settings on its blob service, where its logs are: one on the account itself (its metrics) does not count", async () => {
    const account = named("stodootestexports");
    const monitor = await monitorClient(target);
    await monitor.diagnosticSettings.createOrUpdate(account.id, "diag-account-metrics", {
      workspaceId: `/subscriptions/${sample.subscriptionId}/resourceGroups/rg-odoo-prod/providers/Microsoft.OperationalInsights/workspaces/law-odoo-prod`,
      metrics: [{ category: "Transaction", enabled: true }],
    });
    const read = await gatherFacts(target, { ...inventory, resources: [account] }, REQUESTS, sample.now);
    expect(read.diagnosticSettings?.[account.id.toLowerCase()]).toEqual({ settings: [] });
    const onBlobs = emulator.core.log
      .entries()
      .filter((entry) => entry.route === "diagnosticSettings.list" && /\/blobServices\/default\//i.test(entry.path));
    expect(onBlobs.length).toBeGreaterThan(0);

    // On the blob service, the same setting counts; a blob service of no account is not found.
    const workspaceId = `/subscriptions/${sample.subscriptionId}/resourceGroups/rg-odoo-prod/providers/Microsoft.OperationalInsights/workspaces/law-odoo-prod`;
    await monitor.diagnosticSettings.createOrUpdate(`${account.id}/blobServices/default`, "diag-blob-logs", {
      workspaceId,
      logs: [{ categoryGroup: "allLogs", enabled: true }],
    });
    const again = await gatherFacts(target, { ...inventory, resources: [account] }, REQUESTS, sample.now);
    expect(again.diagnosticSettings?.[account.id.toLowerCase()]).toMatchObject({ settings: [{ name: "diag-blob-logs", enabled: true }] });
    await expect(
      monitor.diagnosticSettings.createOrUpdate(`${account.id.replace(/exports$/, "nosuch")}/blobServices/default`, "diag", {
        workspaceId,
      }),
    ).rejects.toMatchObject({ statusCode: 404 });
  });

  it("keep a resource whose settings cannot be read as an error fact, and still read the others", async () => {
    const gone: InventoryResource = { ...named("stodootestexports"), id: named("stodootestexports").id.replace(/exports$/, "gone") };
    const partial = await gatherFacts(target, { ...inventory, resources: [gone, named("stodooprodfiles")] }, REQUESTS, sample.now);
    expect(partial.diagnosticSettings?.[gone.id.toLowerCase()]).toEqual({ error: "ResourceNotFound (HTTP 404)" });
    expect(partial.diagnosticSettings?.[named("stodooprodfiles").id.toLowerCase()]).toMatchObject({
      settings: [{ name: "diag-stodooprodfiles" }],
    });
  });
});
