/**
 * `restore-drill`: prove a PostgreSQL server can be restored: a point-in-time restore into a
 * separate, new server, verified and measured (RTO, RPO), then deleted.
 *
 * ```yaml
 * action: restore-drill
 * action: { type: restore-drill, rtoMinutes: 60, rpoMinutes: 15 }
 * ```
 *
 * The source server is never touched (a restore always creates a new server), which is why the
 * effect is `none` and production may be drilled without an approval. Targets default to the
 * server's `rto-minutes` and `rpo-minutes` tags.
 */
import type { ActionDefinition } from "../registry.ts";
import { tagValue } from "../settings.ts";
import type { InventoryResource } from "../types.ts";

export interface RestoreDrillArgs {
  rtoMinutes?: number;
  rpoMinutes?: number;
}

/** The drill's targets in minutes: the policy's, else the server's tags; undefined when neither says. */
export function drillTargets(resource: InventoryResource, args: RestoreDrillArgs): { rtoMinutes?: number; rpoMinutes?: number } {
  const fromTag = (name: string): number | undefined => {
    const value = Number(tagValue(resource.tags, name));
    return Number.isFinite(value) && value > 0 ? value : undefined;
  };
  const rtoMinutes = args.rtoMinutes ?? fromTag("rto-minutes");
  const rpoMinutes = args.rpoMinutes ?? fromTag("rpo-minutes");
  return { ...(rtoMinutes === undefined ? {} : { rtoMinutes }), ...(rpoMinutes === undefined ? {} : { rpoMinutes }) };
}

const minutesSchema = { type: "integer", minimum: 1 };

export const restoreDrillAction: ActionDefinition<RestoreDrillArgs> = {
  name: "restore-drill",
  summary:
    "Restore a PostgreSQL server to a point in time into a separate server, verify and measure it (RTO, RPO), then delete the copy; the source is never touched.",
  example: "action: restore-drill",
  effect: "none",
  appliesTo: ["postgresql-server"],
  argsSchema: {
    properties: {
      rtoMinutes: { ...minutesSchema, description: "Recovery time objective (default: the rto-minutes tag)." },
      rpoMinutes: { ...minutesSchema, description: "Recovery point objective (default: the rpo-minutes tag)." },
    },
  },
  parse(args) {
    const parsed: RestoreDrillArgs = {};
    if (typeof args.rtoMinutes === "number") parsed.rtoMinutes = args.rtoMinutes;
    if (typeof args.rpoMinutes === "number") parsed.rpoMinutes = args.rpoMinutes;
    return parsed;
  },
  describe(resource, args) {
    const { rtoMinutes, rpoMinutes } = drillTargets(resource, args);
    const targets = [
      rtoMinutes === undefined ? "RTO (no target)" : `RTO (target ${rtoMinutes} min)`,
      rpoMinutes === undefined ? "RPO (no target)" : `RPO (target ${rpoMinutes} min)`,
    ];
    return `restore drill: restore ${resource.name} to a point in time into a separate server, verify it, measure ${targets.join(" and ")}, then delete the copy; ${resource.name} itself is not touched`;
  },
};
