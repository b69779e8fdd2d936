/**
 * `governor drill --emulator --server NAME [--json]`: one restore drill of a server of the
 * emulated subscription, run by the drill workflow on the local runtime against real PostgreSQL
 * (a real point-in-time restore, the verification suite, teardown), with the settings of the
 * policy file's restore-drill policy; prints the drill's record. The virtual clock runs at real
 * speed meanwhile, so the RTO is the time the restore and the verification really took.
 *
 * The audit trail of these runs is kept in `.governor/drills` (Azurite's data; `--data DIR`
 * elsewhere), which `governor drills --emulator` reads; without --emulator, `governor drills` reads the app's
 * audit trail (AzureWebJobsStorage or --storage), as `governor audit` does.
 */
import { resourceNameOf } from "../shared/azure/resourceId.ts";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { drillInstanceId, ORCHESTRATIONS } from "../orchestrations/names.ts";
import type { DrillInput } from "../orchestrations/restoreDrill.ts";
import type { AuditRecord } from "../shared/audit/record.ts";
import { openAuditTrail } from "../shared/audit/storage.ts";
import { DEFAULT_AUDIT_TABLE, TableAuditTrail } from "../shared/audit/trail.ts";
import { drillSummary, type DrillRecord } from "../shared/drills/record.ts";
import { restoreDrillAction } from "../shared/actions/restoreDrill.ts";
import { startAzurite } from "../local/azurite.ts";
import { DEFAULT_POLICIES } from "./planCommand.ts";
import { loadPoliciesOrReport } from "./policies.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
/** Where the emulator drills keep their audit trail between runs. */
export const EMULATOR_DRILLS_DIR = join(ROOT, ".governor", "drills");
const SERVER_TYPE = "microsoft.dbforpostgresql/flexibleservers";

const quiet = { info: () => {}, warn: (message: string) => console.error(message), error: (message: string) => console.error(message) };

function seconds(value: number | undefined): string {
  if (value === undefined) return "-";
  return value < 10 ? `${value.toFixed(1)} s` : `${Math.round(value)} s`;
}

export function renderDrill(record: DrillRecord): string {
  const lines = [drillSummary(record), ""];
  for (const check of record.checks) lines.push(`  ${check.status.padEnd(7)} ${check.name.padEnd(20)} ${check.message}`);
  lines.push(
    "",
    `  restore point ${record.pointInTime} (${record.restorePoint}); RPO from ${record.recoveryPoint?.method ?? "nothing"}: ${record.recoveryPoint?.note ?? "-"}`,
    `  timings: restore ${seconds(record.timings.restoreSeconds)}, verification ${seconds(record.timings.verifySeconds)}, RTO ${seconds(record.rtoSeconds)}`,
    `  teardown: ${record.teardown.note}`,
  );
  return lines.join("\n");
}

export async function drillCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      emulator: { type: "boolean", default: false },
      server: { type: "string" },
      policies: { type: "string", default: DEFAULT_POLICIES },
      "restore-point": { type: "string" },
      json: { type: "boolean", default: false },
      data: { type: "string", default: EMULATOR_DRILLS_DIR },
    },
  });
  if (!values.emulator) {
    console.error(
      "governor drill: only --emulator is supported; in Azure, the restore-drill policy's schedule starts drills on the Functions host",
    );
    return 2;
  }
  if (!values.server?.trim()) {
    console.error("governor drill: --server NAME is required (a PostgreSQL flexible server of the emulated subscription)");
    return 2;
  }
  const set = await loadPoliciesOrReport(values.policies);
  if (!set) return 1;
  const policy = set.policies.find((candidate) => candidate.action.type === "restore-drill");
  const args_ = restoreDrillAction.parse?.(policy?.action.args ?? {}) ?? {};
  if (values["restore-point"] !== undefined) {
    if (!/^(latest|\d+(\.\d+)?\s*(m|h|d))$/.test(values["restore-point"].trim())) {
      console.error(`governor drill: --restore-point takes latest or a duration (30m, 2h, 1d), not "${values["restore-point"]}"`);
      return 2;
    }
    args_.restorePoint = values["restore-point"].trim();
  }

  // Named before anything starts: the sample estate is what the emulator will serve.
  const { sampleEstate } = await import("../emulator/estate/sample.ts");
  const servers = sampleEstate()
    .estate.resources.filter((resource) => resource.type.toLowerCase() === SERVER_TYPE)
    .map((resource) => resource.name);
  if (
    !servers.some(
      (name) =>
        name.toLowerCase() === values.server?.trim().toLowerCase() ||
        values.server?.trim().toLowerCase().endsWith(`/${name.toLowerCase()}`),
    )
  ) {
    console.error(
      `governor drill: no PostgreSQL flexible server "${values.server}" in the emulated subscription (there are: ${servers.join(", ")})`,
    );
    return 2;
  }

  // Loaded here: it brings the emulator, Azurite, PostgreSQL and the local runtime.
  const { finishWorkflows, startLocalApp } = await import("../local/localApp.ts");
  const log = values.json ? () => {} : (message: string) => console.error(message);
  const app = await startLocalApp({
    workDir: values.data,
    taskHub: "GovernorCliDrills",
    policyFile: values.policies,
    logger: quiet,
    postgres: { log },
  });
  let tick: NodeJS.Timeout | undefined;
  try {
    const wanted = values.server.trim().toLowerCase();
    const server = app.emulator.core.store
      .list()
      .find(
        (resource) =>
          resource.arm.type.toLowerCase() === SERVER_TYPE &&
          (resource.arm.name.toLowerCase() === wanted || resource.arm.id.toLowerCase() === wanted),
      );
    if (!server) {
      const names = app.emulator.core.store
        .list()
        .filter((resource) => resource.arm.type.toLowerCase() === SERVER_TYPE)
        .map((resource) => resource.arm.name);
      console.error(
        `governor drill: no PostgreSQL flexible server "${values.server}" in the emulated subscription (there are: ${names.join(", ")})`,
      );
      return 2;
    }
    if (!app.postgres?.connection(server.arm.id)) {
      console.error(
        `governor drill: no database runs behind ${server.arm.name} locally: only servers tagged governor-drill are backed by PostgreSQL`,
      );
      return 2;
    }
    // The run's real start names it: each run is its own drill, its own record.
    const instanceId = drillInstanceId(server.arm.id, `cli-${new Date().toISOString()}`);
    const input: DrillInput = {
      serverId: server.arm.id,
      ...(policy ? { policy: policy.name } : {}),
      args: args_,
      trigger: { type: "cli", id: instanceId },
    };
    let last = Date.now();
    tick = setInterval(() => {
      const now = Date.now();
      app.clock.advance(now - last);
      last = now;
    }, 100);
    await app.runtime.startNew(ORCHESTRATIONS.restoreDrill, { instanceId, input });
    const [status] = await finishWorkflows(app, [instanceId], { timeoutMs: 60 * 60_000 });
    if (status?.runtimeStatus !== "Completed") {
      console.error(`governor drill: the drill workflow ended ${status?.runtimeStatus ?? "nowhere"}: ${JSON.stringify(status?.output)}`);
      return 1;
    }
    const record = status.output as DrillRecord;
    if (values.json) process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
    else console.log(renderDrill(record));
    return record.outcome === "passed" ? 0 : 1;
  } finally {
    if (tick) clearInterval(tick);
    await app.close();
  }
}

function renderDrills(records: AuditRecord[]): string {
  const rows = records.map((record) => {
    const drill = record.details as unknown as Partial<DrillRecord> | undefined;
    const passed = drill?.checks?.filter((check) => check.status === "pass").length ?? 0;
    return [
      `${record.at.slice(0, 10)} ${record.at.slice(11, 19)}`,
      drill?.server?.name ?? (record.resourceId === undefined ? "-" : resourceNameOf(record.resourceId)),
      drill?.outcome ?? record.outcome ?? "-",
      seconds(drill?.rtoSeconds),
      seconds(drill?.rpoSeconds),
      `${passed}/${drill?.checks?.length ?? 0}`,
      drill?.teardown?.confirmed ? "deleted" : "NOT deleted",
      (drill?.failures ?? []).join("; ") || "-",
    ];
  });
  const header = ["TIME (UTC)", "SERVER", "OUTCOME", "RTO", "RPO", "CHECKS", "DRILL SERVER", "FAILURES"];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] as string).length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] as number)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** `governor drills [--emulator | --storage S] [--server NAME] [--limit N] [--json]`: past drills, oldest first. */
export async function drillsCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      emulator: { type: "boolean", default: false },
      storage: { type: "string" },
      server: { type: "string" },
      limit: { type: "string", default: "50" },
      json: { type: "boolean", default: false },
      data: { type: "string", default: EMULATOR_DRILLS_DIR },
    },
  });
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    console.error(`governor drills: --limit takes a whole number of at least 1, not "${values.limit}"`);
    return 2;
  }
  const table = env.GOVERNOR_AUDIT_TABLE?.trim() || DEFAULT_AUDIT_TABLE;
  const azurite = values.emulator ? await startAzurite({ location: join(values.data, "azurite") }) : undefined;
  try {
    const trail = azurite
      ? TableAuditTrail.fromConnectionString(azurite.connectionString, { table })
      : await openAuditTrail(env, { table, ...(values.storage === undefined ? {} : { storage: values.storage }) });
    const wanted = values.server?.trim().toLowerCase();
    const records = (await trail.query({ kind: "drill", order: "newest-first", limit: wanted ? 10_000 : limit }))
      .filter(
        (record) =>
          !wanted ||
          record.resourceId?.toLowerCase() === wanted ||
          (record.resourceId !== undefined && resourceNameOf(record.resourceId).toLowerCase() === wanted),
      )
      .slice(0, limit)
      .reverse();
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ drills: records.map((record) => ({ at: record.at, instanceId: record.instanceId, ...(record.details as object) })) }, null, 2)}\n`,
      );
      return 0;
    }
    console.log(records.length === 0 ? "No drills recorded." : renderDrills(records));
    return 0;
  } finally {
    await azurite?.close();
  }
}
