/**
 * Microsoft.DBforPostgreSQL: flexible servers (create, point-in-time restore, delete), their
 * automatic backups and firewall rules.
 *
 * Backups follow the virtual clock: the first full backup completes five minutes after the server
 * is created, then one a day at the same time, and those older than the retention
 * (`properties.backup.backupRetentionDays`) are gone. A point-in-time restore may target any
 * instant from the earliest restore point (`properties.backup.earliestRestoreDate`) to now, and
 * always creates a new server that inherits the source's SKU, version, storage, network settings
 * and tags, but none of its firewall rules; the new server's simulation state records its source
 * and restore point (`sim.restore`), which ARM does not return.
 *
 * A server created through the API exists from the moment it is accepted, with `state`
 * `Provisioning`, and is `Ready` when its operation completes; a server from an estate has existed
 * for 35 days (its whole backup window is there) unless its `sim.createdAt` says otherwise.
 *
 * No database runs behind a server unless a backend is attached through `attachPostgresBackend`
 * (emulator/postgres/backend.ts runs real PostgreSQL); the control route
 * `GET /_emulator/postgres/{serverName}` then says where a server's database listens, since its
 * `fullyQualifiedDomainName` resolves nowhere locally.
 */
import type { EmulatorCore, MaterialiseInput, ResourceTypeHandler } from "../core.ts";
import { ArmError, badRequest } from "../errors.ts";
import { pagedList } from "../paging.ts";
import { parseArmId, resourceGroupId } from "../../shared/azure/resourceId.ts";
import type { RouteContext, RouteDefinition, RouteResult } from "../router.ts";
import type { ArmResource, StoredResource } from "../store.ts";
import { asNumber, asObject, asString, normaliseLocation, stableGuid, type Json } from "../json.ts";
import { ensureAutomaticStart, postgresPowerRoutes } from "./postgresPower.ts";

export const SERVER_TYPE = "Microsoft.DBforPostgreSQL/flexibleServers";
export const FIREWALL_RULE_TYPE = "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules";
const BACKUP_TYPE = "Microsoft.DBforPostgreSQL/flexibleServers/backups";
const PROVIDER = "Microsoft.DBforPostgreSQL";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** A server from an estate, without `sim.createdAt`, was created this many days before the clock. */
const ESTATE_SERVER_AGE_DAYS = 35;
/** The first full backup completes this long after the server is created. */
const FIRST_BACKUP_DELAY_MS = 5 * MINUTE_MS;
const MIN_RETENTION_DAYS = 7;
const MAX_RETENTION_DAYS = 35;
/** .NET ticks (100 ns) between 0001-01-01 and the Unix epoch: backup names carry ticks. */
const TICKS_AT_EPOCH = 621_355_968_000_000_000n;
/** States in which the server refuses another write or delete. */
const BUSY_STATES = new Set(["provisioning", "updating", "dropping", "starting", "stopping", "restarting"]);

const MINOR_VERSIONS: Record<string, string> = { "17": "5", "16": "9", "15": "13", "14": "18", "13": "21", "12": "22", "11": "22" };
/** Premium SSD tiers: the smallest that holds the size, and its baseline IOPS. */
const STORAGE_TIERS: Array<[sizeGb: number, tier: string, iops: number]> = [
  [32, "P4", 120],
  [64, "P6", 240],
  [128, "P10", 500],
  [256, "P15", 1100],
  [512, "P20", 2300],
  [1024, "P30", 5000],
  [2048, "P40", 7500],
  [4096, "P50", 7500],
  [8192, "P60", 16000],
  [16384, "P70", 18000],
  [32768, "P80", 20000],
];

// ---------------------------------------------------------------------------------------------
// The seam for a real PostgreSQL

export interface PostgresRestoreRequest {
  core: EmulatorCore;
  /** The source server, as stored. */
  source: StoredResource;
  /** The server the restore creates. */
  target: { id: string; name: string; resourceGroup: string; location: string };
  /** The restore point: within the source's backup window and not in the future. */
  pointInTime: Date;
}

export interface PostgresBackendResult {
  /** Kept in the new server's simulation state, e.g. how a local runtime connects to the restored database. */
  sim?: Record<string, unknown>;
}

/**
 * What a real PostgreSQL behind the emulated servers would implement (this module implements
 * none of it). Attach one per emulator with `attachPostgresBackend(core, backend)`.
 */
export interface PostgresBackend {
  /**
   * Performs a point-in-time restore for real. It is awaited once the emulator has validated the
   * request and before it answers 202; if it rejects, the create operation reports `Failed` with
   * the error and the new server goes away.
   */
  restore?(request: PostgresRestoreRequest): PostgresBackendResult | void | Promise<PostgresBackendResult | void>;
  /** Told when a server is gone (at the completion of its delete operation); not awaited, errors ignored. */
  deleted?(server: StoredResource, core: EmulatorCore): void | Promise<void>;
  /** Where the database behind a server listens locally (the emulator's stand-in for the server's DNS name). */
  connection?(server: StoredResource): { host: string; port: number } | undefined;
}

const backends = new WeakMap<EmulatorCore, PostgresBackend>();

/** Attaches a backend to an emulator; the returned function detaches it. */
export function attachPostgresBackend(core: EmulatorCore, backend: PostgresBackend): () => void {
  backends.set(core, backend);
  return () => {
    if (backends.get(core) === backend) backends.delete(core);
  };
}

export function postgresBackend(core: EmulatorCore): PostgresBackend | undefined {
  return backends.get(core);
}

// ---------------------------------------------------------------------------------------------
// Helpers

function propertiesOf(resource: { arm: ArmResource }): Json {
  resource.arm.properties ??= {};
  return resource.arm.properties;
}

function emit(core: EmulatorCore, kind: "write" | "delete", resourceId: string, resourceType: string, operationName: string): void {
  core.store.emitChange({ kind, resourceId, resourceType, operationName, at: core.nowIso() });
}

// ---------------------------------------------------------------------------------------------
// Backups and the restore window

function createdAtMs(server: StoredResource): number {
  const created = asString(server.sim.createdAt) ?? asString(asObject(server.arm.systemData)?.createdAt);
  const ms = created === undefined ? Number.NaN : Date.parse(created);
  return Number.isNaN(ms) ? 0 : ms;
}

function retentionDays(server: StoredResource): number {
  return asNumber(asObject(propertiesOf(server).backup)?.backupRetentionDays) ?? MIN_RETENTION_DAYS;
}

/** Completion times of the automatic backups still kept, oldest first. */
function backupTimes(server: StoredResource, nowMs: number): number[] {
  const first = createdAtMs(server) + FIRST_BACKUP_DELAY_MS;
  const windowStart = nowMs - retentionDays(server) * DAY_MS;
  const times: number[] = [];
  for (let k = Math.max(0, Math.ceil((windowStart - first) / DAY_MS)); first + k * DAY_MS <= nowMs; k += 1) times.push(first + k * DAY_MS);
  return times;
}

/** The earliest instant a point-in-time restore may target. */
function earliestRestoreMs(server: StoredResource, nowMs: number): number {
  return Math.max(createdAtMs(server) + FIRST_BACKUP_DELAY_MS, nowMs - retentionDays(server) * DAY_MS);
}

function backupName(completedMs: number): string {
  return `backup_${(BigInt(completedMs) * 10_000n + TICKS_AT_EPOCH).toString()}`;
}

function backupBody(server: StoredResource, completedMs: number): Json {
  const name = backupName(completedMs);
  return {
    id: `${server.arm.id}/backups/${name}`,
    name,
    type: BACKUP_TYPE,
    properties: { backupType: "Full", source: "Automatic", completedTime: new Date(completedMs).toISOString() },
  };
}

// ---------------------------------------------------------------------------------------------
// Materialising servers and firewall rules

function storageOf(sent: Json | undefined, previous: Json | undefined): Json {
  const merged: Json = { ...(previous ?? {}), ...(sent ?? {}) };
  const storageSizeGB = asNumber(merged.storageSizeGB) ?? 128;
  const type = typeof merged.type === "string" ? merged.type : "";
  const storage: Json = { ...merged, type, storageSizeGB, autoGrow: asString(merged.autoGrow) ?? "Disabled" };
  if (type === "PremiumV2_LRS") {
    storage.iops = asNumber(merged.iops) ?? 3000;
    storage.throughput = asNumber(merged.throughput) ?? 125;
    delete storage.tier;
  } else {
    const [, tier, iops] = STORAGE_TIERS.find(([size]) => size >= storageSizeGB) ?? STORAGE_TIERS.at(-1) ?? [0, "P80", 20000];
    const sentTier = asString(sent?.tier);
    storage.tier = sentTier ?? (sent?.storageSizeGB !== undefined ? tier : (asString(previous?.tier) ?? tier));
    storage.iops = asNumber(sent?.iops) ?? (sent?.storageSizeGB !== undefined ? iops : (asNumber(previous?.iops) ?? iops));
  }
  return storage;
}

function networkOf(sent: Json | undefined, previous: Json | undefined): Json {
  const merged: Json = { ...(previous ?? {}), ...(sent ?? {}) };
  const delegated = asString(merged.delegatedSubnetResourceId) !== undefined;
  return { ...merged, publicNetworkAccess: asString(merged.publicNetworkAccess) ?? (delegated ? "Disabled" : "Enabled") };
}

function identityOf(id: string, sent: Json | undefined, core: EmulatorCore): Json | undefined {
  if (!sent) return undefined;
  const type = asString(sent.type) ?? "None";
  const identity: Json = { ...sent, type };
  const assigned = asObject(sent.userAssignedIdentities);
  if (assigned) {
    identity.userAssignedIdentities = Object.fromEntries(
      Object.keys(assigned).map((key) => [key, { principalId: stableGuid(`${key}/principal`), clientId: stableGuid(`${key}/client`) }]),
    );
  }
  if (type.includes("SystemAssigned")) {
    identity.principalId = stableGuid(`${id}/principal`);
    identity.tenantId = core.tenantId;
  }
  return identity;
}

function materialiseServer(input: MaterialiseInput): StoredResource {
  const { id, name, body, existing, core } = input;
  const previous = existing ? propertiesOf(existing) : {};
  const sent = asObject(body.properties) ?? {};
  // Create-time and write-only fields are not part of the resource ARM returns.
  const {
    createMode: _createMode,
    sourceServerResourceId: _source,
    pointInTimeUTC: _pointInTime,
    administratorLoginPassword: _password,
    ...writable
  } = sent;
  const createMode = (asString(sent.createMode) ?? "").toLowerCase();
  ensureAutomaticStart(core);
  const location = normaliseLocation(asString(body.location) ?? existing?.arm.location ?? "westeurope");
  const version = asString(writable.version) ?? asString(previous.version) ?? "17";
  const availabilityZone = asString(writable.availabilityZone) ?? asString(previous.availabilityZone) ?? "1";
  const sentAuth = asObject(writable.authConfig);
  const auth: Json = { ...(asObject(previous.authConfig) ?? {}), ...(sentAuth ?? {}) };
  const authConfig: Json = {
    ...auth,
    activeDirectoryAuth: asString(auth.activeDirectoryAuth) ?? "Disabled",
    passwordAuth: asString(auth.passwordAuth) ?? "Enabled",
  };
  if (authConfig.activeDirectoryAuth === "Enabled") authConfig.tenantId = asString(auth.tenantId) ?? core.tenantId;
  const dataEncryption: Json = { ...(asObject(previous.dataEncryption) ?? {}), ...(asObject(writable.dataEncryption) ?? {}) };
  dataEncryption.type = asString(dataEncryption.type) ?? "SystemManaged";
  if (dataEncryption.type === "AzureKeyVault") dataEncryption.primaryEncryptionKeyStatus = "Valid";
  const backupSent: Json = { ...(asObject(previous.backup) ?? {}), ...(asObject(writable.backup) ?? {}) };
  const haSent: Json = { ...(asObject(previous.highAvailability) ?? {}), ...(asObject(writable.highAvailability) ?? {}) };
  const haMode = asString(haSent.mode) ?? "Disabled";
  const highAvailability: Json =
    haMode === "Disabled"
      ? { mode: "Disabled", state: "NotEnabled" }
      : {
          mode: haMode,
          state: "Healthy",
          standbyAvailabilityZone:
            asString(haSent.standbyAvailabilityZone) ?? (haMode === "SameZone" ? availabilityZone : availabilityZone === "1" ? "2" : "1"),
        };
  const createdAt =
    asString(input.sim?.createdAt) ??
    asString(existing?.sim.createdAt) ??
    new Date(core.clock.nowMs() - ESTATE_SERVER_AGE_DAYS * DAY_MS).toISOString();

  const properties: Json = {
    ...previous,
    ...writable,
    replica: replicaOf(createMode, previous),
    storage: storageOf(asObject(writable.storage), asObject(previous.storage)),
    network: networkOf(asObject(writable.network), asObject(previous.network)),
    privateEndpointConnections: Array.isArray(previous.privateEndpointConnections) ? previous.privateEndpointConnections : [],
    dataEncryption,
    authConfig,
    fullyQualifiedDomainName: `${name}.postgres.database.azure.com`,
    version,
    minorVersion:
      asString(writable.minorVersion) ??
      (version === asString(previous.version) ? asString(previous.minorVersion) : undefined) ??
      MINOR_VERSIONS[version] ??
      "0",
    // A write does not start a stopped server.
    state: asString(previous.state) === "Stopped" ? "Stopped" : "Ready",
    availabilityZone,
    backup: {
      backupRetentionDays: asNumber(backupSent.backupRetentionDays) ?? MIN_RETENTION_DAYS,
      geoRedundantBackup: asString(backupSent.geoRedundantBackup) ?? "Disabled",
      earliestRestoreDate: createdAt,
    },
    highAvailability,
    maintenanceWindow: asObject(writable.maintenanceWindow) ??
      asObject(previous.maintenanceWindow) ?? { customWindow: "Disabled", dayOfWeek: 0, startHour: 0, startMinute: 0 },
    replicationRole: asString(replicaOf(createMode, previous).role) ?? "Primary",
    replicaCapacity: 5,
  };
  const source = asString(sent.sourceServerResourceId) ?? asString(previous.sourceServerResourceId);
  if (createMode === "replica" && source !== undefined) properties.sourceServerResourceId = source;
  else if (asString(previous.sourceServerResourceId) === undefined) delete properties.sourceServerResourceId;
  const arm: ArmResource = {
    id: existing?.arm.id ?? id,
    name: existing?.arm.name ?? name,
    type: SERVER_TYPE,
    location,
    tags: asObject(body.tags) ? (body.tags as Record<string, string>) : (existing?.arm.tags ?? {}),
    sku: asObject(body.sku) ?? asObject(existing?.arm.sku) ?? { name: "Standard_D2ds_v5", tier: "GeneralPurpose" },
    systemData: { createdAt, lastModifiedAt: core.nowIso() },
    properties,
  };
  const identity = identityOf(id, asObject(body.identity), core) ?? asObject(existing?.arm.identity);
  if (identity) arm.identity = identity;
  const server: StoredResource = { arm, sim: { ...(existing?.sim ?? {}), ...(input.sim ?? {}), createdAt } };
  refreshBackupWindow(server, core.clock.nowMs());
  return server;
}

/** A read replica (made with `createMode: Replica`) stays one; any other server is a primary. */
function replicaOf(createMode: string, previous: Json): Json {
  const role = asString(asObject(previous.replica)?.role) ?? (createMode === "replica" ? "AsyncReplica" : "Primary");
  return role === "Primary" ? { role, capacity: 5 } : { role, capacity: 5, replicationState: "Active" };
}

function refreshBackupWindow(server: StoredResource, nowMs: number): void {
  const backup = asObject(propertiesOf(server).backup);
  if (backup) backup.earliestRestoreDate = new Date(earliestRestoreMs(server, nowMs)).toISOString();
}

/** The server as ARM returns it (its restore window moves with the clock). */
function serverBody(core: EmulatorCore, server: StoredResource): ArmResource {
  refreshBackupWindow(server, core.clock.nowMs());
  return server.arm;
}

function materialiseFirewallRule(input: MaterialiseInput): StoredResource {
  const { id, name, body, existing } = input;
  const properties = { ...(existing ? propertiesOf(existing) : {}), ...(asObject(body.properties) ?? {}) };
  return {
    arm: { id: existing?.arm.id ?? id, name: existing?.arm.name ?? name, type: FIREWALL_RULE_TYPE, properties },
    sim: { ...(existing?.sim ?? {}), ...(input.sim ?? {}) },
  };
}

export function postgresTypes(): ResourceTypeHandler[] {
  return [
    { type: SERVER_TYPE, materialise: materialiseServer },
    { type: FIREWALL_RULE_TYPE, materialise: materialiseFirewallRule },
  ];
}

// ---------------------------------------------------------------------------------------------
// Validation

function requireObjectBody(body: unknown): Json {
  const object = asObject(body);
  if (!object) throw badRequest("The request content was invalid and could not be deserialized: the body must be a JSON object.");
  if (object.properties !== undefined && !asObject(object.properties)) throw badRequest("The 'properties' property must be an object.");
  return object;
}

function validateBackupSettings(sent: Json, existing: StoredResource | undefined): void {
  const backup = asObject(sent.backup);
  const retention = backup?.backupRetentionDays;
  if (retention !== undefined) {
    if (typeof retention !== "number" || !Number.isInteger(retention) || retention < MIN_RETENTION_DAYS || retention > MAX_RETENTION_DAYS) {
      throw badRequest(
        `The backup retention period must be a whole number of days from ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}; got ${JSON.stringify(retention)}.`,
        "InvalidBackupRetentionDays",
      );
    }
  }
  const geo = asString(backup?.geoRedundantBackup);
  if (existing && geo !== undefined) {
    const current = asString(asObject(propertiesOf(existing).backup)?.geoRedundantBackup) ?? "Disabled";
    if (geo.toLowerCase() !== current.toLowerCase()) {
      throw badRequest(
        `Geo-redundant backup can only be chosen when a server is created; server '${existing.arm.name}' has it ${current}.`,
        "GeoRedundantBackupChangeNotAllowed",
      );
    }
  }
}

function refuseWhileBusy(server: StoredResource, operation: string): void {
  const state = asString(propertiesOf(server).state) ?? "Ready";
  if (BUSY_STATES.has(state.toLowerCase())) {
    throw new ArmError(
      409,
      "AnotherOperationInProgress",
      `Operation '${operation}' is not allowed: server '${server.arm.name}' is ${state}. Please retry after the operation in progress completes.`,
    );
  }
}

interface RestorePlan {
  source: StoredResource;
  pointInTime: Date;
  body: Json;
}

/** Checks a point-in-time restore request and returns the new server's body, inherited from its source. */
function planRestore(core: EmulatorCore, body: Json, sent: Json): RestorePlan {
  const sourceId = asString(sent.sourceServerResourceId);
  if (sourceId === undefined) {
    throw badRequest("'sourceServerResourceId' is required when 'createMode' is 'PointInTimeRestore'.", "BadRequest");
  }
  let parsedType: string | undefined;
  try {
    parsedType = parseArmId(sourceId).type;
  } catch {
    parsedType = undefined;
  }
  const source = core.store.get(sourceId);
  if (parsedType?.toLowerCase() !== SERVER_TYPE.toLowerCase() || !source || source.arm.type.toLowerCase() !== SERVER_TYPE.toLowerCase()) {
    throw badRequest(`The source server '${sourceId}' of the point-in-time restore does not exist.`, "BadRequest");
  }
  const pointText = asString(sent.pointInTimeUTC);
  const pointMs = pointText === undefined ? Number.NaN : Date.parse(pointText);
  if (Number.isNaN(pointMs)) {
    throw badRequest("'pointInTimeUTC' must be an ISO 8601 time when 'createMode' is 'PointInTimeRestore'.", "BadRequest");
  }
  const nowMs = core.clock.nowMs();
  if (pointMs > nowMs) {
    throw badRequest(
      `The restore point ${new Date(pointMs).toISOString()} is in the future: the current time is ${new Date(nowMs).toISOString()}.`,
      "BadRequest",
    );
  }
  const earliest = earliestRestoreMs(source, nowMs);
  if (pointMs < earliest) {
    throw badRequest(
      `The restore point ${new Date(pointMs).toISOString()} is outside the backup retention of server '${source.arm.name}' ` +
        `(${retentionDays(source)} days): the earliest restore point is ${new Date(earliest).toISOString()}.`,
      "BadRequest",
    );
  }
  const sourceLocation = source.arm.location ?? "westeurope";
  const location = asString(body.location);
  if (location !== undefined && normaliseLocation(location) !== normaliseLocation(sourceLocation)) {
    throw badRequest(
      `A point-in-time restore creates the server in the source's region (${sourceLocation}), not in ${location}: use a geo-restore for another region.`,
      "BadRequest",
    );
  }
  const from = propertiesOf(source);
  const sourceBackup = asObject(from.backup) ?? {};
  const properties: Json = {
    version: from.version,
    minorVersion: from.minorVersion,
    storage: structuredClone(from.storage),
    network: structuredClone(from.network),
    authConfig: structuredClone(from.authConfig),
    dataEncryption: structuredClone(from.dataEncryption),
    backup: { backupRetentionDays: sourceBackup.backupRetentionDays, geoRedundantBackup: sourceBackup.geoRedundantBackup },
  };
  if (from.administratorLogin !== undefined) properties.administratorLogin = from.administratorLogin;
  if (asString(sent.availabilityZone) !== undefined) properties.availabilityZone = sent.availabilityZone;
  const restored: Json = {
    location: sourceLocation,
    tags: { ...(source.arm.tags ?? {}), ...(asObject(body.tags) ?? {}) },
    sku: structuredClone(source.arm.sku),
    properties,
  };
  return { source, pointInTime: new Date(pointMs), body: restored };
}

// ---------------------------------------------------------------------------------------------
// Routes

const RG_PATH = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}";
const SERVER_PATH = `${RG_PATH}/providers/Microsoft.DBforPostgreSQL/flexibleServers/{serverName}`;
const RULE_PATH = `${SERVER_PATH}/firewallRules/{firewallRuleName}`;

function serverId(ctx: RouteContext): string {
  return `${resourceGroupId(ctx.params.subscriptionId as string, ctx.params.resourceGroupName as string)}/providers/${SERVER_TYPE}/${ctx.params.serverName}`;
}

function findServer(core: EmulatorCore, id: string): StoredResource | undefined {
  const found = core.store.get(id);
  return found && found.arm.type.toLowerCase() === SERVER_TYPE.toLowerCase() ? found : undefined;
}

function requireServer(ctx: RouteContext): StoredResource {
  return ctx.core.store.require(serverId(ctx), SERVER_TYPE);
}

async function createOrUpdateServer(ctx: RouteContext): Promise<RouteResult> {
  const { core } = ctx;
  const subscriptionId = ctx.params.subscriptionId as string;
  const resourceGroup = ctx.params.resourceGroupName as string;
  core.store.requireGroup(subscriptionId, resourceGroup);
  const body = requireObjectBody(ctx.body);
  const sent = asObject(body.properties) ?? {};
  const id = serverId(ctx);
  const existing = core.store.get(id);
  if (existing && existing.arm.type.toLowerCase() !== SERVER_TYPE.toLowerCase()) {
    throw new ArmError(409, "Conflict", `A resource of type '${existing.arm.type}' already has the id '${id}'.`);
  }
  const createMode = asString(sent.createMode) ?? "Default";
  const mode = createMode.toLowerCase();
  if (!["default", "create", "update", "pointintimerestore"].includes(mode)) {
    throw badRequest(
      `createMode '${createMode}' is not supported by the emulator (Create, Update and PointInTimeRestore are).`,
      "BadRequest",
    );
  }
  if (existing && mode === "pointintimerestore") {
    throw new ArmError(
      409,
      "Conflict",
      `Server '${existing.arm.name}' already exists: a point-in-time restore always creates a new server; choose another name.`,
    );
  }
  if (!existing && mode === "update") throw new ArmError(404, "ResourceNotFound", `The Resource '${id}' was not found.`);
  if (existing) refuseWhileBusy(existing, "write");
  validateBackupSettings(sent, existing);

  const requested = ctx.params.serverName as string;
  const name = existing?.arm.name ?? requested;
  const location = asString(body.location) ?? existing?.arm.location;
  let writeBody: Json = body;
  let restore: RestorePlan | undefined;
  let failure: ArmError | undefined;
  let backendSim: Record<string, unknown> = {};
  if (mode === "pointintimerestore") {
    restore = planRestore(core, body, sent);
    writeBody = restore.body;
    const backend = postgresBackend(core);
    if (backend?.restore) {
      try {
        const result = await backend.restore({
          core,
          source: restore.source,
          target: { id, name, resourceGroup, location: asString(writeBody.location) ?? "westeurope" },
          pointInTime: restore.pointInTime,
        });
        backendSim = result?.sim ?? {};
      } catch (error) {
        failure =
          error instanceof ArmError ? error : new ArmError(500, "InternalServerError", `The restore failed: ${(error as Error).message}`);
      }
    }
  } else if (location === undefined) {
    throw badRequest("The 'location' property is required for this definition.", "LocationRequired");
  }

  const sim: Record<string, unknown> = {
    ...backendSim,
    ...(existing ? {} : { createdAt: core.nowIso() }),
    ...(restore ? { restore: { sourceServerResourceId: restore.source.arm.id, pointInTimeUTC: restore.pointInTime.toISOString() } } : {}),
  };
  // The server is there at once, provisioning (or updating); its write completes with the operation.
  const pending = core.materialise(SERVER_TYPE, { id, name, body: writeBody, sim, ...(existing ? { existing } : {}) });
  propertiesOf(pending).state = existing ? "Updating" : "Provisioning";
  if (existing) propertiesOf(existing).state = "Updating";
  else core.store.put(pending);

  return core.lro.start(
    {
      subscriptionId,
      provider: PROVIDER,
      location: pending.arm.location ?? "westeurope",
      complete: () => {
        const current = findServer(core, id);
        if (failure) {
          if (!existing && current) core.store.delete(id);
          else if (current) propertiesOf(current).state = "Ready";
          throw failure;
        }
        const server = core.materialise(SERVER_TYPE, { id, name, body: writeBody, ...(current ? { existing: current } : { sim }) });
        core.store.put(server);
        emit(core, "write", server.arm.id, SERVER_TYPE, `${SERVER_TYPE}/write`);
        return serverBody(core, server);
      },
    },
    ctx.baseUrl,
  );
}

function deleteServer(ctx: RouteContext): RouteResult {
  const { core } = ctx;
  const id = serverId(ctx);
  const server = findServer(core, id);
  if (!server) {
    core.store.requireGroup(ctx.params.subscriptionId as string, ctx.params.resourceGroupName as string);
    return { status: 204 };
  }
  refuseWhileBusy(server, "delete");
  propertiesOf(server).state = "Dropping";
  return core.lro.start(
    {
      subscriptionId: ctx.params.subscriptionId as string,
      provider: PROVIDER,
      location: server.arm.location ?? "westeurope",
      complete: () => {
        const current = findServer(core, id);
        if (!current) return undefined;
        core.store.delete(id);
        emit(core, "delete", current.arm.id, SERVER_TYPE, `${SERVER_TYPE}/delete`);
        const backend = postgresBackend(core);
        if (backend?.deleted) {
          // A backend's clean-up is its own business: the emulated delete has happened either way.
          Promise.resolve()
            .then(() => backend.deleted?.(current, core))
            .catch(() => undefined);
        }
        return undefined;
      },
    },
    ctx.baseUrl,
  );
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function ipValue(address: string): number {
  return address.split(".").reduce((total, part) => total * 256 + Number(part), 0);
}

function validateRule(name: string, body: Json): Json {
  if (!/^[-\w.]{1,128}$/.test(name)) throw badRequest(`Firewall rule name '${name}' is invalid.`, "InvalidFirewallRuleName");
  const properties = asObject(body.properties) ?? {};
  const start = properties.startIpAddress;
  const end = properties.endIpAddress;
  for (const [field, value] of [
    ["startIpAddress", start],
    ["endIpAddress", end],
  ] as const) {
    if (typeof value !== "string" || !IPV4.test(value)) {
      throw badRequest(`'properties.${field}' must be an IPv4 address; got ${JSON.stringify(value ?? null)}.`, "InvalidParameterValue");
    }
  }
  if (ipValue(start as string) > ipValue(end as string)) {
    throw badRequest(
      `The firewall rule's start address ${String(start)} is after its end address ${String(end)}.`,
      "InvalidParameterValue",
    );
  }
  return { properties: { startIpAddress: start, endIpAddress: end } };
}

function ruleOf(ctx: RouteContext, server: StoredResource): StoredResource | undefined {
  const found = ctx.core.store.get(`${server.arm.id}/firewallRules/${ctx.params.firewallRuleName}`);
  return found && found.arm.type.toLowerCase() === FIREWALL_RULE_TYPE.toLowerCase() ? found : undefined;
}

function createOrUpdateRule(ctx: RouteContext): RouteResult {
  const { core } = ctx;
  const server = requireServer(ctx);
  const requested = ctx.params.firewallRuleName as string;
  const body = validateRule(requested, requireObjectBody(ctx.body));
  const existing = ruleOf(ctx, server);
  const id = existing?.arm.id ?? `${server.arm.id}/firewallRules/${requested}`;
  const name = existing?.arm.name ?? requested;
  return core.lro.start(
    {
      subscriptionId: ctx.params.subscriptionId as string,
      provider: PROVIDER,
      location: server.arm.location ?? "westeurope",
      complete: () => {
        if (!findServer(core, server.arm.id))
          throw new ArmError(404, "ResourceNotFound", `The server '${server.arm.id}' no longer exists.`);
        const current = core.store.get(id);
        const rule = core.materialise(FIREWALL_RULE_TYPE, { id, name, body, ...(current ? { existing: current } : {}) });
        core.store.put(rule);
        emit(core, "write", rule.arm.id, FIREWALL_RULE_TYPE, `${FIREWALL_RULE_TYPE}/write`);
        return rule.arm;
      },
    },
    ctx.baseUrl,
  );
}

function deleteRule(ctx: RouteContext): RouteResult {
  const { core } = ctx;
  const server = requireServer(ctx);
  const rule = ruleOf(ctx, server);
  if (!rule) return { status: 204 };
  return core.lro.start(
    {
      subscriptionId: ctx.params.subscriptionId as string,
      provider: PROVIDER,
      location: server.arm.location ?? "westeurope",
      complete: () => {
        if (core.store.delete(rule.arm.id)) emit(core, "delete", rule.arm.id, FIREWALL_RULE_TYPE, `${FIREWALL_RULE_TYPE}/delete`);
        return undefined;
      },
    },
    ctx.baseUrl,
  );
}

export function postgresRoutes(): RouteDefinition[] {
  return [
    {
      method: "GET",
      pattern: "/subscriptions/{subscriptionId}/providers/Microsoft.DBforPostgreSQL/flexibleServers",
      name: "flexibleServers.listBySubscription",
      handler: (ctx) => {
        const servers = ctx.core.store.list({ subscriptionId: ctx.params.subscriptionId as string, type: SERVER_TYPE });
        return pagedList(
          ctx,
          servers.map((server) => serverBody(ctx.core, server)),
        );
      },
    },
    {
      method: "GET",
      pattern: `${RG_PATH}/providers/Microsoft.DBforPostgreSQL/flexibleServers`,
      name: "flexibleServers.listByResourceGroup",
      handler: (ctx) => {
        const subscriptionId = ctx.params.subscriptionId as string;
        const resourceGroup = ctx.params.resourceGroupName as string;
        ctx.core.store.requireGroup(subscriptionId, resourceGroup);
        const servers = ctx.core.store.list({ subscriptionId, resourceGroup, type: SERVER_TYPE });
        return pagedList(
          ctx,
          servers.map((server) => serverBody(ctx.core, server)),
        );
      },
    },
    {
      method: "GET",
      pattern: SERVER_PATH,
      name: "flexibleServers.get",
      handler: (ctx) => ({ status: 200, body: serverBody(ctx.core, requireServer(ctx)) }),
    },
    { method: "PUT", pattern: SERVER_PATH, name: "flexibleServers.create", handler: createOrUpdateServer },
    { method: "DELETE", pattern: SERVER_PATH, name: "flexibleServers.delete", handler: deleteServer },
    ...postgresPowerRoutes(SERVER_PATH),
    {
      method: "GET",
      pattern: `${SERVER_PATH}/backups`,
      name: "flexibleServers.backups.listByServer",
      handler: (ctx) => {
        const server = requireServer(ctx);
        return pagedList(
          ctx,
          backupTimes(server, ctx.core.clock.nowMs()).map((time) => backupBody(server, time)),
        );
      },
    },
    {
      method: "GET",
      pattern: `${SERVER_PATH}/backups/{backupName}`,
      name: "flexibleServers.backups.get",
      handler: (ctx) => {
        const server = requireServer(ctx);
        const wanted = (ctx.params.backupName as string).toLowerCase();
        const time = backupTimes(server, ctx.core.clock.nowMs()).find((candidate) => backupName(candidate) === wanted);
        if (time === undefined)
          throw new ArmError(404, "ResourceNotFound", `Backup '${ctx.params.backupName}' of server '${server.arm.name}' was not found.`);
        return { status: 200, body: backupBody(server, time) };
      },
    },
    {
      method: "GET",
      pattern: `${SERVER_PATH}/firewallRules`,
      name: "flexibleServers.firewallRules.listByServer",
      handler: (ctx) => {
        const server = requireServer(ctx);
        return pagedList(
          ctx,
          ctx.core.store.children(server.arm.id, FIREWALL_RULE_TYPE).map((rule) => rule.arm),
        );
      },
    },
    {
      method: "GET",
      pattern: RULE_PATH,
      name: "flexibleServers.firewallRules.get",
      handler: (ctx) => {
        const server = requireServer(ctx);
        const rule = ruleOf(ctx, server);
        if (!rule) {
          throw new ArmError(
            404,
            "ResourceNotFound",
            `The Resource '${FIREWALL_RULE_TYPE}/${server.arm.name}/${ctx.params.firewallRuleName}' under resource group '${ctx.params.resourceGroupName}' was not found.`,
          );
        }
        return { status: 200, body: rule.arm };
      },
    },
    { method: "PUT", pattern: RULE_PATH, name: "flexibleServers.firewallRules.createOrUpdate", handler: createOrUpdateRule },
    { method: "DELETE", pattern: RULE_PATH, name: "flexibleServers.firewallRules.delete", handler: deleteRule },
  ];
}

/** Control route (not an Azure operation): where the database behind a server listens locally. */
export function postgresAdminRoutes(): RouteDefinition[] {
  return [
    {
      method: "GET",
      pattern: "/_emulator/postgres/{serverName}",
      name: "admin.postgres.connection",
      handler: ({ core, params }) => {
        const name = (params.serverName ?? "").toLowerCase().replace(/\.postgres\.database\.azure\.com$/, "");
        const server = core.store.list({ type: SERVER_TYPE }).find((candidate) => candidate.arm.name.toLowerCase() === name);
        const connection = server ? postgresBackend(core)?.connection?.(server) : undefined;
        if (!server || !connection) throw new ArmError(404, "NotFound", `No database runs behind a server named '${params.serverName}'.`);
        return { status: 200, body: { host: connection.host, port: connection.port } };
      },
    },
  ];
}
