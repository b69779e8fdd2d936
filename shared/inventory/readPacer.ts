/**
 * Paces ARM reads by what ARM says is left of the subscription's read bucket. Responses carry
 * `x-ms-ratelimit-remaining-subscription-reads`; once it falls to the reserve, the next reads
 * leave one at a time at ARM's refill rate instead of draining the bucket into 429s (each one more
 * request, and a `Retry-After` of at least a second). A response that reports more again, once the
 * bucket has refilled, lifts the pacing. Only GETs are paced: Resource Graph queries and batch
 * metrics are POSTs with quotas of their own.
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { DEFAULT_CONCURRENCY } from "./concurrency.ts";

/** ARM's refill of a subscription's read bucket (see AZURE-NOTES: 250 tokens, 25 a second). */
export const ARM_READS_PER_SECOND = 25;

const REMAINING_READS = "x-ms-ratelimit-remaining-subscription-reads";

export interface ReadPacerOptions {
  readsPerSecond?: number;
  /** Remaining reads at which pacing starts: above the requests in flight, so those already sent still find tokens. */
  reserve?: number;
}

/** One pacer per gathering, shared by its clients (it is their one view of the bucket). */
export function createReadPacer(options: ReadPacerOptions = {}): PipelinePolicy {
  const interval = 1000 / (options.readsPerSecond ?? ARM_READS_PER_SECOND);
  const reserve = options.reserve ?? 2 * DEFAULT_CONCURRENCY;
  let remaining: number | undefined;
  let nextSlot = 0;
  return {
    name: "governorReadPacer",
    sendRequest: async (request, next) => {
      if (request.method === "GET" && remaining !== undefined && remaining <= reserve) {
        const now = Date.now();
        const slot = Math.max(now, nextSlot);
        nextSlot = slot + interval;
        if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
      }
      const response = await next(request);
      const reported = Number(response.headers.get(REMAINING_READS) ?? Number.NaN);
      if (Number.isFinite(reported)) remaining = reported;
      return response;
    },
  };
}
