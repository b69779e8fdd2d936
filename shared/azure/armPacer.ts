/**
 * Paces ARM requests by what ARM says is left of the subscription's buckets. Each response
 * carries `x-ms-ratelimit-remaining-subscription-reads`, `-writes` or `-deletes`; once the
 * bucket of a kind falls to its reserve, the next requests of that kind leave one at a time at
 * ARM's refill rate instead of draining it into 429s (each one more request, and a `Retry-After`
 * of at least a second). A 429 that reports the bucket empty holds its kind until its
 * `Retry-After` has passed, so the requests in flight beside it do not each collect one too; a 429
 * without the bucket's header (a resource provider's own throttle) holds only its own request,
 * which the SDK retries. A response that reports more again, once the bucket has refilled, lifts
 * the pacing.
 *
 * Resource Graph queries and batch metrics are POSTs with quotas of their own: never paced here.
 */
import type { PipelinePolicy, PipelineRequest } from "@azure/core-rest-pipeline";
import { retryAfterMs } from "./retryAfter.ts";
import type { AzureTarget } from "./target.ts";

export type ArmOperationKind = "read" | "write" | "delete";

/** ARM's refill of a subscription's buckets (AZURE-NOTES: reads 250 then 25 a second; writes and deletes 200 then 10). */
export const ARM_REFILL_PER_SECOND: Readonly<Record<ArmOperationKind, number>> = { read: 25, write: 10, delete: 10 };

const REMAINING_HEADER: Readonly<Record<ArmOperationKind, string>> = {
  read: "x-ms-ratelimit-remaining-subscription-reads",
  write: "x-ms-ratelimit-remaining-subscription-writes",
  delete: "x-ms-ratelimit-remaining-subscription-deletes",
};

/** POSTs that are queries, under quotas of their own rather than the subscription's write bucket. */
const QUERY_PATHS = [/\/providers\/microsoft\.resourcegraph\/resources$/i, /\/metrics:getbatch$/i];

/** The bucket a request draws on; `undefined` for a query ARM does not count as a write. */
export function armOperationKind(request: Pick<PipelineRequest, "method" | "url">): ArmOperationKind | undefined {
  const method = request.method.toUpperCase();
  if (method === "GET" || method === "HEAD") return "read";
  if (method === "DELETE") return "delete";
  const path = new URL(request.url).pathname;
  if (method === "POST" && QUERY_PATHS.some((pattern) => pattern.test(path))) return undefined;
  return "write";
}

export interface ArmPacerOptions {
  /** The kinds paced; the others pass untouched. Default: all three. */
  kinds?: readonly ArmOperationKind[];
  perSecond?: Partial<Record<ArmOperationKind, number>>;
  /** Remaining requests at which pacing starts: above the requests in flight, so those already sent still find tokens. */
  reserve?: number;
}

interface Bucket {
  remaining: number | undefined;
  nextSlot: number;
  heldUntil: number;
}

/** The pacer's name in a client's pipeline (a pipeline holds one policy of a name). */
export const ARM_PACER = "governorArmPacer";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One pacer per subscription and process, shared by its clients (it is their one view of the buckets). */
export function createArmPacer(options: ArmPacerOptions = {}): PipelinePolicy {
  const kinds = new Set(options.kinds ?? (["read", "write", "delete"] as const));
  const reserve = options.reserve ?? 16;
  const buckets = new Map<ArmOperationKind, Bucket>();
  const bucketOf = (kind: ArmOperationKind): Bucket => {
    let bucket = buckets.get(kind);
    if (!bucket) buckets.set(kind, (bucket = { remaining: undefined, nextSlot: 0, heldUntil: 0 }));
    return bucket;
  };
  return {
    name: ARM_PACER,
    sendRequest: async (request, next) => {
      const kind = armOperationKind(request);
      if (kind === undefined || !kinds.has(kind)) return next(request);
      const bucket = bucketOf(kind);
      const interval = 1000 / (options.perSecond?.[kind] ?? ARM_REFILL_PER_SECOND[kind]);
      let now = Date.now();
      if (bucket.heldUntil > now) {
        await sleep(bucket.heldUntil - now);
        now = Date.now();
      }
      if (bucket.remaining !== undefined && bucket.remaining <= reserve) {
        const slot = Math.max(now, bucket.nextSlot);
        bucket.nextSlot = slot + interval;
        if (slot > now) await sleep(slot - now);
      }
      const response = await next(request);
      const reported = Number(response.headers.get(REMAINING_HEADER[kind]) ?? Number.NaN);
      if (Number.isFinite(reported)) bucket.remaining = reported;
      // A 429 that reports the subscription's bucket empty holds the kind; one without it is a
      // narrower throttle (a resource provider's, one operation's): that request alone waits.
      if (response.status === 429 && Number.isFinite(reported) && reported <= reserve) {
        const wait = retryAfterMs(response.headers);
        if (wait !== undefined) bucket.heldUntil = Math.max(bucket.heldUntil, Date.now() + wait);
      }
      return response;
    },
  };
}

/**
 * One pacer per subscription (and endpoint) in this process: the plans of sweeps that run side by
 * side and every change's clients share its view of the buckets. Each with a pacer of its own,
 * they would each see the bucket low and each send at the refill rate, together faster than ARM
 * refills, into 429s.
 */
const subscriptionPacers = new Map<string, PipelinePolicy>();

export function subscriptionArmPacer(target: Pick<AzureTarget, "armEndpoint" | "subscriptionId">): PipelinePolicy {
  const key = `${target.armEndpoint}|${target.subscriptionId.toLowerCase()}`;
  let pacer = subscriptionPacers.get(key);
  if (!pacer) subscriptionPacers.set(key, (pacer = createArmPacer()));
  return pacer;
}

/** Whether the target's clients are paced already (their pipeline holds a pacer). */
export function isPaced(target: Pick<AzureTarget, "clientOptions">): boolean {
  return (target.clientOptions.additionalPolicies ?? []).some(({ policy }) => policy.name === ARM_PACER);
}
