/**
 * The activities of restore drills: all their I/O (Azure through the PostgreSQL management
 * client, the databases through pg, the audit trail). Each is safe to run twice: a restore
 * already requested is found, not requested again; a server already gone is deleted; a record
 * keeps one entry per drill. Inputs and outputs are plain JSON (a poller travels as its
 * serialised state).
 */
import { platformOf } from "../../shared/platform.ts";
import { drillAlert } from "../../shared/notifications/alerts.ts";
import { sendNotification } from "../../shared/notifications/send.ts";
import type { PostgreSQLManagementFlexibleServerClient, Server } from "@azure/arm-postgresql-flexible";
import type pg from "pg";
import { type AuditRecord, GOVERNOR_ACTOR } from "../../shared/audit/record.ts";
import { postgresClient } from "../../shared/azure/clients.ts";
import { parseResourceId, subscriptionOfId } from "../../shared/azure/resourceId.ts";
import type { AzureTarget } from "../../shared/azure/target.ts";
import { now } from "../../shared/clock.ts";
import type { GovernorConfig } from "../../shared/config.ts";
import { connectionConfig, withDatabase } from "../../shared/drills/connect.ts";
import { keyTableCounts, newestHeartbeat, recoveryPointEvidence, writeHeartbeat } from "../../shared/drills/heartbeat.ts";
import {
  DRILL_LIFETIME_MS,
  DRILL_TAGS,
  isDrillCopyOf,
  drillOptions,
  drillServerName,
  drillTags,
  isExpiredDrillServer,
  restorePoint,
} from "../../shared/drills/drillOptions.ts";
import { drillAuditRecord, drillRecord, type DrillFacts, type DrillRecord } from "../../shared/drills/record.ts";
import type { SourceExpectations } from "../../shared/drills/types.ts";
import { runChecks, unreachable } from "../../shared/drills/verify.ts";
import { restoreDrillAction } from "../../shared/actions/restoreDrill.ts";
import { formatDuration } from "../../shared/time/duration.ts";
import type { DrillSweepResult } from "../drillSweeper.ts";
import type { HeartbeatResult } from "../drillHeartbeat.ts";
import { registerActivity } from "../calls.ts";
import { ACTIVITIES } from "../names.ts";
import type { DrillInput, DrillPreparation, RestoreProgress, RestoreStarted, Teardown, Verification } from "../restoreDrill.ts";
import { dependencies, targetOf } from "./remediation.activities.ts";

const SERVER_TYPE = "microsoft.dbforpostgresql/flexibleservers";
const FIREWALL_RULE = "governor-drill";

function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The platform's poll interval (against the emulator, quick: its clock is virtual); in Azure, the drill's durable timers set the pace. */
function lroOptions(config: GovernorConfig): { updateIntervalInMs?: number } {
  const { pollIntervalMs } = platformOf(config);
  return pollIntervalMs === undefined ? {} : { updateIntervalInMs: pollIntervalMs };
}

async function getServer(client: PostgreSQLManagementFlexibleServerClient, id: string): Promise<Server | undefined> {
  const { resourceGroup, name } = parseResourceId(id);
  try {
    return await client.servers.get(resourceGroup, name);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Why Governor may not create a drill server now (kill switch, dry run), if it may not. Deleting one is always allowed. */
function changesStopped(config: GovernorConfig): string | undefined {
  if (config.killSwitch) return "the kill switch is on: no drill server is created";
  if (config.dryRun) return "dry run: no drill server is created";
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Prepare: the restore point, the drill server, and what the restored database must match

/** The source's database uuid and key-table counts (or its newest heartbeat's), read before the restore. */
async function sourceExpectations(
  config: GovernorConfig,
  target: AzureTarget,
  server: DrillPreparation["server"],
  options: DrillPreparation["options"],
): Promise<{ expectations: SourceExpectations; note?: string }> {
  const expectations: SourceExpectations = { tolerancePercent: options.tolerancePercent };
  try {
    const clientConfig = await connectionConfig(config, target, server, options.database);
    await withDatabase(clientConfig, async (db) => {
      const uuid = await db.query<{ value: string }>("SELECT value FROM ir_config_parameter WHERE key = 'database.uuid'");
      if (uuid.rows[0]) expectations.databaseUuid = uuid.rows[0].value;
      expectations.counts = await keyTableCounts(db);
      expectations.countsFrom = "source-at-request";
    });
    return { expectations };
  } catch (error) {
    return { expectations, note: `the source database could not be read: ${message(error)}` };
  }
}

export async function prepareDrill(request: { instanceId: string; input: DrillInput }): Promise<DrillPreparation> {
  const { targets, config } = await dependencies();
  const at = now();
  const { name } = parseResourceId(request.input.serverId);
  // The drill server goes to the drill resource group of the source's own subscription: a point-in-time restore stays in its subscription.
  let target: AzureTarget | undefined;
  let ungoverned: string | undefined;
  try {
    target = targetOf(targets, request.input.serverId);
  } catch (error) {
    ungoverned = message(error);
  }
  const subscriptionId = target?.subscriptionId ?? subscriptionOfId(request.input.serverId) ?? config.subscriptionId;
  const runId = request.instanceId;
  const drillName = drillServerName(name, runId);
  const resourceGroup = config.drills.resourceGroup;
  const drillId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${drillName}`;
  const expiresAt = new Date(at.getTime() + DRILL_LIFETIME_MS).toISOString();
  const source = target ? await getServer(await postgresClient(target), request.input.serverId) : undefined;
  const tags = source?.tags ?? {};
  const options = drillOptions(request.input.args, { name, tags });
  const point = restorePoint(options, at, source?.backup?.earliestRestoreDate);
  const prep: DrillPreparation = {
    runId,
    server: {
      id: source?.id ?? request.input.serverId,
      name,
      ...(source?.fullyQualifiedDomainName ? { fullyQualifiedDomainName: source.fullyQualifiedDomainName } : {}),
      ...(source?.administratorLogin ? { administratorLogin: source.administratorLogin } : {}),
    },
    drillServer: { id: drillId, name: drillName, resourceGroup },
    options,
    restorePoint: options.restorePoint === "latest" ? "latest" : `${formatDuration(options.restorePoint.offsetMs)} before the drill`,
    pointInTime: point.pointInTime ?? at.toISOString(),
    requestedAt: at.toISOString(),
    expiresAt,
    tags: drillTags({ name, tags }, runId, expiresAt),
    expectations: { tolerancePercent: options.tolerancePercent },
  };
  if (ungoverned !== undefined) prep.refused = ungoverned;
  else if (!source || source.type?.toLowerCase() !== SERVER_TYPE) prep.refused = `no PostgreSQL flexible server ${request.input.serverId}`;
  else if (point.error !== undefined) prep.refused = point.error;
  else if (changesStopped(config) !== undefined) prep.skipped = changesStopped(config);
  if (target && prep.refused === undefined && prep.skipped === undefined)
    prep.expectations = (await sourceExpectations(config, target, prep.server, options)).expectations;
  // The RTO runs from the restore request: read the clock again after the source was read.
  prep.requestedAt = now().toISOString();
  return prep;
}

// ---------------------------------------------------------------------------------------------
// Restore

/** The settings and the target of the drill server's subscription (the source's): every step after the preparation works there. */
async function drillTarget(prep: DrillPreparation): Promise<{ config: GovernorConfig; target: AzureTarget }> {
  const { targets, config } = await dependencies();
  return { config, target: targetOf(targets, prep.drillServer.id) };
}

export async function startDrillRestore(prep: DrillPreparation): Promise<RestoreStarted> {
  const { config, target } = await drillTarget(prep);
  const client = await postgresClient(target);
  const started = performance.now();
  const seconds = (): number => Math.round(performance.now() - started) / 1000;
  // Checked when acting, not only when the drill was prepared: the switch may have been flipped since.
  const stopped = changesStopped(config);
  if (stopped !== undefined) return { requestSeconds: 0, skipped: stopped };
  // Delivered twice: the server is there already; its state says how far the restore is. A server
  // of that name that is not this drill's is not adopted (nor, later, deleted).
  const existing = await getServer(client, prep.drillServer.id);
  if (existing && !isDrillCopyOf(existing.tags, prep.runId)) {
    return { requestSeconds: seconds(), error: `a server named ${prep.drillServer.name} exists and is not this drill's` };
  }
  if (existing) return { requestSeconds: seconds() };
  try {
    const poller = await client.servers.beginCreateOrUpdate(
      prep.drillServer.resourceGroup,
      prep.drillServer.name,
      {
        location: (await getServer(client, prep.server.id))?.location ?? "westeurope",
        createMode: "PointInTimeRestore",
        sourceServerResourceId: prep.server.id,
        pointInTimeUTC: new Date(prep.pointInTime),
        tags: prep.tags,
      },
      lroOptions(config),
    );
    return { resumeFrom: poller.toString(), requestSeconds: seconds() };
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    // Azure refused the request itself (a bad restore point, a name taken): retrying will not help.
    if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
      return { requestSeconds: seconds(), error: `Azure refused the restore (${status}): ${message(error)}` };
    }
    throw error;
  }
}

export async function pollDrillRestore(request: { prep: DrillPreparation; resumeFrom?: string }): Promise<RestoreProgress> {
  const { config, target } = await drillTarget(request.prep);
  const client = await postgresClient(target);
  const { prep } = request;
  if (request.resumeFrom) {
    try {
      // Resuming sends no request: the parameters are not used.
      const poller = await client.servers.beginCreateOrUpdate(
        prep.drillServer.resourceGroup,
        prep.drillServer.name,
        { location: "" },
        {
          ...lroOptions(config),
          resumeFrom: request.resumeFrom,
        },
      );
      if (!poller.isDone()) return { state: "InProgress", resumeFrom: poller.toString(), at: now().toISOString() };
    } catch (error) {
      return { state: "Failed", error: message(error), at: now().toISOString() };
    }
  }
  const server = await getServer(client, prep.drillServer.id);
  const at = now().toISOString();
  if (!server) return { state: "Failed", error: `${prep.drillServer.name} does not exist`, at };
  if (server.state === "Ready") return { state: "Succeeded", at };
  return { state: "InProgress", at };
}

// ---------------------------------------------------------------------------------------------
// Access and verification

/** PITR does not copy firewall rules: open the drill server to Governor's outbound address, unless it is reached privately. */
export async function openDrillAccess(prep: DrillPreparation): Promise<string> {
  const { config, target } = await drillTarget(prep);
  const client = await postgresClient(target);
  const server = await getServer(client, prep.drillServer.id);
  if (server?.network?.delegatedSubnetResourceId || server?.network?.publicNetworkAccess === "Disabled") {
    return "private network: Governor reaches the drill server through its virtual network, no firewall rule";
  }
  const address = config.drills.outboundIp ?? platformOf(config).defaultOutboundIp;
  if (address === undefined) return "no firewall rule: GOVERNOR_OUTBOUND_IP is not set";
  await client.firewallRules.beginCreateOrUpdateAndWait(
    prep.drillServer.resourceGroup,
    prep.drillServer.name,
    FIREWALL_RULE,
    { startIpAddress: address, endIpAddress: address },
    lroOptions(config),
  );
  return `firewall rule ${FIREWALL_RULE} opens the drill server to ${address} only`;
}

export async function verifyDrill(prep: DrillPreparation): Promise<Verification> {
  const { config, target } = await drillTarget(prep);
  const client = await postgresClient(target);
  const started = performance.now();
  const server = await getServer(client, prep.drillServer.id);
  const address = {
    name: prep.drillServer.name,
    ...(server?.fullyQualifiedDomainName ? { fullyQualifiedDomainName: server.fullyQualifiedDomainName } : {}),
    ...(prep.server.administratorLogin ? { administratorLogin: prep.server.administratorLogin } : {}),
  };
  let verification: Omit<Verification, "verifiedAt" | "verifySeconds">;
  try {
    const clientConfig: pg.ClientConfig = await connectionConfig(config, target, address, prep.options.database);
    verification = await withDatabase(clientConfig, async (db) => {
      const heartbeat = await newestHeartbeat(db);
      const expectations: SourceExpectations = heartbeat
        ? { ...prep.expectations, counts: heartbeat.counts, countsFrom: "heartbeat" }
        : prep.expectations;
      const checks = await runChecks({ db, expectations }, prep.options.checks);
      return { checks, evidence: await recoveryPointEvidence(db, heartbeat) };
    });
  } catch (error) {
    verification = {
      checks: unreachable(prep.options.checks, message(error)),
      evidence: { method: "none", note: "the restored database could not be reached" },
    };
  }
  return { ...verification, verifiedAt: now().toISOString(), verifySeconds: Math.round(performance.now() - started) / 1000 };
}

// ---------------------------------------------------------------------------------------------
// Teardown, record, sweeper, heartbeat

async function deleteServer(client: PostgreSQLManagementFlexibleServerClient, config: GovernorConfig, id: string): Promise<void> {
  const { resourceGroup, name } = parseResourceId(id);
  await client.servers.beginDeleteAndWait(resourceGroup, name, lroOptions(config));
}

/** Deletes the drill server and confirms it is gone (a second delivery finds it gone: confirmed). */
export async function deleteDrillServer(prep: DrillPreparation): Promise<Teardown> {
  const { config, target } = await drillTarget(prep);
  const client = await postgresClient(target);
  // Re-read before deleting: only the server this drill created (its marker and run tags) is deleted.
  const current = await getServer(client, prep.drillServer.id);
  if (current && !isDrillCopyOf(current.tags, prep.runId)) {
    return {
      confirmed: false,
      note: `refused to delete ${prep.drillServer.name}: it is not this drill's server (no ${DRILL_TAGS.marker}: copy and ${DRILL_TAGS.run}: ${prep.runId} tags)`,
      at: now().toISOString(),
    };
  }
  try {
    await deleteServer(client, config, prep.drillServer.id);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 409) {
      return { confirmed: false, busy: true, note: `${prep.drillServer.name} is busy: ${message(error)}`, at: now().toISOString() };
    }
    throw error;
  }
  const left = await getServer(client, prep.drillServer.id);
  const at = now().toISOString();
  return left
    ? { confirmed: false, note: `${prep.drillServer.name} is still there (${left.state}) after its delete`, at }
    : { confirmed: true, note: `${prep.drillServer.name} deleted and confirmed gone`, at };
}

export async function recordDrill(request: {
  instanceId: string;
  trigger: { type: "timer" | "cli" | "manual"; id?: string };
  facts: DrillFacts;
}): Promise<DrillRecord> {
  const { trail, config } = await dependencies();
  const record = drillRecord(request.facts);
  const records: AuditRecord[] = [
    drillAuditRecord(record, { instanceId: request.instanceId, trigger: request.trigger, at: now().toISOString() }),
  ];
  if (record.outcome === "failed") {
    records.push({
      id: `${request.instanceId}:drill-notice`,
      at: now().toISOString(),
      kind: "notice",
      ...(record.policy === undefined ? {} : { policy: record.policy }),
      resourceId: record.server.id,
      action: "restore-drill",
      reason: `restore drill of ${record.server.name} failed: ${record.failures.join("; ")}`.slice(0, 8000),
      instanceId: request.instanceId,
      trigger: request.trigger,
      actor: GOVERNOR_ACTOR,
    });
  }
  await trail.append(records);
  // A failed drill (a check failed, RTO or RPO missed) is an alert: to the channel and the escalation recipients, at once.
  if (record.outcome === "failed")
    await sendNotification(drillAlert(request.instanceId, record), { config, trail, trigger: request.trigger });
  return record;
}

export async function sweepExpiredDrills(request: { instanceId: string }): Promise<DrillSweepResult> {
  const { targets, config, trail } = await dependencies();
  const at = now();
  const result: DrillSweepResult = { deleted: [], kept: [], failed: [] };
  // Every governed subscription's drill resource group: a drill server is in its source's subscription.
  const servers: Array<{ server: Server; client: PostgreSQLManagementFlexibleServerClient }> = [];
  for (const target of targets) {
    const client = await postgresClient(target);
    try {
      for await (const server of client.servers.listByResourceGroup(config.drills.resourceGroup)) servers.push({ server, client });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  for (const { server, client } of servers) {
    if (!server.id) continue;
    if (!isExpiredDrillServer(server.tags, at)) {
      if (server.tags?.["governor-drill"] === "copy") result.kept.push(server.id);
      continue;
    }
    try {
      await deleteServer(client, config, server.id);
      result.deleted.push(server.id);
    } catch (error) {
      result.failed.push({ id: server.id, error: message(error) });
    }
  }
  const records: AuditRecord[] = [
    ...result.deleted.map((id): AuditRecord => ({
      id: `${request.instanceId}:deleted:${id.toLowerCase()}`,
      at: at.toISOString(),
      kind: "action",
      resourceId: id,
      action: "delete",
      reason: `drill server ${parseResourceId(id).name} expired (${servers.find(({ server }) => server.id === id)?.server.tags?.["governor-drill-expires"]}) and was left behind by its drill: deleted by the drill sweeper`,
      instanceId: request.instanceId,
      trigger: { type: "timer", id: request.instanceId },
      actor: GOVERNOR_ACTOR,
      outcome: "applied",
    })),
    ...result.failed.map((failure): AuditRecord => ({
      id: `${request.instanceId}:failed:${failure.id.toLowerCase()}`,
      at: at.toISOString(),
      kind: "action",
      resourceId: failure.id,
      action: "delete",
      reason: `expired drill server could not be deleted: ${failure.error}`.slice(0, 8000),
      instanceId: request.instanceId,
      trigger: { type: "timer", id: request.instanceId },
      actor: GOVERNOR_ACTOR,
      outcome: "failed",
    })),
  ];
  if (records.length > 0) await trail.append(records);
  return result;
}

/** The servers a drill policy with `heartbeat` selects (by its conditions), with the database to write to. */
export async function writeDrillHeartbeats(): Promise<HeartbeatResult> {
  const { targets, config, policySet } = await dependencies();
  const result: HeartbeatResult = { written: [], failed: [] };
  const policies = policySet.policies.filter((policy) => policy.action.type === "restore-drill");
  if (policies.length === 0) return result;
  const [{ planAcross }, { builtinRegistry }] = await Promise.all([
    import("../../shared/planner.ts"),
    import("../../shared/policy/builtins.ts"),
  ]);
  const at = now();
  const evaluation = (await planAcross(targets, { ...policySet, policies }, at, builtinRegistry())).evaluation;
  const done = new Set<string>();
  for (const finding of evaluation.findings) {
    if (finding.verdict !== "remediate" || done.has(finding.resourceId.toLowerCase())) continue;
    const policy = policies.find((candidate) => candidate.name === finding.policy);
    const target = targetOf(targets, finding.resourceId);
    const server = await getServer(await postgresClient(target), finding.resourceId);
    if (!policy || !server) continue;
    const options = drillOptions(restoreDrillAction.parse?.(policy.action.args) ?? {}, {
      name: finding.resourceName,
      tags: server.tags ?? {},
    });
    if (!options.heartbeat) continue;
    done.add(finding.resourceId.toLowerCase());
    try {
      const address = {
        name: finding.resourceName,
        ...(server.fullyQualifiedDomainName ? { fullyQualifiedDomainName: server.fullyQualifiedDomainName } : {}),
        ...(server.administratorLogin ? { administratorLogin: server.administratorLogin } : {}),
      };
      const written = await withDatabase(await connectionConfig(config, target, address, options.database), (db) => writeHeartbeat(db, at));
      result.written.push({ serverId: finding.resourceId, at: written.at });
    } catch (error) {
      result.failed.push({ serverId: finding.resourceId, error: message(error) });
    }
  }
  return result;
}

/** The handles the drill workflows call these activities by. */
export const drillActivities = {
  prepareDrill: registerActivity(ACTIVITIES.prepareDrill, prepareDrill),
  startDrillRestore: registerActivity(ACTIVITIES.startDrillRestore, startDrillRestore),
  pollDrillRestore: registerActivity(ACTIVITIES.pollDrillRestore, pollDrillRestore),
  openDrillAccess: registerActivity(ACTIVITIES.openDrillAccess, openDrillAccess),
  verifyDrill: registerActivity(ACTIVITIES.verifyDrill, verifyDrill),
  deleteDrillServer: registerActivity(ACTIVITIES.deleteDrillServer, deleteDrillServer),
  recordDrill: registerActivity(ACTIVITIES.recordDrill, recordDrill),
  sweepExpiredDrills: registerActivity(ACTIVITIES.sweepExpiredDrills, sweepExpiredDrills),
  writeDrillHeartbeats: registerActivity(ACTIVITIES.writeDrillHeartbeats, writeDrillHeartbeats),
};
