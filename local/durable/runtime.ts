/**
 * The local Durable runtime: plays the Durable Functions extension for Governor's orchestrators
 * and activities where the Functions host cannot run (development machines, CI, `npm start`).
 *
 * It drives the handlers exactly as the host would: the orchestrator handler that
 * durable-functions wrapped with `createOrchestrator` receives a DurableOrchestrationBindingInfo
 * (history, input, instance id) and a DummyOrchestrationContext, replays with the package's own
 * TaskOrchestrationExecutor and returns an OrchestratorState; the runtime carries out the new
 * actions, records what happened in the history (Table Storage, see store.ts) and runs the next
 * episode when something arrives.
 *
 * How an instance's history is laid out (current execution, in sequence order):
 *
 *   arrivals | OrchestratorStarted, scheduling rows..., OrchestratorCompleted | arrivals | ...
 *
 * Arrivals (ExecutionStarted, TaskCompleted/TaskFailed, TimerFired, EventRaised,
 * SubOrchestrationInstanceCompleted/Failed, ExecutionTerminated) are written the moment they
 * happen: an activity's result is durable before the orchestrator sees it. An episode takes the
 * arrivals after the last OrchestratorCompleted, hands the orchestrator the history with its
 * OrchestratorStarted (the clock's time) placed before them, as the extension does, and writes its
 * own rows (OrchestratorStarted, TaskScheduled / TimerCreated / SubOrchestrationInstanceCreated
 * for the new tasks, ExecutionCompleted / ExecutionFailed / ContinueAsNew when it ends,
 * OrchestratorCompleted) in one entity-group transaction (several, in order, past 100 rows or
 * 3.5 MB). An episode whose rows are found without
 * their OrchestratorCompleted never finished writing (a crash between transactions): its rows are
 * removed and it runs again.
 *
 * Guarantees: an activity whose completion is in the history never runs again; an activity in
 * flight when the process dies runs again when the instance resumes (at least once, as Durable);
 * stop() lets running activities record their results first. One runtime per task hub at a time:
 * there are no leases.
 *
 * Non-determinism: on every replay the activities, timers and sub-orchestrations the orchestrator
 * schedules must match, in kind, name and order, those its history recorded; a mismatch fails the
 * instance with an error naming the orchestrator, the instance, the position (the task's sequence
 * number), what the history has and what the replay scheduled.
 *
 * Versions (host.json `extensions.durableTask`, see versioning.ts): every instance this runtime
 * starts, sub-orchestrations included, is stamped with `defaultVersion` (or the version asked
 * for) in its ExecutionStarted, where `context.df.version` reads it on every replay, and keeps
 * it across continue-as-new. An instance the match strategy does not allow is not replayed: with
 * `Reject` it is left as it is (its events and results still recorded) for a runtime of a
 * matching version, with `Fail` it fails.
 *
 * Not carried out (the instance fails with a clear error if an orchestrator uses them): entities
 * (callEntity, signalEntity, locks) and callHttp. Retries follow RetryOptions' attempts, first
 * interval, backoff coefficient and maximum interval; `retryTimeoutInMilliseconds` is not applied
 * (the package's RetryableTask counts attempts only).
 */
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import type * as AzureFunctions from "@azure/functions";
import * as df from "durable-functions";
import {
  type FailureDetailsPayload,
  type HistoryEvent,
  HistoryEventType,
  historyEventTypeName,
  newEvent,
  type OpenTask,
  openTasks,
  orchestrationTrigger,
  replayOutcome,
  type RetryPolicy,
  type ScheduledAction,
} from "./internals.ts";
import { createFairLimiter, type FairLimiter } from "./fairLimiter.ts";
import type { Registration } from "./registrations.ts";
import { type OrchestrationVersioning, versionRefusal } from "./versioning.ts";
import {
  type DurableStore,
  type HistoryRow,
  type InstanceRecord,
  isTerminal,
  PayloadTooLargeError,
  type RuntimeStatus,
  type StoredEvent,
  type StoreStats,
} from "./store.ts";

// @azure/functions is a webpack bundle: Node's ESM loader cannot see its named exports.
const { InvocationContext } = createRequire(import.meta.url)("@azure/functions") as typeof AzureFunctions;
type LogLevel = AzureFunctions.LogLevel;

export interface RuntimeClock {
  now(): Date;
  /** A virtual clock says when it moves; without it, timers wait on real time. */
  onChange?(listener: (now: Date) => void): () => void;
}

export interface RuntimeLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface LocalDurableRuntimeOptions {
  /** From captureRegistrations: orchestrationTrigger and activityTrigger functions are used. */
  registrations: readonly Registration[];
  store: DurableStore;
  clock: RuntimeClock;
  logger?: RuntimeLogger;
  /** Activities running at once, across instances (the waiting ones served round-robin by instance: fairLimiter.ts). Default 8. */
  maxConcurrentActivities?: number;
  /** How long stop() lets running activities finish and record their results. Default 30 s. */
  stopDrainTimeoutMs?: number;
  /** host.json's versioning settings (`hostVersioning`); none: instances start without a version. */
  versioning?: OrchestrationVersioning;
}

export interface StartNewOptions {
  /** Derived from what the workflow acts on, so a duplicate start finds the running instance. */
  instanceId?: string;
  input?: unknown;
  /** The orchestration version to start it with instead of the default version. */
  version?: string;
}

/** A history event as the Durable HTTP API lists it (`showHistory`), with its sequence number. */
export interface HistoryEntry {
  sequence: number;
  EventType: string;
  EventId: number;
  Timestamp: string;
  [field: string]: unknown;
}

/** Shaped like the Durable HTTP API's instance status; absent values are null. */
export interface OrchestrationStatus {
  name: string;
  instanceId: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  customStatus: unknown;
  /** The orchestrator's result; for Failed `{ errorType, message, stack }`; for Terminated the reason. */
  output: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  /** The orchestration version it started with. */
  version: string | null;
  history?: HistoryEntry[];
}

/** The error output of a Failed instance. */
export interface FailureOutput {
  errorType: string;
  message: string;
  stack?: string;
}

interface Loaded {
  record: InstanceRecord;
  /** Rows of the current execution (seq >= record.historyStart). */
  rows: HistoryRow[];
  nextSeq: number;
  /** Timers the orchestrator cancelled (known from the last replay in this process). */
  canceledTimers: Set<number>;
}

/** What the orchestrator handler returns (the OrchestratorState the extension reads). */
interface OrchestratorStateShape {
  isDone?: boolean;
  output?: unknown;
}

const ARRIVALS: ReadonlySet<number> = new Set<number>([
  HistoryEventType.ExecutionStarted,
  HistoryEventType.ExecutionTerminated,
  HistoryEventType.TaskCompleted,
  HistoryEventType.TaskFailed,
  HistoryEventType.SubOrchestrationInstanceCompleted,
  HistoryEventType.SubOrchestrationInstanceFailed,
  HistoryEventType.TimerFired,
  HistoryEventType.EventRaised,
]);

/** Rows that end an execution. */
const ENDINGS: ReadonlySet<number> = new Set<number>([
  HistoryEventType.ExecutionCompleted,
  HistoryEventType.ExecutionFailed,
  HistoryEventType.ExecutionTerminated,
  HistoryEventType.ContinueAsNew,
]);

const SCHEDULING: ReadonlySet<number> = new Set<number>([
  HistoryEventType.TaskScheduled,
  HistoryEventType.TimerCreated,
  HistoryEventType.SubOrchestrationInstanceCreated,
]);

/** Instance ids as Durable's Azure Storage provider accepts them. */
const INVALID_INSTANCE_ID = /[/\\#?\u0000-\u001f\u007f-\u009f]/;
const MAX_INSTANCE_ID_LENGTH = 256;
const MAX_STACK = 8_000;
const MAX_TIMEOUT = 2_147_483_647;

const consoleLogger: RuntimeLogger = {
  info: () => undefined,
  warn: (message, fields) => console.warn(`[durable] ${message}`, fields ?? ""),
  error: (message, fields) => console.error(`[durable] ${message}`, fields ?? ""),
};

function toStored(event: HistoryEvent): StoredEvent {
  const { IsPlayed: _played, IsProcessed: _processed, ...rest } = event;
  return JSON.parse(JSON.stringify(rest)) as StoredEvent;
}

function fromStored(event: StoredEvent, isPlayed: boolean): HistoryEvent {
  return { ...event, Timestamp: new Date(event.Timestamp), IsPlayed: isPlayed };
}

function parseJson(text: string | undefined): unknown {
  return text === undefined ? null : (JSON.parse(text) as unknown);
}

function toJson(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}

function taskIdOf(event: StoredEvent): number | undefined {
  const id = event.TaskScheduledId ?? event.TimerId;
  return typeof id === "number" ? id : undefined;
}

function describeRow(row: HistoryRow): string {
  switch (row.event.EventType) {
    case HistoryEventType.TaskScheduled:
      return `activity '${String(row.event.Name)}'`;
    case HistoryEventType.SubOrchestrationInstanceCreated:
      return `sub-orchestration '${String(row.event.Name)}'`;
    default:
      return "a timer";
  }
}

function describeAction(action: ScheduledAction | undefined): string {
  if (!action) return "nothing there";
  switch (action.kind) {
    case "activity":
      return `activity '${action.name ?? ""}'`;
    case "sub-orchestration":
      return `sub-orchestration '${action.name ?? ""}'`;
    case "timer":
      return "a timer";
    default:
      return `${action.actionType ?? "an unsupported action"}`;
  }
}

function rowMatches(row: HistoryRow, action: ScheduledAction | undefined): boolean {
  if (!action) return false;
  switch (row.event.EventType) {
    case HistoryEventType.TaskScheduled:
      return action.kind === "activity" && action.name === row.event.Name;
    case HistoryEventType.SubOrchestrationInstanceCreated:
      return action.kind === "sub-orchestration" && action.name === row.event.Name;
    default:
      return action.kind === "timer";
  }
}

/** An instance of a version this runtime may not run, with `versionFailureStrategy: Fail`. */
export class OrchestrationVersionMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OrchestrationVersionMismatchError";
  }
}

export class NonDeterministicOrchestrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NonDeterministicOrchestrationError";
  }
}

function failureOutput(error: unknown): FailureOutput {
  if (error instanceof Error) {
    const output: FailureOutput = { errorType: error.name || "Error", message: error.message };
    if (error.stack) output.stack = error.stack.slice(0, MAX_STACK);
    return output;
  }
  let message: string;
  try {
    message = typeof error === "string" ? error : (JSON.stringify(error) ?? String(error));
  } catch {
    message = String(error);
  }
  return { errorType: typeof error, message };
}

/** The JSON a worker with an ExceptionPropertiesProvider puts in the message (app.wrapActivityHandler). */
function structuredFailure(message: string): FailureDetailsPayload | undefined {
  if (!message.startsWith("{")) return undefined;
  try {
    const parsed = JSON.parse(message) as Record<string, unknown>;
    if (typeof parsed.errorType !== "string" || typeof parsed.errorMessage !== "string") return undefined;
    const details: FailureDetailsPayload = {
      ErrorType: parsed.errorType,
      ErrorMessage: parsed.errorMessage,
      IsNonRetriable: parsed.isNonRetriable === true,
    };
    if (typeof parsed.stackTrace === "string") details.StackTrace = parsed.stackTrace;
    if (parsed.properties && typeof parsed.properties === "object") details.Properties = parsed.properties as Record<string, unknown>;
    return details;
  } catch {
    return undefined;
  }
}

/**
 * What the extension records when a function fails: Reason and Details (the orchestrator sees
 * `new Error(Reason + " \n " + Details)`), and FailureDetails when the worker sent structured ones
 * (the orchestrator then sees a TaskFailedError).
 */
function recordedFailure(
  kind: "Activity" | "Orchestrator",
  name: string,
  error: unknown,
): { reason: string; details: string; failureDetails?: FailureDetailsPayload } {
  const err = error instanceof Error ? error : new Error(typeof error === "string" ? error : JSON.stringify(error));
  const structured = structuredFailure(err.message);
  if (structured) {
    return {
      reason: `${kind} function '${name}' failed: ${structured.ErrorMessage}`,
      details: structured.StackTrace ?? "",
      failureDetails: structured,
    };
  }
  return { reason: `${kind} function '${name}' failed: ${err.message}`, details: (err.stack ?? "").slice(0, MAX_STACK) };
}

function retryDelay(policy: RetryPolicy, failedAttempt: number): number {
  const delay = policy.firstRetryIntervalInMilliseconds * policy.backoffCoefficient ** Math.max(0, failedAttempt - 1);
  const max = policy.maxRetryIntervalInMilliseconds;
  return max !== undefined && max > 0 ? Math.min(delay, max) : delay;
}

export class LocalDurableRuntime {
  readonly #store: DurableStore;
  /** What the store wrote: sizes of inputs, outputs and history rows (see `StoreStats`). */
  readonly storeStats: StoreStats;
  readonly #clock: RuntimeClock;
  readonly #log: RuntimeLogger;
  readonly #orchestrators: Map<string, Registration>;
  readonly #activities: Map<string, Registration>;
  readonly #limit: FairLimiter;
  readonly #drainTimeoutMs: number;
  readonly #versioning: OrchestrationVersioning;
  /** Instances already reported as left for a runtime of another version. */
  readonly #refusedReported = new Set<string>();

  readonly #cache = new Map<string, Loaded>();
  readonly #locks = new Map<string, Promise<void>>();
  readonly #episodes = new Map<string, { again: boolean }>();
  readonly #inflight = new Set<string>();
  /** instance id → timer id → when and in which execution. */
  readonly #timers = new Map<string, Map<number, { fireAt: Date; historyStart: number }>>();
  readonly #statusListeners = new Set<(record: InstanceRecord) => void>();
  #idleWaiters: Array<() => void> = [];
  #busy = 0;
  #started = false;
  #stopping = false;
  #closed = false;
  #stopped: Promise<void> | undefined;
  #unsubscribeClock: (() => void) | undefined;
  #realTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: LocalDurableRuntimeOptions) {
    this.#store = options.store;
    this.storeStats = options.store.stats;
    this.#clock = options.clock;
    this.#log = options.logger ?? consoleLogger;
    const activities = options.maxConcurrentActivities ?? 8;
    if (!Number.isInteger(activities) || activities < 1)
      throw new RangeError(`maxConcurrentActivities must be a whole number of at least 1, not ${activities}`);
    this.#limit = createFairLimiter(activities);
    this.#drainTimeoutMs = options.stopDrainTimeoutMs ?? 30_000;
    this.#versioning = { ...options.versioning };
    this.#orchestrators = new Map();
    this.#activities = new Map();
    for (const registration of options.registrations) {
      if (registration.triggerType === "orchestrationTrigger") this.#orchestrators.set(registration.name, registration);
      if (registration.triggerType === "activityTrigger") this.#activities.set(registration.name, registration);
    }
  }

  /** Subscribes to the clock and resumes every Pending or Running instance of the task hub. */
  async start(): Promise<void> {
    if (this.#started) throw new Error("LocalDurableRuntime: start() was already called");
    this.#started = true;
    this.#unsubscribeClock = this.#clock.onChange?.(() => this.#fireDueTimers());
    const instances = await this.#store.listInstances(["Pending", "Running"]);
    for (const record of instances) this.#track(this.#resume(record.instanceId), `resume ${record.instanceId}`);
    if (instances.length > 0) this.#log.info(`resuming ${instances.length} instance(s)`, { instances: instances.map((r) => r.instanceId) });
  }

  /**
   * Starts an orchestration. If an instance with this id exists and has not finished, nothing
   * starts and its id is returned; a finished one is started again as a new execution.
   */
  async startNew(orchestratorName: string, options: StartNewOptions = {}): Promise<string> {
    this.#assertRunning();
    if (!this.#orchestrators.has(orchestratorName)) {
      throw new Error(
        `no orchestrator named '${orchestratorName}' is registered (known: ${[...this.#orchestrators.keys()].join(", ") || "none"})`,
      );
    }
    const instanceId = options.instanceId ?? randomUUID().replaceAll("-", "");
    this.#validateInstanceId(instanceId);
    const input = toJson(options.input);
    const version = options.version ?? this.#versioning.defaultVersion;
    const started = await this.#withLock(instanceId, () => this.#createInstance(instanceId, orchestratorName, input, undefined, version));
    if (started) this.#requestEpisode(instanceId);
    else this.#log.info(`instance ${instanceId} is already running: nothing started`, { instanceId, orchestratorName });
    return instanceId;
  }

  /** Delivers an external event; the orchestrator takes it when it waits for it (buffered until then). */
  async raiseEvent(instanceId: string, eventName: string, data?: unknown): Promise<void> {
    this.#assertRunning();
    if (!eventName.trim()) throw new Error("raiseEvent: the event name is empty");
    const input = toJson(data);
    const delivered = await this.#withLock(instanceId, async () => {
      const loaded = await this.#load(instanceId);
      if (!loaded) throw new Error(`raiseEvent: no instance ${instanceId}`);
      if (isTerminal(loaded.record.runtimeStatus)) {
        this.#log.warn(`event '${eventName}' for ${loaded.record.runtimeStatus} instance ${instanceId} dropped`, { instanceId, eventName });
        return false;
      }
      await this.#append(loaded, newEvent.eventRaised(this.#clock.now(), eventName, input));
      return true;
    });
    if (delivered) this.#requestEpisode(instanceId);
  }

  /** Ends a Pending or Running instance: status Terminated, output the reason. */
  async terminate(instanceId: string, reason: string): Promise<void> {
    this.#assertRunning();
    const parent = await this.#withLock(instanceId, async () => {
      const loaded = await this.#load(instanceId);
      if (!loaded) throw new Error(`terminate: no instance ${instanceId}`);
      if (isTerminal(loaded.record.runtimeStatus)) return undefined;
      await this.#append(
        loaded,
        newEvent.other(HistoryEventType.ExecutionTerminated, this.#clock.now(), { Input: JSON.stringify(reason) }),
      );
      await this.#saveRecord(loaded, { runtimeStatus: "Terminated", output: JSON.stringify(reason) });
      return loaded.record;
    });
    if (parent) this.#notifyParent(parent);
  }

  async getStatus(instanceId: string, options: { showHistory?: boolean } = {}): Promise<OrchestrationStatus | undefined> {
    const record = await this.#store.getInstance(instanceId);
    if (!record) return undefined;
    const status: OrchestrationStatus = {
      name: record.name,
      instanceId: record.instanceId,
      runtimeStatus: record.runtimeStatus,
      input: parseJson(record.input),
      customStatus: parseJson(record.customStatus),
      output: parseJson(record.output),
      createdTime: record.createdTime,
      lastUpdatedTime: record.lastUpdatedTime,
      version: record.version ?? null,
    };
    if (options.showHistory) {
      const rows = await this.#store.readHistory(instanceId, record.historyStart);
      status.history = rows.map((row) => ({ ...row.event, sequence: row.seq, EventType: historyEventTypeName(row.event.EventType) }));
    }
    return status;
  }

  /** The custom status of every instance still Pending or Running (sub-orchestrations included), by instance id. */
  async runningCustomStatuses(): Promise<Map<string, unknown>> {
    const records = await this.#store.listInstances(["Pending", "Running"]);
    return new Map(records.map((record) => [record.instanceId, parseJson(record.customStatus)]));
  }

  /** Resolves with the status once the instance is Completed, Failed or Terminated; rejects after timeoutMs (real time). */
  async waitForCompletion(instanceId: string, options: { timeoutMs?: number; pollMs?: number } = {}): Promise<OrchestrationStatus> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const pollMs = options.pollMs ?? 250;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.getStatus(instanceId);
      if (!status) throw new Error(`waitForCompletion: no instance ${instanceId}`);
      if (isTerminal(status.runtimeStatus)) return status;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(`instance ${instanceId} did not finish within ${timeoutMs} ms: it is ${status.runtimeStatus}`);
      }
      // Woken by this process's own writes, or by polling for another process's.
      await new Promise<void>((resolve) => {
        const listener = (record: InstanceRecord): void => {
          if (record.instanceId === instanceId && isTerminal(record.runtimeStatus)) done();
        };
        const timer = setTimeout(() => done(), Math.min(pollMs, remaining));
        const done = (): void => {
          clearTimeout(timer);
          this.#statusListeners.delete(listener);
          resolve();
        };
        this.#statusListeners.add(listener);
      });
    }
  }

  /** Resolves when no episode or activity runs and no timer is due (timers in the future do not count). */
  async whenIdle(): Promise<void> {
    for (;;) {
      if (this.#busy === 0) {
        if (this.#stopping || this.#fireDueTimers() === 0) return;
      }
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
  }

  /**
   * Stops taking work: no new episode, activity or timer. Activities already running may finish
   * and record their results for stopDrainTimeoutMs; what is left then runs again on the next start.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return this.#stopped;
    this.#stopping = true;
    this.#unsubscribeClock?.();
    if (this.#realTimer) clearTimeout(this.#realTimer);
    this.#stopped = (async () => {
      const drained = new Promise<void>((resolve) => {
        const check = (): void => {
          if (this.#busy === 0) resolve();
          else this.#idleWaiters.push(check);
        };
        check();
      });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.#drainTimeoutMs);
      });
      await Promise.race([drained, timeout]);
      clearTimeout(timer);
      this.#closed = true;
      for (const waiter of this.#idleWaiters.splice(0)) waiter();
    })();
    return this.#stopped;
  }

  // ---- instances ---------------------------------------------------------------------------

  #assertRunning(): void {
    if (!this.#started) throw new Error("LocalDurableRuntime: call start() first");
    if (this.#stopping) throw new Error("LocalDurableRuntime: stopped");
  }

  #validateInstanceId(instanceId: string): void {
    if (instanceId.length === 0 || instanceId.length > MAX_INSTANCE_ID_LENGTH || INVALID_INSTANCE_ID.test(instanceId)) {
      throw new Error(
        `instance id ${JSON.stringify(instanceId)}: 1 to ${MAX_INSTANCE_ID_LENGTH} characters without /, \\, #, ? or control characters (as Durable requires)`,
      );
    }
  }

  /** Under the instance's lock. False when an unfinished instance with that id exists. */
  async #createInstance(
    instanceId: string,
    name: string,
    input: string | undefined,
    parent: { instanceId: string; taskId: number; historyStart: number } | undefined,
    version: string | undefined,
  ): Promise<boolean> {
    const existing = await this.#load(instanceId);
    if (existing && !isTerminal(existing.record.runtimeStatus)) return false;
    let historyStart = existing?.nextSeq ?? 0;
    if (!existing) {
      const leftovers = await this.#store.readHistory(instanceId, 0);
      historyStart = (leftovers.at(-1)?.seq ?? -1) + 1;
    }
    const now = this.#clock.now();
    const record: InstanceRecord = {
      instanceId,
      name,
      runtimeStatus: "Pending",
      createdTime: now.toISOString(),
      lastUpdatedTime: now.toISOString(),
      historyStart,
      pendingEvents: [],
    };
    if (input !== undefined) record.input = input;
    if (version !== undefined) record.version = version;
    if (parent) {
      record.parentInstanceId = parent.instanceId;
      record.parentTaskId = parent.taskId;
      record.parentHistoryStart = parent.historyStart;
    }
    const row: HistoryRow = { seq: historyStart, event: toStored(newEvent.executionStarted(now, name, input, version)) };
    this.#store.checkInstance(record);
    this.#store.checkHistory(instanceId, [row]);
    await this.#store.putInstance(record);
    await this.#store.appendHistory(instanceId, [row]);
    this.#cache.set(instanceId, { record, rows: [row], nextSeq: historyStart + 1, canceledTimers: new Set() });
    this.#disarmTimers(instanceId);
    this.#emit(record);
    return true;
  }

  /** The instance with its current execution's rows; removes the rows of an unfinished episode. */
  async #load(instanceId: string): Promise<Loaded | undefined> {
    const cached = this.#cache.get(instanceId);
    if (cached) return cached;
    const record = await this.#store.getInstance(instanceId);
    if (!record) return undefined;
    let rows = await this.#store.readHistory(instanceId, record.historyStart);
    const lastStarted = rows.findLastIndex((row) => row.event.EventType === HistoryEventType.OrchestratorStarted);
    const lastCompleted = rows.findLastIndex((row) => row.event.EventType === HistoryEventType.OrchestratorCompleted);
    if (lastStarted > lastCompleted) {
      const torn = rows.slice(lastStarted).filter((row) => !ARRIVALS.has(row.event.EventType));
      this.#log.warn(`instance ${instanceId}: removing ${torn.length} row(s) of an episode that never finished writing`, { instanceId });
      await this.#store.deleteHistory(
        instanceId,
        torn.map((row) => row.seq),
      );
      const tornSeqs = new Set(torn.map((row) => row.seq));
      rows = rows.filter((row) => !tornSeqs.has(row.seq));
    }
    const nextSeq = Math.max(record.historyStart, (rows.at(-1)?.seq ?? -1) + 1);
    const loaded: Loaded = { record, rows, nextSeq, canceledTimers: new Set() };
    this.#cache.set(instanceId, loaded);
    return loaded;
  }

  async #append(loaded: Loaded, ...events: HistoryEvent[]): Promise<HistoryRow[]> {
    return this.#appendRows(
      loaded,
      events.map((event) => ({ event: toStored(event) })),
    );
  }

  async #appendRows(loaded: Loaded, rows: Array<{ event: StoredEvent; origin?: "retry" }>): Promise<HistoryRow[]> {
    const numbered = rows.map((row, index): HistoryRow => ({ ...row, seq: loaded.nextSeq + index }));
    await this.#store.appendHistory(loaded.record.instanceId, numbered);
    loaded.rows.push(...numbered);
    loaded.nextSeq += numbered.length;
    return numbered;
  }

  async #saveRecord(loaded: Loaded, changes: Partial<InstanceRecord>): Promise<void> {
    const record: InstanceRecord = { ...loaded.record, ...changes, lastUpdatedTime: this.#clock.now().toISOString() };
    for (const key of ["input", "output", "customStatus"] as const) if (record[key] === undefined) delete record[key];
    // The input is written when the instance is created or continues as new; other updates leave it as stored.
    if (record.input === loaded.record.input) await this.#store.updateInstance(record);
    else await this.#store.putInstance(record);
    loaded.record = record;
    if (isTerminal(record.runtimeStatus)) this.#disarmTimers(record.instanceId);
    this.#emit(record);
  }

  #emit(record: InstanceRecord): void {
    for (const listener of [...this.#statusListeners]) listener(record);
  }

  async #resume(instanceId: string): Promise<void> {
    const action = await this.#withLock(instanceId, async () => {
      const loaded = await this.#load(instanceId);
      if (!loaded || isTerminal(loaded.record.runtimeStatus)) return "none";
      if (await this.#finishCommitted(loaded)) return "episode";
      if (isTerminal(loaded.record.runtimeStatus)) return "none";
      if (loaded.rows.length === 0) {
        // Crashed between writing the instance and its ExecutionStarted.
        await this.#append(
          loaded,
          newEvent.executionStarted(this.#clock.now(), loaded.record.name, loaded.record.input, loaded.record.version),
        );
      }
      if (this.#pendingArrivals(loaded.rows).length > 0) return "episode";
      // An instance of a version this runtime may not run gets none of its work done here either.
      if (this.#refusal(loaded.record) !== undefined) return "episode";
      this.#dispatchOpenWork(loaded);
      return "none";
    });
    if (action === "episode") this.#requestEpisode(instanceId);
  }

  /**
   * An execution whose end is in the history but not in the instance record (a crash in between):
   * finish the record. True when there is more to run (a continue-as-new).
   */
  async #finishCommitted(loaded: Loaded): Promise<boolean> {
    const end = loaded.rows.find((row) => ENDINGS.has(row.event.EventType));
    if (!end) return false;
    const event = end.event;
    if (event.EventType === HistoryEventType.ContinueAsNew) {
      await this.#continueAsNew(loaded, typeof event.Input === "string" ? event.Input : undefined, loaded.nextSeq);
      return true;
    }
    const status: RuntimeStatus =
      event.EventType === HistoryEventType.ExecutionCompleted
        ? "Completed"
        : event.EventType === HistoryEventType.ExecutionFailed
          ? "Failed"
          : "Terminated";
    const output = typeof event.Result === "string" ? event.Result : typeof event.Input === "string" ? event.Input : undefined;
    await this.#saveRecord(loaded, { runtimeStatus: status, output });
    this.#notifyParent(loaded.record);
    return false;
  }

  async #continueAsNew(loaded: Loaded, input: string | undefined, historyStart: number): Promise<void> {
    const now = this.#clock.now();
    const start: HistoryRow = {
      seq: historyStart,
      event: toStored(newEvent.executionStarted(now, loaded.record.name, input, loaded.record.version)),
    };
    await this.#store.appendHistory(loaded.record.instanceId, [start]);
    loaded.rows = [start];
    loaded.nextSeq = historyStart + 1;
    loaded.canceledTimers = new Set();
    this.#disarmTimers(loaded.record.instanceId);
    await this.#saveRecord(loaded, { runtimeStatus: "Running", input, historyStart, pendingEvents: [] });
  }

  // ---- episodes ----------------------------------------------------------------------------

  #pendingArrivals(rows: readonly HistoryRow[]): HistoryRow[] {
    const lastCompleted = rows.findLastIndex((row) => row.event.EventType === HistoryEventType.OrchestratorCompleted);
    return rows.slice(lastCompleted + 1).filter((row) => ARRIVALS.has(row.event.EventType));
  }

  /** The history the extension would send: each OrchestratorStarted before the arrivals it took. */
  #history(rows: readonly HistoryRow[], now: Date): { events: HistoryEvent[]; pending: number } {
    const events: HistoryEvent[] = [];
    let waiting: HistoryRow[] = [];
    for (const row of rows) {
      if (ARRIVALS.has(row.event.EventType)) waiting.push(row);
      else if (row.event.EventType === HistoryEventType.OrchestratorStarted) {
        events.push(fromStored(row.event, true), ...waiting.map((arrival) => fromStored(arrival.event, true)));
        waiting = [];
      } else events.push(fromStored(row.event, true));
    }
    if (waiting.length > 0) events.push(newEvent.orchestratorStarted(now), ...waiting.map((arrival) => fromStored(arrival.event, false)));
    return { events, pending: waiting.length };
  }

  #requestEpisode(instanceId: string): void {
    if (this.#stopping) return;
    const existing = this.#episodes.get(instanceId);
    if (existing) {
      existing.again = true;
      return;
    }
    const state = { again: true };
    this.#episodes.set(instanceId, state);
    this.#track(
      (async () => {
        try {
          while (state.again && !this.#stopping) {
            state.again = false;
            try {
              await this.#withLock(instanceId, () => this.#episode(instanceId));
            } catch (error) {
              this.#log.error(`instance ${instanceId}: episode failed: ${failureOutput(error).message}`, {
                instanceId,
                error: failureOutput(error),
              });
            }
          }
        } finally {
          this.#episodes.delete(instanceId);
        }
      })(),
      `episode ${instanceId}`,
    );
  }

  /** One episode, under the instance's lock. */
  async #episode(instanceId: string): Promise<void> {
    const loaded = await this.#load(instanceId);
    if (!loaded || isTerminal(loaded.record.runtimeStatus)) return;
    if (await this.#finishCommitted(loaded)) {
      this.#requestEpisode(instanceId);
      return;
    }
    if (isTerminal(loaded.record.runtimeStatus)) return;
    const record = loaded.record;
    const now = this.#clock.now();
    const refusal = this.#refusal(record);
    if (refusal !== undefined) {
      if (this.#versioning.failureStrategy === "Fail") {
        await this.#fail(loaded, now, new OrchestrationVersionMismatchError(`instance ${instanceId} (${record.name}): ${refusal}`));
        return;
      }
      if (!this.#refusedReported.has(instanceId)) {
        this.#refusedReported.add(instanceId);
        this.#log.warn(`instance ${instanceId} (${record.name}) left for a runtime of its version: ${refusal}`, { instanceId });
      }
      return;
    }
    const { events, pending } = this.#history(loaded.rows, now);
    if (pending === 0) return;

    const registration = this.#orchestrators.get(record.name);
    if (!registration) {
      await this.#fail(loaded, now, new Error(`orchestrator '${record.name}' is not registered in this runtime`));
      return;
    }
    const context = new df.DummyOrchestrationContext(record.name, randomUUID(), this.#logHandler(record.name, instanceId));
    const trigger = orchestrationTrigger({
      history: events,
      input: parseJson(record.input) ?? undefined,
      instanceId,
      isReplaying: events.length > pending + 1,
      parentInstanceId: record.parentInstanceId,
    });
    let state: OrchestratorStateShape | undefined;
    let handlerError: unknown;
    try {
      state = (await registration.handler(trigger, context)) as OrchestratorStateShape;
    } catch (error) {
      handlerError = error;
    }

    let outcome: ReturnType<typeof replayOutcome>;
    let open: OpenTask[];
    try {
      const raised = new Set(
        loaded.rows.filter((row) => row.event.EventType === HistoryEventType.EventRaised).map((row) => String(row.event.Name)),
      );
      outcome = replayOutcome(context, raised);
      open = openTasks(context);
    } catch (error) {
      await this.#fail(loaded, now, handlerError ?? error);
      return;
    }

    // Entities and callHttp take sequence numbers too: refuse them before comparing positions.
    const unsupportedAction = outcome.scheduled.find((action) => action.kind === "unsupported");
    if (unsupportedAction) {
      await this.#fail(
        loaded,
        now,
        new Error(
          `orchestrator ${record.name} (instance ${instanceId}) used ${unsupportedAction.actionType ?? "an action"}, which the local runtime does not carry out`,
        ),
        outcome.customStatus,
      );
      return;
    }
    const mismatch = this.#checkDeterminism(record.name, instanceId, loaded.rows, outcome.scheduled);
    if (mismatch) {
      this.#log.error(mismatch.message, { instanceId, orchestrator: record.name });
      await this.#fail(loaded, now, mismatch, outcome.customStatus);
      return;
    }
    if (outcome.exception !== undefined || handlerError !== undefined) {
      await this.#fail(loaded, now, outcome.exception ?? handlerError, outcome.customStatus);
      return;
    }
    const unsupported = open.find((task) => task.kind === "unsupported");
    if (unsupported) {
      await this.#fail(
        loaded,
        now,
        new Error(
          `orchestrator ${record.name} (instance ${instanceId}) used ${unsupported.actionType}, which the local runtime does not carry out`,
        ),
        outcome.customStatus,
      );
      return;
    }
    // Everything that is written is serialised and measured first: a value JSON cannot carry, or
    // one too large for a table entity, fails the instance instead of the write.
    let customStatus: string | undefined;
    let continueInput: string | undefined;
    let output: string | undefined;
    let scheduling: Array<{ event: StoredEvent; origin?: "retry" }> = [];
    try {
      customStatus = toJson(outcome.customStatus);
      if (outcome.willContinueAsNew) {
        continueInput = toJson(outcome.continueAsNewInput);
        this.#store.checkInstance({ ...record, input: continueInput, customStatus });
      } else if (state?.isDone) {
        output = toJson(state.output);
        this.#store.checkInstance({ ...record, output, customStatus });
      } else {
        const scheduledIds = new Set(loaded.rows.filter((row) => SCHEDULING.has(row.event.EventType)).map((row) => row.event.EventId));
        scheduling = open.filter((task) => !scheduledIds.has(task.id)).map((task) => this.#schedulingRow(instanceId, task, now));
        this.#store.checkHistory(
          instanceId,
          scheduling.map((row, index) => ({ ...row, seq: index })),
        );
        this.#store.checkInstance({ ...record, customStatus });
      }
    } catch (error) {
      await this.#fail(loaded, now, error, outcome.customStatus);
      return;
    }

    if (outcome.willContinueAsNew) {
      const rows = await this.#commit(loaded, now, [
        { event: toStored(newEvent.other(HistoryEventType.ContinueAsNew, now, { Input: continueInput })) },
      ]);
      if (!rows) return;
      await this.#continueAsNew(loaded, continueInput, loaded.nextSeq);
      this.#requestEpisode(instanceId);
      return;
    }
    if (state?.isDone) {
      const rows = await this.#commit(loaded, now, [
        { event: toStored(newEvent.other(HistoryEventType.ExecutionCompleted, now, { Result: output })) },
      ]);
      if (!rows) return;
      await this.#saveRecord(loaded, { runtimeStatus: "Completed", output, customStatus, pendingEvents: [] });
      this.#notifyParent(loaded.record);
      return;
    }

    const rows = await this.#commit(loaded, now, scheduling);
    if (!rows) return;
    for (const task of open) {
      if (task.kind === "timer" && task.canceled) loaded.canceledTimers.add(task.id);
    }
    await this.#saveRecord(loaded, { runtimeStatus: "Running", customStatus, pendingEvents: outcome.bufferedEventNames });
    this.#dispatchOpenWork(loaded);
  }

  #schedulingRow(instanceId: string, task: OpenTask, now: Date): { event: StoredEvent; origin?: "retry" } {
    switch (task.kind) {
      case "activity": {
        const event = toStored(newEvent.taskScheduled(now, task.id, task.name, toJson(task.input)));
        return task.retryAttempt ? { event, origin: "retry" } : { event };
      }
      case "sub-orchestration": {
        const childId = task.instanceId ?? `${instanceId}:${task.id}`;
        // As the extension does: a sub-orchestration gets this runtime's default version unless one was asked for.
        const version = task.version ?? this.#versioning.defaultVersion;
        const event = toStored(newEvent.subOrchestrationCreated(now, task.id, task.name, childId, toJson(task.input), version));
        return task.retryAttempt ? { event, origin: "retry" } : { event };
      }
      case "timer":
        return { event: toStored(newEvent.timerCreated(now, task.id, task.fireAt)) };
      case "retry-timer": {
        const fireAt = new Date(now.getTime() + retryDelay(task.policy, task.failedAttempt));
        return { event: toStored(newEvent.timerCreated(now, task.id, fireAt)), origin: "retry" };
      }
      default:
        throw new Error(`cannot schedule ${task.kind}`);
    }
  }

  /** Writes an episode: OrchestratorStarted, its rows, OrchestratorCompleted. */
  async #commit(loaded: Loaded, now: Date, rows: Array<{ event: StoredEvent; origin?: "retry" }>): Promise<HistoryRow[] | undefined> {
    if (this.#closed) return undefined;
    return this.#appendRows(loaded, [
      { event: toStored(newEvent.orchestratorStarted(now)) },
      ...rows,
      { event: toStored(newEvent.orchestratorCompleted(now)) },
    ]);
  }

  async #fail(loaded: Loaded, now: Date, error: unknown, customStatus?: unknown): Promise<void> {
    const output = JSON.stringify(failureOutput(error));
    const rows = await this.#commit(loaded, now, [
      { event: toStored(newEvent.other(HistoryEventType.ExecutionFailed, now, { Result: output })) },
    ]);
    if (!rows) return;
    const changes: Partial<InstanceRecord> = { runtimeStatus: "Failed", output, pendingEvents: [] };
    try {
      const status = toJson(customStatus);
      if (status !== undefined && status.length < 30_000) changes.customStatus = status;
    } catch {
      // A custom status JSON cannot carry is left as it was.
    }
    await this.#saveRecord(loaded, changes);
    this.#log.warn(`instance ${loaded.record.instanceId} (${loaded.record.name}) failed: ${failureOutput(error).message}`, {
      instanceId: loaded.record.instanceId,
    });
    this.#notifyParent(loaded.record);
  }

  #checkDeterminism(
    name: string,
    instanceId: string,
    rows: readonly HistoryRow[],
    replayed: readonly ScheduledAction[],
  ): Error | undefined {
    const recorded = rows.filter((row) => SCHEDULING.has(row.event.EventType) && row.origin !== "retry");
    for (const [index, row] of recorded.entries()) {
      const actual = replayed[index];
      if (!rowMatches(row, actual)) {
        return new NonDeterministicOrchestrationError(
          `non-deterministic orchestrator ${name} (instance ${instanceId}): history has ${describeRow(row)} at position ${row.event.EventId}, ` +
            `replay scheduled ${describeAction(actual)}`,
        );
      }
    }
    return undefined;
  }

  #refusal(record: InstanceRecord): string | undefined {
    return versionRefusal(this.#versioning, record.version);
  }

  // ---- work ----------------------------------------------------------------------------------

  /** Starts what the history scheduled and nothing has answered yet. */
  #dispatchOpenWork(loaded: Loaded): void {
    if (this.#stopping) return;
    const { instanceId, historyStart } = loaded.record;
    const answered = new Set<number>();
    for (const row of loaded.rows) {
      if (ARRIVALS.has(row.event.EventType)) {
        const id = taskIdOf(row.event);
        if (id !== undefined) answered.add(id);
      }
    }
    for (const row of loaded.rows) {
      const event = row.event;
      if (!SCHEDULING.has(event.EventType) || answered.has(event.EventId)) continue;
      if (event.EventType === HistoryEventType.TaskScheduled) {
        this.#startActivity(
          instanceId,
          historyStart,
          event.EventId,
          String(event.Name),
          typeof event.Input === "string" ? event.Input : undefined,
        );
      } else if (event.EventType === HistoryEventType.TimerCreated) {
        if (!loaded.canceledTimers.has(event.EventId))
          this.#armTimer(instanceId, historyStart, event.EventId, new Date(String(event.FireAt)));
        else this.#timers.get(instanceId)?.delete(event.EventId);
      } else {
        const child = {
          parentId: instanceId,
          historyStart,
          taskId: event.EventId,
          name: String(event.Name),
          childId: String(event.InstanceId),
          input: typeof event.Input === "string" ? event.Input : undefined,
          version: typeof event.Version === "string" ? event.Version : undefined,
        };
        this.#track(this.#ensureChild(child), `sub-orchestration ${child.childId}`);
      }
    }
    this.#fireDueTimers();
  }

  #startActivity(instanceId: string, historyStart: number, taskId: number, name: string, input: string | undefined): void {
    const key = `${instanceId}\u0000${historyStart}\u0000${taskId}`;
    if (this.#inflight.has(key)) return;
    this.#inflight.add(key);
    this.#track(
      (async () => {
        try {
          const event = await this.#limit(instanceId, async () =>
            this.#stopping ? undefined : this.#invokeActivity(instanceId, taskId, name, input),
          );
          if (event) await this.#deliver(instanceId, historyStart, event);
        } finally {
          this.#inflight.delete(key);
        }
      })(),
      `activity ${name} of ${instanceId}`,
    );
  }

  async #invokeActivity(instanceId: string, taskId: number, name: string, input: string | undefined): Promise<HistoryEvent> {
    const registration = this.#activities.get(name);
    if (!registration) {
      return newEvent.taskFailed(this.#clock.now(), taskId, {
        reason: `Activity function '${name}' failed: no activity named '${name}' is registered`,
        details: "",
      });
    }
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName: name,
      logHandler: this.#logHandler(name, instanceId),
      options: {
        trigger: registration.options.trigger,
        return: registration.options.return,
        extraInputs: registration.options.extraInputs ?? [],
        extraOutputs: registration.options.extraOutputs ?? [],
      },
      triggerMetadata: { instanceId },
    });
    try {
      const result: unknown = await registration.handler(input === undefined ? undefined : JSON.parse(input), context);
      const text = JSON.stringify(result) ?? "null";
      const event = newEvent.taskCompleted(this.#clock.now(), taskId, text);
      this.#store.checkHistory(instanceId, [{ seq: 0, event: toStored(event) }]);
      return event;
    } catch (error) {
      const failure =
        error instanceof PayloadTooLargeError
          ? { reason: `Activity function '${name}' failed: its result is too large: ${error.message}`, details: "" }
          : recordedFailure("Activity", name, error);
      return newEvent.taskFailed(this.#clock.now(), taskId, failure);
    }
  }

  /** Appends an arrival for an execution (dropped if the instance finished or moved on) and runs an episode. */
  async #deliver(instanceId: string, historyStart: number, event: HistoryEvent): Promise<void> {
    const delivered = await this.#withLock(instanceId, async () => {
      if (this.#closed) return false;
      const loaded = await this.#load(instanceId);
      if (!loaded || isTerminal(loaded.record.runtimeStatus) || loaded.record.historyStart !== historyStart) return false;
      const taskId = taskIdOf(toStored(event));
      if (taskId !== undefined && loaded.rows.some((row) => ARRIVALS.has(row.event.EventType) && taskIdOf(row.event) === taskId))
        return false;
      await this.#append(loaded, event);
      return true;
    });
    if (delivered) this.#requestEpisode(instanceId);
  }

  async #ensureChild(child: {
    parentId: string;
    historyStart: number;
    taskId: number;
    name: string;
    childId: string;
    input: string | undefined;
    version: string | undefined;
  }): Promise<void> {
    const parentLink = { instanceId: child.parentId, taskId: child.taskId, historyStart: child.historyStart };
    const result = await this.#withLock(child.childId, async () => {
      const existing = await this.#load(child.childId);
      const ours =
        existing?.record.parentInstanceId === child.parentId &&
        existing.record.parentTaskId === child.taskId &&
        existing.record.parentHistoryStart === child.historyStart;
      if (existing && ours) return isTerminal(existing.record.runtimeStatus) ? { finished: existing.record } : {};
      if (existing && !isTerminal(existing.record.runtimeStatus)) return { conflict: true };
      try {
        this.#validateInstanceId(child.childId);
        await this.#createInstance(child.childId, child.name, child.input, parentLink, child.version);
        return { created: true };
      } catch (error) {
        return { error };
      }
    });
    if ("created" in result) this.#requestEpisode(child.childId);
    else if ("finished" in result && result.finished) this.#notifyParent(result.finished);
    else if ("conflict" in result || "error" in result) {
      const message =
        "error" in result ? failureOutput(result.error).message : `an instance with id ${child.childId} already exists and is running`;
      const failure = recordedFailure("Orchestrator", child.name, new Error(message));
      await this.#deliver(child.parentId, child.historyStart, newEvent.subOrchestrationFailed(this.#clock.now(), child.taskId, failure));
    }
  }

  /** A finished sub-orchestration answers its parent. */
  #notifyParent(record: InstanceRecord): void {
    const { parentInstanceId, parentTaskId, parentHistoryStart } = record;
    if (parentInstanceId === undefined || parentTaskId === undefined || parentHistoryStart === undefined) return;
    const now = this.#clock.now();
    let event: HistoryEvent;
    if (record.runtimeStatus === "Completed") {
      event = newEvent.subOrchestrationCompleted(now, parentTaskId, record.output ?? "null");
    } else {
      const output = parseJson(record.output);
      const failure =
        record.runtimeStatus === "Terminated"
          ? { reason: `Orchestrator function '${record.name}' was terminated: ${String(output)}`, details: "" }
          : {
              reason: `Orchestrator function '${record.name}' failed: ${(output as FailureOutput | null)?.message ?? "unknown error"}`,
              details: (output as FailureOutput | null)?.stack ?? "",
            };
      event = newEvent.subOrchestrationFailed(now, parentTaskId, failure);
    }
    this.#track(this.#deliver(parentInstanceId, parentHistoryStart, event), `answer ${parentInstanceId} from ${record.instanceId}`);
  }

  // ---- timers --------------------------------------------------------------------------------

  #armTimer(instanceId: string, historyStart: number, timerId: number, fireAt: Date): void {
    let timers = this.#timers.get(instanceId);
    if (!timers) {
      timers = new Map();
      this.#timers.set(instanceId, timers);
    }
    timers.set(timerId, { fireAt, historyStart });
  }

  #disarmTimers(instanceId: string): void {
    this.#timers.delete(instanceId);
  }

  /** Delivers TimerFired for every timer due by the clock; the number fired. */
  #fireDueTimers(): number {
    if (this.#stopping) return 0;
    const now = this.#clock.now();
    let fired = 0;
    for (const [instanceId, timers] of this.#timers) {
      for (const [timerId, timer] of timers) {
        if (timer.fireAt.getTime() > now.getTime()) continue;
        timers.delete(timerId);
        fired += 1;
        this.#track(
          this.#deliver(instanceId, timer.historyStart, newEvent.timerFired(now, timerId, timer.fireAt)),
          `timer ${timerId} of ${instanceId}`,
        );
      }
      if (timers.size === 0) this.#timers.delete(instanceId);
    }
    this.#armRealTimer();
    return fired;
  }

  /** Without a clock that reports its changes, wake up when the next timer is due. */
  #armRealTimer(): void {
    if (this.#clock.onChange || this.#stopping) return;
    if (this.#realTimer) clearTimeout(this.#realTimer);
    this.#realTimer = undefined;
    let next = Infinity;
    for (const timers of this.#timers.values()) for (const timer of timers.values()) next = Math.min(next, timer.fireAt.getTime());
    if (next === Infinity) return;
    const delay = Math.min(Math.max(0, next - this.#clock.now().getTime()), MAX_TIMEOUT);
    this.#realTimer = setTimeout(() => this.#fireDueTimers(), delay);
  }

  // ---- plumbing ------------------------------------------------------------------------------

  #logHandler(functionName: string, instanceId: string): (level: LogLevel, ...args: unknown[]) => void {
    return (level, ...args) => {
      const message = args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg))).join(" ");
      const fields = { functionName, instanceId };
      if (level === "error" || level === "critical") this.#log.error(message, fields);
      else if (level === "warning") this.#log.warn(message, fields);
      else this.#log.info(message, fields);
    };
  }

  /** Runs fn after every earlier holder of the instance's lock; a failure forgets the cached instance. */
  async #withLock<T>(instanceId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(instanceId) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => {
      release = resolve;
    });
    const chained = previous.then(() => current);
    this.#locks.set(instanceId, chained);
    await previous;
    try {
      return await fn();
    } catch (error) {
      this.#cache.delete(instanceId);
      throw error;
    } finally {
      release();
      if (this.#locks.get(instanceId) === chained) this.#locks.delete(instanceId);
    }
  }

  #track(work: Promise<unknown>, what: string): void {
    this.#busy += 1;
    void work
      .catch((error: unknown) => {
        this.#log.error(`${what}: ${failureOutput(error).message}`, { error: failureOutput(error) });
      })
      .finally(() => {
        this.#busy -= 1;
        if (this.#busy === 0) {
          // Let follow-up work that is about to be tracked register first.
          setImmediate(() => {
            if (this.#busy !== 0) return;
            for (const waiter of this.#idleWaiters.splice(0)) waiter();
          });
        }
      });
  }
}
