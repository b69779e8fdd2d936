/** Pacing ARM reads by the read bucket ARM reports (shared/inventory/readPacer.ts), on a fake clock. */
import { createHttpHeaders, createPipelineRequest, type PipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createReadPacer } from "../../shared/inventory/readPacer.ts";

const REMAINING = "x-ms-ratelimit-remaining-subscription-reads";

/** A `next` that answers at once with the remaining reads given, and notes when each request left. */
function armAnswering(remainingOf: (sent: number) => number | undefined) {
  const sentAt: number[] = [];
  const next = (request: PipelineRequest): Promise<PipelineResponse> => {
    sentAt.push(Date.now());
    const remaining = remainingOf(sentAt.length);
    const headers = createHttpHeaders(remaining === undefined ? {} : { [REMAINING]: String(remaining) });
    return Promise.resolve({ request, status: 200, headers });
  };
  return { next, sentAt };
}

const get = () => createPipelineRequest({ url: "https://management.azure.com/x", method: "GET" });
const post = () =>
  createPipelineRequest({ url: "https://management.azure.com/providers/Microsoft.ResourceGraph/resources", method: "POST" });

describe("the read pacer", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sends reads at once while ARM reports more left than the reserve", async () => {
    const pacer = createReadPacer({ reserve: 10, readsPerSecond: 25 });
    const arm = armAnswering(() => 200);
    await Promise.all(Array.from({ length: 20 }, () => pacer.sendRequest(get(), arm.next)));
    expect(arm.sentAt).toEqual(Array.from({ length: 20 }, () => 0));
  });

  it("spaces reads at the refill rate once the bucket falls to the reserve", async () => {
    const pacer = createReadPacer({ reserve: 10, readsPerSecond: 25 });
    const arm = armAnswering(() => 5);
    await pacer.sendRequest(get(), arm.next); // learns the bucket is low
    const paced = Promise.all(Array.from({ length: 4 }, () => pacer.sendRequest(get(), arm.next)));
    await vi.runAllTimersAsync();
    await paced;
    // One every 40 ms (25 a second), the first at once.
    expect(arm.sentAt).toEqual([0, 0, 40, 80, 120]);
  });

  it("does not pace POSTs: Resource Graph and batch metrics have quotas of their own", async () => {
    const pacer = createReadPacer({ reserve: 10, readsPerSecond: 25 });
    const arm = armAnswering(() => 1);
    await pacer.sendRequest(get(), arm.next);
    await Promise.all(Array.from({ length: 5 }, () => pacer.sendRequest(post(), arm.next)));
    expect(arm.sentAt).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("lifts the pacing when ARM reports the bucket refilled", async () => {
    const pacer = createReadPacer({ reserve: 10, readsPerSecond: 25 });
    const arm = armAnswering((sent) => (sent === 1 ? 3 : 240));
    await pacer.sendRequest(get(), arm.next); // 3 left: pacing starts
    const paced = Promise.all([pacer.sendRequest(get(), arm.next), pacer.sendRequest(get(), arm.next)]);
    await vi.runAllTimersAsync();
    await paced; // these report 240 left
    await Promise.all(Array.from({ length: 3 }, () => pacer.sendRequest(get(), arm.next)));
    expect(arm.sentAt).toEqual([0, 0, 40, 40, 40, 40]);
  });

  it("keeps sending at once when ARM reports nothing, as the emulator and other clouds may", async () => {
    const pacer = createReadPacer({ reserve: 10 });
    const arm = armAnswering(() => undefined);
    await Promise.all(Array.from({ length: 10 }, () => pacer.sendRequest(get(), arm.next)));
    expect(arm.sentAt.every((at) => at === 0)).toBe(true);
  });
});
