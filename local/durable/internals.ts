/**
 * The one module that reaches into durable-functions' internals (`lib/src/...`), with its own
 * minimal declarations of what it uses. Everything else in Governor goes through this adapter or
 * the package's public API.
 *
 * The local runtime plays the part of the Durable Functions extension: it hands the orchestrator
 * the history the extension would send (history event classes, `HistoryEventType`, the replay
 * schema) and reads back what the extension would read, plus two things the extension never needs
 * because it keeps its own books: the executor's open tasks (to know the sequence number each new
 * task was given, retries included) and the orchestrator's own exception (whose stack the
 * package's `OrchestrationFailureError` drops).
 *
 * durable-functions is pinned to exactly 3.5.0 in package.json because these paths and shapes
 * are not a public contract; the check below refuses any other version, so an upgrade fails here,
 * loudly, instead of replaying wrongly. On an upgrade, re-read lib/src/orchestrations/
 * TaskOrchestrationExecutor.js, lib/src/task/RetryableTask.js and lib/src/history/*.js.
 */
import { createRequire } from "node:module";

export const SUPPORTED_DURABLE_FUNCTIONS_VERSION = "3.5.0";

const require = createRequire(import.meta.url);
const LIB = "durable-functions/lib/src";

const installed = (require("durable-functions/package.json") as { version: string }).version;
if (installed !== SUPPORTED_DURABLE_FUNCTIONS_VERSION) {
  throw new Error(
    `local/durable/internals.ts adapts durable-functions ${SUPPORTED_DURABLE_FUNCTIONS_VERSION} internals, ` +
      `but ${installed} is installed: re-check the adapter against the new package before changing the pin`,
  );
}

// ---- history events --------------------------------------------------------------------------

/** `HistoryEventType` of lib/src/history/HistoryEventType.js (numbers, as on the wire). */
export const HistoryEventType = (
  require(`${LIB}/history/HistoryEventType.js`) as {
    HistoryEventType: {
      ExecutionStarted: 0;
      ExecutionCompleted: 1;
      ExecutionFailed: 2;
      ExecutionTerminated: 3;
      TaskScheduled: 4;
      TaskCompleted: 5;
      TaskFailed: 6;
      SubOrchestrationInstanceCreated: 7;
      SubOrchestrationInstanceCompleted: 8;
      SubOrchestrationInstanceFailed: 9;
      TimerCreated: 10;
      TimerFired: 11;
      OrchestratorStarted: 12;
      OrchestratorCompleted: 13;
      EventSent: 14;
      EventRaised: 15;
      ContinueAsNew: 16;
      GenericEvent: 17;
      HistoryState: 18;
      ExecutionSuspended: 19;
      ExecutionResumed: 20;
    } & Record<number, string>;
  }
).HistoryEventType;

export function historyEventTypeName(type: number): string {
  return HistoryEventType[type] ?? `HistoryEventType(${type})`;
}

/** A history event as the package reads it: PascalCase fields, `Timestamp` a Date. */
export interface HistoryEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  IsProcessed?: boolean;
  Timestamp: Date;
  [field: string]: unknown;
}

/** The wire form of failure details (`FailureDetails` on TaskFailed / SubOrchestrationInstanceFailed). */
export interface FailureDetailsPayload {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace?: string;
  IsNonRetriable: boolean;
  Properties?: Record<string, unknown>;
  InnerFailure?: FailureDetailsPayload;
}

interface HistoryEventOptionsInstance {
  eventId: number;
  timestamp: Date;
  isPlayed: boolean;
  [option: string]: unknown;
}
type HistoryEventOptionsClass = new (eventId: number, timestamp: Date, isPlayed?: boolean) => HistoryEventOptionsInstance;
type HistoryEventClass = new (options: HistoryEventOptionsInstance) => HistoryEvent;

const { HistoryEventOptions } = require(`${LIB}/history/HistoryEventOptions.js`) as { HistoryEventOptions: HistoryEventOptionsClass };
const { HistoryEvent: HistoryEventBase } = require(`${LIB}/history/HistoryEvent.js`) as {
  HistoryEvent: new (eventType: number, eventId: number, isPlayed: boolean, timestamp: Date) => HistoryEvent;
};

function eventClass(file: string): HistoryEventClass {
  const exports = require(`${LIB}/history/${file}.js`) as Record<string, HistoryEventClass | undefined>;
  const found = exports[file];
  if (!found) throw new Error(`durable-functions ${installed}: ${file} not found in lib/src/history/${file}.js`);
  return found;
}

const classes = {
  OrchestratorStarted: eventClass("OrchestratorStartedEvent"),
  OrchestratorCompleted: eventClass("OrchestratorCompletedEvent"),
  ExecutionStarted: eventClass("ExecutionStartedEvent"),
  TaskScheduled: eventClass("TaskScheduledEvent"),
  TaskCompleted: eventClass("TaskCompletedEvent"),
  TaskFailed: eventClass("TaskFailedEvent"),
  TimerCreated: eventClass("TimerCreatedEvent"),
  TimerFired: eventClass("TimerFiredEvent"),
  EventRaised: eventClass("EventRaisedEvent"),
  SubOrchestrationInstanceCreated: eventClass("SubOrchestrationInstanceCreatedEvent"),
  SubOrchestrationInstanceCompleted: eventClass("SubOrchestrationInstanceCompletedEvent"),
  SubOrchestrationInstanceFailed: eventClass("SubOrchestrationInstanceFailedEvent"),
};

function options(eventId: number, timestamp: Date, fields: Record<string, unknown>): HistoryEventOptionsInstance {
  const result = new HistoryEventOptions(eventId, timestamp, false);
  Object.assign(result, fields);
  return result;
}

/** The package's own event classes, so the history has exactly the fields its executor reads. */
export const newEvent = {
  orchestratorStarted: (timestamp: Date): HistoryEvent => new classes.OrchestratorStarted(options(-1, timestamp, {})),
  orchestratorCompleted: (timestamp: Date): HistoryEvent => new classes.OrchestratorCompleted(options(-1, timestamp, {})),
  /** `version`: the orchestration version (context.df.version reads it from this event). */
  executionStarted: (timestamp: Date, name: string, input: string | undefined, version?: string): HistoryEvent =>
    new classes.ExecutionStarted(options(-1, timestamp, { name, input, version })),
  taskScheduled: (timestamp: Date, taskId: number, name: string, input: string | undefined): HistoryEvent =>
    new classes.TaskScheduled(options(taskId, timestamp, { name, input })),
  taskCompleted: (timestamp: Date, taskScheduledId: number, result: string): HistoryEvent =>
    new classes.TaskCompleted(options(-1, timestamp, { taskScheduledId, result })),
  taskFailed: (
    timestamp: Date,
    taskScheduledId: number,
    failure: { reason: string; details: string; failureDetails?: FailureDetailsPayload },
  ): HistoryEvent => new classes.TaskFailed(options(-1, timestamp, { taskScheduledId, ...failure })),
  timerCreated: (timestamp: Date, timerId: number, fireAt: Date): HistoryEvent =>
    new classes.TimerCreated(options(timerId, timestamp, { fireAt })),
  timerFired: (timestamp: Date, timerId: number, fireAt: Date): HistoryEvent =>
    new classes.TimerFired(options(-1, timestamp, { timerId, fireAt })),
  eventRaised: (timestamp: Date, name: string, input: string | undefined): HistoryEvent =>
    new classes.EventRaised(options(-1, timestamp, { name, input })),
  subOrchestrationCreated: (
    timestamp: Date,
    taskId: number,
    name: string,
    instanceId: string,
    input: string | undefined,
    version?: string,
  ): HistoryEvent => {
    const event = new classes.SubOrchestrationInstanceCreated(options(taskId, timestamp, { name, instanceId, input }));
    // The package's class has no Version: the extension's event does, and the child starts with it.
    if (version !== undefined) event.Version = version;
    return event;
  },
  subOrchestrationCompleted: (timestamp: Date, taskScheduledId: number, result: string): HistoryEvent =>
    new classes.SubOrchestrationInstanceCompleted(options(-1, timestamp, { taskScheduledId, result })),
  subOrchestrationFailed: (
    timestamp: Date,
    taskScheduledId: number,
    failure: { reason: string; details: string; failureDetails?: FailureDetailsPayload },
  ): HistoryEvent => new classes.SubOrchestrationInstanceFailed(options(-1, timestamp, { taskScheduledId, ...failure })),
  /** Types the package has no class for (the extension never sends them to the worker). */
  other: (type: number, timestamp: Date, fields: Record<string, unknown>): HistoryEvent =>
    Object.assign(new HistoryEventBase(type, -1, false, timestamp), fields),
};

// ---- the orchestration trigger ----------------------------------------------------------------

const { ReplaySchema } = require(`${LIB}/orchestrations/ReplaySchema.js`) as {
  ReplaySchema: { V1: 0; V2: 1; V3: 2; V4: 3 };
};

/**
 * The replay schema the runtime offers (`upperSchemaVersion`). V2 gives compound WhenAll/WhenAny
 * actions and plain timers; V3 would split timers over six days into a chain of sub-timers and
 * turn `callHttp` into polling, V4 adds entity locks: none of which this runtime carries out.
 */
export const REPLAY_SCHEMA = ReplaySchema.V2;

const { DurableOrchestrationBindingInfo } = require(`${LIB}/orchestrations/DurableOrchestrationBindingInfo.js`) as {
  DurableOrchestrationBindingInfo: new (
    history: HistoryEvent[],
    input: unknown,
    instanceId: string,
    isReplaying: boolean,
    parentInstanceId: string | undefined,
    maximumShortTimerDuration: string | undefined,
    longRunningTimerIntervalDuration: string | undefined,
    defaultHttpAsyncRequestSleepTimeMillseconds: number | undefined,
    upperSchemaVersion: number,
  ) => object;
};

/** What the extension passes as the orchestration trigger (DurableOrchestrationBindingInfo). */
export function orchestrationTrigger(args: {
  history: HistoryEvent[];
  input: unknown;
  instanceId: string;
  isReplaying: boolean;
  parentInstanceId: string | undefined;
}): object {
  return new DurableOrchestrationBindingInfo(
    args.history,
    args.input,
    args.instanceId,
    args.isReplaying,
    args.parentInstanceId,
    "6.00:00:00",
    "3.00:00:00",
    30_000,
    REPLAY_SCHEMA,
  );
}

// ---- actions and tasks ------------------------------------------------------------------------

const { ActionType } = require(`${LIB}/actions/ActionType.js`) as {
  ActionType: {
    CallActivity: 0;
    CallActivityWithRetry: 1;
    CallSubOrchestrator: 2;
    CallSubOrchestratorWithRetry: 3;
    ContinueAsNew: 4;
    CreateTimer: 5;
    WaitForExternalEvent: 6;
    CallEntity: 7;
    CallHttp: 8;
    SignalEntity: 9;
    WhenAny: 11;
    WhenAll: 12;
    LockEntities: 13;
    ReleaseEntities: 14;
  } & Record<number, string>;
};

interface RetryOptionsShape {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

interface ActionShape {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  fireAt?: Date;
  isCanceled?: boolean;
  retryOptions?: RetryOptionsShape;
  compoundActions?: ActionShape[];
  externalEventName?: string;
  /** callSubOrchestrator's `version`: the child's version instead of the default. */
  version?: string;
}

interface TaskShape {
  id: number | string | false;
  actionObj: ActionShape | string;
  parent?: TaskShape;
}

type TaskClass = abstract new (...args: never[]) => object;
const tasks = require(`${LIB}/task/index.js`) as { NoOpTask: TaskClass; RetryableTask: TaskClass };

/** A plain boolean: the package's classes are matched by identity, not narrowed structurally. */
function isA(value: unknown, cls: TaskClass): boolean {
  return value instanceof cls;
}

interface RetryableTaskShape extends TaskShape {
  retryOptions: RetryOptionsShape;
  attemptNumber: number;
  isWaitingOnTimer: boolean;
}

interface ExecutorShape {
  openTasks: Record<string, TaskShape>;
  deferredTasks: Record<string, unknown[]>;
  actions: ActionShape[];
  exception: unknown;
  willContinueAsNew: boolean;
}

interface OrchestrationContextShape {
  df?: { customStatus?: unknown; taskOrchestratorExecutor?: ExecutorShape };
}

/** The extension's activity input quirk: the package JSON-encodes string inputs (Utils.processInput). */
function activityInput(action: ActionShape): unknown {
  return typeof action.input === "string" ? (JSON.parse(action.input) as unknown) : action.input;
}

export type ScheduledKind = "activity" | "timer" | "sub-orchestration";

/** A scheduling decision of the orchestrator, in the order it made them. */
export interface ScheduledAction {
  kind: ScheduledKind | "unsupported";
  name?: string;
  /** For "unsupported": the package's action type name (CallHttp, CallEntity, ...). */
  actionType?: string;
}

function classify(action: ActionShape): ScheduledAction | undefined {
  switch (action.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
      return { kind: "activity", name: action.functionName ?? "" };
    case ActionType.CreateTimer:
      return { kind: "timer" };
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry:
      return { kind: "sub-orchestration", name: action.functionName ?? "" };
    case ActionType.WaitForExternalEvent:
    case ActionType.ContinueAsNew:
      return undefined;
    default:
      return { kind: "unsupported", actionType: ActionType[action.actionType] ?? String(action.actionType) };
  }
}

/**
 * Every task the orchestrator scheduled in this replay, in the order the executor numbered them:
 * compound actions flattened depth first, a task that appears again inside a WhenAll/WhenAny
 * counted once (the action object is the same). External events and ContinueAsNew take no number.
 */
export function scheduledActions(actions: readonly ActionShape[]): ScheduledAction[] {
  const seen = new Set<ActionShape>();
  const result: ScheduledAction[] = [];
  const visit = (action: ActionShape): void => {
    if (action.actionType === ActionType.WhenAll || action.actionType === ActionType.WhenAny) {
      for (const child of action.compoundActions ?? []) visit(child);
      return;
    }
    if (seen.has(action)) return;
    seen.add(action);
    const classified = classify(action);
    if (classified) result.push(classified);
  };
  for (const action of actions) visit(action);
  return result;
}

export interface RetryPolicy {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient: number;
  maxRetryIntervalInMilliseconds: number | undefined;
}

/** A task the executor is waiting on (numbered: activities, timers, sub-orchestrations). */
export type OpenTask =
  | { id: number; kind: "activity"; name: string; input: unknown; retryAttempt: boolean }
  | { id: number; kind: "timer"; fireAt: Date; canceled: boolean }
  | {
      id: number;
      kind: "sub-orchestration";
      name: string;
      input: unknown;
      instanceId: string | undefined;
      /** The version asked for; undefined: the runtime's default version. */
      version: string | undefined;
      retryAttempt: boolean;
    }
  /** RetryableTask waits on a timer between attempts: `failedAttempt` is the attempt that just failed. */
  | { id: number; kind: "retry-timer"; failedAttempt: number; policy: RetryPolicy }
  | { id: number; kind: "unsupported"; actionType: string };

function retryPolicy(options: RetryOptionsShape): RetryPolicy {
  return {
    firstRetryIntervalInMilliseconds: options.firstRetryIntervalInMilliseconds,
    maxNumberOfAttempts: options.maxNumberOfAttempts,
    backoffCoefficient: options.backoffCoefficient ?? 1,
    maxRetryIntervalInMilliseconds: options.maxRetryIntervalInMilliseconds,
  };
}

function describeTask(id: number, action: ActionShape, retryAttempt: boolean): OpenTask {
  switch (action.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
      return { id, kind: "activity", name: action.functionName ?? "", input: activityInput(action), retryAttempt };
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry:
      return {
        id,
        kind: "sub-orchestration",
        name: action.functionName ?? "",
        input: action.input,
        instanceId: action.instanceId,
        version: typeof action.version === "string" && action.version !== "" ? action.version : undefined,
        retryAttempt,
      };
    case ActionType.CreateTimer:
      return { id, kind: "timer", fireAt: new Date(action.fireAt ?? 0), canceled: action.isCanceled === true };
    default:
      return { id, kind: "unsupported", actionType: ActionType[action.actionType] ?? String(action.actionType) };
  }
}

function executorOf(context: unknown): ExecutorShape {
  const executor = (context as OrchestrationContextShape).df?.taskOrchestratorExecutor;
  if (!executor) throw new Error(`durable-functions ${installed}: the orchestration context has no executor after the handler ran`);
  return executor;
}

/**
 * The executor's numbered open tasks after a replay. A NoOpTask under a RetryableTask is the
 * package's placeholder for the next step of a retry: the timer between attempts while
 * `isWaitingOnTimer`, else the next attempt of the retried action.
 */
export function openTasks(context: unknown): OpenTask[] {
  const executor = executorOf(context);
  const result: OpenTask[] = [];
  for (const task of Object.values(executor.openTasks)) {
    if (typeof task.id !== "number") continue;
    if (isA(task, tasks.NoOpTask)) {
      const parent = task.parent;
      if (!isA(parent, tasks.RetryableTask)) continue;
      const retryable = parent as RetryableTaskShape;
      if (retryable.isWaitingOnTimer) {
        result.push({
          id: task.id,
          kind: "retry-timer",
          failedAttempt: retryable.attemptNumber - 1,
          policy: retryPolicy(retryable.retryOptions),
        });
      } else if (typeof retryable.actionObj === "object") {
        result.push(describeTask(task.id, retryable.actionObj, true));
      }
      continue;
    }
    if (typeof task.actionObj === "object") result.push(describeTask(task.id, task.actionObj, false));
  }
  return result.sort((a, b) => a.id - b.id);
}

export interface ReplayOutcome {
  /** The error the orchestrator threw, with its stack (the package only keeps the message). */
  exception: unknown;
  customStatus: unknown;
  willContinueAsNew: boolean;
  continueAsNewInput: unknown;
  /** Scheduling decisions of the whole replay, in order (see scheduledActions). */
  scheduled: ScheduledAction[];
  /** External events in the history that no waitForExternalEvent has taken yet. */
  bufferedEventNames: string[];
}

export function replayOutcome(context: unknown, raisedEventNames: ReadonlySet<string>): ReplayOutcome {
  const executor = executorOf(context);
  const continueAsNew = executor.actions.find((action) => action.actionType === ActionType.ContinueAsNew);
  const buffered: string[] = [];
  for (const [key, queue] of Object.entries(executor.deferredTasks)) {
    if (raisedEventNames.has(key)) for (let i = 0; i < queue.length; i += 1) buffered.push(key);
  }
  return {
    exception: executor.exception,
    customStatus: (context as OrchestrationContextShape).df?.customStatus,
    willContinueAsNew: executor.willContinueAsNew,
    continueAsNewInput: continueAsNew ? activityInput(continueAsNew) : undefined,
    scheduled: scheduledActions(executor.actions),
    bufferedEventNames: buffered,
  };
}
