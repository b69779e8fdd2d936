/**
 * `npm run demo`: a scripted day in the life of the sample estate, run unattended by the same
 * local app as `npm start` (emulated subscription, Azurite, local Durable runtime, local host with
 * every function of package.json's `main`), on a virtual clock that runs the day in a minute or two.
 *
 * What happens, in the estate's time zone:
 * - evening: Maria creates an untagged VM and Jonas an untagged snapshot, with their own
 *   credentials; the emulator raises their Event Grid events to the webhook, Governor tags them;
 * - the timers fire as the clock passes their schedules: off-hours every half hour, the nightly
 *   snapshot sweep, the hourly backup coverage, the morning audits, the daily digest; remediations
 *   that need a person wait for one;
 * - requests for approval go to Teams (a local capture of the Workflows webhook) and by email (the
 *   emulated Communication Services); 08:30: the on-call engineer approves what waits, through
 *   the links of the cards, as they would from a phone;
 * - 04:00: the weekly restore drill, run on demand for the demo (its schedule is Sunday 03:00):
 *   the production PostgreSQL server, backed by a real PostgreSQL, is restored to a point in time,
 *   verified, measured and torn down;
 * - 10:00: Cost Management posts an actual-spend alert at 100 % of the budget to the budget
 *   webhook; containment asks again, and is approved at 10:30;
 * - the day ends at the same hour it began; the workflows are brought to rest and the summary is
 *   written to out/demo/summary.json: events received, findings, workflows started and completed,
 *   actions applied and skipped by guard.
 *
 * Exit 0 with the summary; anything unexpected (a workflow failing, an event refused) exits 1.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { forwardEvents } from "../emulator/eventGrid.ts";
import { emulatorUserCredential } from "../emulator/identity.ts";
import { ORCHESTRATIONS, sweepInstanceId } from "../orchestrations/names.ts";
import type { AuditRecord } from "../shared/audit/record.ts";
import { TableAuditTrail } from "../shared/audit/trail.ts";
import { notificationCounts } from "../shared/notifications/summary.ts";
import { computeClient } from "../shared/azure/clients.ts";
import { DEFAULT_POLICIES } from "../cli/planCommand.ts";
import { loadConfig } from "../shared/config.ts";
import { builtinRegistry } from "../shared/policy/builtins.ts";
import { loadPolicyFile } from "../shared/policy/loader.ts";
import { emulatorTarget } from "../shared/azure/target.ts";
import { DurableStore } from "./durable/index.ts";
import { entryFilesIn, loadEntries, REPO_ROOT } from "./entries.ts";
import { startLocalHost } from "./host.ts";
import { startLocalApp } from "./localApp.ts";
import { localApproverRoles } from "./localApprover.ts";
import { createUntaggedVm as createUntaggedPersonVm } from "./people.ts";
import { startWebhookCapture } from "./webhookCapture.ts";

const { values } = parseArgs({
  options: {
    hours: { type: "string", default: "24" },
    out: { type: "string", default: join(REPO_ROOT, "out/demo") },
    quiet: { type: "boolean", default: false },
  },
});
const HOURS = Number(values.hours);
if (!Number.isInteger(HOURS) || HOURS < 1 || HOURS > 168)
  throw new Error(`--hours must be a whole number from 1 to 168, not "${values.hours}"`);
const STEP_MS = 5 * 60_000;
const TASK_HUB = "GovernorDemo";
const MARIA = "maria@nordwind.example";
const JONAS = "jonas@nordwind.example";
const ONCALL = "oncall@nordwind.example";

const lines: string[] = [];
const say = (line: string): void => {
  lines.push(line);
  if (!values.quiet) console.log(line);
};

const workDir = mkdtempSync(join(tmpdir(), "governor-demo-"));
const app = await startLocalApp({ workDir, taskHub: TASK_HUB, postgres: true, logger: { info: () => {}, warn: say, error: say } });
// Approval requests: Teams cards to a local capture of the Workflows webhook, email to the
// emulated Communication Services; the on-call engineer is the one signed in (App Service
// authentication's part), with the approver roles the policies name.
const teams = await startWebhookCapture({});
const policySet = await loadPolicyFile(app.settings.GOVERNOR_POLICY_FILE ?? DEFAULT_POLICIES, builtinRegistry());
Object.assign(process.env, {
  GOVERNOR_TEAMS_WEBHOOK_URL: teams.url,
  GOVERNOR_EMAIL_CONNECTION_STRING: app.emulator.emailConnectionString,
  GOVERNOR_EMAIL_SENDER: "governor@nordwind.example",
  GOVERNOR_EMAIL_TO: "platform-team@nordwind.example",
  GOVERNOR_LOCAL_APPROVER: ONCALL,
  GOVERNOR_LOCAL_APPROVER_ROLES: localApproverRoles(policySet.policies),
});
const clockLine = (message: string): void => say(`${app.clock.now().toISOString().slice(0, 16).replace("T", " ")}Z  ${message}`);
const hostLines: string[] = [];
const registrations = await loadEntries(entryFilesIn("functions"));
const host = await startLocalHost({
  registrations,
  runtime: app.runtime,
  taskHub: TASK_HUB,
  functionKey: "demo",
  clock: app.clock,
  timeZone: "UTC", // as Flex Consumption runs timers
  port: 0,
  authentication: () => loadConfig(process.env).approvals.localApprover,
  logger: {
    info: (line) => void hostLines.push(line),
    warn: (line) => void hostLines.push(line),
    error: (line) => {
      hostLines.push(line);
      clockLine(`host error: ${line}`);
    },
  },
});
process.env.GOVERNOR_APPROVAL_BASE_URL = host.url;
const events = forwardEvents(app.emulator.core, `${host.url}/runtime/webhooks/eventgrid?functionName=resourceEvents`, {
  intervalMs: 20,
  onError: (message) => clockLine(`event delivery: ${message}`),
});
const store = await DurableStore.open({ connectionString: app.azurite.connectionString, taskHub: TASK_HUB });
const trail = TableAuditTrail.fromConnectionString(app.azurite.connectionString, {
  table: app.settings.GOVERNOR_AUDIT_TABLE ?? "GovernorAudit",
});
const start = app.clock.now();
const subscription = app.sample.subscriptionId;

/** What a person does with their own credential: the emulator raises the event with their claims. */
async function asPerson(upn: string) {
  return computeClient({ ...emulatorTarget(app.emulator, subscription), credential: emulatorUserCredential(upn) });
}

async function createUntaggedVm(): Promise<void> {
  await createUntaggedPersonVm(app, MARIA, "rg-odoo-test", "vm-odoo-test-demo-01");
  clockLine(`${MARIA} creates vm-odoo-test-demo-01 in rg-odoo-test, without tags`);
}

async function createUntaggedSnapshot(): Promise<void> {
  const disk = app.emulator.core.store.list({ type: "Microsoft.Compute/disks" }).find((item) => /rg-odoo-dev/i.test(item.arm.id));
  if (!disk) throw new Error("the sample estate has no disk in rg-odoo-dev to snapshot");
  const compute = await asPerson(JONAS);
  await compute.snapshots.beginCreateOrUpdateAndWait(
    "rg-odoo-dev",
    "snap-odoo-dev-before-upgrade",
    { location: disk.arm.location as string, creationData: { createOption: "Copy", sourceResourceId: disk.arm.id } },
    { updateIntervalInMs: 10 },
  );
  clockLine(`${JONAS} snapshots ${disk.arm.name} before an upgrade, without tags`);
}

let cardsSeen = 0;

/** The on-call engineer opens each card's link that came in since the last look and approves the plan. */
async function approveWhatWaits(): Promise<number> {
  const cards = teams.posts.slice(cardsSeen);
  cardsSeen = teams.posts.length;
  let approved = 0;
  let stale = 0;
  for (const post of cards) {
    const card = (post.body as { attachments?: Array<{ content?: { actions?: Array<{ url?: string }> } }> }).attachments?.[0]?.content;
    const link = card?.actions?.[0]?.url;
    if (!link) continue;
    const url = new URL(link);
    const token = url.searchParams.get("token");
    const page = await fetch(link);
    if (page.status !== 200) {
      // A request that timed out, or was answered from another card, is no longer open.
      stale += 1;
      continue;
    }
    const decision = await fetch(`${url.origin}${url.pathname}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token, decision: "approve", comment: "approved from the morning review" }),
    });
    if (decision.ok) approved += 1;
    else stale += 1;
  }
  clockLine(`${ONCALL} opens ${cards.length} approval card(s): approves ${approved} plan(s)${stale ? `, ${stale} no longer open` : ""}`);
  return approved;
}

function budgetAlertAt100(): unknown {
  const path = join(REPO_ROOT, "test/fixtures/azure-examples/cost-management/budget-alert-common-alert-schema-actual.json");
  const payload = JSON.parse(
    readFileSync(path, "utf8")
      .replaceAll("11111111-1111-1111-1111-111111111111", subscription)
      .replaceAll("Test_actual_cost_budget", "budget-nordwind-monthly"),
  ) as { data: { essentials: Record<string, unknown>; alertContext: { AlertData: Record<string, unknown> } } };
  const data = payload.data.alertContext.AlertData;
  data.NotificationThresholdAmount = data.BudgetThreshold;
  data.ThresholdType = "Actual";
  payload.data.essentials.firedDateTime = app.clock.now().toISOString();
  return payload;
}

async function postBudgetAlert(): Promise<void> {
  const response = await fetch(`${host.url}/api/budget-alerts?code=demo`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(budgetAlertAt100()),
  });
  const body = (await response.json()) as { response?: string; instanceId?: string; error?: string };
  if (response.status !== 202) throw new Error(`the budget webhook answered ${response.status}: ${JSON.stringify(body)}`);
  clockLine(
    `Cost Management: actual spend at 100 % of budget-nordwind-monthly; Governor's response: ${body.response} (${body.instanceId})`,
  );
}

/** The weekly drill's sweep, started by hand as an operator would outside its Sunday slot. */
async function runWeeklyDrill(): Promise<void> {
  const scope = app.clock.now().toISOString();
  const instanceId = await app.runtime.startNew(ORCHESTRATIONS.sweep, {
    instanceId: sweepInstanceId("weekly-restore-drill", app.clock.now()),
    input: { policy: "weekly-restore-drill", scope, trigger: { type: "manual", id: "demo" } },
  });
  clockLine(`the weekly restore drill starts (${instanceId})`);
}

/** The script, by hour of the day since the start (the sample starts at 20:30 in Brussels). */
const script: Array<{ afterMs: number; run: () => Promise<unknown> }> = [
  { afterMs: 5 * 60_000, run: createUntaggedVm },
  { afterMs: 15 * 60_000, run: createUntaggedSnapshot },
  { afterMs: 7.5 * 3_600_000, run: runWeeklyDrill }, // 04:00
  { afterMs: 12 * 3_600_000, run: approveWhatWaits }, // 08:30 the next morning
  { afterMs: 13.5 * 3_600_000, run: postBudgetAlert }, // 10:00
  { afterMs: 14 * 3_600_000, run: approveWhatWaits }, // 10:30
];

let failed = false;
try {
  clockLine(`the day starts: ${app.emulator.core.store.size} resources in subscription ${subscription}`);
  const end = start.getTime() + HOURS * 3_600_000;
  let next = 0;
  while (app.clock.nowMs() < end) {
    app.clock.set(new Date(Math.min(end, app.clock.nowMs() + STEP_MS)));
    const elapsed = app.clock.nowMs() - start.getTime();
    while (next < script.length && (script[next]?.afterMs ?? Infinity) <= elapsed) await script[next++]?.run();
    await host.timersIdle();
    await events.drain();
    await app.runtime.whenIdle();
  }
  await events.drain();
  await app.runtime.whenIdle();
  clockLine("the day ends");

  const instances = await store.listInstances();
  const records: AuditRecord[] = await trail.query({});
  const outcomes = records.filter((record) => record.kind === "outcome");
  const count = <T>(items: T[], key: (item: T) => string | undefined) =>
    items.reduce<Record<string, number>>((counts, item) => {
      const name = key(item);
      if (name !== undefined) counts[name] = (counts[name] ?? 0) + 1;
      return counts;
    }, {});
  const summary = {
    day: { from: start.toISOString(), to: app.clock.now().toISOString(), hours: HOURS },
    events: {
      received: events.delivered,
      dropped: hostLines.filter((line) => / dropped: /.test(line)).length,
      redeliveries: hostLines.filter((line) => /already handled/.test(line)).length,
    },
    timers: Object.fromEntries(host.timerRuns),
    findings: records.filter((record) => record.kind === "decision" || record.kind === "finding").length,
    workflows: {
      started: instances.length,
      completed: instances.filter((instance) => instance.runtimeStatus === "Completed").length,
      failed: instances.filter((instance) => instance.runtimeStatus === "Failed").length,
      stillRunning: instances.filter((instance) => instance.runtimeStatus === "Running" || instance.runtimeStatus === "Pending").length,
      byName: count(instances, (instance) => instance.name),
    },
    actions: {
      applied: outcomes.filter((record) => record.outcome === "applied").length,
      alreadyDone: outcomes.filter((record) => record.outcome === "already-done").length,
      skipped: outcomes.filter((record) => record.outcome === "skipped").length,
      skippedByGuard: count(
        outcomes.filter((record) => record.outcome === "skipped"),
        (record) => (record.details as { guard?: string } | undefined)?.guard ?? "unknown",
      ),
      failed: outcomes.filter((record) => record.outcome === "failed").length,
    },
    drills: records
      .filter((record) => record.kind === "drill")
      .map((record) => {
        const drill = record.details as { server?: { name?: string }; outcome?: string; rtoSeconds?: number; rpoSeconds?: number };
        return { server: drill.server?.name, outcome: drill.outcome, rtoSeconds: drill.rtoSeconds, rpoSeconds: drill.rpoSeconds };
      }),
    approvals: {
      cardsPosted: teams.posts.length,
      emailsSent: app.emulator.core.email.messages.length,
      records: records.filter((record) => record.kind === "approval").length,
    },
    notices: records.filter((record) => record.kind === "notice").length,
    notifications: notificationCounts(records),
  };
  mkdirSync(values.out, { recursive: true });
  const { writeLocalReport } = await import("../cli/report.ts");
  const report = await writeLocalReport(app, { outDir: join(values.out, "report"), currency: policySet.settings.currency });
  Object.assign(summary, { report });
  say(`report written to ${report}`);
  const file = join(values.out, "summary.json");
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  say(`summary written to ${file}`);
  if (!values.quiet) console.log(JSON.stringify(summary, null, 2));
  if (summary.workflows.failed > 0) {
    failed = true;
    say(`${summary.workflows.failed} workflow(s) failed: see the summary`);
  }
} catch (error) {
  failed = true;
  say(`the demo stopped: ${(error as Error).stack ?? String(error)}`);
} finally {
  events.stop();
  await host.close();
  await teams.close();
  await app.close();
  rmSync(workDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
