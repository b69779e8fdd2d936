/**
 * Typed handles for activities and orchestrations, and the calls orchestrators make with them.
 * A handle is what its registration returns: the registered name with the handler's input and
 * output types, so an orchestrator passing the wrong input fails to compile and reads the result
 * without a cast, and the name an orchestrator calls is the name that was registered.
 *
 *   // orchestrations/activities/x.activities.ts
 *   export const xActivities = { planPolicy: registerActivity(ACTIVITIES.planPolicy, planPolicyActivity) };
 *   // orchestrations/x.ts
 *   const plan = yield* call(context, xActivities.planPolicy, { instanceId, policy }, RETRY);
 *
 * Inputs and outputs travel as JSON in the orchestration's history: the types say what the
 * handler returned, as JSON gives it back (plain data, never SDK objects).
 */
import * as df from "durable-functions";
import type { OrchestrationContext, RetryOptions, Task } from "durable-functions";
import type { ACTIVITIES, ORCHESTRATIONS } from "./names.ts";

export type ActivityName = (typeof ACTIVITIES)[keyof typeof ACTIVITIES];
export type OrchestrationName = (typeof ORCHESTRATIONS)[keyof typeof ORCHESTRATIONS];

/** Carries the types only: never set at run time. */
declare const io: unique symbol;

export interface ActivityHandle<I, O> {
  readonly activity: ActivityName;
  readonly [io]?: (input: I) => O;
}

export interface OrchestrationHandle<I, O> {
  readonly orchestration: OrchestrationName;
  readonly [io]?: (input: I) => O;
}

/** A scheduled call whose result, once completed, is an `O`: for Task.all, Task.any and the fan-outs. */
export interface TaskOf<O> extends Task {
  readonly [io]?: () => O;
}

/** An orchestrator that receives its input typed: the handle's input type. */
export type Orchestrator<I, O> = (context: OrchestrationContext, input: I) => Generator<Task, O, unknown>;

/** Registers the activity with the Functions app and returns its handle. */
export function registerActivity<I = undefined, O = unknown>(
  name: ActivityName,
  handler: (input: I) => Promise<O> | O,
): ActivityHandle<I, O> {
  // The one place an activity's input is taken for what the handle says: orchestrators can only pass an `I`.
  df.app.activity(name, { handler: (input: unknown) => handler(input as I) });
  return { activity: name };
}

/** Registers the orchestrator with the Functions app and returns its handle. */
export function registerOrchestration<I, O>(name: OrchestrationName, orchestrator: Orchestrator<I, O>): OrchestrationHandle<I, O> {
  df.app.orchestration(name, function* (context: OrchestrationContext) {
    return yield* orchestrator(context, context.df.getInput<I>());
  });
  return { orchestration: name };
}

/** Schedules the activity (retried on a thrown error when `retry` is given); yield the task, or gather several. */
export function activityTask<I, O>(
  context: OrchestrationContext,
  handle: ActivityHandle<I, O>,
  input: NoInfer<I>,
  retry?: RetryOptions,
): TaskOf<O> {
  return retry === undefined
    ? context.df.callActivity(handle.activity, input)
    : context.df.callActivityWithRetry(handle.activity, retry, input);
}

/** Calls the activity and returns its output: `const x = yield* call(context, handle, input, RETRY)`. */
export function* call<I, O>(
  context: OrchestrationContext,
  handle: ActivityHandle<I, O>,
  input: NoInfer<I>,
  retry?: RetryOptions,
): Generator<Task, O, unknown> {
  return yield* wait(activityTask(context, handle, input, retry));
}

/** Schedules a sub-orchestration under the given instance id (Governor derives ids from what a workflow acts on). */
export function orchestrationTask<I, O>(
  context: OrchestrationContext,
  handle: OrchestrationHandle<I, O>,
  input: NoInfer<I>,
  instanceId: string,
): TaskOf<O> {
  return context.df.callSubOrchestrator(handle.orchestration, input, instanceId);
}

/** Runs a sub-orchestration and returns its output. */
export function* callOrchestration<I, O>(
  context: OrchestrationContext,
  handle: OrchestrationHandle<I, O>,
  input: NoInfer<I>,
  instanceId: string,
): Generator<Task, O, unknown> {
  return yield* wait(orchestrationTask(context, handle, input, instanceId));
}

/** Waits for a scheduled task and returns its result; its failure is thrown. */
export function* wait<O>(task: TaskOf<O>): Generator<Task, O, unknown> {
  return (yield task) as O;
}

/** Every task's result, in order; the first failure is thrown, as with Task.all. */
export function* all<O>(context: OrchestrationContext, tasks: ReadonlyArray<TaskOf<O>>): Generator<Task, O[], unknown> {
  return (yield context.df.Task.all([...tasks])) as O[];
}

/** The result of a task that completed without fault. */
export function resultOf<O>(task: TaskOf<O>): O {
  return task.result as O;
}
