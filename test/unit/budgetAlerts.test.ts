/**
 * Budget alerts: both payloads Azure sends read the same way, other alerts are ignored, broken
 * ones are refused with the reason; the graduated response and its idempotency key; the webhook's
 * answers; the workflows' forced approval.
 */
import { createRequire } from "node:module";
import type * as AzureFunctions from "@azure/functions";
import { beforeAll, describe, expect, it } from "vitest";
import { costNoticeRecord, proposalsOf } from "../../orchestrations/activities/cost.activities.ts";
import { CONTAINMENT_APPROVAL, requireApproval } from "../../orchestrations/costContainment.ts";
import type { RemediateInput } from "../../orchestrations/remediate.ts";
import { validateAuditRecord } from "../../shared/audit/record.ts";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { loadPolicyFile } from "../../shared/policy/loader.ts";
import type { Finding, PolicySet } from "../../shared/policy/types.ts";
import { type Registration, captureRegistrations } from "../../local/durable/index.ts";
import { budgetInstanceId } from "../../orchestrations/names.ts";
import {
  alertPeriod,
  type BudgetAlert,
  costPolicies,
  decideBudgetResponse,
  parseAlertTime,
  parseAmount,
  parseBudgetAlert,
  parseBudgetDate,
} from "../../shared/triggers/budgetAlerts.ts";
import { readExample } from "../support/shapes.ts";
import type * as BudgetAlertsModule from "../../functions/budgetAlerts.ts";

const functions = createRequire(import.meta.url)("@azure/functions") as typeof AzureFunctions;

const legacy = (): Record<string, unknown> => readExample("cost-management/budget-alert-action-group-payload.legacy-aip-schema.json");
const common = (): Record<string, unknown> => readExample("cost-management/budget-alert-common-alert-schema-actual.json");
const metricContext = (): Record<string, unknown> => readExample("monitor/common-alert-schema-metric-alert-context-static-threshold.json");

type Json = Record<string, unknown>;

// Asymmetric matchers are typed `any`: typed once here, so the assertions read plainly.
const containing = (text: string): string => expect.stringContaining(text) as string;
const matching = (pattern: RegExp): string => expect.stringMatching(pattern) as string;
const like = <T extends Record<string, unknown>>(partial: T): T => expect.objectContaining<Record<string, unknown>>(partial) as T;
const alertData = (payload: Json): Json => ((payload.data as Json).alertContext as Json).AlertData as Json;
const essentials = (payload: Json): Json => (payload.data as Json).essentials as Json;

function alertOf(payload: unknown): BudgetAlert {
  const parsed = parseBudgetAlert(payload);
  if (parsed.kind !== "alert") throw new Error(`expected a budget alert, got ${parsed.kind}: ${parsed.reason}`);
  return parsed.alert;
}

/** The common-schema sample at another threshold: NotificationThresholdAmount against BudgetThreshold ($50.00). */
function commonAt(thresholdAmount: string, changes: { type?: string; fired?: string } = {}): Json {
  const payload = common();
  alertData(payload).NotificationThresholdAmount = thresholdAmount;
  if (changes.type) alertData(payload).ThresholdType = changes.type;
  if (changes.fired) essentials(payload).firedDateTime = changes.fired;
  return payload;
}

const RECEIVED = new Date("2022-12-08T06:00:00Z");

/** The instance id of an alert's response, received at `at`: its key and the period it falls in. */
const keyOf = (alert: BudgetAlert, at: Date): string => budgetInstanceId(alert, alertPeriod(alert, at));

describe("reading budget alerts", () => {
  it("reads the legacy AIP Budget Notification: the threshold is a fraction of the budget, and it is an Actual alert", () => {
    expect(alertOf(legacy())).toEqual({
      schema: "legacy",
      budgetName: "BudgetName",
      thresholdType: "Actual",
      thresholdPercent: 80,
      spend: 100,
      budgetAmount: 50,
      currency: "USD",
      periodStart: "2018-06-01",
    });
  });

  it("reads the common alert schema with monitoringService CostAlerts: amounts with symbols and separators, the threshold against the budget", () => {
    expect(alertOf(common())).toEqual({
      schema: "common",
      budgetName: "Test_actual_cost_budget",
      thresholdType: "Actual",
      thresholdPercent: 50,
      spend: 11_111,
      budgetAmount: 50,
      currency: "USD",
      periodStart: "2022-11-01",
      subscriptionId: "11111111-1111-1111-1111-111111111111",
      alertId: "/subscriptions/11111111-1111-1111-1111-111111111111/providers/Microsoft.CostManagement/alerts/Test_Alert",
      firedAt: "2022-12-07T21:13:20.645Z",
      scope: "/subscriptions/11111111-1111-1111-1111-111111111111/",
    });
  });

  it("ignores the metric alert sample, alone or in the common schema envelope, saying what it is", () => {
    const bare = parseBudgetAlert(metricContext());
    expect(bare).toEqual({ kind: "ignored", reason: matching(/not a budget alert.*SingleResourceMultipleMetricCriteria/) });
    const enveloped = parseBudgetAlert({
      schemaId: "azureMonitorCommonAlertSchema",
      data: {
        essentials: { monitoringService: "Platform", signalType: "Metric", alertRule: "cpu-high", monitorCondition: "Fired" },
        alertContext: metricContext().alertContext,
      },
    });
    expect(enveloped).toEqual({ kind: "ignored", reason: "not a budget alert: a Platform Metric alert (rule cpu-high)" });
    expect(parseBudgetAlert({ schemaId: "Microsoft.Insights/activityLogs", data: {} }).kind).toBe("ignored");
  });

  it("refuses what it cannot read, naming each problem", () => {
    expect(parseBudgetAlert([1, 2])).toEqual({ kind: "invalid", reason: "the body must be a JSON object, not [1,2]" });
    expect(parseBudgetAlert({ hello: "world" })).toMatchObject({ kind: "invalid", reason: containing("schemaId: missing") });
    expect(parseBudgetAlert({ schemaId: "Budget v9" })).toMatchObject({
      kind: "invalid",
      reason: containing('"Budget v9" is not an alert schema'),
    });

    const broken = common();
    delete alertData(broken).BudgetName;
    alertData(broken).ThresholdType = "Sometimes";
    alertData(broken).SpentAmount = "lots";
    alertData(broken).BudgetStartDate = "2022-13-01";
    const reason = (parseBudgetAlert(broken) as { reason: string }).reason;
    expect(reason).toContain("AlertData.BudgetName: required");
    expect(reason).toContain('AlertData.ThresholdType: "Actual" or "Forecasted", not "Sometimes"');
    expect(reason).toContain('AlertData.SpentAmount: an amount, not "lots"');
    expect(reason).toContain('AlertData.BudgetStartDate: a date (2022-11-01), not "2022-13-01"');

    const zeroBudget = legacy();
    (zeroBudget.data as Json).Budget = "0";
    expect(parseBudgetAlert(zeroBudget)).toMatchObject({
      kind: "invalid",
      reason: containing("data.Budget: an amount above 0"),
    });
    expect(parseBudgetAlert({ schemaId: "azureMonitorCommonAlertSchema", data: { essentials: {} } })).toMatchObject({
      kind: "invalid",
      reason: containing("monitoringService: required"),
    });
  });

  it("reads amounts and dates as Azure formats them", () => {
    expect(parseAmount("$11,111.00")).toBe(11_111);
    expect(parseAmount("€ 1.234,50")).toBe(1234.5);
    expect(parseAmount("12,000")).toBe(12_000);
    expect(parseAmount("0,8")).toBe(0.8);
    expect(parseAmount("100")).toBe(100);
    expect(parseAmount("USD 42.5")).toBe(42.5);
    expect(parseAmount("lots")).toBeUndefined();
    expect(parseAmount("1.2.3,4,5")).toBeUndefined();
    expect(parseBudgetDate("6/1/2018")).toBe("2018-06-01");
    expect(parseBudgetDate("2022-11-01T00:00:00Z")).toBe("2022-11-01");
    expect(parseBudgetDate("2/30/2024")).toBeUndefined();
  });

  it("reads the legacy payload as the action group's test action sends it: BudgetStartDate with a time and an offset", () => {
    // The published payload, its start date written as .NET's en-US culture writes a DateTimeOffset.
    const tested = legacy();
    (tested.data as Json).BudgetStartDate = "6/1/2018 12:00:00 AM -08:00";
    expect(alertOf(tested)).toEqual(alertOf(legacy()));
    // The same notification as the plain payload: a redelivery in either form finds the same instance.
    expect(keyOf(alertOf(tested), RECEIVED)).toBe(keyOf(alertOf(legacy()), RECEIVED));
    expect(decideBudgetResponse(alertOf(tested), RECEIVED).response).toBe("contain");
  });

  it("reads the budget's start date in every form the payloads write it, as the date written", () => {
    expect(
      [
        "6/1/2018 12:00:00 AM -08:00",
        "6/1/2018 11:59:59 PM +01:00",
        "6/1/2018 12:00:00 PM",
        "06/01/2018 00:00:00",
        "6/1/2018 0:00:00 Z",
        "2018-06-01T00:00:00.0000000+00:00",
        "2018-06-01T00:00:00-08:00",
        "2018-06-01 00:00:00Z",
        "2018-06-01T00:00",
      ].map(parseBudgetDate),
    ).toEqual(Array.from({ length: 9 }, () => "2018-06-01"));
    for (const wrong of [
      "6/1/2018 13:00:00 PM",
      "6/1/2018 0:00:00 AM",
      "6/1/2018 24:00:00",
      "6/1/2018 12:60:00 AM",
      "6/1/2018 12:00:00 AM -15:00",
      "6/1/2018 noon",
      "June 1, 2018",
      "2018-06-01T00:00:00+2",
      "31/12/2018",
    ])
      expect(parseBudgetDate(wrong), wrong).toBeUndefined();
  });

  it("reads when a common-schema alert fired in ISO or US form, with or without an offset (UTC without one)", () => {
    expect(parseAlertTime("2022-12-07T21:13:20.645Z")).toBe("2022-12-07T21:13:20.645Z");
    expect(parseAlertTime("2022-12-07T21:13:20.6453246Z")).toBe("2022-12-07T21:13:20.645Z");
    expect(parseAlertTime("12/7/2022 1:13:20 PM -08:00")).toBe("2022-12-07T21:13:20.000Z");
    expect(parseAlertTime("12/7/2022 9:13:20 PM")).toBe("2022-12-07T21:13:20.000Z");
    expect(parseAlertTime("2022-12-07")).toBe("2022-12-07T00:00:00.000Z");
    expect(parseAlertTime("Wed Dec 07 2022")).toBeUndefined();

    const tested = common();
    essentials(tested).firedDateTime = "12/7/2022 1:13:20 PM -08:00";
    alertData(tested).BudgetStartDate = "11/1/2022 12:00:00 AM -08:00";
    expect(alertOf(tested)).toMatchObject({ firedAt: "2022-12-07T21:13:20.000Z", periodStart: "2022-11-01" });
    essentials(tested).firedDateTime = "yesterday";
    expect((parseBudgetAlert(tested) as { reason: string }).reason).toContain(
      'data.essentials.firedDateTime: a date-time (2022-12-07T21:13:20.645Z), not "yesterday"',
    );
  });
});

describe("the graduated response", () => {
  it("a forecast notifies, whatever its threshold: nothing is stopped on a forecast", () => {
    for (const threshold of ["$25.00", "$50.00", "$60.00"]) {
      const decision = decideBudgetResponse(alertOf(commonAt(threshold, { type: "Forecasted" })), RECEIVED);
      expect(decision.response, threshold).toBe("notify");
      expect(decision.reason).toContain("nothing is stopped on a forecast");
    }
  });

  it("actual spend at the 100 % threshold (or above) contains, with approval", () => {
    const at100 = decideBudgetResponse(alertOf(commonAt("$50.00")), RECEIVED);
    expect(at100).toMatchObject({ response: "contain", reason: containing("approval is asked") });
    expect(decideBudgetResponse(alertOf(commonAt("$60.00")), RECEIVED).response).toBe("contain");
  });

  it("actual spend at the 80 % threshold, still within the budget, notifies", () => {
    const payload = commonAt("$40.00");
    alertData(payload).SpentAmount = "$45.00";
    expect(decideBudgetResponse(alertOf(payload), RECEIVED)).toMatchObject({ response: "notify" });
  });

  it("an 80 % alert whose spend is already past the budget contains, under the 100 % threshold's key", () => {
    // The legacy sample: spend 100 of a budget of 50, in the alert of the 80 % threshold.
    const decision = decideBudgetResponse(alertOf(legacy()), RECEIVED);
    expect(decision).toMatchObject({
      response: "contain",
      reason: containing("actual spend is past the budget (100 USD of 50 USD, 200 %)"),
    });
    const at100 = legacy();
    (at100.data as Json).NotificationThresholdAmount = "1.0";
    expect(decision.instanceId).toBe(keyOf(alertOf(at100), RECEIVED));
  });

  it("one key per budget, threshold type, threshold and period: the same for redeliveries and for both payloads", () => {
    const first = keyOf(alertOf(commonAt("$40.00")), RECEIVED);
    expect(first).toBe("budget:test_actual_cost_budget:actual:80:2022-12-01");
    // Delivered again a day later, in the same month: the same instance.
    expect(keyOf(alertOf(commonAt("$40.00")), new Date("2022-12-09T06:00:00Z"))).toBe(first);

    const legacyTwin = legacy();
    (legacyTwin.data as Json).BudgetName = "Test_actual_cost_budget";
    expect(keyOf(alertOf(legacyTwin), new Date("2022-12-07T22:00:00Z"))).toBe(first);

    expect(keyOf(alertOf(commonAt("$50.00")), RECEIVED)).not.toBe(first);
    expect(keyOf(alertOf(commonAt("$40.00", { type: "Forecasted" })), RECEIVED)).not.toBe(first);
    expect(keyOf(alertOf(commonAt("$40.00", { fired: "2023-01-07T21:13:20Z" })), RECEIVED)).toBe(
      "budget:test_actual_cost_budget:actual:80:2023-01-01",
    );
  });

  it("keys hold no character a Durable instance id cannot", () => {
    const payload = commonAt("$50.00");
    alertData(payload).BudgetName = "Odoo / Prod #1?\\x";
    expect(keyOf(alertOf(payload), RECEIVED)).toBe("budget:odoo-prod-1-x:actual:100:2022-12-01");
  });
});

describe("the cost policies and the workflows of a response", () => {
  let set: PolicySet;
  beforeAll(async () => {
    set = await loadPolicyFile(DEFAULT_POLICIES, builtinRegistry());
  });

  it("are the pack's policies that stop non-production compute", () => {
    expect(costPolicies(set).policies.map((policy) => policy.name)).toEqual([
      "stop-idle-nonprod-vms",
      "stop-offhours-nonprod-vms",
      "stop-offhours-nonprod-aks",
      "stop-offhours-nonprod-postgres",
      "stop-offhours-nonprod-scale-sets",
    ]);
    const chosen = costPolicies(set, ["stop-offhours-nonprod-aks", "snapshot-retention-nonprod", "nope"]);
    expect(chosen.policies.map((policy) => policy.name)).toEqual(["stop-offhours-nonprod-aks"]);
    expect(chosen.notUsed).toEqual(["snapshot-retention-nonprod: not a policy that stops non-production compute", "nope: no such policy"]);
  });

  it("ask a person, whatever the policy says: required, never auto-approved, skipped on timeout", () => {
    const input: RemediateInput = {
      policy: "stop-idle-nonprod-vms",
      action: { type: "deallocate", args: {} },
      resources: [],
      trigger: { type: "budget-alert" },
      autoApprove: true,
      approval: { required: false, approvers: [], escalation: [], timeoutMs: 60_000, onTimeout: "approve" },
    };
    const forced = requireApproval(input);
    expect(forced.approval).toEqual({ required: true, approvers: ["platform-team"], escalation: [], timeoutMs: 60_000, onTimeout: "skip" });
    expect(forced.autoApprove).toBeUndefined();
    const { approval: _none, ...withoutApproval } = input;
    expect(requireApproval(withoutApproval).approval).toEqual(CONTAINMENT_APPROVAL);
  });

  it("a notice lists the proposals, largest savings first, and is a valid audit record", () => {
    const finding = (resourceName: string, savings: number, verdict: Finding["verdict"]): Finding => ({
      policy: "stop-idle-nonprod-vms",
      resourceId: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/${resourceName}`,
      resourceName,
      resourceGroup: "rg",
      kind: "virtual-machine",
      verdict,
      action: "deallocate",
      effect: "disruptive",
      reason: `${resourceName} idle`,
      estimatedMonthlySavings: savings,
    });
    const policies = costPolicies(set).policies;
    const proposals = proposalsOf(
      [finding("vm-a", 10, "needs-approval"), finding("vm-b", 90, "needs-approval"), finding("vm-prod", 500, "blocked")],
      policies,
    );
    expect(proposals).toEqual([like({ policy: "stop-idle-nonprod-vms", blocked: 1, more: 0, estimatedMonthlySavings: 100 })]);
    expect(proposals[0]?.resources.map((resource) => resource.resourceName)).toEqual(["vm-b", "vm-a"]);

    const alert = alertOf(commonAt("$50.00", { type: "Forecasted" }));
    const record = costNoticeRecord(
      {
        instanceId: "budget:test:forecasted:100:2022-12-01",
        response: "notify",
        alert,
        reason: decideBudgetResponse(alert, RECEIVED).reason,
        plan: { policies: ["stop-idle-nonprod-vms"], notUsed: [], proposals, estimatedMonthlySavings: 100, currency: "EUR" },
      },
      "2022-12-08T06:00:00.000Z",
    );
    expect(validateAuditRecord(record)).toEqual([]);
    expect(record).toMatchObject({ id: "budget:test:forecasted:100:2022-12-01:notice", kind: "notice", action: "notify" });
    expect(record.reason).toContain("Proposed: deallocate 2 under stop-idle-nonprod-vms (vm-b, vm-a): about 100 EUR a month.");
  });
});

describe("the budget alerts webhook", () => {
  let registrations: Registration[];
  let webhook: typeof BudgetAlertsModule;

  beforeAll(async () => {
    registrations = await captureRegistrations(async () => {
      webhook = await import("../../functions/budgetAlerts.ts");
    });
  });

  function fakeClient() {
    const instances = new Map<string, { name: string; input: unknown }>();
    return {
      instances,
      startNew: async (name: string, options: { instanceId: string; input?: unknown }) => {
        instances.set(options.instanceId, { name, input: options.input });
        return options.instanceId;
      },
      getStatus: async (instanceId: string) => (instances.has(instanceId) ? { runtimeStatus: "Running" } : undefined),
    };
  }

  const lines: string[] = [];
  const log = {
    log: (...args: unknown[]) => void lines.push(args.join(" ")),
    warn: (...args: unknown[]) => void lines.push(args.join(" ")),
  };

  function post(body: string, headers: Record<string, string> = { "content-type": "application/json" }): AzureFunctions.HttpRequest {
    return new functions.HttpRequest({
      method: "POST",
      url: "https://governor.example/api/budget-alerts",
      body: { string: body },
      headers,
    });
  }

  it("is an HTTP POST function on budget-alerts with a function key and a Durable client", () => {
    const registration = registrations.find((candidate) => candidate.name === "budgetAlerts");
    expect(registration?.triggerType).toBe("httpTrigger");
    expect(registration?.options.trigger).toMatchObject({ route: "budget-alerts", methods: ["POST"], authLevel: "function" });
    expect(registration?.options.extraInputs?.map((input) => input.type)).toEqual(["durableClient"]);
  });

  it("starts containment for an actual 100 % alert, and finds it when the alert comes again", async () => {
    const client = fakeClient();
    const deps = { client, log, now: () => RECEIVED, subscriptionId: "11111111-1111-1111-1111-111111111111" };
    const first = await webhook.handleBudgetAlert(post(JSON.stringify(commonAt("$50.00"))), deps);
    expect(first).toEqual({
      status: 202,
      jsonBody: like({
        response: "contain",
        instanceId: "budget:test_actual_cost_budget:actual:100:2022-12-01",
        started: true,
      }),
    });
    expect(client.instances.get("budget:test_actual_cost_budget:actual:100:2022-12-01")?.name).toBe("costContainment");
    const again = await webhook.handleBudgetAlert(post(JSON.stringify(commonAt("$50.00"))), deps);
    expect(again.jsonBody).toMatchObject({ started: false, status: "Running" });
    expect(client.instances.size).toBe(1);

    const forecast = await webhook.handleBudgetAlert(post(JSON.stringify(commonAt("$50.00", { type: "Forecasted" }))), deps);
    expect(forecast.jsonBody).toMatchObject({ response: "notify", started: true });
    expect([...client.instances.values()].map((instance) => instance.name)).toEqual(["costContainment", "costNotice"]);
  });

  it("answers 200 to other alerts and to budgets of another subscription, and starts nothing", async () => {
    const client = fakeClient();
    const deps = { client, log, now: () => RECEIVED, subscriptionId: "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31" };
    const metric = await webhook.handleBudgetAlert(post(JSON.stringify(metricContext())), deps);
    expect(metric.status).toBe(200);
    expect(lines.at(-1)).toMatch(/^budget-alerts: ignored: not a budget alert/);
    const foreign = await webhook.handleBudgetAlert(post(JSON.stringify(commonAt("$50.00"))), deps);
    expect(foreign).toEqual({ status: 200, jsonBody: { ignored: containing("belongs to subscription 11111111") } });
    expect(client.instances.size).toBe(0);
  });

  it("takes the budget alerts of every governed subscription, each under its own subscription's key, and names the others' subscriptions", async () => {
    const client = fakeClient();
    const home = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
    const governed = {
      client,
      log,
      now: () => RECEIVED,
      subscriptionId: home,
      subscriptions: [home, "11111111-1111-1111-1111-111111111111"],
    };
    // The reference alert's subscription (all ones) is governed beside the home one: its budget is keyed with it.
    const other = await webhook.handleBudgetAlert(post(JSON.stringify(commonAt("$50.00"))), governed);
    expect(other).toEqual({
      status: 202,
      jsonBody: like({
        response: "contain",
        instanceId: "budget:11111111-1111-1111-1111-111111111111:test_actual_cost_budget:actual:100:2022-12-01",
        reason: containing("budget Test_actual_cost_budget of subscription 11111111-1111-1111-1111-111111111111: actual spend crossed"),
        started: true,
      }),
    });
    // The home subscription's budget of the same name keeps the key it always had: a response under way is found.
    const homeAlert = JSON.parse(JSON.stringify(commonAt("$50.00")).replaceAll("11111111-1111-1111-1111-111111111111", home)) as Json;
    const own = await webhook.handleBudgetAlert(post(JSON.stringify(homeAlert)), governed);
    expect(own.jsonBody).toMatchObject({ instanceId: "budget:test_actual_cost_budget:actual:100:2022-12-01", started: true });
    expect((own.jsonBody as { reason: string }).reason).toMatch(/^budget Test_actual_cost_budget: actual spend crossed/);
    expect(client.instances.size).toBe(2);

    const ungoverned = await webhook.handleBudgetAlert(post(JSON.stringify(commonAt("$50.00"))), {
      ...governed,
      subscriptions: [home, "22222222-2222-2222-2222-222222222222"],
    });
    expect(ungoverned).toEqual({
      status: 200,
      jsonBody: { ignored: containing(`belongs to subscription 11111111-1111-1111-1111-111111111111; Governor governs ${home}, 22222222`) },
    });
    expect(client.instances.size).toBe(2);
  });

  it("refuses what is not a budget alert in JSON with 400, 413 or 415 and the reason, starting nothing", async () => {
    const client = fakeClient();
    const deps = { client, log, now: () => RECEIVED };
    expect(await webhook.handleBudgetAlert(post("{ not json"), deps)).toMatchObject({
      status: 400,
      jsonBody: { error: matching(/^the body is not valid JSON/) },
    });
    expect(await webhook.handleBudgetAlert(post(""), deps)).toMatchObject({ status: 400 });
    expect(await webhook.handleBudgetAlert(post(JSON.stringify({ schemaId: "AIP Budget Notification", data: {} })), deps)).toMatchObject({
      status: 400,
      jsonBody: { error: containing("data.BudgetName: required") },
    });
    expect(await webhook.handleBudgetAlert(post(JSON.stringify(legacy()), { "content-type": "text/plain" }), deps)).toMatchObject({
      status: 415,
    });
    expect(
      await webhook.handleBudgetAlert(post(JSON.stringify(legacy()), { "content-type": "application/json; charset=utf-8" }), deps),
    ).toMatchObject({
      status: 202,
    });
    const padded = JSON.stringify({ ...legacy(), padding: "x".repeat(webhook.MAX_BODY_BYTES) });
    expect(await webhook.handleBudgetAlert(post(padded), deps)).toMatchObject({ status: 413 });
    expect(
      await webhook.handleBudgetAlert(post("{}", { "content-type": "application/json", "content-length": String(10 * 1024 * 1024) }), deps),
    ).toMatchObject({
      status: 413,
    });
    expect(client.instances.size).toBe(1);
  });
});
