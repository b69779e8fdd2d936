/**
 * The local Functions host: serves on 127.0.0.1 the routes the Azure Functions host serves for
 * Governor's functions (HTTP triggers under /api, the Event Grid webhook with its validation
 * handshake), fires timer triggers on the virtual clock, and answers the Durable client's RPC
 * calls from the local Durable runtime, so trigger functions use `df.getClient(context)` as in Azure.
 */
import { randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { principalHeaders } from "../shared/approvals/principal.ts";
import { nextOccurrence } from "../shared/time/ncrontab.ts";
import type * as AzureFunctions from "@azure/functions";
import type { LocalDurableRuntime, Registration } from "./durable/index.ts";

// @azure/functions is a webpack bundle: its classes load through require under plain Node.
const functions = createRequire(import.meta.url)("@azure/functions") as typeof AzureFunctions;

export interface HostLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface LocalHostOptions {
  registrations: readonly Registration[];
  runtime: LocalDurableRuntime;
  taskHub: string;
  /** The function key `authLevel: "function"` routes require (`?code=` or `x-functions-key`). */
  functionKey: string;
  /** Virtual clock the timers follow. */
  clock: { now(): Date; onChange(listener: (now: Date) => void): () => void };
  /**
   * The zone timer schedules are read in. In Azure, Flex Consumption (Linux) does not support
   * WEBSITE_TIME_ZONE and runs timers in UTC: "UTC" is what the deployed app gets.
   */
  timeZone: string;
  port?: number;
  logger?: HostLogger;
  /** Largest request body accepted (Event Grid delivers at most 1 MB). */
  maxBodyBytes?: number;
  /**
   * The signed-in identity, as App Service authentication would present it: `x-ms-client-principal*`
   * headers a client sends are dropped (App Service strips them too) and this identity's are added.
   */
  authentication?: () => { name: string; roles: string[] } | undefined;
}

export interface LocalHost {
  url: string;
  port: number;
  close(): Promise<void>;
  /** Timer invocations so far, by function name. */
  timerRuns: Map<string, number>;
  /** Resolves when no timer invocation is in hand. */
  timersIdle(): Promise<void>;
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({ status, body, headers });

function readBody(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(Object.assign(new Error(`the request body exceeds ${limit} bytes`), { status: 413 }));
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function sameKey(given: string | null | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Matches a Functions route template (`approvals/{instanceId}`) against a path below /api. */
function matchRoute(template: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template
    .replace(/^\/+|\/+$/g, "")
    .split("/")
    .map((segment) => {
      const parameter = /^\{(\w+)\??\}$/.exec(segment);
      if (parameter) {
        names.push(parameter[1] as string);
        return "([^/]+)";
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  const found = new RegExp(`^${pattern}/?$`, "i").exec(path.replace(/^\/+/, ""));
  if (!found) return undefined;
  return Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(found[index + 1] as string)]));
}

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const log = options.logger ?? {
    info: (m: string) => console.log(m),
    warn: (m: string) => console.warn(m),
    error: (m: string) => console.error(m),
  };
  const maxBody = options.maxBodyBytes ?? 1_048_576;
  const { runtime } = options;
  let baseUrl = "";
  const timerRuns = new Map<string, number>();

  /** What the Durable extension gives a function through its durableClient input. */
  const clientData = (): unknown => ({
    taskHubName: options.taskHub,
    creationUrls: {},
    managementUrls: {},
    baseUrl: `${baseUrl}/runtime/webhooks/durabletask`,
    requiredQueryStringParameters: "",
    rpcBaseUrl: `${baseUrl}/_durable/`,
  });

  function invocationContext(registration: Registration): InstanceType<typeof functions.InvocationContext> {
    const registered = registration.options as { extraInputs?: Array<{ type: string; name: string }>; trigger?: unknown };
    const context = new functions.InvocationContext({
      functionName: registration.name,
      invocationId: randomUUID(),
      options: { trigger: registered.trigger as never, extraInputs: registered.extraInputs ?? [] },
      logHandler: (level, ...args) => {
        const line = `[${registration.name}] ${args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg))).join(" ")}`;
        if (level === "error") log.error(line);
        else if (level === "warning") log.warn(line);
        else log.info(line);
      },
    });
    for (const input of registered.extraInputs ?? []) {
      if (input.type === "durableClient" || input.type === "orchestrationClient") context.extraInputs.set(input, clientData());
    }
    return context;
  }

  const handlerOf = (registration: Registration) => registration.handler as (trigger: unknown, context: unknown) => Promise<unknown>;

  /** The Durable client's RPC calls (startNew, getStatus, raiseEvent, terminate), served by the local runtime. */
  async function durableRpc(method: string, path: string, query: URLSearchParams, body: string): Promise<Answer> {
    const start = /^orchestrators\/([^/]+)(?:\/(.+))?$/.exec(path);
    if (method === "POST" && start) {
      const input = body.trim() === "" ? undefined : (JSON.parse(body) as unknown);
      const id = await runtime.startNew(decodeURIComponent(start[1] as string), {
        ...(start[2] ? { instanceId: decodeURIComponent(start[2]) } : {}),
        input,
      });
      return json(202, { id });
    }
    const instance = /^instances\/([^/]+)(?:\/(raiseEvent|terminate)(?:\/([^/]+))?)?$/.exec(path);
    if (!instance) return json(404, { error: `no Durable RPC route for ${method} ${path}` });
    const instanceId = decodeURIComponent(instance[1] as string);
    const status = await runtime.getStatus(instanceId, { showHistory: query.get("showHistory") === "true" });
    if (!status) return json(404, { error: `instance ${instanceId} not found` });
    if (method === "GET" && instance[2] === undefined)
      return json(["Completed", "Failed", "Terminated"].includes(status.runtimeStatus) ? 200 : 202, status);
    if (method === "POST" && instance[2] === "raiseEvent" && instance[3]) {
      if (["Completed", "Failed", "Terminated"].includes(status.runtimeStatus))
        return json(410, { error: `instance ${instanceId} is ${status.runtimeStatus}` });
      await runtime.raiseEvent(instanceId, decodeURIComponent(instance[3]), body.trim() === "" ? null : (JSON.parse(body) as unknown));
      return { status: 202 };
    }
    if (method === "POST" && instance[2] === "terminate") {
      await runtime.terminate(instanceId, query.get("reason") ?? "terminated");
      return { status: 202 };
    }
    return json(405, { error: `${method} is not allowed on ${path}` });
  }

  /** The Event Grid webhook as the Functions host serves it, handshake included. */
  async function eventGrid(request: IncomingMessage, url: URL, body: string): Promise<Answer> {
    if (request.method === "OPTIONS") {
      // CloudEvents abuse-protection handshake.
      const origin = request.headers["webhook-request-origin"];
      return { status: 200, headers: typeof origin === "string" ? { "WebHook-Allowed-Origin": origin } : {} };
    }
    const name = url.searchParams.get("functionName");
    const registration = options.registrations.find((item) => item.triggerType === "eventGridTrigger" && item.name === name);
    if (!registration) return json(404, { error: `no Event Grid function named ${String(name)}` });
    const type = String(request.headers["content-type"] ?? "");
    if (!/^application\/(cloudevents(-batch)?\+)?json\b/i.test(type))
      return json(415, { error: `content type ${type || "(none)"} is not JSON` });
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (error) {
      return json(400, { error: `the body is not JSON: ${(error as Error).message}` });
    }
    const events = Array.isArray(parsed) ? parsed : [parsed];
    const first = events[0] as { eventType?: string; data?: { validationCode?: string } } | undefined;
    if (first?.eventType === "Microsoft.EventGrid.SubscriptionValidationEvent") {
      if (typeof first.data?.validationCode !== "string") return json(400, { error: "a validation event without data.validationCode" });
      log.info(`event grid: subscription validation answered for ${String(name)}`);
      return json(200, { validationResponse: first.data.validationCode });
    }
    // The Functions host invokes an Event Grid trigger once per event of a delivery, every one of
    // them, then answers 202; when one threw it answers 500 with that error's message, and Event
    // Grid delivers the whole batch again (Microsoft.Azure.WebJobs.Extensions.EventGrid).
    const failures: Error[] = [];
    for (const event of events) {
      try {
        await handlerOf(registration)(event, invocationContext(registration));
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        log.error(`event grid: ${String(name)} failed: ${failure.stack ?? failure.message}`);
        failures.push(failure);
      }
    }
    if (failures.length > 0) return { status: 500, body: (failures[0] as Error).message };
    return { status: 202 };
  }

  async function http(request: IncomingMessage, url: URL, body: string): Promise<Answer> {
    const method = (request.method ?? "GET").toUpperCase();
    const path = url.pathname.replace(/^\/api\/?/, "");
    for (const registration of options.registrations.filter((item) => item.triggerType === "httpTrigger")) {
      // Captured as the worker receives them: the trigger binding carries route, methods and authLevel.
      const registered = (registration.options as { trigger?: { route?: string; methods?: string[]; authLevel?: string } }).trigger ?? {};
      const params = matchRoute(registered.route ?? registration.name, path);
      if (!params) continue;
      if (registered.methods && !registered.methods.map((item) => item.toUpperCase()).includes(method)) continue;
      if ((registered.authLevel ?? "anonymous") !== "anonymous") {
        const key = url.searchParams.get("code") ?? (request.headers["x-functions-key"] as string | undefined);
        if (!sameKey(key, options.functionKey)) return json(401, { error: "a function key is required (?code= or x-functions-key)" });
      }
      const headers: Record<string, string> = {};
      for (const [header, value] of Object.entries(request.headers))
        if (typeof value === "string" && !header.toLowerCase().startsWith("x-ms-client-principal")) headers[header] = value;
      const signedIn = options.authentication?.();
      if (signedIn) Object.assign(headers, principalHeaders(signedIn));
      const httpRequest = new functions.HttpRequest({
        method,
        url: url.href,
        headers,
        params,
        ...(body === "" ? {} : { body: { string: body } }),
      });
      const result = (await handlerOf(registration)(httpRequest, invocationContext(registration))) as
        { status?: number; jsonBody?: unknown; body?: unknown; headers?: Record<string, string> } | undefined;
      if (result?.jsonBody !== undefined) return json(result.status ?? 200, result.jsonBody, result.headers ?? {});
      const text = result?.body === undefined ? undefined : typeof result.body === "string" ? result.body : JSON.stringify(result.body);
      return { status: result?.status ?? 200, ...(text === undefined ? {} : { body: text }), headers: result?.headers ?? {} };
    }
    return json(404, { error: `no function answers ${method} /api/${path}` });
  }

  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", baseUrl);
    const respond = (answer: Answer): void => {
      const text = answer.body === undefined ? "" : typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
      response.writeHead(answer.status, {
        ...(answer.body === undefined || typeof answer.body === "string" ? {} : { "Content-Type": "application/json; charset=utf-8" }),
        ...answer.headers,
      });
      response.end(text);
    };
    readBody(request, maxBody)
      .then(async (body) => {
        if (url.pathname.startsWith("/_durable/"))
          return durableRpc(request.method ?? "GET", url.pathname.slice("/_durable/".length), url.searchParams, body);
        if (url.pathname === "/runtime/webhooks/eventgrid") return eventGrid(request, url, body);
        if (url.pathname.startsWith("/api/")) return http(request, url, body);
        return json(404, { error: `nothing is served at ${url.pathname}` });
      })
      .then(respond, (error: unknown) => {
        const status = (error as { status?: number }).status ?? 500;
        if (status >= 500) log.error(`host: ${request.method} ${url.pathname}: ${(error as Error).stack ?? String(error)}`);
        respond(json(status, { error: (error as Error).message }));
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 7071, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;

  // Timers: each fires at its NCRONTAB occurrences on the virtual clock, one at a time per timer.
  const scheduleOf = (timer: Registration): string => String((timer.options as { trigger?: { schedule?: string } }).trigger?.schedule);
  const timers = options.registrations.filter((item) => item.triggerType === "timerTrigger");
  const next = new Map<string, Date>();
  /** The occurrence each timer last fired for: the host's `scheduleStatus.last`, which it keeps in storage in Azure. */
  const lastFired = new Map<string, Date>();
  const running = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  for (const timer of timers) {
    next.set(timer.name, nextOccurrence(scheduleOf(timer), options.clock.now(), options.timeZone));
  }
  const fireDue = (now: Date): void => {
    for (const timer of timers) {
      const due = next.get(timer.name);
      if (!due || due.getTime() > now.getTime() || running.has(timer.name)) continue;
      next.set(timer.name, nextOccurrence(scheduleOf(timer), now, options.timeZone));
      running.add(timer.name);
      const last = lastFired.get(timer.name);
      lastFired.set(timer.name, due);
      const info = {
        isPastDue: now.getTime() - due.getTime() > 60_000,
        scheduleStatus: {
          ...(last === undefined ? {} : { last: last.toISOString() }),
          next: next.get(timer.name)?.toISOString(),
          lastUpdated: now.toISOString(),
        },
      };
      const invocation = handlerOf(timer)(info, invocationContext(timer))
        .then(() => void timerRuns.set(timer.name, (timerRuns.get(timer.name) ?? 0) + 1))
        .catch((error: unknown) => log.error(`timer ${timer.name}: ${(error as Error).stack ?? String(error)}`))
        .finally(() => {
          running.delete(timer.name);
          inFlight.delete(invocation);
        });
      inFlight.add(invocation);
    }
  };
  const stopTimers = options.clock.onChange(fireDue);

  return {
    url: baseUrl,
    port,
    timerRuns,
    timersIdle: async () => {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    close: async () => {
      stopTimers();
      // A timer invocation in hand finishes first: what it starts is not lost halfway.
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
