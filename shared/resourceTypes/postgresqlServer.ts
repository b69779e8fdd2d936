/**
 * Azure Database for PostgreSQL flexible servers: backup settings audited, restore drills run
 * against them, stopped outside their schedule and started again.
 *
 * Azure cannot stop a server in high-availability mode, a read replica or a primary with read
 * replicas (`stoppable` says which, from what the inventory shows), and starts a server stopped
 * for 7 days again by itself: its `start/action` is one the event path checks.
 */
import type { InventoryResource, PowerState } from "../policy/types.ts";
import { describeResourceType, getPath, nonEmptyString } from "./descriptor.ts";

/** `state`: Ready means the server runs; Stopped servers emit no metrics. */
const SERVER_STATES: Readonly<Record<string, PowerState>> = {
  ready: "running",
  stopped: "stopped",
  starting: "starting",
  stopping: "stopping",
};

/**
 * Hourly compute price by SKU, pay-as-you-go, West Europe, EUR, 2026-11, rounded (not a VM's
 * price of the same name). Storage and backup storage are billed apart, stopped or not.
 */
const COMPUTE_HOURLY: Readonly<Record<string, number>> = {
  // Burstable: dev and test servers.
  Standard_B1ms: 0.019,
  Standard_B2s: 0.074,
  Standard_B2ms: 0.149,
  Standard_B4ms: 0.298,
  // General purpose (D v5 with local disk).
  Standard_D2ds_v5: 0.195,
  Standard_D4ds_v5: 0.39,
  Standard_D8ds_v5: 0.78,
  Standard_D16ds_v5: 1.56,
  Standard_D32ds_v5: 3.12,
  // Memory optimised.
  Standard_E2ds_v5: 0.27,
  Standard_E4ds_v5: 0.54,
  Standard_E8ds_v5: 1.08,
  Standard_E16ds_v5: 2.16,
};

/**
 * Why Azure cannot stop this server, with the values seen; `undefined` when it can. The replicas
 * of a primary are the servers of `others` (the inventory) that name it as their source.
 */
/** `AsyncReplica`, `GeoAsyncReplica`…; `undefined` for a primary or a server that does not say. */
function replicaRole(server: InventoryResource): string | undefined {
  const role = nonEmptyString(getPath(server.properties, "replica.role")) ?? nonEmptyString(server.properties.replicationRole);
  return role === undefined || ["primary", "none"].includes(role.toLowerCase()) ? undefined : role;
}

export function whyNotStoppable(server: InventoryResource, others: Iterable<InventoryResource> = []): string | undefined {
  const ha = nonEmptyString(getPath(server.properties, "highAvailability.mode"));
  if (ha !== undefined && ha.toLowerCase() !== "disabled") return `high availability ${ha}: Azure cannot stop it`;
  const role = replicaRole(server);
  if (role !== undefined) return `a read replica (replica role ${role}): Azure cannot stop it`;
  const id = server.id.toLowerCase();
  const replicas: string[] = [];
  for (const other of others) {
    // A point-in-time restore may name its source too; only a replica is one.
    const source = nonEmptyString(other.properties.sourceServerResourceId);
    if (other.kind === "postgresql-server" && source?.toLowerCase() === id && replicaRole(other) !== undefined) replicas.push(other.name);
  }
  if (replicas.length > 0)
    return `it has read replica${replicas.length === 1 ? "" : "s"} (${replicas.sort().join(", ")}): Azure cannot stop it`;
  return undefined;
}

export const postgresqlServer = describeResourceType({
  kind: "postgresql-server",
  armType: "Microsoft.DBforPostgreSQL/flexibleServers",
  properties: [
    // Backup retention and geo-redundancy, Ready or Stopped, exposure.
    "backup",
    "state",
    "network.publicNetworkAccess",
    // Whether Azure can stop it: high availability, a replica's role, a replica's primary.
    "highAvailability.mode",
    "replica.role",
    "sourceServerResourceId",
  ],
  powerState: { path: "state", read: (state) => SERVER_STATES[state.toLowerCase()] ?? "unknown" },
  metrics: { namespace: "Microsoft.DBforPostgreSQL/flexibleServers" },
  events: [
    { operation: "Microsoft.DBforPostgreSQL/flexibleServers/write", why: "created or changed" },
    {
      operation: "Microsoft.DBforPostgreSQL/flexibleServers/start/action",
      why: "running again, Azure's own start after 7 days stopped included: off-hours policies decide on running servers",
    },
  ],
  // Its compute, by SKU; storage is billed whether it runs or not.
  price: { per: "hour", of: "sku", what: "PostgreSQL compute", table: COMPUTE_HOURLY },
  reread: { apiVersion: "2025-08-01" },
});
