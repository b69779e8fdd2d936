/**
 * The budget alerts webhook: `POST /api/budget-alerts?code=<function key>`, the endpoint of the
 * action group a Cost Management budget notifies. It reads the alert (legacy `AIP Budget
 * Notification` or common alert schema), decides the graduated response, and starts it as a
 * Durable orchestration, or finds the one already started for that notification:
 *
 * - 202 `{ response, reason, instanceId, started }`: `costNotice` or `costContainment` runs;
 * - 200 `{ ignored }`: another kind of alert (metric, log…), logged, nothing else;
 * - 400 / 413 / 415 `{ error }`: not JSON, not a payload Governor reads, too large, not JSON by
 *   its content type. Nothing else happens on a 4xx.
 *
 * A failure to reach the task hub throws (500): the action group delivers again.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { app } from "@azure/functions";
import * as df from "durable-functions";
import { now } from "../shared/clock.ts";
import { loadConfig } from "../shared/config.ts";
import { type BudgetResponse, decideBudgetResponse, parseBudgetAlert } from "../shared/triggers/budgetAlerts.ts";
import type { CostResponseInput } from "../orchestrations/costContainment.ts";
import { ORCHESTRATIONS } from "../orchestrations/names.ts";
import { startOrFind, type TriggerLog, type WorkflowClient } from "../shared/triggers/workflows.ts";

/** Action group payloads are a few KiB; anything near this is not one. */
export const MAX_BODY_BYTES = 256 * 1024;

const ORCHESTRATOR: Record<BudgetResponse, string> = {
  notify: ORCHESTRATIONS.costNotice,
  contain: ORCHESTRATIONS.costContainment,
};

export interface BudgetAlertDeps {
  client: WorkflowClient;
  log: TriggerLog;
  now: () => Date;
  /** The home subscription Governor is deployed in. */
  subscriptionId?: string;
  /** Every subscription Governor governs (the home one among them): an alert of any other is ignored. Default: the home one alone. */
  subscriptions?: readonly string[];
}

type BudgetAlertRequest = Pick<HttpRequest, "headers" | "text">;

function refuse(status: number, error: string, deps: BudgetAlertDeps): HttpResponseInit {
  deps.log.warn(`budget-alerts: ${status}: ${error}`);
  return { status, jsonBody: { error } };
}

export async function handleBudgetAlert(request: BudgetAlertRequest, deps: BudgetAlertDeps): Promise<HttpResponseInit> {
  const contentType = request.headers.get("content-type");
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
  if (mediaType !== "application/json") {
    return refuse(415, `content type must be application/json, not ${contentType ?? "missing"}`, deps);
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    return refuse(413, `body of ${declared} bytes is over the ${MAX_BODY_BYTES} bytes a budget alert could need`, deps);
  }
  const text = await request.text();
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_BODY_BYTES)
    return refuse(413, `body of ${bytes} bytes is over the ${MAX_BODY_BYTES} bytes a budget alert could need`, deps);
  if (text.trim() === "") return refuse(400, "the body is empty: expected a budget alert in JSON", deps);

  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return refuse(400, `the body is not valid JSON: ${(error as Error).message}`, deps);
  }
  const parsed = parseBudgetAlert(body);
  if (parsed.kind === "invalid") return refuse(400, parsed.reason, deps);
  if (parsed.kind === "ignored") {
    deps.log.log(`budget-alerts: ignored: ${parsed.reason}`);
    return { status: 200, jsonBody: { ignored: parsed.reason } };
  }
  const alert = parsed.alert;
  const governed = (deps.subscriptions ?? (deps.subscriptionId === undefined ? [] : [deps.subscriptionId])).map((id) => id.toLowerCase());
  if (alert.subscriptionId !== undefined && governed.length > 0 && !governed.includes(alert.subscriptionId.toLowerCase())) {
    const reason = `budget ${alert.budgetName} belongs to subscription ${alert.subscriptionId}; Governor governs ${governed.join(", ")}`;
    deps.log.log(`budget-alerts: ignored: ${reason}`);
    return { status: 200, jsonBody: { ignored: reason } };
  }

  const decision = decideBudgetResponse(alert, deps.now(), deps.subscriptionId === undefined ? {} : { home: deps.subscriptionId });
  const input: CostResponseInput = { alert, reason: decision.reason };
  const { started, status } = await startOrFind(deps.client, ORCHESTRATOR[decision.response], decision.instanceId, input);
  deps.log.log(
    `budget-alerts: ${decision.response} ${decision.instanceId} ${started ? "started" : `already ${status?.toLowerCase() ?? "there"}`}: ${decision.reason}`,
  );
  return {
    status: 202,
    jsonBody: {
      response: decision.response,
      reason: decision.reason,
      instanceId: decision.instanceId,
      started,
      ...(status === undefined ? {} : { status }),
    },
  };
}

app.http("budgetAlerts", {
  route: "budget-alerts",
  methods: ["POST"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, context: InvocationContext) => {
    const config = loadConfig(process.env);
    return handleBudgetAlert(request, {
      client: df.getClient(context),
      log: context,
      now,
      subscriptionId: config.subscriptionId,
      subscriptions: config.subscriptions,
    });
  },
});
