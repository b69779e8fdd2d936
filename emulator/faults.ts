/**
 * Fault injection and ARM-like throttling. Faults are drawn from a seeded generator so that a
 * test with a given seed sees the same sequence of failures every run.
 */
import type { OperationKind } from "./router.ts";

export interface FaultRule {
  /** Route name to match: exact (`virtualMachines.get`), a prefix with `*` (`virtualMachines.*`), or omitted for all. */
  route?: string;
  method?: string;
  /** Share of matching requests answered 429 with `Retry-After`. */
  rate429?: number;
  /** Share of matching requests answered with a 5xx (`status5xx`, 503 by default). */
  rate5xx?: number;
  status5xx?: 500 | 502 | 503 | 504;
  /** Share of matching requests whose connection is destroyed without an answer. */
  dropRate?: number;
  /** Added latency before answering, in milliseconds of real time. */
  latencyMs?: number;
  retryAfterSeconds?: number;
  /** Stop injecting after this many faults (latency does not count). */
  maxFaults?: number;
}

export type FaultDecision =
  | { type: "none"; latencyMs: number }
  | { type: "status"; status: number; retryAfterSeconds?: number; latencyMs: number }
  | { type: "drop"; latencyMs: number };

/** mulberry32: small, fast and good enough to spread faults evenly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function routeMatches(pattern: string | undefined, route: string): boolean {
  if (pattern === undefined) return true;
  if (pattern.endsWith("*")) return route.startsWith(pattern.slice(0, -1));
  return pattern === route;
}

export class FaultInjector {
  #rules: Array<FaultRule & { injected: number }> = [];
  #random: () => number;

  constructor(seed = 42) {
    this.#random = seededRandom(seed);
  }

  reseed(seed: number): void {
    this.#random = seededRandom(seed);
  }

  add(rule: FaultRule): void {
    for (const key of ["rate429", "rate5xx", "dropRate"] as const) {
      const value = rule[key];
      if (value !== undefined && (value < 0 || value > 1)) throw new Error(`fault rule: ${key} must be between 0 and 1`);
    }
    this.#rules.push({ ...rule, injected: 0 });
  }

  clear(): void {
    this.#rules = [];
  }

  get rules(): readonly FaultRule[] {
    return this.#rules;
  }

  decide(method: string, route: string): FaultDecision {
    let latencyMs = 0;
    for (const rule of this.#rules) {
      if (!routeMatches(rule.route, route)) continue;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) continue;
      latencyMs += rule.latencyMs ?? 0;
      if (rule.maxFaults !== undefined && rule.injected >= rule.maxFaults) continue;
      const draw = this.#random();
      const p429 = rule.rate429 ?? 0;
      const p5xx = rule.rate5xx ?? 0;
      const pDrop = rule.dropRate ?? 0;
      if (draw < p429) {
        rule.injected += 1;
        return { type: "status", status: 429, retryAfterSeconds: rule.retryAfterSeconds ?? 1, latencyMs };
      }
      if (draw < p429 + p5xx) {
        rule.injected += 1;
        return { type: "status", status: rule.status5xx ?? 503, latencyMs };
      }
      if (draw < p429 + p5xx + pDrop) {
        rule.injected += 1;
        return { type: "drop", latencyMs };
      }
    }
    return { type: "none", latencyMs };
  }
}

export interface BucketSettings {
  capacity: number;
  refillPerSecond: number;
}

export type ThrottleSettings = Record<OperationKind, BucketSettings>;

/** ARM's per-subscription limits since its move to token buckets (see AZURE-NOTES). */
export const ARM_THROTTLE_LIMITS: ThrottleSettings = {
  read: { capacity: 250, refillPerSecond: 25 },
  write: { capacity: 200, refillPerSecond: 10 },
  delete: { capacity: 200, refillPerSecond: 10 },
};

const HEADER_BY_KIND: Record<OperationKind, string> = {
  read: "x-ms-ratelimit-remaining-subscription-reads",
  write: "x-ms-ratelimit-remaining-subscription-writes",
  delete: "x-ms-ratelimit-remaining-subscription-deletes",
};

class TokenBucket {
  tokens: number;
  updatedMs: number;
  readonly settings: BucketSettings;

  constructor(settings: BucketSettings, nowMs: number) {
    this.settings = settings;
    this.tokens = settings.capacity;
    this.updatedMs = nowMs;
  }

  take(nowMs: number): { allowed: boolean; remaining: number; retryAfterSeconds: number } {
    const elapsed = (nowMs - this.updatedMs) / 1000;
    this.tokens = Math.min(this.settings.capacity, this.tokens + elapsed * this.settings.refillPerSecond);
    this.updatedMs = nowMs;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { allowed: true, remaining: Math.floor(this.tokens), retryAfterSeconds: 0 };
    }
    const retryAfterSeconds = Math.max(1, Math.ceil((1 - this.tokens) / this.settings.refillPerSecond));
    return { allowed: false, remaining: 0, retryAfterSeconds };
  }
}

/** Token buckets per subscription and operation kind, on real time: throttling is about request rates. */
export class ArmThrottle {
  #buckets = new Map<string, TokenBucket>();
  #settings: ThrottleSettings | undefined;
  #now: () => number;

  constructor(settings: ThrottleSettings | undefined, now: () => number = () => performance.now()) {
    this.#settings = settings;
    this.#now = now;
  }

  configure(settings: ThrottleSettings | undefined): void {
    this.#settings = settings;
    this.#buckets.clear();
  }

  get enabled(): boolean {
    return this.#settings !== undefined;
  }

  take(subscriptionId: string, kind: OperationKind): { allowed: boolean; headers: Record<string, string>; retryAfterSeconds: number } {
    if (!this.#settings) return { allowed: true, headers: {}, retryAfterSeconds: 0 };
    const key = `${subscriptionId.toLowerCase()}|${kind}`;
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.#settings[kind], this.#now());
      this.#buckets.set(key, bucket);
    }
    const result = bucket.take(this.#now());
    return {
      allowed: result.allowed,
      retryAfterSeconds: result.retryAfterSeconds,
      headers: { [HEADER_BY_KIND[kind]]: String(result.remaining) },
    };
  }
}
