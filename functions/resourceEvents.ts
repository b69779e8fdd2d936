/**
 * `resourceEvents`: the Event Grid trigger of the subscription's system topic. It reads the
 * delivery, drops what is not Governor's business (other event types, its own writes, deletes,
 * children, unlisted actions), skips events already handled (Event Grid delivers at least once),
 * and starts one `checkResource` workflow per resource, whose instance id is derived from the
 * resource so events for a resource whose check still runs find it. One log line per decision;
 * nothing else: the workflow reads Azure and acts.
 *
 * The Functions host invokes the handler once per event; `handleResourceEvents` takes a whole
 * delivery (an array), as the local host or a test posts it.
 *
 * Loaded by every cold start, so it imports only what parsing needs: the policy file and the
 * Table Storage client are loaded on the first event.
 */
import { app } from "@azure/functions";
import type { EventGridEvent, InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import type { DurableClient } from "durable-functions";
import type { CheckResourceInput } from "../orchestrations/checkResource.ts";
import { checkInstanceId, ORCHESTRATIONS } from "../orchestrations/names.ts";
import { loadConfig } from "../shared/config.ts";
import { createLimiter } from "../shared/inventory/concurrency.ts";
import type { Policy } from "../shared/policy/types.ts";
import { type DroppedEvent, type OwnIdentity, type RelevantEvent, triageDelivery } from "../shared/triggers/resourceEvents.ts";
import type { SeenEvents } from "../shared/triggers/seenEvents.ts";

/** What the trigger needs of the Durable client. */
export interface CheckStarter {
  /** The runtime status of the instance, or undefined when there is none. */
  status(instanceId: string): Promise<string | undefined>;
  start(instanceId: string, input: CheckResourceInput): Promise<void>;
}

export interface ResourceEventsDeps {
  starter: CheckStarter;
  seen: SeenEvents;
  policies: ReadonlyArray<Pick<Policy, "name" | "resource" | "mode">>;
  identity: OwnIdentity;
  subscriptionId?: string;
  /** Every governed subscription: events of the others are dropped. */
  subscriptions?: readonly string[];
  log: (level: "info" | "warn" | "error", line: string) => void;
}

export type DeliveryOutcome =
  | { status: "rejected"; problems: string[] }
  | { status: "validation"; validationResponse: string }
  | {
      status: "handled";
      started: StartedCheck[];
      /** Events for a resource whose check was still running: that check covers them. */
      coalesced: StartedCheck[];
      /** Events handled before (a redelivery): nothing started. */
      alreadySeen: string[];
      dropped: DroppedEvent[];
    };

const FINISHED = new Set(["Completed", "Failed", "Terminated", "Canceled"]);

/** Checks being started at once (each a status read and a start on the task hub). */
const STARTS_AT_ONCE = 16;

type StartedCheck = { instanceId: string; resourceId: string; eventIds: string[] };

/**
 * A delivery, handled: see the module's comment. The delivery's relevant events are claimed in
 * one call (transactions per partition). Events whose claim could not be written start nothing
 * and fail the delivery once the others are started: Event Grid's retry claims them then, and
 * finds the others seen. Throws as well when a check could not be started (its events are
 * released, so the retry starts it).
 */
export async function handleResourceEvents(delivery: unknown, deps: ResourceEventsDeps): Promise<DeliveryOutcome> {
  const triage = triageDelivery(delivery, {
    identity: deps.identity,
    subscriptionId: deps.subscriptionId,
    ...(deps.subscriptions === undefined ? {} : { subscriptions: deps.subscriptions }),
    policies: deps.policies,
  });
  if (triage.status === "rejected") {
    deps.log("error", `delivery refused, nothing started: ${triage.problems.join("; ")}`);
    return triage;
  }
  if (triage.status === "validation") {
    deps.log("info", "subscription validation event: answered with its validation code");
    return { status: "validation", validationResponse: triage.validationCode };
  }
  for (const drop of triage.dropped) deps.log("info", `event ${drop.eventId} dropped: ${drop.reason}`);

  const claims = await deps.seen.claimAll(
    triage.relevant.map((relevant) => ({
      eventId: relevant.event.eventId,
      eventTime: relevant.event.eventTime,
      eventType: relevant.event.eventType,
      resourceId: relevant.resourceId,
    })),
  );
  const unclaimed: Error[] = [];
  const alreadySeen: string[] = [];
  const byResource = new Map<string, RelevantEvent[]>();
  triage.relevant.forEach((relevant, index) => {
    const claim = claims[index];
    if (claim instanceof Error || claim === undefined) {
      const failure = claim ?? new Error("the seen store gave no answer");
      unclaimed.push(failure);
      deps.log("error", `event ${relevant.event.eventId} could not be claimed, nothing started (to be redelivered): ${failure.message}`);
      return;
    }
    if (claim === "seen") {
      alreadySeen.push(relevant.event.eventId);
      deps.log("info", `event ${relevant.event.eventId} already handled: nothing started (redelivery)`);
      return;
    }
    const key = relevant.resourceId.toLowerCase();
    const events = byResource.get(key);
    if (events) events.push(relevant);
    else byResource.set(key, [relevant]);
  });

  // Checks start a few at a time (each is a status read and a start on the task hub); outcomes are kept in the delivery's order.
  const limit = createLimiter(STARTS_AT_ONCE);
  const outcomes = await Promise.all([...byResource.values()].map((events) => limit(() => startCheck(events, deps))));
  const started: StartedCheck[] = [];
  const coalesced: StartedCheck[] = [];
  const failures: Error[] = [];
  for (const outcome of outcomes) {
    if ("started" in outcome) started.push(outcome.started);
    else if ("coalesced" in outcome) coalesced.push(outcome.coalesced);
    else failures.push(outcome.failure);
  }
  if (failures.length > 0 || unclaimed.length > 0) {
    const parts = [
      ...(unclaimed.length > 0 ? [`${unclaimed.length} event(s) could not be claimed`] : []),
      ...(failures.length > 0 ? [`${failures.length} check(s) could not be started`] : []),
    ];
    throw new AggregateError([...unclaimed, ...failures], `${parts.join(", ")}; the delivery is to be retried`);
  }
  return { status: "handled", started, coalesced, alreadySeen, dropped: triage.dropped };
}

/** Starts the check of one resource for its claimed events, or finds it running; a failure gives the claims back. */
async function startCheck(
  events: RelevantEvent[],
  deps: ResourceEventsDeps,
): Promise<{ started: StartedCheck } | { coalesced: StartedCheck } | { failure: Error }> {
  const first = events[0] as RelevantEvent;
  const instanceId = checkInstanceId(first.resourceId);
  const eventIds = events.map((relevant) => relevant.event.eventId);
  try {
    const status = await deps.starter.status(instanceId);
    if (status !== undefined && !FINISHED.has(status)) {
      deps.log("info", `event ${eventIds.join(", ")} for ${first.resourceId}: check ${instanceId} is already ${status}, it covers them`);
      return { coalesced: { instanceId, resourceId: first.resourceId, eventIds } };
    }
    const creator = events.find((relevant) => relevant.event.creator !== undefined)?.event.creator;
    const input: CheckResourceInput = {
      resourceId: first.resourceId,
      policies: [...new Set(events.flatMap((relevant) => relevant.policies))],
      event: {
        id: first.event.eventId,
        type: first.event.eventType,
        time: first.event.eventTime,
        operationName: first.event.operationName,
      },
      ...(creator === undefined ? {} : { creator }),
      ...(events.length > 1 ? { coalescedEventIds: eventIds.slice(1) } : {}),
    };
    await deps.starter.start(instanceId, input);
    deps.log(
      "info",
      `event ${eventIds.join(", ")} (${first.event.operationName}): started ${ORCHESTRATIONS.checkResource} ${instanceId} for ${input.policies.join(", ")}`,
    );
    return { started: { instanceId, resourceId: first.resourceId, eventIds } };
  } catch (error) {
    // Give the claims back: Event Grid's retry of this delivery starts the check.
    await Promise.allSettled(
      events.map((relevant) => deps.seen.release({ eventId: relevant.event.eventId, eventTime: relevant.event.eventTime })),
    );
    const failure = error instanceof Error ? error : new Error(String(error));
    deps.log("error", `event ${eventIds.join(", ")} for ${first.resourceId}: could not start ${instanceId}: ${failure.message}`);
    return { failure };
  }
}

// ---------------------------------------------------------------------------------------------
// The Functions registration

/** The Durable client as a CheckStarter: the singleton pattern (start only when no instance runs). */
export function durableStarter(client: Pick<DurableClient, "getStatus" | "startNew">): CheckStarter {
  return {
    status: async (instanceId) => {
      try {
        return (await client.getStatus(instanceId)).runtimeStatus;
      } catch (error) {
        // durable-functions answers an unknown instance with an error naming the HTTP 404.
        if (error instanceof Error && /\b404\b/.test(error.message)) return undefined;
        throw error;
      }
    },
    start: async (instanceId, input) => {
      await client.startNew(ORCHESTRATIONS.checkResource, { instanceId, input });
    },
  };
}

/** Loads on first use and keeps it while the key (a setting) stays the same; a failed load is tried again next time. */
function lazily<T>(): (key: string, load: () => Promise<T>) => Promise<T> {
  let slot: { key: string; value: Promise<T> } | undefined;
  return (key, load) => {
    if (slot?.key !== key) {
      const entry = { key, value: load() };
      slot = entry;
      entry.value.catch(() => {
        if (slot === entry) slot = undefined;
      });
    }
    return slot.value;
  };
}

const seenStoreOf = lazily<SeenEvents>();

async function resourceEventsHandler(event: EventGridEvent, context: InvocationContext): Promise<void> {
  const config = loadConfig(process.env);
  const [policies, seen] = await Promise.all([
    // Loaded on first use, to keep the cold start small; the source follows a replaced policy blob.
    import("../shared/policy/appSource.ts").then(async ({ appPolicies }) => (await appPolicies(config)).policies),
    seenStoreOf(process.env.AzureWebJobsStorage ?? process.env.AzureWebJobsStorage__accountName ?? "", async () => {
      const { openSeenEvents } = await import("../shared/triggers/seenEvents.ts");
      return openSeenEvents(process.env);
    }),
  ]);
  // A malformed event is logged and not thrown: a retry would deliver the same bytes. A check that
  // could not be started throws, so Event Grid delivers the event again.
  await handleResourceEvents(Array.isArray(event) ? event : [event], {
    starter: durableStarter(df.getClient(context)),
    seen,
    policies,
    identity: config.identity,
    subscriptionId: config.subscriptionId,
    subscriptions: config.subscriptions,
    log: (level, line) => (level === "error" ? context.error(line) : level === "warn" ? context.warn(line) : context.log(line)),
  });
}

app.eventGrid("resourceEvents", { extraInputs: [df.input.durableClient()], handler: resourceEventsHandler });
