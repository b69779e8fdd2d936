/** Azure Database for PostgreSQL flexible servers: backup settings audited, restore drills run against them. */
import type { PowerState } from "../policy/types.ts";
import { describeResourceType } from "./descriptor.ts";

/** `state`: Ready means the server runs; Stopped servers emit no metrics. */
const SERVER_STATES: Readonly<Record<string, PowerState>> = {
  ready: "running",
  stopped: "stopped",
  starting: "starting",
  stopping: "stopping",
};

export const postgresqlServer = describeResourceType({
  kind: "postgresql-server",
  armType: "Microsoft.DBforPostgreSQL/flexibleServers",
  properties: [
    // Backup retention and geo-redundancy, Ready or Stopped, exposure.
    "backup",
    "state",
    "network.publicNetworkAccess",
  ],
  powerState: { path: "state", read: (state) => SERVER_STATES[state.toLowerCase()] ?? "unknown" },
  metrics: { namespace: "Microsoft.DBforPostgreSQL/flexibleServers" },
  events: [{ operation: "Microsoft.DBforPostgreSQL/flexibleServers/write", why: "created or changed" }],
  reread: { apiVersion: "2025-08-01" },
});
