/**
 * What the Functions worker would receive from Governor's entry modules. Registration files call
 * `app.generic` (through `df.app.orchestration` / `df.app.activity`, or `app.http`, `app.timer`,
 * `app.eventGrid`) when they are imported; outside the worker `@azure/functions` is in "test
 * mode" and drops those calls with a warning. While `load` imports the entry modules we put our
 * own functions on the package's `app` object (a writable CommonJS exports object, the same one
 * durable-functions reaches through `require("@azure/functions").app`), then put the originals
 * back, whatever `load` did.
 *
 * The handlers are kept exactly as the host would invoke them: durable-functions has already
 * wrapped orchestrators with `createOrchestrator` and activities with `wrapActivityHandler`.
 *
 * Modules run once per process: an entry module imported before the capture registers nothing
 * here. Capture first, then use the modules.
 */
import { createRequire } from "node:module";
import type * as AzureFunctions from "@azure/functions";

const require = createRequire(import.meta.url);

/** As the host invokes it: (trigger input, InvocationContext) → result. */
export type FunctionHandler = (triggerInput: unknown, context: AzureFunctions.InvocationContext) => unknown;

export interface Registration {
  name: string;
  /** `orchestrationTrigger`, `activityTrigger`, `entityTrigger`, `httpTrigger`, `timerTrigger`, `eventGridTrigger`, ... */
  triggerType: string;
  handler: FunctionHandler;
  /** The options `app.generic` received (trigger, return, extra inputs and outputs, retry, handler). */
  options: AzureFunctions.GenericFunctionOptions;
}

type AppModule = Record<string, unknown>;
type TriggerFactory = (options: Record<string, unknown>) => AzureFunctions.FunctionTrigger;

/** Methods of `app` that do not go through `app.generic` when called (they call the module's own `generic`). */
const SHORTHANDS: Record<string, string> = { http: "http", timer: "timer", eventGrid: "eventGrid" };
const HTTP_METHODS: Record<string, string> = { get: "GET", put: "PUT", post: "POST", patch: "PATCH", deleteRequest: "DELETE" };

let capturing = false;

function genericOptions(options: Record<string, unknown>, trigger: TriggerFactory): AzureFunctions.GenericFunctionOptions {
  const { handler, return: ret, trigger: given, extraInputs, extraOutputs, retry, ...triggerOptions } = options;
  return {
    trigger: (given as AzureFunctions.FunctionTrigger | undefined) ?? trigger(triggerOptions),
    return: ret as AzureFunctions.FunctionOutput | undefined,
    retry: retry as AzureFunctions.RetryOptions | undefined,
    extraInputs: extraInputs as AzureFunctions.FunctionInput[] | undefined,
    extraOutputs: extraOutputs as AzureFunctions.FunctionOutput[] | undefined,
    handler: handler as AzureFunctions.FunctionHandler,
  };
}

/**
 * Runs `load` (which imports entry modules) and returns every function they registered, in order.
 * `@azure/functions`' `app` is restored afterwards, also when `load` throws (the error is rethrown).
 */
export async function captureRegistrations(load: () => Promise<unknown>): Promise<Registration[]> {
  if (capturing) throw new Error("captureRegistrations: a capture is already running; captures cannot overlap");
  const functions = require("@azure/functions") as typeof AzureFunctions;
  const app = functions.app as unknown as AppModule;
  const triggers = functions.trigger as unknown as Record<string, TriggerFactory>;
  const names = ["generic", ...Object.keys(SHORTHANDS), ...Object.keys(HTTP_METHODS)];
  const originals = new Map(names.map((name) => [name, app[name]]));
  const captured: Registration[] = [];

  const generic = (name: string, options: AzureFunctions.GenericFunctionOptions): void => {
    if (captured.some((registration) => registration.name === name)) {
      throw new Error(`function '${name}' is registered twice: the Functions host refuses duplicate names`);
    }
    captured.push({ name, triggerType: options.trigger.type, handler: options.handler as FunctionHandler, options });
  };
  const shorthand =
    (method: string) =>
    (name: string, options: Record<string, unknown>): void => {
      const trigger = triggers[method];
      if (!trigger) throw new Error(`@azure/functions has no trigger.${method}`);
      const withReturn = method === "http" && !options.return ? { ...options, return: functions.output.http({}) } : options;
      generic(name, genericOptions(withReturn, trigger));
    };
  const httpMethod =
    (method: string) =>
    (name: string, optionsOrHandler: Record<string, unknown> | AzureFunctions.HttpHandler): void => {
      const options = typeof optionsOrHandler === "function" ? { handler: optionsOrHandler } : optionsOrHandler;
      shorthand("http")(name, { ...options, methods: [method] });
    };

  capturing = true;
  try {
    app.generic = generic;
    for (const [name, method] of Object.entries(SHORTHANDS)) app[name] = shorthand(method);
    for (const [name, method] of Object.entries(HTTP_METHODS)) app[name] = httpMethod(method);
    await load();
  } finally {
    for (const [name, original] of originals) app[name] = original;
    capturing = false;
  }
  return captured;
}

/** The registrations of one trigger type, by name. */
export function byTriggerType(registrations: readonly Registration[], triggerType: string): Map<string, Registration> {
  return new Map(
    registrations
      .filter((registration) => registration.triggerType === triggerType)
      .map((registration) => [registration.name, registration]),
  );
}
