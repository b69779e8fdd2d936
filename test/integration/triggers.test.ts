/**
 * Governor's functions as the Functions host serves them: every entry file loaded from
 * package.json's `main`, the local host on 127.0.0.1, and Microsoft's reference payloads posted
 * over HTTP to the Event Grid webhook and the budget alerts route. What each payload starts is
 * read back from the local Durable runtime and the emulated subscription.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkInstanceId } from "../../orchestrations/names.ts";
import { DurableStore, type Registration } from "../../local/durable/index.ts";
import { entryFilesIn, loadEntries } from "../../local/entries.ts";
import { type LocalHost, startLocalHost } from "../../local/host.ts";
import { type LocalApp, startLocalApp } from "../../local/localApp.ts";
import { readExample } from "../support/shapes.ts";

type Json = Record<string, unknown>;
const KEY = "triggers-test-key";
const TASK_HUB = "GovernorTriggers";
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

let app: LocalApp;
let host: LocalHost;
let store: DurableStore;
let registrations: Registration[];
const lines: string[] = [];

beforeAll(async () => {
  app = await startLocalApp({ workDir: mkdtempSync(join(tmpdir(), "governor-triggers-")), logger: quiet, taskHub: TASK_HUB });
  registrations = await loadEntries(entryFilesIn("functions"));
  host = await startLocalHost({
    registrations,
    runtime: app.runtime,
    taskHub: TASK_HUB,
    functionKey: KEY,
    clock: app.clock,
    timeZone: "Europe/Brussels",
    port: 0,
    logger: { info: (line) => void lines.push(line), warn: (line) => void lines.push(line), error: (line) => void lines.push(line) },
  });
  store = await DurableStore.open({ connectionString: app.azurite.connectionString, taskHub: TASK_HUB });
}, 120_000);
afterAll(async () => {
  await host?.close();
  await app?.close();
});

/** A reference Event Grid payload with its placeholders filled with a storage account of the sample estate. */
function estateEvents(example: string): Json[] {
  const text = JSON.stringify(readExample(`event-grid/${example}`))
    .replaceAll("{subscription-id}", app.sample.subscriptionId)
    .replaceAll("{resource-group}", "rg-odoo-test")
    .replaceAll("{storage-name}", "stodootestexports");
  return JSON.parse(text) as Json[];
}

const STORAGE_ID = () =>
  `/subscriptions/${app.sample.subscriptionId}/resourceGroups/rg-odoo-test/providers/Microsoft.Storage/storageAccounts/stodootestexports`;

async function postEvents(body: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${host.url}/runtime/webhooks/eventgrid?functionName=resourceEvents`, { method: "POST", headers, body });
}

const notification = { "content-type": "application/json", "aeg-event-type": "Notification" };
const instanceNames = async (): Promise<string[]> =>
  (await store.listInstances()).map((record) => `${record.name} ${record.instanceId}`).sort();
const writes = (since: number) => app.emulator.core.log.entries({ since }).filter((entry) => entry.method !== "GET");

describe("the app's entry files on the local host", () => {
  it("serve every trigger the app registers: Event Grid, the budget webhook, the approval and report routes, the status route and the timers", () => {
    expect(registrations.map((registration) => `${registration.name} ${registration.triggerType}`).sort()).toEqual([
      "approvalDecision httpTrigger",
      "approvalPage httpTrigger",
      "budgetAlerts httpTrigger",
      "dailyDigest timerTrigger",
      "drillHeartbeats timerTrigger",
      "drillSweeps timerTrigger",
      "instanceStatus httpTrigger",
      "report httpTrigger",
      "reportPage httpTrigger",
      "resourceEvents eventGridTrigger",
      "savingsLedgerRefresh timerTrigger",
      "sweeps timerTrigger",
    ]);
  });
});

describe("Event Grid reference payloads posted to the webhook", () => {
  it("the subscription validation event is answered with the documented response", async () => {
    const response = await postEvents(JSON.stringify(readExample("event-grid/subscription-validation-event.json")), {
      "content-type": "application/json",
      "aeg-event-type": "SubscriptionValidation",
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(readExample("event-grid/subscription-validation-response.json"));
  });

  it("a write in the Event Grid schema starts the check of that resource, which completes", async () => {
    const response = await postEvents(JSON.stringify(estateEvents("resource-write-success.eventgrid-schema.json")), notification);
    expect(response.status, await response.text()).toBe(202);
    const status = await app.runtime.waitForCompletion(checkInstanceId(STORAGE_ID()), { timeoutMs: 60_000 });
    expect(status.runtimeStatus, JSON.stringify(status.output)).toBe("Completed");
    expect(status.output).toMatchObject({ resourceId: expect.stringMatching(/stodootestexports$/i) as unknown, exists: true });
  }, 90_000);

  it("the same write in the CloudEvents 1.0 schema is the same event: delivered after it, it starts nothing more", async () => {
    const before = await instanceNames();
    const since = app.emulator.core.log.total;
    const response = await postEvents(JSON.stringify(estateEvents("resource-write-success.cloudevents-schema.json")), {
      "content-type": "application/cloudevents-batch+json; charset=utf-8",
    });
    expect(response.status, await response.text()).toBe(202);
    await app.runtime.whenIdle();
    expect(await instanceNames()).toEqual(before);
    expect(writes(since)).toEqual([]);
    expect(lines.some((line) => line.includes("4db48cba-50a2-455a-93b4-de41a3b5b7f6 already handled"))).toBe(true);
  });

  /** The reference write in the older format: claims, authorization and httpRequest as JSON text (the 2018-01-01 schema types them as strings). */
  function olderFormat(id: string): Json[] {
    const [deleted] = estateEvents("resource-delete-success.eventgrid-schema.json") as [{ data: { httpRequest: Json } }];
    return estateEvents("resource-write-success.eventgrid-schema.json").map((event) => {
      const data = event.data as Json;
      return {
        ...event,
        id,
        data: {
          ...data,
          claims: JSON.stringify(data.claims),
          authorization: JSON.stringify(data.authorization),
          httpRequest: JSON.stringify({ ...deleted.data.httpRequest, method: "PUT" }),
        },
      };
    });
  }

  it("a write in the older format, its claims, authorization and httpRequest JSON text, starts the check as the current format does", async () => {
    await app.runtime.whenIdle();
    const response = await postEvents(JSON.stringify(olderFormat("0c5e3f1a-older-format-write")), notification);
    expect(response.status, await response.text()).toBe(202);
    expect(lines).toContainEqual(
      expect.stringContaining("event 0c5e3f1a-older-format-write (Microsoft.Storage/storageAccounts/write): started"),
    );
    const status = await app.runtime.waitForCompletion(checkInstanceId(STORAGE_ID()), { timeoutMs: 60_000 });
    expect(status.runtimeStatus, JSON.stringify(status.output)).toBe("Completed");
  }, 90_000);

  it("an event Governor cannot use is acknowledged (202) and logged, so Event Grid does not retry it for a day; it starts nothing", async () => {
    await app.runtime.whenIdle();
    const before = await instanceNames();
    const [unusable] = olderFormat("7d2a9b4e-unreadable-claims") as [Json];
    (unusable.data as Json).claims = '{"aud": "https://management.core.windows.net/", "name": ';
    const response = await postEvents(JSON.stringify([unusable]), notification);
    expect(response.status, await response.text()).toBe(202);
    expect(lines).toContainEqual(
      expect.stringMatching(/delivery refused, nothing started: event 0 \(7d2a9b4e-unreadable-claims\): data\.claims is/),
    );
    await app.runtime.whenIdle();
    expect(await instanceNames()).toEqual(before);
  });

  it("a delete is acknowledged and dropped with its reason: there is nothing left to check", async () => {
    const before = await instanceNames();
    const response = await postEvents(JSON.stringify(estateEvents("resource-delete-success.eventgrid-schema.json")), notification);
    expect(response.status, await response.text()).toBe(202);
    await app.runtime.whenIdle();
    expect(await instanceNames()).toEqual(before);
    expect(lines.some((line) => line.includes("19a69642-1aad-4a96-a5ab-8d05494513ce dropped"))).toBe(true);
  });

  it("malformed JSON, a wrong content type and an oversized body get a 4xx with a reason, and start nothing", async () => {
    const before = await instanceNames();
    const since = app.emulator.core.log.total;
    const malformed = await postEvents("[{", notification);
    const wrongType = await postEvents(JSON.stringify(estateEvents("resource-write-success.eventgrid-schema.json")), {
      ...notification,
      "content-type": "text/plain",
    });
    const oversized = await postEvents(JSON.stringify([{ padding: "x".repeat(1_100_000) }]), notification);
    expect([malformed.status, wrongType.status, oversized.status]).toEqual([400, 415, 413]);
    for (const response of [malformed, wrongType, oversized]) expect(((await response.json()) as { error: string }).error).toMatch(/\w{3}/);
    await app.runtime.whenIdle();
    expect(await instanceNames()).toEqual(before);
    expect(writes(since)).toEqual([]);
  });
});

describe("budget alert reference payloads posted to the webhook", () => {
  /** Adjusted only in what a sample cannot know: the governed subscription and the estate's budget. */
  function commonAlert(thresholdType: "Actual" | "Forecasted"): Json {
    const payload = JSON.parse(
      JSON.stringify(readExample("cost-management/budget-alert-common-alert-schema-actual.json"))
        .replaceAll("11111111-1111-1111-1111-111111111111", app.sample.subscriptionId)
        .replaceAll("Test_actual_cost_budget", "budget-nordwind-monthly"),
    ) as Json;
    const data = ((payload.data as Json).alertContext as Json).AlertData as Json;
    data.NotificationThresholdAmount = data.BudgetThreshold;
    data.ThresholdType = thresholdType;
    return payload;
  }
  const post = (body: string, headers: Record<string, string> = { "content-type": "application/json" }, key = KEY) =>
    fetch(`${host.url}/api/budget-alerts?code=${key}`, { method: "POST", headers, body });

  it("the legacy AIP payload (spend at twice the budget) starts the containment workflow", async () => {
    const response = await post(JSON.stringify(readExample("cost-management/budget-alert-action-group-payload.legacy-aip-schema.json")));
    expect(response.status).toBe(202);
    const body = (await response.json()) as { response: string; instanceId: string; started: boolean };
    expect(body).toMatchObject({ response: "contain", started: true });
    expect((await app.runtime.getStatus(body.instanceId))?.name).toBe("costContainment");
  });

  it("the legacy payload as the action group's test action sends it (a time and an offset in BudgetStartDate) is the same notification", async () => {
    const plain = readExample("cost-management/budget-alert-action-group-payload.legacy-aip-schema.json");
    const tested = structuredClone(plain);
    (tested.data as Json).BudgetStartDate = "6/1/2018 12:00:00 AM -08:00";
    const [response, again] = [await post(JSON.stringify(tested)), await post(JSON.stringify(plain))];
    expect([response.status, again.status]).toEqual([202, 202]);
    const [body, plainBody] = (await Promise.all([response.json(), again.json()])) as Array<{
      response: string;
      instanceId: string;
      started: boolean;
    }>;
    // The containment the plain payload started, found again: not refused, not started twice.
    expect(body).toMatchObject({ response: "contain", started: false, instanceId: plainBody?.instanceId });
    expect((await app.runtime.getStatus(body?.instanceId as string))?.name).toBe("costContainment");
  });

  it("the common alert schema starts a notice for a forecast and a containment for actual spend", async () => {
    const forecast = await post(JSON.stringify(commonAlert("Forecasted")));
    const actual = await post(JSON.stringify(commonAlert("Actual")));
    const [notice, containment] = (await Promise.all([forecast.json(), actual.json()])) as Array<{ response: string; instanceId: string }>;
    expect([forecast.status, actual.status]).toEqual([202, 202]);
    expect([notice?.response, containment?.response]).toEqual(["notify", "contain"]);
    expect((await app.runtime.getStatus(notice?.instanceId as string))?.name).toBe("costNotice");
    expect((await app.runtime.getStatus(containment?.instanceId as string))?.name).toBe("costContainment");
  });

  it("refuses a missing function key, malformed JSON, a wrong content type and an oversized body, and starts nothing", async () => {
    await app.runtime.whenIdle();
    const before = await instanceNames();
    const answers = await Promise.all([
      post(JSON.stringify(commonAlert("Actual")), { "content-type": "application/json" }, "wrong-key"),
      post("{ not json"),
      post(JSON.stringify(commonAlert("Actual")), { "content-type": "text/plain" }),
      post(JSON.stringify({ schemaId: "azureMonitorCommonAlertSchema", padding: "x".repeat(300_000) })),
      post(JSON.stringify({ schemaId: "AIP Budget Notification", data: { BudgetName: "no amounts" } })),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([401, 400, 415, 413, 400]);
    for (const answer of answers) expect(((await answer.json()) as { error: string }).error).toMatch(/\w{3}/);
    expect(await instanceNames()).toEqual(before);
  });
});

describe("the instance status route", () => {
  const get = (id: string, key = KEY) => fetch(`${host.url}/api/instances/${encodeURIComponent(id)}?code=${key}`);

  it("tells where a workflow stands, by its id, and what it returned", async () => {
    const response = await get(checkInstanceId(STORAGE_ID()));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      instanceId: checkInstanceId(STORAGE_ID()),
      name: "checkResource",
      runtimeStatus: "Completed",
      output: { exists: true },
    });
  });

  it("answers 404 for an instance that does not exist and 401 without the function key", async () => {
    const missing = await get("check:no-such-resource");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "no workflow instance check:no-such-resource" });
    expect((await get(checkInstanceId(STORAGE_ID()), "nope")).status).toBe(401);
  });
});
