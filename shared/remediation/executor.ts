/**
 * What every executor shares: its shape, the context it works in, Azure's errors sorted into
 * transient and final, backoff that honours `Retry-After`, and the loop that carries a change
 * out at least once and at most once in effect.
 *
 * The loop: assess the resource (already as the action leaves it? a change under way?), send
 * the change and wait for its long-running operation, then re-read and verify. A transient
 * failure (throttling, 5xx, a dropped connection, `AnotherOperationInProgress`, an operation that
 * ended Failed) is waited out and the next attempt starts by re-reading the resource and
 * re-checking the guards: if the first attempt did take effect, the next one finds it done and
 * sends nothing. The SDK's own retry policy (configured in `remediationTarget`) already retries
 * each request; this loop covers what is left over and the operation as a whole.
 */
import { isPaced, subscriptionArmPacer } from "../azure/armPacer.ts";
import { retryAfterMsOfError } from "../azure/retryAfter.ts";
import type { AzureTarget } from "../azure/target.ts";
import type { GuardBlock } from "../policy/guards.ts";
import type { EvaluationContext } from "../policy/registry.ts";
import type { ActionEffect, InventoryResource, PowerState, ResourceKind } from "../policy/types.ts";
import type { RemediationRequest, ResourceState } from "./types.ts";

export interface RemediationOptions {
  /** Interval of long-running operation polls when Azure sends no `Retry-After` (the SDK's default, 2 s, when absent). */
  pollIntervalMs?: number;
  /** Attempts at a change, and at each read around it (default 5). */
  maxAttempts?: number;
  /** First wait between attempts, doubled each time (default 2 s); a longer `Retry-After` wins. */
  retryDelayMs?: number;
  /** Longest wait between attempts that Governor chooses itself (default 60 s). */
  maxRetryDelayMs?: number;
  /**
   * How long to wait, in all, for another operation on the resource to finish (409
   * `AnotherOperationInProgress`; an AKS stop takes minutes) before reporting it (default 20 min).
   * Waiting spends no attempt.
   */
  maxWaitMs?: number;
}

export interface ResolvedOptions {
  pollIntervalMs: number | undefined;
  maxAttempts: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  maxWaitMs: number;
}

export function resolveOptions(options: RemediationOptions = {}): ResolvedOptions {
  const maxAttempts = options.maxAttempts ?? 5;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    throw new RangeError(`maxAttempts must be a whole number of at least 1, not ${maxAttempts}`);
  return {
    pollIntervalMs: options.pollIntervalMs,
    maxAttempts,
    retryDelayMs: options.retryDelayMs ?? 2_000,
    maxRetryDelayMs: options.maxRetryDelayMs ?? 60_000,
    maxWaitMs: options.maxWaitMs ?? 20 * 60_000,
  };
}

/**
 * The target with the SDK's retry policy set for changes: more retries than the SDK's default
 * three, exponential from 1 s; 429 and 503 with `Retry-After` wait what Azure says. Settings the
 * target already carries (tests make the delays short) win. Its reads, writes and deletes are
 * paced by what ARM reports left of the subscription's buckets (shared/azure/armPacer.ts): the
 * changes of every workflow in this process to one subscription share one pacer, and
 * subscriptions proceed side by side, each at its own pace.
 */
export function remediationTarget(target: AzureTarget): AzureTarget {
  return {
    ...target,
    clientOptions: {
      ...target.clientOptions,
      retryOptions: { maxRetries: 5, retryDelayInMs: 1_000, maxRetryDelayInMs: 30_000, ...target.clientOptions.retryOptions },
      additionalPolicies: [
        ...(target.clientOptions.additionalPolicies ?? []),
        ...(isPaced(target) ? [] : [{ policy: subscriptionArmPacer(target), position: "perRetry" as const }]),
      ],
    },
  };
}

export interface ExecutorContext<A = unknown> {
  target: AzureTarget;
  request: RemediationRequest;
  /** The resource as last read from ARM. */
  resource: InventoryResource;
  /** When `resource` was read (`Date.now()`); unset is taken as long ago. */
  readAtMs?: number;
  /** The policy's action arguments, as its module's `parse` made them (the policy file's, as they are now). */
  args: A;
  /** The fresh read as the evaluation sees it: the resource's group, related resources, facts, settings, now. */
  evaluation: EvaluationContext;
  options: ResolvedOptions;
}

export type Assessment =
  /** The resource is already as the action leaves it. */
  | { status: "done"; reason: string }
  /** The same change is under way (a previous attempt's, or someone's): joining it changes nothing more. */
  | { status: "in-progress"; reason: string }
  /** The executor will not do this, whatever the policy says (an attached disk, a missing vault). */
  | { status: "refused"; reason: string }
  | { status: "todo" };

/** What an action module writes to carry itself out in Azure (its name, kinds and effect are the module's). */
export interface ActionExecutor<A = unknown> {
  assess(ctx: ExecutorContext<A>): Assessment;
  /** What it would do, in the past tense: `deallocated vm-odoo-dev-01`, for "kill switch on: would have …". */
  describe(ctx: ExecutorContext<A>): string;
  /**
   * Sends the change and waits until Azure says it is finished; throws Azure's error. Calls
   * `accepted` once Azure has taken the request (the change may happen even if waiting fails).
   * Where Azure's answer is itself the state the change leaves (a tag merge answers with the
   * resource's tags after it), it returns the context with that state: it is the verification,
   * and no read is spent on it. Otherwise `verify` (or `refresh`) reads it.
   */
  change(ctx: ExecutorContext<A>, accepted: () => void): Promise<ExecutorContext<A> | void>;
  /**
   * What the change leaves beside the resource's own state, once it is done (a stop's
   * `governor-stopped-by`). `change` does it after its own send; a workflow restarted after it sent
   * the change, which finds the change done, does it through this. Best effort: never throws.
   */
  settle?(ctx: ExecutorContext<A>): Promise<void>;
  /** Reads again what `assess` decides on; `undefined` when the resource is gone. */
  refresh(ctx: ExecutorContext<A>): Promise<ExecutorContext<A> | undefined>;
  /**
   * Reads what shows the change done, once Azure said it is (default `refresh`): only what the
   * change is about (a protected item for an enrolment), no more.
   */
  verify?(ctx: ExecutorContext<A>): Promise<ExecutorContext<A> | undefined>;
  state(ctx: ExecutorContext<A>): ResourceState;
}

/** What a finished change leaves, as a re-read shows it: a power state, or no resource at all. */
export type Leaves = { powerState: PowerState } | { exists: false };

/** An action's executor as `applyRemediation` runs it: built from its module (shared/actions/index.ts). */
export interface Executor<A = unknown> extends ActionExecutor<A> {
  /** The action type it carries out: `deallocate`, `stop`, `start`, `delete`, `tag`, `enroll-backup`. */
  action: string;
  /** The kinds it acts on; `any` for every resource (tags). */
  kinds: readonly ResourceKind[];
  /** For the guards: a start is `modify`, a stop `disruptive`, a delete `destructive`. */
  effect: ActionEffect;
  leaves?: Leaves;
}

/** Whether the change removes the resource: then a resource found gone is the change done. */
export const removes = (executor: Pick<Executor, "leaves">): boolean =>
  executor.leaves !== undefined && "exists" in executor.leaves && !executor.leaves.exists;

/** Options of a long-running operation: the poll interval when Azure sends no `Retry-After`. */
export function lroOptions(ctx: Pick<ExecutorContext, "options">): { updateIntervalInMs?: number } {
  return ctx.options.pollIntervalMs === undefined ? {} : { updateIntervalInMs: ctx.options.pollIntervalMs };
}

// ---------------------------------------------------------------------------------------------
// Errors

export interface AzureFailure {
  code: string;
  message: string;
  statusCode?: number;
  retryAfterMs?: number;
  /** Waiting and trying again may clear it. */
  transient: boolean;
  /** Another operation holds the resource: wait for it rather than spend an attempt. */
  busy: boolean;
  /** The long-running operation itself ended Failed (not a failure to follow it). */
  operationFailed: boolean;
}

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
/** 409s that clear by themselves: another operation on the resource, a copy in progress. */
const BUSY_CONFLICTS = new Set(["anotheroperationinprogress", "conflict", "operationpreempted", "retryableerror"]);
const NETWORK_CODES = new Set(["REQUEST_SEND_ERROR", "ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "UND_ERR_SOCKET"]);
/** Operations that ended Failed for a reason no retry changes. */
const FINAL_OPERATION_CODES = new Set([
  "authorizationfailed",
  "badrequest",
  "invalidparameter",
  "invalidrequestcontent",
  "operationnotallowed",
  "resourcenotfound",
  "notfound",
  "linkedauthorizationfailed",
]);

/** Errors of the code itself, never of Azure: they are thrown, not reported. */
export function isProgrammingError(error: unknown): boolean {
  return error instanceof TypeError || error instanceof ReferenceError || error instanceof SyntaxError || error instanceof RangeError;
}

const OPERATION_FAILED = /^The long-running operation has failed(?:\. ([\w.-]+)\. ([\s\S]*))?$/;

/** Azure's error as plain data, and whether waiting may clear it. */
export function azureFailure(error: unknown): AzureFailure {
  const object = (error ?? {}) as { statusCode?: unknown; code?: unknown; message?: unknown; name?: unknown };
  const message = typeof object.message === "string" ? object.message : String(error);
  // core-lro reports an operation that ended Failed as `The long-running operation has failed. <code>. <message>`.
  const operation = OPERATION_FAILED.exec(message);
  if (operation) {
    const code = operation[1] ?? "OperationFailed";
    const busy = BUSY_CONFLICTS.has(code.toLowerCase());
    return {
      code,
      message: operation[2] ?? message,
      transient: !FINAL_OPERATION_CODES.has(code.toLowerCase()),
      busy,
      operationFailed: true,
    };
  }
  const statusCode = typeof object.statusCode === "number" ? object.statusCode : undefined;
  const code =
    typeof object.code === "string" && object.code !== "" ? object.code : statusCode !== undefined ? `HTTP${statusCode}` : "Error";
  const retryAfterMs = retryAfterMsOfError(error);
  const busy = statusCode === 409 && BUSY_CONFLICTS.has(code.toLowerCase());
  const transient =
    (statusCode !== undefined && TRANSIENT_STATUS.has(statusCode)) || busy || NETWORK_CODES.has(code) || object.name === "AbortError";
  return {
    code,
    message,
    transient,
    busy,
    operationFailed: false,
    ...(statusCode === undefined ? {} : { statusCode }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

/** The wait before attempt `attempt + 1`: exponential with jitter, never shorter than Azure's `Retry-After`. */
export function backoffMs(attempt: number, options: ResolvedOptions, retryAfterMs?: number): number {
  const exponential = Math.min(options.maxRetryDelayMs, options.retryDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = exponential * (0.8 + Math.random() * 0.4);
  // A Retry-After is honoured, within reason: ten minutes is longer than an activity should sit.
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, 600_000));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A read retried on transient failures (after the SDK's own retries), with backoff; the last failure is thrown. */
export async function retryingRead<T>(read: () => Promise<T>, options: ResolvedOptions): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await read();
    } catch (error) {
      if (isProgrammingError(error)) throw error;
      const failure = azureFailure(error);
      if (!failure.transient || attempt >= options.maxAttempts) throw error;
      await sleep(backoffMs(attempt, options, failure.retryAfterMs));
    }
  }
}

/** What the SDKs' long-running operations return: a promise of the result, that can say when it was sent and save its state. */
export interface OperationPoller extends PromiseLike<unknown> {
  submitted(): Promise<void>;
  serialize(): Promise<string>;
}

/** A long-running operation as the SDKs of the older generation start it (`begin…` resolves once Azure took the request). */
export interface SentPoller {
  pollUntilDone(): Promise<unknown>;
  toString(): string;
}

/**
 * An older SDK's operation (`@azure/arm-postgresql-flexible`'s `beginStop`) as `followOperation`
 * follows it: `begin` sends it (or, given a saved state, resumes it without sending anything).
 */
export function sentOperation(begin: () => Promise<SentPoller>): OperationPoller {
  const sent = begin();
  // Observed by submitted() or by waiting; never left unhandled when neither runs.
  sent.catch(() => undefined);
  let done: Promise<unknown> | undefined;
  return {
    submitted: async () => void (await sent),
    serialize: async () => (await sent).toString(),
    then: (fulfilled, rejected) => (done ??= sent.then((poller) => poller.pollUntilDone())).then(fulfilled, rejected),
  };
}

/**
 * Sends a change and follows its long-running operation to the end. `accepted` is called once
 * Azure took the request. When following it fails (a status poll throttled past the SDK's
 * retries), the same operation is followed again from its saved state: the change is never sent
 * a second time for a poll that failed. An operation that ended Failed is thrown as it is.
 */
export async function followOperation(
  start: () => OperationPoller,
  restore: (state: string) => OperationPoller,
  accepted: () => void,
  options: ResolvedOptions,
): Promise<unknown> {
  const poller = start();
  await poller.submitted();
  accepted();
  const saved = await poller.serialize();
  let current = poller;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await current;
    } catch (error) {
      if (isProgrammingError(error)) throw error;
      const failure = azureFailure(error);
      if (failure.operationFailed || !failure.transient || attempt >= options.maxAttempts) throw error;
      await sleep(backoffMs(attempt, options, failure.retryAfterMs));
      current = restore(saved);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Carrying a change out

export type CarryOutResult =
  | { outcome: "applied" | "already-done"; reason: string; after: ResourceState; attempts: number }
  | { outcome: "skipped"; reason: string; guard: string; after: ResourceState; attempts: number }
  | { outcome: "failed"; reason: string; errorCode: string; after?: ResourceState; attempts: number };

export interface CarryOutHooks {
  /** The guards, on a fresh read, before each attempt after the first. */
  recheck(ctx: ExecutorContext): GuardBlock | undefined;
  /** In the past tense, for the reason of an applied change: `deallocated vm-odoo-dev-01`. */
  done: string;
  /** The change under way is this workflow's own, sent before it restarted: joining it completes this change, not another's. */
  own?: boolean;
}

const GONE: ResourceState = { exists: false };

/**
 * The change, at least once and in effect at most once: sent, followed to the end, verified by a
 * re-read. A transient failure is waited out (backoff, `Retry-After`) and the next attempt begins
 * with a fresh read and the guards: a change that did happen is found done and not sent again.
 * Another operation holding the resource (409 `AnotherOperationInProgress`, a transitional state)
 * is waited for, within `maxWaitMs`, without spending attempts.
 */
export async function carryOut(executor: Executor, initial: ExecutorContext, hooks: CarryOutHooks): Promise<CarryOutResult> {
  const { options } = initial;
  const waitUntil = Date.now() + options.maxWaitMs;
  const joined = hooks.own !== true && executor.assess(initial).status === "in-progress";
  let ctx = initial;
  let accepted = false;
  let attempts = 0;
  let waits = 0;
  let last: AzureFailure | undefined;
  let fresh = false;

  const finished = (current: ExecutorContext | undefined): CarryOutResult => {
    const after = current ? executor.state(current) : GONE;
    const note = attempts > 1 ? ` (after ${attempts} attempts)` : "";
    if (accepted && !joined) return { outcome: "applied", reason: `${hooks.done}${note}`, after, attempts };
    if (accepted) return { outcome: "already-done", reason: `a change already under way completed: ${hooks.done}${note}`, after, attempts };
    return { outcome: "already-done", reason: `already done by the time of attempt ${attempts + 1}: nothing sent`, after, attempts };
  };
  const failed = (failure: AzureFailure, prefix = ""): CarryOutResult => ({
    outcome: "failed",
    reason: `${prefix}${failure.code}: ${failure.message}${failure.transient && prefix === "" ? ` (gave up after ${attempts} attempt${attempts === 1 ? "" : "s"}${waits > 0 ? ` and ${waits} waits` : ""})` : ""}`,
    errorCode: failure.code,
    after: executor.state(ctx),
    attempts,
  });
  const gone = (): CarryOutResult =>
    removes(executor)
      ? finished(undefined)
      : {
          outcome: "failed",
          reason: "the resource disappeared while the change was being made",
          errorCode: "ResourceNotFound",
          after: GONE,
          attempts,
        };
  /** Waits for whatever holds the resource; false once the budget is spent. */
  const wait = async (retryAfterMs?: number): Promise<boolean> => {
    if (Date.now() >= waitUntil) return false;
    waits += 1;
    await sleep(Math.min(backoffMs(waits, options, retryAfterMs), Math.max(0, waitUntil - Date.now())));
    return true;
  };

  for (;;) {
    if (fresh) {
      // Every attempt after the first starts from a fresh read, so a change that did happen is never sent twice.
      let next: ExecutorContext | undefined;
      try {
        next = await retryingRead(() => executor.refresh(ctx), options);
      } catch (error) {
        if (isProgrammingError(error)) throw error;
        return failed(azureFailure(error), "could not re-read the resource: ");
      }
      if (next === undefined) return gone();
      ctx = next;
      const assessment = executor.assess(ctx);
      if (assessment.status === "done") return finished(ctx);
      if (assessment.status === "refused")
        return { outcome: "skipped", reason: assessment.reason, guard: "executor", after: executor.state(ctx), attempts };
      const block = hooks.recheck(ctx);
      if (block && !accepted) return { outcome: "skipped", reason: block.reason, guard: block.guard, after: executor.state(ctx), attempts };
    }
    fresh = true;
    if (attempts >= options.maxAttempts)
      return failed(
        last ?? { code: "Incomplete", message: "the change did not complete", transient: true, busy: false, operationFailed: false },
      );

    attempts += 1;
    let answered: ExecutorContext | void;
    try {
      answered = await executor.change(ctx, () => {
        accepted = true;
      });
    } catch (error) {
      if (isProgrammingError(error)) throw error;
      last = azureFailure(error);
      if (last.busy) {
        // Another operation holds the resource: waiting for it is not a failed attempt.
        attempts -= 1;
        if (await wait(last.retryAfterMs)) continue;
        return failed(last, `still busy after waiting ${Math.round(options.maxWaitMs / 1000)} s: `);
      }
      if (!last.transient || attempts >= options.maxAttempts) return failed(last);
      await sleep(backoffMs(attempts, options, last.retryAfterMs));
      continue;
    }

    // Verify: Azure said it is done; the resource must say so too (in Azure's own answer, where it carries the state).
    let next: ExecutorContext | undefined;
    try {
      next = answered ?? (await retryingRead(() => (executor.verify ?? executor.refresh)(ctx), options));
    } catch (error) {
      if (isProgrammingError(error)) throw error;
      return failed(azureFailure(error), "the change was sent but could not be verified: ");
    }
    if (next === undefined) return gone();
    ctx = next;
    const assessment = executor.assess(ctx);
    if (assessment.status === "done") return finished(ctx);
    if (assessment.status === "in-progress" && (await wait())) {
      attempts -= 1;
      continue;
    }
    return {
      outcome: "failed",
      reason: `Azure reported the change done, but a re-read shows otherwise: ${assessment.status === "todo" ? "not changed" : assessment.reason}`,
      errorCode: "VerificationFailed",
      after: executor.state(ctx),
      attempts,
    };
  }
}
