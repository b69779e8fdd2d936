/**
 * `restore-drill`: prove a PostgreSQL server can be restored: a point-in-time restore into a
 * separate, new server, verified and measured (RTO, RPO), then deleted.
 *
 * ```yaml
 * action: restore-drill
 * action: { type: restore-drill, rtoMinutes: 60, rpoMinutes: 15 }
 * action:
 *   type: restore-drill
 *   restorePoint: 30m          # latest (default), or this long before the drill starts
 *   heartbeat: true            # Governor writes a heartbeat row on the source: a precise RPO
 *   checks: [connection, core-tables, accounting-balanced]   # default: all of them
 *   servers:                   # per server, over the policy's own settings
 *     psql-odoo-prod: { database: odoo_prod, rowCountTolerancePercent: 2 }
 * ```
 *
 * The servers are those the policy's conditions select: a tag (`tag: governor-drill`), or a list
 * (`{ value: name, in: [psql-odoo-prod, psql-odoo-staging] }`).
 *
 * The source server is never touched (a restore always creates a new server), which is why the
 * effect is `none` and production may be drilled without an approval. Targets default to the
 * server's `rto-minutes` and `rpo-minutes` tags.
 */
import { tagValue } from "../policy/settings.ts";
import type { InventoryResource } from "../policy/types.ts";
import { defineAction } from "./module.ts";

/** What a drill does to one server; a policy sets it for all and `servers` per server. */
export interface RestoreDrillServerArgs {
  rtoMinutes?: number;
  rpoMinutes?: number;
  /** `latest`, or a duration (`30m`, `2h`) before the drill starts. */
  restorePoint?: string;
  /** The Odoo database on the server. Default `odoo`. */
  database?: string;
  /** The checks to run (connection always runs). Default: all. */
  checks?: string[];
  rowCountTolerancePercent?: number;
  /** Governor writes a heartbeat row on the source every few minutes. Default false. */
  heartbeat?: boolean;
}

export interface RestoreDrillArgs extends RestoreDrillServerArgs {
  servers?: Record<string, RestoreDrillServerArgs>;
}

/** The drill's targets in minutes: the policy's, else the server's tags; undefined when neither says. */
export function drillTargets(
  resource: Pick<InventoryResource, "tags">,
  args: RestoreDrillServerArgs,
): { rtoMinutes?: number; rpoMinutes?: number } {
  const fromTag = (name: string): number | undefined => {
    const value = Number(tagValue(resource.tags, name));
    return Number.isFinite(value) && value > 0 ? value : undefined;
  };
  const rtoMinutes = args.rtoMinutes ?? fromTag("rto-minutes");
  const rpoMinutes = args.rpoMinutes ?? fromTag("rpo-minutes");
  return { ...(rtoMinutes === undefined ? {} : { rtoMinutes }), ...(rpoMinutes === undefined ? {} : { rpoMinutes }) };
}

const minutesSchema = { type: "integer", minimum: 1 };
const CHECKS = ["connection", "core-tables", "base-installed", "row-counts", "accounting-balanced", "index-integrity", "database-uuid"];
const serverProperties = {
  rtoMinutes: { ...minutesSchema, description: "Recovery time objective (default: the rto-minutes tag)." },
  rpoMinutes: { ...minutesSchema, description: "Recovery point objective (default: the rpo-minutes tag)." },
  restorePoint: {
    type: "string",
    pattern: "^(latest|\\d+(\\.\\d+)?\\s*(m|h|d))$",
    description: "The restore point: latest (default), or a duration before the drill starts (30m, 2h, 1d).",
  },
  database: { type: "string", minLength: 1, maxLength: 63, description: "The Odoo database to verify (default odoo)." },
  checks: {
    type: "array",
    items: { enum: CHECKS },
    uniqueItems: true,
    description: "The checks of the verification suite to run (default: all; connection always runs).",
  },
  rowCountTolerancePercent: {
    type: "number",
    minimum: 0,
    maximum: 100,
    description: "How far a key table's row count may be from the source's, in percent (default 5).",
  },
  heartbeat: { type: "boolean", description: "Write a heartbeat row on the source every few minutes, for a precise RPO (default false)." },
};

function parseServerArgs(args: Record<string, unknown>): RestoreDrillServerArgs {
  const parsed: RestoreDrillServerArgs = {};
  if (typeof args.rtoMinutes === "number") parsed.rtoMinutes = args.rtoMinutes;
  if (typeof args.rpoMinutes === "number") parsed.rpoMinutes = args.rpoMinutes;
  if (typeof args.restorePoint === "string") parsed.restorePoint = args.restorePoint;
  if (typeof args.database === "string") parsed.database = args.database;
  if (Array.isArray(args.checks)) parsed.checks = args.checks.filter((check): check is string => typeof check === "string");
  if (typeof args.rowCountTolerancePercent === "number") parsed.rowCountTolerancePercent = args.rowCountTolerancePercent;
  if (typeof args.heartbeat === "boolean") parsed.heartbeat = args.heartbeat;
  return parsed;
}

/** The policy's settings with the server's own over them (server names match case-insensitively). */
export function serverDrillArgs(args: RestoreDrillArgs, serverName: string): RestoreDrillServerArgs {
  const { servers, ...common } = args;
  const own = Object.entries(servers ?? {}).find(([name]) => name.toLowerCase() === serverName.toLowerCase())?.[1];
  return { ...common, ...(own ?? {}) };
}

export const restoreDrillAction = defineAction<RestoreDrillArgs>({
  name: "restore-drill",
  summary:
    "Restore a PostgreSQL server to a point in time into a separate server, verify and measure it (RTO, RPO), then delete the copy; the source is never touched.",
  example: "action: restore-drill",
  effect: "none",
  appliesTo: ["postgresql-server"],
  argsSchema: {
    properties: {
      ...serverProperties,
      servers: {
        type: "object",
        description: "Settings for single servers, by server name, over the policy's own.",
        additionalProperties: { type: "object", additionalProperties: false, properties: serverProperties },
      },
    },
  },
  parse(args) {
    const parsed: RestoreDrillArgs = parseServerArgs(args);
    const servers = args.servers;
    if (typeof servers === "object" && servers !== null && !Array.isArray(servers)) {
      parsed.servers = Object.fromEntries(
        Object.entries(servers as Record<string, unknown>).map(([name, value]) => [
          name,
          parseServerArgs((value ?? {}) as Record<string, unknown>),
        ]),
      );
    }
    return parsed;
  },
  describe(resource, args) {
    const { rtoMinutes, rpoMinutes } = drillTargets(resource, serverDrillArgs(args, resource.name));
    const targets = [
      rtoMinutes === undefined ? "RTO (no target)" : `RTO (target ${rtoMinutes} min)`,
      rpoMinutes === undefined ? "RPO (no target)" : `RPO (target ${rpoMinutes} min)`,
    ];
    return `restore drill: restore ${resource.name} to a point in time into a separate server, verify it, measure ${targets.join(" and ")}, then delete the copy; ${resource.name} itself is not touched`;
  },
  // The restoreDrill workflow carries it out; its activities declare their own permissions.
  permissions: [],
});
