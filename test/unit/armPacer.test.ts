/** Pacing ARM requests by the buckets ARM reports (shared/azure/armPacer.ts), on a fake clock. */
import { createHttpHeaders, createPipelineRequest, type PipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { armOperationKind, createArmPacer } from "../../shared/azure/armPacer.ts";

const REMAINING = {
  GET: "x-ms-ratelimit-remaining-subscription-reads",
  PATCH: "x-ms-ratelimit-remaining-subscription-writes",
  POST: "x-ms-ratelimit-remaining-subscription-writes",
  DELETE: "x-ms-ratelimit-remaining-subscription-deletes",
} as Record<string, string>;

/**
 * A `next` that answers at once with the remaining requests given (in the header of the request's
 * kind), or 429 with `Retry-After` where `throttledFor` says, and notes when each request left.
 */
function armAnswering(remainingOf: (sent: number) => number | undefined, throttledFor?: (sent: number) => number | undefined) {
  const sentAt: number[] = [];
  const next = (request: PipelineRequest): Promise<PipelineResponse> => {
    sentAt.push(Date.now());
    const remaining = remainingOf(sentAt.length);
    const retryAfter = throttledFor?.(sentAt.length);
    const headers = createHttpHeaders({
      ...(remaining === undefined ? {} : { [REMAINING[request.method] as string]: String(remaining) }),
      ...(retryAfter === undefined ? {} : { "retry-after": String(retryAfter) }),
    });
    return Promise.resolve({ request, status: retryAfter === undefined ? 200 : 429, headers });
  };
  return { next, sentAt };
}

const get = () => createPipelineRequest({ url: "https://management.azure.com/x", method: "GET" });
const patch = () =>
  createPipelineRequest({ url: "https://management.azure.com/x/providers/Microsoft.Resources/tags/default", method: "PATCH" });
const remove = () => createPipelineRequest({ url: "https://management.azure.com/x", method: "DELETE" });
const post = () =>
  createPipelineRequest({ url: "https://management.azure.com/providers/Microsoft.ResourceGraph/resources", method: "POST" });

// The pacer's slots are timers: every test runs on a fake clock from 0.
beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("the ARM pacer on reads", () => {
  it("sends reads at once while ARM reports more left than the reserve", async () => {
    const pacer = createArmPacer({ reserve: 10, perSecond: { read: 25 } });
    const arm = armAnswering(() => 200);
    await Promise.all(Array.from({ length: 20 }, () => pacer.sendRequest(get(), arm.next)));
    expect(arm.sentAt).toEqual(Array.from({ length: 20 }, () => 0));
  });

  it("spaces reads at the refill rate once the bucket falls to the reserve", async () => {
    const pacer = createArmPacer({ reserve: 10, perSecond: { read: 25 } });
    const arm = armAnswering(() => 5);
    await pacer.sendRequest(get(), arm.next); // learns the bucket is low
    const paced = Promise.all(Array.from({ length: 4 }, () => pacer.sendRequest(get(), arm.next)));
    await vi.runAllTimersAsync();
    await paced;
    // One every 40 ms (25 a second), the first at once.
    expect(arm.sentAt).toEqual([0, 0, 40, 80, 120]);
  });

  it("does not pace POSTs: Resource Graph and batch metrics have quotas of their own", async () => {
    const pacer = createArmPacer({ reserve: 10, perSecond: { read: 25 } });
    const arm = armAnswering(() => 1);
    await pacer.sendRequest(get(), arm.next);
    await Promise.all(Array.from({ length: 5 }, () => pacer.sendRequest(post(), arm.next)));
    expect(arm.sentAt).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("lifts the pacing when ARM reports the bucket refilled", async () => {
    const pacer = createArmPacer({ reserve: 10, perSecond: { read: 25 } });
    const arm = armAnswering((sent) => (sent === 1 ? 3 : 240));
    await pacer.sendRequest(get(), arm.next); // 3 left: pacing starts
    const paced = Promise.all([pacer.sendRequest(get(), arm.next), pacer.sendRequest(get(), arm.next)]);
    await vi.runAllTimersAsync();
    await paced; // these report 240 left
    await Promise.all(Array.from({ length: 3 }, () => pacer.sendRequest(get(), arm.next)));
    expect(arm.sentAt).toEqual([0, 0, 40, 40, 40, 40]);
  });

  it("keeps sending at once when ARM reports nothing, as the emulator and other clouds may", async () => {
    const pacer = createArmPacer({ reserve: 10 });
    const arm = armAnswering(() => undefined);
    await Promise.all(Array.from({ length: 10 }, () => pacer.sendRequest(get(), arm.next)));
    expect(arm.sentAt.every((at) => at === 0)).toBe(true);
  });
});

describe("the ARM pacer on writes and deletes", () => {
  it("spaces writes at ARM's write refill (10 a second) once the write bucket falls to the reserve", async () => {
    const pacer = createArmPacer({ reserve: 10 });
    const arm = armAnswering(() => 4);
    await pacer.sendRequest(patch(), arm.next);
    const paced = Promise.all(Array.from({ length: 3 }, () => pacer.sendRequest(patch(), arm.next)));
    await vi.runAllTimersAsync();
    await paced;
    expect(arm.sentAt).toEqual([0, 0, 100, 200]);
  });

  it("keeps each kind's bucket apart: a low write bucket does not slow reads or deletes", async () => {
    const pacer = createArmPacer({ reserve: 10 });
    const arm = armAnswering((sent) => (sent === 1 ? 2 : 150));
    await pacer.sendRequest(patch(), arm.next); // the write bucket is low
    await Promise.all([
      ...Array.from({ length: 3 }, () => pacer.sendRequest(get(), arm.next)),
      ...Array.from({ length: 3 }, () => pacer.sendRequest(remove(), arm.next)),
    ]);
    expect(arm.sentAt).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it("holds a kind after a 429 that reports the bucket empty, until its Retry-After has passed, so the requests beside it are not throttled too", async () => {
    const pacer = createArmPacer({ reserve: 10 });
    const arm = armAnswering(
      (sent) => (sent === 1 ? 0 : 100),
      (sent) => (sent === 1 ? 2 : undefined),
    );
    const first = await pacer.sendRequest(patch(), arm.next);
    expect(first.status).toBe(429);
    const after = Promise.all([pacer.sendRequest(patch(), arm.next), pacer.sendRequest(get(), arm.next)]);
    await vi.runAllTimersAsync();
    await after;
    // The write waited the 2 s ARM asked for; the read, of another bucket, did not.
    expect(arm.sentAt).toEqual([0, 0, 2000]);
  });

  it("holds nobody else after a 429 without the bucket's header: a resource provider's throttle is that request's", async () => {
    const pacer = createArmPacer({ reserve: 10 });
    const arm = armAnswering(
      () => undefined,
      (sent) => (sent === 1 ? 2 : undefined),
    );
    expect((await pacer.sendRequest(patch(), arm.next)).status).toBe(429);
    await Promise.all([pacer.sendRequest(patch(), arm.next), pacer.sendRequest(patch(), arm.next)]);
    expect(arm.sentAt).toEqual([0, 0, 0]);
  });

  it("paces only the kinds it is given", async () => {
    const pacer = createArmPacer({ kinds: ["read"], reserve: 10 });
    const arm = armAnswering(() => 1);
    await pacer.sendRequest(patch(), arm.next);
    await Promise.all(Array.from({ length: 3 }, () => pacer.sendRequest(patch(), arm.next)));
    expect(arm.sentAt).toEqual([0, 0, 0, 0]);
  });

  it("names the bucket each request draws on, and none for the queries with quotas of their own", () => {
    expect(armOperationKind(get())).toBe("read");
    expect(armOperationKind(patch())).toBe("write");
    expect(armOperationKind(remove())).toBe("delete");
    expect(armOperationKind(createPipelineRequest({ url: "https://management.azure.com/x/deallocate", method: "POST" }))).toBe("write");
    expect(armOperationKind(post())).toBeUndefined();
    expect(
      armOperationKind(
        createPipelineRequest({ url: "https://westeurope.metrics.monitor.azure.com/subscriptions/s/metrics:getBatch", method: "POST" }),
      ),
    ).toBeUndefined();
  });
});
