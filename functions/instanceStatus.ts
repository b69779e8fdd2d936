/**
 * `GET /api/instances/{instanceId}?code=<function key>`: where a workflow stands: its status, the
 * stage it reports (custom status), and its result once it has one. For the people who follow a
 * remediation, a cost response or a drill from a link in a log line or a notice.
 *
 * - 200 `{ instanceId, name, runtimeStatus, customStatus, output, createdTime, lastUpdatedTime }`;
 * - 400 `{ error }`: not an instance id Durable Functions could have made;
 * - 404 `{ error }`: no such instance.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { app } from "@azure/functions";
import * as df from "durable-functions";
import { findStatus } from "../shared/triggers/workflows.ts";

/** What Durable Functions accepts as an instance id: 1-256 characters, none of / \ # ? or control characters. */
const INSTANCE_ID = /^[^/\\#?\u0000-\u001f\u007f]{1,256}$/;

export interface InstanceStatusView {
  instanceId: string;
  name: string;
  runtimeStatus: string;
  customStatus?: unknown;
  output?: unknown;
  createdTime?: string;
  lastUpdatedTime?: string;
}

export interface StatusClient {
  getStatus(instanceId: string): Promise<(InstanceStatusView & Record<string, unknown>) | undefined>;
}

const iso = (value: unknown): string | undefined =>
  value instanceof Date ? value.toISOString() : typeof value === "string" ? value : undefined;

export async function handleInstanceStatus(instanceId: string | undefined, client: StatusClient): Promise<HttpResponseInit> {
  if (instanceId === undefined || !INSTANCE_ID.test(instanceId)) {
    return { status: 400, jsonBody: { error: "the instance id must be 1-256 characters without / \\ # ? or control characters" } };
  }
  const status = await findStatus(client, instanceId);
  if (status === undefined) return { status: 404, jsonBody: { error: `no workflow instance ${instanceId}` } };
  const view: InstanceStatusView = {
    instanceId: status.instanceId,
    name: status.name,
    runtimeStatus: status.runtimeStatus,
    customStatus: status.customStatus ?? undefined,
    output: status.output ?? undefined,
    createdTime: iso(status.createdTime),
    lastUpdatedTime: iso(status.lastUpdatedTime),
  };
  return { status: 200, jsonBody: view };
}

app.http("instanceStatus", {
  route: "instances/{instanceId}",
  methods: ["GET"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, context: InvocationContext) =>
    handleInstanceStatus(request.params.instanceId, df.getClient(context) as unknown as StatusClient),
});
