/**
 * Starting workflows from triggers: under an id derived from what they act on, at most once.
 */
import type { InvocationContext } from "@azure/functions";

/**
 * What a trigger needs of the Durable client: the package's `DurableClient` (from
 * `df.getClient`) and the local runtime both fit.
 */
export interface WorkflowClient {
  startNew(orchestratorName: string, options: { instanceId: string; input?: unknown }): Promise<string>;
  getStatus(instanceId: string): Promise<{ runtimeStatus: string } | undefined>;
}

export type TriggerLog = Pick<InvocationContext, "log" | "warn">;

/** Statuses of an instance that a new start would not replace: it runs, or it ran (a person may have ended it). */
const SETTLED = new Set(["Running", "Pending", "Completed", "ContinuedAsNew", "Terminated", "Suspended"]);

/** An instance's status, or undefined when there is no such instance. */
export async function findStatus<Status extends { runtimeStatus: string }>(
  client: { getStatus(instanceId: string): Promise<Status | undefined> },
  instanceId: string,
): Promise<Status | undefined> {
  try {
    return await client.getStatus(instanceId);
  } catch (error) {
    // DurableClient.getStatus throws on the extension's 404 where the local runtime answers undefined.
    if (/\b404\b/.test(String((error as Error)?.message ?? error))) return undefined;
    throw error;
  }
}

async function statusOf(client: WorkflowClient, instanceId: string): Promise<string | undefined> {
  return (await findStatus(client, instanceId))?.runtimeStatus;
}

/**
 * Starts the orchestration under a derived id unless an instance with that id runs or ran: then
 * it is found, not started again. Only a Failed one is started afresh.
 */
export async function startOrFind(
  client: WorkflowClient,
  orchestrator: string,
  instanceId: string,
  input: unknown,
): Promise<{ instanceId: string; started: boolean; status?: string }> {
  const existing = await statusOf(client, instanceId);
  if (existing !== undefined && SETTLED.has(existing)) return { instanceId, started: false, status: existing };
  try {
    await client.startNew(orchestrator, { instanceId, input });
    return { instanceId, started: true };
  } catch (error) {
    // Two deliveries at once: the other one started it.
    const now = await statusOf(client, instanceId);
    if (now !== undefined && SETTLED.has(now)) return { instanceId, started: false, status: now };
    throw error;
  }
}
