/**
 * Control routes under `/_emulator/` for processes that drive the emulator from outside
 * (the local host, child processes in tests, benchmarks). They are not Azure operations:
 * never counted, failed or throttled.
 */
import { parseDuration } from "./clock.ts";
import { badRequest } from "./errors.ts";
import type { RouteDefinition } from "./router.ts";
import { postgresAdminRoutes } from "./routes/postgres.ts";

export function adminRoutes(): RouteDefinition[] {
  return [
    ...postgresAdminRoutes(),
    { method: "GET", pattern: "/_emulator/health", name: "admin.health", handler: () => ({ status: 200, body: { ok: true } }) },
    {
      method: "GET",
      pattern: "/_emulator/clock",
      name: "admin.clock.get",
      handler: ({ core }) => ({ status: 200, body: { now: core.nowIso() } }),
    },
    {
      method: "POST",
      pattern: "/_emulator/clock",
      name: "admin.clock.set",
      handler: ({ core, body }) => {
        const input = (body ?? {}) as { set?: string; advance?: string | number };
        if (input.set !== undefined) core.clock.set(input.set);
        else if (input.advance !== undefined) core.clock.advance(parseDuration(input.advance));
        else throw badRequest('expected {"set": "<ISO time>"} or {"advance": "<duration>"}');
        return { status: 200, body: { now: core.nowIso() } };
      },
    },
    {
      method: "GET",
      pattern: "/_emulator/requests",
      name: "admin.requests",
      handler: ({ core, query }) => {
        const since = query.get("since");
        return {
          status: 200,
          body: {
            total: core.log.total,
            counts: core.log.counts(),
            entries: core.log.entries(since === null ? {} : { since: Number(since) }),
          },
        };
      },
    },
    {
      method: "GET",
      pattern: "/_emulator/emails",
      name: "admin.emails",
      handler: ({ core }) => ({ status: 200, body: { messages: core.email.messages } }),
    },
    {
      method: "POST",
      pattern: "/_emulator/faults",
      name: "admin.faults.add",
      handler: ({ core, body }) => {
        core.faults.add(body ?? {});
        return { status: 200, body: { rules: core.faults.rules } };
      },
    },
    {
      method: "DELETE",
      pattern: "/_emulator/faults",
      name: "admin.faults.clear",
      handler: ({ core }) => {
        core.faults.clear();
        return { status: 200, body: { rules: [] } };
      },
    },
  ];
}
