/**
 * PostgreSQL flexible servers: stop and start (long-running: `state` is `Stopping` then `Stopped`,
 * `Starting` then `Ready`), Azure's automatic start of a server stopped for 7 days (on the
 * emulator's virtual clock), the read replicas of a server and its server parameters.
 *
 * Azure cannot stop a server in high-availability mode, a read replica, or a primary that has
 * read replicas: those answer 409 `OperationNotAllowed` (the codes are the emulator's; Azure's
 * documentation states the rule, not the error). Stopping a stopped server, or starting a running
 * one, succeeds without changing anything.
 */
import type { EmulatorCore } from "../core.ts";
import { ArmError, badRequest } from "../errors.ts";
import { asObject, asString, type Json } from "../json.ts";
import { pagedList } from "../paging.ts";
import { setPowerState } from "../powerHistory.ts";
import { idKey, resourceGroupId } from "../../shared/azure/resourceId.ts";
import type { RouteContext, RouteDefinition, RouteResult } from "../router.ts";
import type { StoredResource } from "../store.ts";

const SERVER_TYPE = "Microsoft.DBforPostgreSQL/flexibleServers";
const CONFIGURATION_TYPE = "Microsoft.DBforPostgreSQL/flexibleServers/configurations";
const PROVIDER = "Microsoft.DBforPostgreSQL";
export const AUTOMATIC_START_AFTER_MS = 7 * 86_400_000;
const BUSY = new Set(["provisioning", "updating", "dropping", "starting", "stopping", "restarting"]);

function serverOf(ctx: RouteContext): StoredResource {
  const id = `${resourceGroupId(ctx.params.subscriptionId as string, ctx.params.resourceGroupName as string)}/providers/${SERVER_TYPE}/${ctx.params.serverName as string}`;
  return ctx.core.store.require(id, SERVER_TYPE);
}

function stateOf(server: StoredResource): string {
  return asString(server.arm.properties?.state) ?? "Ready";
}

function setState(core: EmulatorCore, server: StoredResource, state: string): void {
  (server.arm.properties ??= {}).state = state;
  // The power history bills and charts a stopped server as the meter does a deallocated VM.
  setPowerState(core, server, state === "Stopped" ? "stopped" : state === "Ready" ? "running" : state.toLowerCase());
}

/** Servers replicating from this one. */
export function replicasOf(core: EmulatorCore, server: StoredResource): StoredResource[] {
  return core.store
    .list({ type: SERVER_TYPE })
    .filter((candidate) => idKey(asString(candidate.arm.properties?.sourceServerResourceId) ?? "") === idKey(server.arm.id));
}

function emitAction(core: EmulatorCore, server: StoredResource, action: "stop" | "start"): void {
  core.store.emitChange({
    kind: "action",
    resourceId: server.arm.id,
    resourceType: SERVER_TYPE,
    operationName: `${SERVER_TYPE}/${action}/action`,
    at: core.nowIso(),
  });
}

function refuseStop(core: EmulatorCore, server: StoredResource): void {
  const properties = server.arm.properties ?? {};
  const haMode = asString(asObject(properties.highAvailability)?.mode) ?? "Disabled";
  if (haMode !== "Disabled") {
    throw new ArmError(
      409,
      "OperationNotAllowed",
      `Server '${server.arm.name}' cannot be stopped: it is configured with high availability (${haMode}). Disable high availability first.`,
    );
  }
  const role = asString(asObject(properties.replica)?.role) ?? "Primary";
  if (role !== "Primary") {
    throw new ArmError(409, "OperationNotAllowed", `Server '${server.arm.name}' cannot be stopped: it is a read replica (${role}).`);
  }
  const replicas = replicasOf(core, server);
  if (replicas.length > 0) {
    throw new ArmError(
      409,
      "OperationNotAllowed",
      `Server '${server.arm.name}' cannot be stopped: it has read replicas (${replicas.map((replica) => replica.arm.name).join(", ")}).`,
    );
  }
}

function power(ctx: RouteContext, action: "stop" | "start"): RouteResult {
  const { core } = ctx;
  const server = serverOf(ctx);
  const state = stateOf(server);
  const [from, transitional, final] = action === "stop" ? ["Ready", "Stopping", "Stopped"] : ["Stopped", "Starting", "Ready"];
  const operation = (complete: () => undefined): RouteResult =>
    core.lro.start(
      { subscriptionId: ctx.params.subscriptionId as string, provider: PROVIDER, location: server.arm.location ?? "westeurope", complete },
      ctx.baseUrl,
    );
  if (state === final) return operation(() => undefined);
  if (action === "stop") refuseStop(core, server);
  if (state !== from || BUSY.has(state.toLowerCase())) {
    throw new ArmError(
      409,
      "AnotherOperationInProgress",
      `Operation '${action}' is not allowed: server '${server.arm.name}' is ${state}. Please retry after the operation in progress completes.`,
    );
  }
  setState(core, server, transitional);
  return operation(() => {
    const current = core.store.get(server.arm.id);
    if (!current || stateOf(current) !== transitional) return undefined;
    setState(core, current, final);
    if (action === "stop") current.sim.stoppedAt = core.nowIso();
    else delete current.sim.stoppedAt;
    emitAction(core, current, action);
    return undefined;
  });
}

const watched = new WeakSet<EmulatorCore>();

/** Starts, as Azure does, every server stopped for 7 days or more, whenever the virtual clock moves. */
export function ensureAutomaticStart(core: EmulatorCore): void {
  if (watched.has(core)) return;
  watched.add(core);
  core.clock.onChange((now) => {
    for (const server of core.store.list({ type: SERVER_TYPE })) {
      const stoppedAt = Date.parse(asString(server.sim.stoppedAt) ?? "");
      if (stateOf(server) !== "Stopped" || Number.isNaN(stoppedAt) || now.getTime() < stoppedAt + AUTOMATIC_START_AFTER_MS) continue;
      setState(core, server, "Ready");
      delete server.sim.stoppedAt;
      server.sim.automaticallyStartedAt = core.nowIso();
      // The platform's own start: no caller of the subscription made it.
      emitAction(core, server, "start");
    }
  });
}

/** The server parameters Governor's baselines read, with Azure's defaults; an estate overrides them in `sim.parameters`. */
const PARAMETERS: Record<string, { defaultValue: string; dataType: string; allowedValues: string; description: string }> = {
  ssl_min_protocol_version: {
    defaultValue: "TLSv1.2",
    dataType: "Enumeration",
    allowedValues: "TLSv1,TLSv1.1,TLSv1.2,TLSv1.3",
    description: "Sets the minimum SSL/TLS protocol version to use.",
  },
  require_secure_transport: {
    defaultValue: "on",
    dataType: "Boolean",
    allowedValues: "on,off",
    description: "Whether client connections to the server are required to use some form of secure transport.",
  },
  log_connections: { defaultValue: "on", dataType: "Boolean", allowedValues: "on,off", description: "Logs each successful connection." },
  max_connections: {
    defaultValue: "859",
    dataType: "Integer",
    allowedValues: "25-5000",
    description: "Sets the maximum number of concurrent connections.",
  },
};

function configurationBody(server: StoredResource, name: string): Json {
  const spec = PARAMETERS[name] as (typeof PARAMETERS)[string];
  const overrides = asObject(server.sim.parameters) ?? {};
  const value = asString(overrides[name]) ?? spec.defaultValue;
  return {
    id: `${server.arm.id}/configurations/${name}`,
    name,
    type: CONFIGURATION_TYPE,
    properties: {
      value,
      description: spec.description,
      defaultValue: spec.defaultValue,
      dataType: spec.dataType,
      allowedValues: spec.allowedValues,
      source: value === spec.defaultValue ? "system-default" : "user-override",
      isDynamicConfig: true,
      isReadOnly: false,
      isConfigPendingRestart: false,
      documentationLink: "https://www.postgresql.org/docs/17/runtime-config.html",
    },
  };
}

export function postgresPowerRoutes(serverPath: string): RouteDefinition[] {
  return [
    { method: "POST", pattern: `${serverPath}/stop`, name: "flexibleServers.stop", handler: (ctx) => power(ctx, "stop") },
    { method: "POST", pattern: `${serverPath}/start`, name: "flexibleServers.start", handler: (ctx) => power(ctx, "start") },
    {
      method: "GET",
      pattern: `${serverPath}/replicas`,
      name: "flexibleServers.replicas.listByServer",
      handler: (ctx) => {
        const server = serverOf(ctx);
        return pagedList(
          ctx,
          replicasOf(ctx.core, server).map((replica) => structuredClone(replica.arm)),
        );
      },
    },
    {
      method: "GET",
      pattern: `${serverPath}/configurations`,
      name: "flexibleServers.configurations.listByServer",
      handler: (ctx) => {
        const server = serverOf(ctx);
        return pagedList(
          ctx,
          Object.keys(PARAMETERS).map((name) => configurationBody(server, name)),
        );
      },
    },
    {
      method: "GET",
      pattern: `${serverPath}/configurations/{configurationName}`,
      name: "flexibleServers.configurations.get",
      handler: (ctx) => {
        const server = serverOf(ctx);
        const name = (ctx.params.configurationName as string).toLowerCase();
        if (PARAMETERS[name] === undefined) {
          throw badRequest(
            `The configuration '${ctx.params.configurationName as string}' is not one the emulator serves.`,
            "ConfigurationNotExists",
          );
        }
        return { status: 200, body: configurationBody(server, name) };
      },
    },
  ];
}
