/**
 * `governor report`: the report as a self-contained static HTML folder (default `out/report/`).
 *
 * - `--emulator`: the emulated subscription with the sample estate, on the local runtime, with the
 *   Governor baseline assigned at DoNotEnforce as the template assigns it: every policy of the
 *   pack swept once a virtual day for `--days` days (auto-approved, as
 *   `governor apply --emulator --auto-approve`) and the day's Azure Policy compliance snapshot
 *   recorded, the savings ledger refreshed against the emulated Cost Management, then the report
 *   of that trail, ledger and compliance.
 * - `--storage <connection string>` (or the app's `AzureWebJobsStorage`): a deployment's audit
 *   trail and savings ledger, as stored (the `savingsLedgerRefresh` timer keeps the ledger current),
 *   and, when GOVERNOR_SUBSCRIPTION_ID names the subscription, its Azure Policy compliance.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ORCHESTRATIONS, sweepInstanceId } from "../orchestrations/names.ts";
import type { SweepInput } from "../orchestrations/sweep.ts";
import { AuditStorageError, openAuditTrail } from "../shared/audit/storage.ts";
import { checkTableName, DEFAULT_AUDIT_TABLE, TableAuditTrail } from "../shared/audit/trail.ts";
import { emulatorTarget } from "../shared/azure/target.ts";
import { appComplianceSource, type ComplianceSource, governorCompliance } from "../shared/azurePolicy/complianceHistory.ts";
import { ComplianceSnapshots } from "../shared/azurePolicy/snapshots.ts";
import { buildReport, writeReportFolder } from "../shared/report/build.ts";
import type { LocalApp } from "../local/localApp.ts";
import { costManagementSource } from "../shared/savings/costQuery.ts";
import { refreshSavingsLedger, SavingsLedger } from "../shared/savings/ledger.ts";
import { DEFAULT_POLICIES } from "./planCommand.ts";
import { loadPoliciesOrReport } from "./policies.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
export const DEFAULT_REPORT_DIR = join(ROOT, "out", "report");
const DAY_MS = 86_400_000;
/**
 * Runs the task hub's workflows until nothing moves but people: a workflow (a child one too)
 * sleeping on a durable timer (a schedule window, a restore's status check) has the virtual clock
 * moved to its time.
 */
async function settle(app: LocalApp, taskHub: string, timeoutMs: number): Promise<void> {
  const { DurableStore } = await import("../local/durable/index.ts");
  const store = await DurableStore.open({ connectionString: app.azurite.connectionString, taskHub });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await app.runtime.whenIdle();
    const running = await store.listInstances(["Pending", "Running"]);
    const statuses = await Promise.all(running.map((record) => app.runtime.getStatus(record.instanceId)));
    const wakes = statuses
      .map((status) => status?.customStatus as { stage?: string; until?: string } | undefined)
      .filter((custom) => custom?.stage?.startsWith("waiting-for-") === true && custom.until !== undefined)
      .map((custom) => new Date(custom?.until as string).getTime());
    if (wakes.length === 0) return;
    app.clock.set(new Date(Math.max(app.clock.nowMs(), Math.min(...wakes)) + 1_000));
    if (Date.now() > deadline)
      throw new Error(`workflows still sleeping after ${timeoutMs} ms: ${running.map((record) => record.instanceId).join(", ")}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

const TASK_HUB = "GovernorReport";
const quiet = { info: () => {}, warn: (message: string) => console.error(message), error: (message: string) => console.error(message) };

/**
 * On a local app (the demo, `npm start`, this command): refreshes the savings ledger against the
 * app's emulated Cost Management, then writes the report of its audit trail and ledger into
 * `outDir`. Returns the path of index.html.
 */
/** Azure Policy compliance of a local app: its emulator's Policy Insights, the snapshots on its Azurite. */
export function localCompliance(app: LocalApp): ComplianceSource {
  return governorCompliance(
    emulatorTarget(app.emulator, app.sample.subscriptionId),
    ComplianceSnapshots.fromConnectionString(app.settings.AzureWebJobsStorage as string),
  );
}

export async function writeLocalReport(app: LocalApp, options: { outDir: string; currency: string }): Promise<string> {
  const env = app.settings;
  const trail = TableAuditTrail.fromConnectionString(env.AzureWebJobsStorage as string, {
    table: env.GOVERNOR_AUDIT_TABLE?.trim() || DEFAULT_AUDIT_TABLE,
  });
  const ledger = SavingsLedger.fromConnectionString(env.AzureWebJobsStorage as string);
  const now = app.clock.now();
  const target = emulatorTarget(app.emulator, app.sample.subscriptionId);
  const refreshed = await refreshSavingsLedger({
    trail,
    ledger,
    currency: options.currency,
    now,
    costs: await costManagementSource(target),
  });
  if (refreshed.costError) console.error(`savings ledger: realised savings not measured: ${refreshed.costError}`);
  return writeReportFolder(
    await buildReport({ trail, ledger, currency: options.currency, now, azurePolicy: localCompliance(app) }),
    options.outDir,
  );
}

function usage(message: string): number {
  console.error(`governor report: ${message}`);
  return 2;
}

export async function reportCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        emulator: { type: "boolean", default: false },
        storage: { type: "string" },
        out: { type: "string", default: DEFAULT_REPORT_DIR },
        days: { type: "string", default: "7" },
        policies: { type: "string", default: DEFAULT_POLICIES },
      },
    }));
  } catch (error) {
    return usage((error as Error).message);
  }
  if (values.emulator && values.storage !== undefined) return usage("give --emulator or --storage, not both");
  const days = Number(values.days);
  if (!/^\d+$/.test(values.days.trim()) || !Number.isInteger(days) || days < 1 || days > 90)
    return usage(`--days takes a whole number from 1 to 90, not "${values.days}"`);
  if (values.out.trim() === "") return usage("--out must name a folder");
  const outDir = resolve(values.out);
  const set = await loadPoliciesOrReport(values.policies);
  if (!set) return 1;
  const currency = set.settings.currency;

  if (!values.emulator) {
    const table = env.GOVERNOR_AUDIT_TABLE?.trim() || DEFAULT_AUDIT_TABLE;
    const tableProblem = checkTableName(table);
    if (tableProblem) return usage(`GOVERNOR_AUDIT_TABLE: ${tableProblem}`);
    let trail;
    try {
      trail = await openAuditTrail(env, { table, ...(values.storage === undefined ? {} : { storage: values.storage }) });
    } catch (error) {
      if (error instanceof AuditStorageError) return usage(error.message);
      throw error;
    }
    const ledger = await SavingsLedger.fromEnv(env, values.storage);
    if (!ledger) return usage("give --storage <connection string> or set AzureWebJobsStorage");
    // Azure Policy compliance of the subscription the app governs, when it is named; the snapshots beside the trail.
    const subscriptionId = env.GOVERNOR_SUBSCRIPTION_ID?.trim();
    const storageEnv = values.storage === undefined ? env : { ...env, AzureWebJobsStorage: values.storage };
    const azurePolicy = subscriptionId ? appComplianceSource({ subscriptionId }, storageEnv) : undefined;
    const index = writeReportFolder(
      await buildReport({ trail, ledger, currency, now: new Date(), ...(azurePolicy ? { azurePolicy } : {}) }),
      outDir,
    );
    console.log(`Report written: ${index}`);
    return 0;
  }

  const { startLocalApp } = await import("../local/localApp.ts");
  const workDir = mkdtempSync(join(tmpdir(), "governor-report-"));
  const app = await startLocalApp({ workDir, policyFile: values.policies, logger: quiet, taskHub: TASK_HUB });
  try {
    // The baseline as the template deploys it (DoNotEnforce): Azure Policy's compliance beside Governor's findings.
    const { deployBaseline } = await import("../local/azurePolicy.ts");
    await deployBaseline(app.emulator, app.sample.subscriptionId, set, "DoNotEnforce");
    const compliance = localCompliance(app);
    console.log(
      `Emulated subscription ${app.sample.subscriptionId}; sweeping ${set.policies.length} policies once a day for ${days} day(s) of virtual time.`,
    );
    const first = app.clock.nowMs();
    for (let day = 0; day < days; day += 1) {
      const at = Math.max(app.clock.nowMs(), first + day * DAY_MS);
      app.clock.set(at);
      const scope = new Date(at).toISOString().slice(0, 16);
      const ids: string[] = [];
      for (const policy of set.policies) {
        const instanceId = sweepInstanceId(policy.name, `report-${scope}`);
        const input: SweepInput = { policy: policy.name, scope, trigger: { type: "cli" }, autoApprove: true };
        await app.runtime.startNew(ORCHESTRATIONS.sweep, { instanceId, input });
        ids.push(instanceId);
      }
      await settle(app, TASK_HUB, 5 * 60_000);
      const statuses = (await Promise.all(ids.map((id) => app.runtime.getStatus(id)))).filter((status) => status !== undefined);
      const failed = statuses.filter((status) => status.runtimeStatus !== "Completed").length;
      // The day's compliance snapshot, as the daily digest records it.
      const reading = await compliance(app.clock.now(), 1);
      const policyState =
        reading.status === "ok"
          ? `${reading.snapshot.assignment.nonCompliantResources} resource(s) non-compliant with the Azure Policy baseline`
          : `Azure Policy compliance ${reading.status === "unavailable" ? `unavailable: ${reading.code}` : reading.status}`;
      console.log(
        `day ${day + 1} (${scope}): ${statuses.length - failed} sweeps completed${failed ? `, ${failed} did not` : ""}; ${policyState}`,
      );
    }
    // The last day's changes are measurable once a whole day has passed after them.
    app.clock.set(Math.max(app.clock.nowMs(), first + days * DAY_MS));
    const index = await writeLocalReport(app, { outDir, currency });
    console.log(`Report written: ${index} (virtual clock ${app.clock.now().toISOString()}; audit trail in ${workDir})`);
    return 0;
  } finally {
    await app.close();
  }
}
