/**
 * Restore drills end to end on the local runtime: the real orchestrator and activities, the
 * real PostgreSQL management client against the emulator, whose production server is a real
 * PostgreSQL with an Odoo-like database and continuous writes; a point-in-time restore is a real
 * one into a second server; the audit trail is in Azurite. One source per file, small data.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DrillSweepResult } from "../../orchestrations/drillSweeper.ts";
import { drillInstanceId } from "../../orchestrations/names.ts";
import type { DrillInput } from "../../orchestrations/restoreDrill.ts";
import { TableAuditTrail } from "../../shared/audit/trail.ts";
import { postgresClient } from "../../shared/azure/clients.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { writeHeartbeat } from "../../shared/drills/heartbeat.ts";
import type { DrillRecord } from "../../shared/drills/record.ts";
import type { RestoreDrillArgs } from "../../shared/actions/restoreDrill.ts";
import { finishWorkflows, type LocalApp, startLocalApp } from "../../local/localApp.ts";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const MINUTE_MS = 60_000;
const SERVER_TYPE = "Microsoft.DBforPostgreSQL/flexibleServers";

let app: LocalApp;
let workDir: string;
let prodId: string;
let runs = 0;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "governor-drills-"));
  app = await startLocalApp({
    workDir,
    taskHub: "DrillTests",
    logger: quiet,
    postgres: { size: { partners: 300, products: 200, moves: 2_000 }, writeIntervalMs: 200 },
  });
  prodId = app.emulator.core.store.list({ type: SERVER_TYPE }).find((server) => server.arm.name === "psql-odoo-prod")?.arm.id as string;
}, 120_000);

afterAll(async () => {
  await app?.close();
  rmSync(workDir, { recursive: true, force: true });
});

beforeEach(() => {
  if (app.postgres) app.postgres.afterRestore = undefined;
});

async function onSource<T>(use: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client(app.postgres?.connection(prodId));
  await db.connect();
  try {
    return await use(db);
  } finally {
    await db.end();
  }
}

async function drill(args: RestoreDrillArgs): Promise<{ record: DrillRecord; instanceId: string }> {
  runs += 1;
  const instanceId = drillInstanceId(prodId, `test-${runs}`);
  const input: DrillInput = { serverId: prodId, policy: "weekly-restore-drill", args, trigger: { type: "manual", id: "drill-tests" } };
  await app.runtime.startNew("restoreDrill", { instanceId, input });
  const [status] = await finishWorkflows(app, [instanceId]);
  expect(status?.runtimeStatus, JSON.stringify(status?.output)).toBe("Completed");
  return { record: status?.output as DrillRecord, instanceId };
}

const drillServers = (): string[] =>
  app.emulator.core.store
    .list({ type: SERVER_TYPE })
    .filter((server) => server.arm.tags?.["governor-drill"] === "copy")
    .map((server) => server.arm.name);

function trail(): TableAuditTrail {
  return TableAuditTrail.fromConnectionString(app.settings.AzureWebJobsStorage as string, { table: "GovernorAudit" });
}

describe("a restore drill of the production Odoo database", () => {
  it("passes every check on a good restore, holds the data as of the restore point, records RTO and RPO, and deletes the drill server", async () => {
    const heartbeatAt = app.clock.now();
    await onSource(async (db) => {
      await writeHeartbeat(db, heartbeatAt);
      await db.query("INSERT INTO res_partner (name, write_date) VALUES ('written before the restore point', $1)", [
        heartbeatAt.toISOString(),
      ]);
    });
    app.clock.advance(2 * MINUTE_MS);
    await onSource((db) => db.query("INSERT INTO res_partner (name) VALUES ('written after the restore point')"));
    let restoredPartners: string[] = [];
    if (app.postgres)
      app.postgres.afterRestore = async (db) => {
        restoredPartners = (
          await db.query<{ name: string }>("SELECT name FROM res_partner WHERE name LIKE 'written %' ORDER BY id")
        ).rows.map((row) => row.name);
      };

    const { record, instanceId } = await drill({ restorePoint: "1m" });

    expect(restoredPartners).toEqual(["written before the restore point"]);
    expect(record.outcome, record.failures.join("; ")).toBe("passed");
    expect(record.checks.map((check) => [check.name, check.status])).toEqual([
      ["connection", "pass"],
      ["core-tables", "pass"],
      ["base-installed", "pass"],
      ["row-counts", "pass"],
      ["accounting-balanced", "pass"],
      ["index-integrity", "pass"],
      ["database-uuid", "pass"],
    ]);
    expect(record.pointInTime).toBe(new Date(heartbeatAt.getTime() + MINUTE_MS).toISOString());
    // The newest heartbeat in the restored database is one minute before the restore point.
    expect(record.recoveryPoint).toMatchObject({ method: "heartbeat", newestAt: heartbeatAt.toISOString() });
    expect(record.rpoSeconds).toBe(60);
    expect(record.rpoMet).toBe(true);
    expect(record.rtoSeconds).toBeGreaterThanOrEqual(0);
    expect(record.rtoMet).toBe(true);
    expect(record.objectives).toEqual({ rtoMinutes: 60, rpoMinutes: 15 });
    // The sample's production server is reached over its private network: PITR copies network settings, not firewall rules.
    expect(record.access).toMatch(/^private network/);
    expect(record.teardown.confirmed).toBe(true);
    expect(drillServers()).toEqual([]);
    expect(app.postgres?.connection(record.drillServer.id)).toBeUndefined();

    const [audit] = await trail().query({ instanceId, kind: "drill" });
    expect(audit).toMatchObject({ kind: "drill", resourceId: prodId, outcome: "applied", policy: "weekly-restore-drill" });
    expect(audit?.reason).toMatch(
      /^restore drill of psql-odoo-prod to .*: passed; RTO [\d.]+ s \(objective 60 min\), RPO 60 s \(objective 15 min\); 7\/7 checks passed; drill server deleted$/,
    );
  });

  it("fails when the restored database is corrupt, naming the failing checks, and still deletes the drill server", async () => {
    if (app.postgres)
      app.postgres.afterRestore = async (db) => {
        await db.query("UPDATE account_move_line SET debit = debit + 7 WHERE id = (SELECT min(id) FROM account_move_line WHERE debit > 0)");
        await db.query("DROP TABLE stock_quant");
      };

    const { record, instanceId } = await drill({});

    expect(record.outcome).toBe("failed");
    const failed = record.checks.filter((check) => check.status === "fail").map((check) => check.name);
    expect(failed).toEqual(["core-tables", "row-counts", "accounting-balanced"]);
    expect(record.failures).toEqual(
      expect.arrayContaining([
        "check core-tables failed: missing Odoo core tables: stock_quant",
        expect.stringMatching(
          /^check accounting-balanced failed: posted moves do not balance: .* 1 unbalanced move\(s\), e\.g\. move \d+ off by 7\.00$/,
        ),
      ]),
    );
    expect(record.recoveryPoint?.method).toBe("heartbeat");
    expect(record.teardown.confirmed).toBe(true);
    expect(drillServers()).toEqual([]);

    const notices = await trail().query({ instanceId, kind: "notice" });
    expect(notices.map((notice) => notice.reason)).toEqual([
      expect.stringMatching(/^restore drill of psql-odoo-prod failed: check core-tables failed/),
    ]);
  });

  it("fails when the restore point lost more data than the RPO allows", async () => {
    const heartbeatAt = app.clock.now();
    await onSource((db) => writeHeartbeat(db, heartbeatAt));
    app.clock.advance(20 * MINUTE_MS);

    const { record } = await drill({ checks: ["connection"] });

    expect(record.rpoSeconds).toBe(20 * 60);
    expect(record.rpoMet).toBe(false);
    expect(record.outcome).toBe("failed");
    expect(record.failures).toEqual(["RPO missed: 20 min of data lost against an objective of 15 min"]);
    expect(record.teardown.confirmed).toBe(true);
  });

  it("without a heartbeat, estimates the RPO from the newest write_date and says so", async () => {
    await onSource((db) => db.query("DROP TABLE governor_drill_heartbeat"));
    app.clock.advance(MINUTE_MS);

    const { record } = await drill({ checks: ["connection", "row-counts"] });

    expect(record.recoveryPoint).toMatchObject({ method: "write-date" });
    expect(record.recoveryPoint?.note).toMatch(/no heartbeat .* newest write_date/);
    // The writer stamps its rows with the virtual time: its newest row is at most the minute the clock moved old.
    expect(record.rpoSeconds).toBeLessThanOrEqual(60);
    expect(record.checks.find((check) => check.name === "row-counts")?.status).toBe("pass");
    expect(record.outcome, record.failures.join("; ")).toBe("passed");
  });

  it("waits for a slow restore on durable timers, and counts the wait in the RTO", async () => {
    const lro = app.emulator.core.lro.options;
    const polls = lro.polls;
    lro.polls = 3;
    try {
      const { record } = await drill({ checks: ["connection"] });
      expect(record.outcome, record.failures.join("; ")).toBe("passed");
      // Two status checks answered InProgress: the drill slept 30 s (virtual) after each.
      expect(record.rtoSeconds).toBeGreaterThanOrEqual(60);
      expect(record.teardown.confirmed).toBe(true);
    } finally {
      lro.polls = polls;
    }
  });

  it("deletes the drill server when the drill is cancelled while the restore runs, and records it as cancelled", async () => {
    const lro = app.emulator.core.lro.options;
    const polls = lro.polls;
    lro.polls = 6;
    try {
      const instanceId = drillInstanceId(prodId, "cancelled");
      const input: DrillInput = { serverId: prodId, args: {}, trigger: { type: "manual" } };
      await app.runtime.startNew("restoreDrill", { instanceId, input });
      await expect
        .poll(async () => ((await app.runtime.getStatus(instanceId))?.customStatus as { stage?: string } | undefined)?.stage, {
          timeout: 20_000,
        })
        .toBe("waiting-for-restore");
      expect(drillServers()).toHaveLength(1);
      await app.runtime.raiseEvent(instanceId, "CancelDrill");
      const [status] = await finishWorkflows(app, [instanceId]);
      const record = status?.output as DrillRecord;
      expect(record).toMatchObject({ outcome: "cancelled", checks: [], teardown: { confirmed: true } });
      expect(drillServers()).toEqual([]);
      const [audit] = await trail().query({ instanceId, kind: "drill" });
      expect(audit?.outcome).toBe("skipped");
    } finally {
      lro.polls = polls;
    }
  });

  it("runs from the restore-drill policy's sweep: one drill per server the policy selects", async () => {
    const sweepId = "sweep:weekly-restore-drill:2026-11-29T02:00:00.000Z";
    await app.runtime.startNew("sweep", {
      instanceId: sweepId,
      input: { policy: "weekly-restore-drill", scope: "2026-11-29T02:00:00.000Z" },
    });
    const [status] = await finishWorkflows(app, [sweepId]);
    expect(status?.runtimeStatus, JSON.stringify(status?.output)).toBe("Completed");
    const result = status?.output as { drills?: Array<{ server: string; outcome: string; instanceId: string }> };
    expect(result.drills?.map((entry) => [entry.server, entry.outcome])).toEqual([[prodId, "passed"]]);
    const [audit] = await trail().query({ instanceId: result.drills?.[0]?.instanceId as string, kind: "drill" });
    expect(audit).toMatchObject({ policy: "weekly-restore-drill", trigger: { type: "timer", id: sweepId } });
    expect(drillServers()).toEqual([]);
  });

  it("opens a public drill server to Governor's address only, and fails naming the connection when no database answers", async () => {
    const client = await postgresClient(emulatorTarget(app.emulator, app.sample.subscriptionId));
    const created = await client.servers.beginCreateOrUpdateAndWait(
      "rg-odoo-test",
      "psql-odoo-public",
      {
        location: "westeurope",
        createMode: "Create",
        version: "17",
        administratorLogin: "odooadmin",
        administratorLoginPassword: "not-used-here-1!",
        network: { publicNetworkAccess: "Enabled" },
        tags: { environment: "test" },
      },
      { updateIntervalInMs: 10 },
    );
    // Its first backup, five minutes on, is the earliest restore point.
    app.clock.advance(10 * MINUTE_MS);
    runs += 1;
    const instanceId = drillInstanceId(created.id as string, `test-${runs}`);
    const input: DrillInput = { serverId: created.id as string, args: {}, trigger: { type: "manual" } };
    await app.runtime.startNew("restoreDrill", { instanceId, input });
    const [status] = await finishWorkflows(app, [instanceId]);
    const record = status?.output as DrillRecord;

    expect(record.access).toBe("firewall rule governor-drill opens the drill server to 127.0.0.1 only");
    expect(record.outcome).toBe("failed");
    expect(record.failures).toEqual([
      `check connection failed: cannot connect to the restored server: no database runs behind ${record.drillServer.name} in the emulator`,
    ]);
    expect(record.checks.filter((check) => check.status !== "skipped").map((check) => check.name)).toEqual(["connection"]);
    expect(record.teardown.confirmed).toBe(true);
    expect(drillServers()).toEqual([]);
    await client.servers.beginDeleteAndWait("rg-odoo-test", "psql-odoo-public", { updateIntervalInMs: 10 });
  });

  it("creates no drill server while the kill switch is on, and records the drill as skipped", async () => {
    process.env.GOVERNOR_KILL_SWITCH = "on";
    try {
      const { record, instanceId } = await drill({});
      expect(record).toMatchObject({ outcome: "skipped", skipped: "the kill switch is on: no drill server is created", checks: [] });
      expect(drillServers()).toEqual([]);
      const [audit] = await trail().query({ instanceId, kind: "drill" });
      expect(audit).toMatchObject({
        outcome: "skipped",
        reason: "restore drill of psql-odoo-prod skipped: the kill switch is on: no drill server is created",
      });
    } finally {
      delete process.env.GOVERNOR_KILL_SWITCH;
    }
  });

  it("writes Governor's heartbeat on the servers whose drill policy asks for one", async () => {
    await app.runtime.startNew("drillHeartbeat", { instanceId: "drill-heartbeat:test" });
    const [status] = await finishWorkflows(app, ["drill-heartbeat:test"]);
    const result = status?.output as { written: Array<{ serverId: string; at: string }>; failed: unknown[] };
    expect(result).toEqual({ written: [{ serverId: prodId, at: app.clock.now().toISOString() }], failed: [] });
    const rows = await onSource((db) =>
      db.query<{ at: Date; counts: Record<string, number> }>("SELECT at, counts FROM governor_drill_heartbeat ORDER BY at DESC LIMIT 1"),
    );
    expect(rows.rows[0]?.at.toISOString()).toBe(app.clock.now().toISOString());
    expect(rows.rows[0]?.counts.account_move_line).toBeGreaterThanOrEqual(4_000);
  });

  it("never deletes a server that is not the drill's own, even under the drill server's name", async () => {
    const { deleteDrillServer, prepareDrill } = await import("../../orchestrations/activities/drill.activities.ts");
    const prep = await prepareDrill({
      instanceId: "drill:psql-odoo-prod:impostor",
      input: { serverId: prodId, args: {}, trigger: { type: "manual" } },
    });
    const core = app.emulator.core;
    core.store.put(
      core.materialise(SERVER_TYPE, {
        id: prep.drillServer.id,
        name: prep.drillServer.name,
        body: { location: "westeurope", tags: { environment: "prod" }, properties: { version: "17", administratorLogin: "someone" } },
      }),
    );
    const teardown = await deleteDrillServer(prep);
    expect(teardown.confirmed).toBe(false);
    expect(teardown.note).toMatch(/^refused to delete psql-odoo-prod-drill-[0-9a-f]{8}: it is not this drill's server/);
    expect(core.store.get(prep.drillServer.id)).toBeDefined();
    core.store.delete(prep.drillServer.id);
  });

  it("leaves a drill server behind when the drill dies after the restore, and the sweeper deletes it once expired", async () => {
    // The first half of a drill, then nothing: the process running it died. (Imported here, not
    // at the top: the local app captures the workflow modules' registrations when it loads them.)
    const { pollDrillRestore, prepareDrill, startDrillRestore } = await import("../../orchestrations/activities/drill.activities.ts");
    const instanceId = drillInstanceId(prodId, "crashed");
    const input: DrillInput = { serverId: prodId, args: {}, trigger: { type: "manual" } };
    const prep = await prepareDrill({ instanceId, input });
    const started = await startDrillRestore(prep);
    expect(started.error).toBeUndefined();
    expect((await pollDrillRestore({ prep, ...(started.resumeFrom ? { resumeFrom: started.resumeFrom } : {}) })).state).toBe("Succeeded");
    expect(drillServers()).toEqual([prep.drillServer.name]);

    // Before its expiry, the sweeper keeps it: the drill may still be running.
    await app.runtime.startNew("drillSweeper", { instanceId: "drill-sweeper:early" });
    const [early] = await finishWorkflows(app, ["drill-sweeper:early"]);
    expect((early?.output as DrillSweepResult).kept).toEqual([prep.drillServer.id]);
    expect(drillServers()).toEqual([prep.drillServer.name]);

    app.clock.set(new Date(Date.parse(prep.expiresAt) + MINUTE_MS));
    await app.runtime.startNew("drillSweeper", { instanceId: "drill-sweeper:late" });
    const [late] = await finishWorkflows(app, ["drill-sweeper:late"]);
    expect((late?.output as DrillSweepResult).deleted).toEqual([prep.drillServer.id]);
    expect(drillServers()).toEqual([]);
    await expect.poll(() => app.postgres?.connection(prep.drillServer.id), { timeout: 20_000 }).toBeUndefined();
    const [deleted] = await trail().query({ instanceId: "drill-sweeper:late" });
    expect(deleted).toMatchObject({ kind: "action", action: "delete", outcome: "applied", resourceId: prep.drillServer.id });
  });
});
