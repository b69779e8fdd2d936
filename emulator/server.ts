/**
 * The emulated Azure subscription: an HTTPS server on 127.0.0.1 that the real Azure SDK clients
 * talk to. ARM-style routes are registered by family (emulator/routes); every request is
 * counted, may be delayed, failed or throttled, and answers in ARM's shapes.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { EmulatorCore, type EmulatorOptions } from "./core.ts";
import { ArmError, badRequest } from "./errors.ts";
import { type EstateDefinition, loadEstate } from "./estate/load.ts";
import { adminRoutes } from "./admin.ts";
import { admitPut } from "./policy/evaluation.ts";
import { Router, type RouteContext, type RouteResult } from "./router.ts";
import { allResourceTypes, allRoutes } from "./routes/index.ts";
import { createEmulatorTls } from "./tls.ts";
import { refusedByLock } from "./locks.ts";
import { callerFromAuthorization } from "./identity.ts";
import { withCaller } from "./requestContext.ts";

export interface StartEmulatorOptions extends EmulatorOptions {
  /** The estate to seed; none by default. */
  estate?: EstateDefinition;
  /** 0 (the default) picks a free port. */
  port?: number;
}

export interface Emulator {
  /** `https://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** PEM of the CA that signed the emulator's certificate: give it to clients as `tlsOptions.ca`. */
  ca: string;
  /** Connection string of the emulated Communication Services resource (email). */
  emailConnectionString: string;
  core: EmulatorCore;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

function send(response: ServerResponse, result: RouteResult): void {
  const headers: Record<string, string> = {
    "x-ms-request-id": randomUUID(),
    "x-ms-correlation-request-id": randomUUID(),
    ...result.headers,
  };
  if (result.body === undefined) {
    response.writeHead(result.status, headers).end();
    return;
  }
  const payload = JSON.stringify(result.body);
  response
    .writeHead(result.status, {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Length": String(Buffer.byteLength(payload)),
      ...headers,
    })
    .end(payload);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ArmError(413, "RequestEntityTooLarge", `The request body exceeds ${MAX_BODY_BYTES} bytes.`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function parseJson(text: string): unknown {
  if (text.trim().length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(`The request content was invalid and could not be deserialized: ${(error as Error).message}`);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function startEmulator(options: StartEmulatorOptions = {}): Promise<Emulator> {
  const core = new EmulatorCore(options);
  for (const handler of allResourceTypes()) core.registerType(handler);
  const router = new Router();
  router.addAll(allRoutes());
  const admin = new Router();
  admin.addAll(adminRoutes());
  if (options.estate) loadEstate(core, options.estate);
  for (const subscription of options.subscriptions ?? []) {
    if (subscription.estate) loadEstate(core, subscription.estate, subscription.subscriptionId);
  }

  const tls = await createEmulatorTls();
  const startedAt = performance.now();
  let baseUrl = "";

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const started = performance.now();
    const method = (request.method ?? "GET").toUpperCase();
    // A scope passed with its leading slash gives `//subscriptions/...`, which URL parsing would read as a host.
    const url = new URL((request.url ?? "/").replace(/^\/+/, "/"), baseUrl);
    const path = url.pathname;

    if (path.startsWith("/_emulator/")) {
      const match = admin.match(method, path);
      try {
        const body = parseJson(await readBody(request));
        if (!match) throw new ArmError(404, "NotFound", `No emulator control route for ${method} ${path}.`);
        const ctx: RouteContext = { params: match.params, query: url.searchParams, body, headers: request.headers, baseUrl, path, core };
        send(response, await match.route.handler(ctx));
      } catch (error) {
        const armError = error instanceof ArmError ? error : new ArmError(400, "BadRequest", String((error as Error).message));
        send(response, { status: armError.status, body: armError.toBody() });
      }
      return;
    }

    const match = router.match(method, path);
    const routeName = match?.route.name ?? "unmatched";
    let status = 500;
    let fault: string | undefined;
    try {
      if (!match) {
        throw router.hasPath(path)
          ? new ArmError(405, "MethodNotAllowed", `The requested resource does not support http method '${method}'.`)
          : new ArmError(404, "NotFound", `No emulated Azure operation answers ${method} ${path}.`);
      }
      const authorization = request.headers.authorization;
      const hmac = match.route.authentication === "hmac";
      if (!hmac && (!authorization || !/^Bearer\s+\S+/i.test(authorization))) {
        throw new ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.");
      }
      if (!url.searchParams.get("api-version")) {
        throw new ArmError(
          400,
          "MissingApiVersionParameter",
          "The api-version query parameter (?api-version=) is required for all requests.",
        );
      }

      const decision = core.faults.decide(method, routeName);
      if (decision.latencyMs > 0) await sleep(decision.latencyMs);
      if (decision.type === "drop") {
        fault = "fault:drop";
        status = 0;
        request.socket.destroy();
        return;
      }
      if (decision.type === "status") {
        fault = `fault:${decision.status}`;
        const headers: Record<string, string> =
          decision.retryAfterSeconds === undefined ? {} : { "Retry-After": String(decision.retryAfterSeconds) };
        throw decision.status === 429
          ? new ArmError(429, "TooManyRequests", "The request is being throttled (injected fault).", headers)
          : new ArmError(decision.status, "ServiceUnavailable", "The service is temporarily unavailable (injected fault).", headers);
      }

      const subscriptionId = match.params.subscriptionId ?? /\/subscriptions\/([^/]+)/i.exec(path)?.[1];
      let rateHeaders: Record<string, string> = {};
      if (subscriptionId !== undefined) {
        if (!core.store.hasSubscription(subscriptionId)) {
          throw new ArmError(404, "SubscriptionNotFound", `The subscription '${subscriptionId}' could not be found.`);
        }
        const taken = match.route.outsideArm
          ? { allowed: true, headers: {}, retryAfterSeconds: 0 }
          : core.throttle.take(subscriptionId, match.route.kind);
        rateHeaders = taken.headers;
        if (!taken.allowed) {
          fault = "throttled";
          throw new ArmError(429, "TooManyRequests", "The request is being throttled: the subscription's token bucket is empty.", {
            ...taken.headers,
            "Retry-After": String(taken.retryAfterSeconds),
          });
        }
      }

      // Locks are Resource Manager's, checked before any resource provider sees the request.
      const locked = refusedByLock(core.locks, match.route.kind, path);
      if (locked) throw locked;

      const text = await readBody(request);
      if (hmac) {
        // Communication Services sign each request with the resource's access key instead of a bearer token.
        const query = url.searchParams.toString();
        const problem = core.email.verify(method, query ? `${path}?${query}` : path, request.headers, text);
        if (problem !== undefined) throw new ArmError(401, "Denied", `Denied by the resource provider: ${problem}.`);
      }
      const body = parseJson(text);
      const ctx: RouteContext = { params: match.params, query: url.searchParams, body, headers: request.headers, baseUrl, path, core };
      const route = match.route;
      // Azure Policy sees every create and update before its resource provider does.
      if (method === "PUT") admitPut(core, path, body);
      const result = await withCaller(callerFromAuthorization(authorization), () => route.handler(ctx));
      status = result.status;
      send(response, { ...result, headers: { ...rateHeaders, ...result.headers } });
    } catch (error) {
      const armError =
        error instanceof ArmError ? error : new ArmError(500, "InternalServerError", `Emulator error: ${(error as Error).message}`);
      status = armError.status;
      send(response, { status: armError.status, body: armError.toBody(), headers: armError.headers });
    } finally {
      core.log.record({
        method,
        route: routeName,
        path,
        status,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        atMs: Math.round((started - startedAt) * 100) / 100,
        ...(fault === undefined ? {} : { fault }),
      });
    }
  };

  const server = https.createServer({ cert: tls.cert, key: tls.key }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, { status: 500, body: new ArmError(500, "InternalServerError", String(error)).toBody() });
    });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `https://127.0.0.1:${port}`;

  return {
    url: baseUrl,
    port,
    ca: tls.ca,
    emailConnectionString: core.email.connectionString(baseUrl),
    core,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
