/**
 * The subscription's Event Grid system topic, emulated: every change the emulator makes raises a
 * `Microsoft.Resources.Resource{Write,Delete,Action}Success` event in the Event Grid schema (the
 * shape of the reference payload), with the caller's claims, delivered to a webhook at least once:
 * a failed delivery is retried with backoff, as Event Grid does.
 */
import { randomUUID } from "node:crypto";
import type { EmulatorCore } from "./core.ts";
import { claimsOf } from "./identity.ts";
import type { ResourceChange } from "./store.ts";

export interface ResourceEvent {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  data: Record<string, unknown>;
  dataVersion: string;
  metadataVersion: string;
}

const EVENT_TYPE: Record<ResourceChange["kind"], string> = {
  write: "Microsoft.Resources.ResourceWriteSuccess",
  delete: "Microsoft.Resources.ResourceDeleteSuccess",
  action: "Microsoft.Resources.ResourceActionSuccess",
};

export function resourceEventOf(change: ResourceChange, core: EmulatorCore): ResourceEvent {
  const groupMatch = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+)/i.exec(change.resourceId);
  const subscriptionId = /^\/subscriptions\/([^/]+)/i.exec(change.resourceId)?.[1] ?? core.subscriptionId;
  const caller = change.caller ?? {
    kind: "unknown",
    objectId: "00000000-0000-0000-0000-000000000000",
    appId: "00000000-0000-0000-0000-000000000000",
    name: "unknown caller",
  };
  return {
    id: randomUUID(),
    topic: groupMatch?.[1] ?? `/subscriptions/${subscriptionId}`,
    subject: change.resourceId,
    eventType: EVENT_TYPE[change.kind],
    eventTime: change.at,
    data: {
      authorization: {
        scope: change.resourceId,
        action: change.operationName,
        evidence: { role: caller.kind === "governor" ? "Governor" : "Contributor" },
      },
      claims: claimsOf(caller, core.tenantId),
      correlationId: randomUUID(),
      resourceProvider: change.resourceType.split("/")[0],
      resourceUri: change.resourceId,
      operationName: change.operationName,
      status: "Succeeded",
      subscriptionId,
      tenantId: core.tenantId,
    },
    dataVersion: "2",
    metadataVersion: "1",
  };
}

export interface EventForwarder {
  /** Deliveries not yet accepted by the webhook. */
  pending(): number;
  /** Resolves when everything raised so far has been delivered. */
  drain(): Promise<void>;
  stop(): void;
  delivered: number;
}

/** Delivers the emulator's events to a webhook, batched every `intervalMs`, retried until accepted. */
export function forwardEvents(
  core: EmulatorCore,
  webhookUrl: string,
  options: { intervalMs?: number; onError?: (message: string) => void } = {},
): EventForwarder {
  const queue: ResourceEvent[] = [];
  let inFlight: Promise<void> | undefined;
  let stopped = false;
  let delivered = 0;
  let failures = 0;
  const listener = (change: ResourceChange): void => void queue.push(resourceEventOf(change, core));
  core.store.changes.on("change", listener);

  const flush = async (): Promise<void> => {
    if (queue.length === 0 || stopped) return;
    const batch = queue.splice(0, 100);
    try {
      const response = await fetch(webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "aeg-event-type": "Notification" },
        body: JSON.stringify(batch),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
      delivered += batch.length;
      failures = 0;
    } catch (error) {
      // At least once: put the batch back and try again later.
      queue.unshift(...batch);
      failures += 1;
      options.onError?.(`event delivery failed (attempt ${failures}): ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** failures)));
    }
  };
  const timer = setInterval(() => {
    if (!inFlight) inFlight = flush().finally(() => (inFlight = undefined));
  }, options.intervalMs ?? 100);

  return {
    pending: () => queue.length,
    get delivered() {
      return delivered;
    },
    drain: async () => {
      while ((queue.length > 0 || inFlight) && !stopped) await (inFlight ?? new Promise((resolve) => setTimeout(resolve, 20)));
    },
    stop: () => {
      stopped = true;
      clearInterval(timer);
      core.store.changes.off("change", listener);
    },
  };
}
