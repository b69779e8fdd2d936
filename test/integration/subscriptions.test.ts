/**
 * One deployment governing several subscriptions, on the local runtime against the emulator with
 * the sample spread over three subscriptions under mg-nordwind: a sweep plans every governed
 * subscription and carries its changes out in each one's own subscription; a subscription that is
 * not governed is neither planned nor changed; an event of a governed subscription starts its
 * check, one of any other is dropped.
 */
import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import type * as AzureFunctions from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleEstates } from "../../emulator/estate/sample.ts";
import { finishWorkflows, type LocalApp, startLocalApp } from "../../local/localApp.ts";
import { drillInstanceId, ORCHESTRATIONS } from "../../orchestrations/names.ts";
import type { SweepInput, SweepResult } from "../../orchestrations/sweep.ts";
import { TableAuditTrail } from "../../shared/audit/trail.ts";
import { triageDelivery } from "../../shared/triggers/resourceEvents.ts";
import { loadConfig } from "../../shared/config.ts";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { planAcross } from "../../shared/planner.ts";
import { handleBudgetAlert } from "../../functions/budgetAlerts.ts";
import type { CostResponseResult } from "../../orchestrations/costContainment.ts";
import { readExample } from "../support/shapes.ts";
import { postgresClient, resourcesClient } from "../../shared/azure/clients.ts";
import type { DrillInput } from "../../orchestrations/restoreDrill.ts";
import type { DrillRecord } from "../../shared/drills/record.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { loadPolicyFile } from "../../shared/policy/loader.ts";

const functions = createRequire(import.meta.url)("@azure/functions") as typeof AzureFunctions;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const sample = sampleEstates(3);
const [second, third] = sample.subscriptions.map((other) => other.subscriptionId) as [string, string];

let app: LocalApp;

beforeAll(async () => {
  app = await startLocalApp({
    workDir: mkdtempSync(join(tmpdir(), "governor-subscriptions-")),
    sample,
    logger: quiet,
    taskHub: "GovernorSubscriptions",
    // The third subscription is in the management group but not governed by this deployment.
    settings: { GOVERNOR_SUBSCRIPTION_IDS: second, GOVERNOR_MANAGEMENT_GROUP: "mg-nordwind" },
  });
}, 120_000);
afterAll(async () => app?.close());

const vmsOf = (subscriptionId: string) =>
  app.emulator.core.store
    .list({ type: "Microsoft.Compute/virtualMachines" })
    .filter((vm) => vm.arm.id.toLowerCase().startsWith(`/subscriptions/${subscriptionId.toLowerCase()}/`));

describe("one deployment, several subscriptions", () => {
  it("answers a budget alert of another governed subscription with that subscription's own compute, named with its subscription", async () => {
    const payload = JSON.parse(
      JSON.stringify(readExample("cost-management/budget-alert-common-alert-schema-actual.json")).replaceAll(
        "11111111-1111-1111-1111-111111111111",
        second,
      ),
    ) as { data: { alertContext: { AlertData: Record<string, unknown> } } };
    // A forecast: its response proposes and changes nothing (the sweep below still finds the idle VM running).
    payload.data.alertContext.AlertData.ThresholdType = "Forecasted";
    const config = loadConfig(app.settings);
    const answer = await handleBudgetAlert(
      new functions.HttpRequest({
        method: "POST",
        url: "https://governor.example/api/budget-alerts",
        body: { string: JSON.stringify(payload) },
        headers: { "content-type": "application/json" },
      }),
      {
        client: app.runtime,
        log: { log: () => {}, warn: () => {} },
        now: () => app.clock.now(),
        subscriptionId: config.subscriptionId,
        subscriptions: config.subscriptions,
      },
    );
    expect(answer.status).toBe(202);
    const { instanceId } = answer.jsonBody as { instanceId: string };
    expect(instanceId.startsWith(`budget:${second.toLowerCase()}:`)).toBe(true);
    const status = await app.runtime.waitForCompletion(instanceId, { timeoutMs: 60_000 });
    expect(status.runtimeStatus, JSON.stringify(status.output)).toBe("Completed");
    const proposed = (status.output as CostResponseResult).proposals.flatMap((proposal) =>
      proposal.resources.map((resource) => resource.resourceId),
    );
    expect(proposed.length).toBeGreaterThan(0);
    // Its own subscription's compute, none of the home subscription's (whose budget has the same name).
    expect(proposed.filter((id) => !id.toLowerCase().startsWith(`/subscriptions/${second.toLowerCase()}/`))).toEqual([]);
    const trail = TableAuditTrail.fromConnectionString(app.azurite.connectionString);
    const [notice] = await trail.query({ instanceId, kind: "notice" });
    expect(notice?.reason).toMatch(new RegExp(`^budget \\S+ of subscription ${second} is forecast past`));
  }, 90_000);

  it("a sweep plans the governed subscriptions and changes each resource in its own subscription, never in one it does not govern, which it names", async () => {
    expect(loadConfig(app.settings).subscriptions).toEqual([sample.subscriptionId, second]);
    const instanceId = "sweep:stop-idle-nonprod-vms:subscriptions";
    const input: SweepInput = { policy: "stop-idle-nonprod-vms", scope: "subscriptions", trigger: { type: "cli" }, autoApprove: true };
    await app.runtime.startNew(ORCHESTRATIONS.sweep, { instanceId, input });
    await app.runtime.whenIdle();
    const status = await app.runtime.getStatus(instanceId);
    expect(status?.runtimeStatus).toBe("Completed");
    const result = status?.output as SweepResult;
    expect(result.reason).not.toContain("not planned");
    // The group's third subscription, added without being governed, is said until it is: by id and display name.
    const [note] = result.reason.split("; ").filter((part) => part.startsWith("not governed:"));
    expect(note).toMatch(
      new RegExp(`^not governed: subscription ${third} \\(.+\\) in management group mg-nordwind: resource events not delivered yet`),
    );
    expect(note).not.toContain(second);

    const trail = TableAuditTrail.fromConnectionString(app.azurite.connectionString);
    const outcomes = await trail.query({ kind: "outcome", policy: "stop-idle-nonprod-vms" });
    const bySubscription = (id: string) =>
      outcomes.filter((record) => record.resourceId?.toLowerCase().startsWith(`/subscriptions/${id.toLowerCase()}/`));
    expect(bySubscription(sample.subscriptionId).some((record) => record.outcome === "applied")).toBe(true);
    const secondApplied = bySubscription(second).filter((record) => record.outcome === "applied");
    expect(secondApplied.map((record) => record.resourceId?.split("/").at(-1))).toEqual(["vm-odoo-s2-dev-01"]);
    expect(vmsOf(second).find((vm) => vm.arm.name === "vm-odoo-s2-dev-01")?.sim?.powerState).toBe("deallocated");
    // The third subscription's idle VM is found by nobody: not governed, not planned, not changed.
    expect(bySubscription(third)).toEqual([]);
    const findings = await trail.query({ kind: "finding", policy: "stop-idle-nonprod-vms" });
    expect(findings.filter((record) => record.resourceId?.toLowerCase().includes(third.toLowerCase()))).toEqual([]);
    expect(vmsOf(third).find((vm) => vm.arm.name.endsWith("-dev-01"))?.sim?.powerState).toBe("running");
  }, 120_000);

  it("events of a governed subscription are taken, those of one it does not govern dropped with why", () => {
    const config = loadConfig(app.settings);
    const event = (subscriptionId: string, name: string) => ({
      id: `event-${name}`,
      topic: `/subscriptions/${subscriptionId}`,
      subject: `/subscriptions/${subscriptionId}/resourceGroups/rg-odoo-dev/providers/Microsoft.Compute/virtualMachines/${name}`,
      eventType: "Microsoft.Resources.ResourceWriteSuccess",
      eventTime: "2026-11-23T19:30:00Z",
      dataVersion: "2",
      metadataVersion: "1",
      data: {
        operationName: "Microsoft.Compute/virtualMachines/write",
        resourceUri: `/subscriptions/${subscriptionId}/resourceGroups/rg-odoo-dev/providers/Microsoft.Compute/virtualMachines/${name}`,
        status: "Succeeded",
        subscriptionId,
        claims: { oid: "11111111-2222-3333-4444-555555555555" },
      },
    });
    const triage = triageDelivery([event(second, "vm-new-02"), event(third, "vm-new-03")], {
      identity: config.identity,
      subscriptionId: config.subscriptionId,
      subscriptions: config.subscriptions,
      policies: [{ name: "required-tags", resource: "any", mode: "enforce" }],
    });
    expect(triage.status).toBe("accepted");
    if (triage.status !== "accepted") return;
    expect(triage.relevant.map((relevant) => relevant.resourceId.split("/").at(-1))).toEqual(["vm-new-02"]);
    expect(triage.dropped).toEqual([
      { eventId: "event-vm-new-03", reason: expect.stringContaining("is not in a governed subscription") as string },
    ]);
  });

  it("lists every governed subscription's resources in one Resource Graph query, and a subscription it cannot see is named, the others planned", async () => {
    const set = await loadPolicyFile(DEFAULT_POLICIES, builtinRegistry());
    const unseen = "0e0e0e0e-0000-4000-8000-00000000dead";
    const ids = [sample.subscriptionId, second, unseen];
    // What each Resource Graph request asked, as it left Governor.
    const asked: Array<{ subscriptions?: string[]; query: string }> = [];
    const recorder: PipelinePolicy = {
      name: "recordGraphQueries",
      sendRequest: (request, next) => {
        if (/microsoft\.resourcegraph\/resources/i.test(request.url) && typeof request.body === "string")
          asked.push(JSON.parse(request.body) as { subscriptions?: string[]; query: string });
        return next(request);
      },
    };
    const result = await planAcross(
      ids.map((id) => emulatorTarget(app.emulator, id)),
      set,
      app.clock.now(),
      builtinRegistry(),
      { pipelinePolicies: [recorder] },
    );
    // The inventory is two queries across the three subscriptions (resources; groups with the subscriptions' own rows), not two per subscription.
    const inventoryQueries = asked.filter((request) => /^(Resources\n\| project id|ResourceContainers\n)/.test(request.query));
    expect(inventoryQueries.map((request) => request.subscriptions)).toEqual([ids, ids]);
    expect(result.subscriptions.map((part) => [part.subscriptionId, part.resources > 0, part.error?.split(":")[0]])).toEqual([
      [sample.subscriptionId, true, undefined],
      [second, true, undefined],
      [unseen, false, "SubscriptionNotVisible"],
    ]);
    // Each inventory holds its own subscription's resources and groups only.
    for (const inventory of result.inventories) {
      const own = `/subscriptions/${inventory.subscriptionId.toLowerCase()}/`;
      expect(inventory.resources.every((resource) => resource.id.toLowerCase().startsWith(own))).toBe(true);
      expect(Object.values(inventory.resourceGroups).every((group) => group.id.toLowerCase().startsWith(own))).toBe(true);
    }
    expect(result.evaluation.findings.some((finding) => finding.resourceId.toLowerCase().includes(second.toLowerCase()))).toBe(true);
  }, 60_000);

  it("drills a server of another governed subscription in that subscription's drill resource group, and deletes the copy there", async () => {
    const target = emulatorTarget(app.emulator, second);
    const groups = (await resourcesClient(target)).resourceGroups;
    for (const name of ["rg-governor-drills", "rg-odoo-s2-data"]) await groups.createOrUpdate(name, { location: "westeurope" });
    const client = await postgresClient(target);
    const source = await client.servers.beginCreateOrUpdateAndWait(
      "rg-odoo-s2-data",
      "psql-odoo-s2-prod",
      {
        location: "westeurope",
        createMode: "Create",
        version: "17",
        administratorLogin: "odooadmin",
        administratorLoginPassword: "not-used-here-1!",
        tags: { environment: "prod" },
      },
      { updateIntervalInMs: 10 },
    );
    // Its first backup, five minutes on, is the earliest restore point.
    app.clock.advance(10 * 60_000);
    const instanceId = drillInstanceId(source.id as string, "subscriptions-test");
    const input: DrillInput = { serverId: source.id as string, args: {}, trigger: { type: "manual" } };
    await app.runtime.startNew(ORCHESTRATIONS.restoreDrill, { instanceId, input });
    const [status] = await finishWorkflows(app, [instanceId]);
    const record = status?.output as DrillRecord;
    // The restore ran in the source's own subscription (no database runs behind it in the emulator, so the connection check fails).
    expect(
      record.drillServer.id.toLowerCase().startsWith(`/subscriptions/${second.toLowerCase()}/resourcegroups/rg-governor-drills/`),
    ).toBe(true);
    expect(record.failures).toEqual([
      `check connection failed: cannot connect to the restored server: no database runs behind ${record.drillServer.name} in the emulator`,
    ]);
    expect(record.teardown.confirmed).toBe(true);
    const copies = app.emulator.core.store
      .list({ type: "Microsoft.DBforPostgreSQL/flexibleServers" })
      .filter((server) => server.arm.tags?.["governor-drill"] === "copy");
    expect(copies).toEqual([]);
  }, 60_000);
});
