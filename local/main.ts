/**
 * `npm start`: Governor running unattended on this machine, as the Functions host runs it in
 * Azure. The emulated subscription (sample estate), Azurite, the local Durable runtime and the
 * local host on 127.0.0.1:7071 with the app's functions; the emulator's changes reach the
 * Event Grid webhook as the subscription's system topic would deliver them; timers fire on the
 * virtual clock (`--speed 60` runs an hour a minute). Ctrl-C stops it after the work in hand.
 *
 * The first minute shows the first journey: every policy swept once at start, a person creating
 * an untagged VM a few seconds later, and what the workflows record, as they record it.
 */
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { forwardEvents } from "../emulator/eventGrid.ts";
import { generateEstate } from "../emulator/estate/generate.ts";
import { sampleEstates } from "../emulator/estate/sample.ts";
import { ORCHESTRATIONS } from "../orchestrations/names.ts";
import { TableAuditTrail } from "../shared/audit/trail.ts";
import { builtinRegistry } from "../shared/policy/builtins.ts";
import { loadPolicyFile } from "../shared/policy/loader.ts";
import { entryFilesIn, loadEntries } from "./entries.ts";
import { startLocalHost } from "./host.ts";
import { startLocalApp } from "./localApp.ts";
import { localApproverRoles } from "./localApprover.ts";
import { loadConfig } from "../shared/config.ts";
import { startWebhookCapture } from "./webhookCapture.ts";
import { followAuditTrail, sweepEveryPolicyNow } from "./firstLook.ts";
import { createUntaggedVm } from "./people.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "7071" },
    speed: { type: "string", default: "1" },
    "estate-size": { type: "string" },
    subscriptions: { type: "string", default: "1" },
    verbose: { type: "boolean", default: false },
  },
});
const port = Number(values.port);
const subscriptions = Number(values.subscriptions);
if (!Number.isInteger(subscriptions) || subscriptions < 1 || subscriptions > 20)
  throw new Error(`--subscriptions must be a whole number from 1 to 20, not "${values.subscriptions}"`);
const speed = Number(values.speed);
if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port must be a port number, not "${values.port}"`);
if (!Number.isFinite(speed) || speed <= 0 || speed > 100_000)
  throw new Error(`--speed must be a positive factor (1 = real time), not "${values.speed}"`);

const root = fileURLToPath(new URL("../", import.meta.url));
const workDir = join(root, ".governor", new Date().toISOString().replace(/[:.]/g, "-"));
mkdirSync(workDir, { recursive: true });
const log = (message: string): void => console.log(`${new Date().toISOString().slice(11, 19)} ${message}`);
// The host's own lines (every timer run, every event dropped) go to a file unless asked for:
// the terminal keeps to what Governor found and did.
const hostLog = join(workDir, "host.log");
const hostInfo = values.verbose
  ? log
  : (message: string): void => appendFileSync(hostLog, `${new Date().toISOString().slice(11, 19)} ${message}\n`);
const PERSON = "maria@contoso.example";
const PERSON_VM = { group: "rg-odoo-test", name: "vm-odoo-test-maria-01" };

const app = await startLocalApp({
  workDir,
  ...(values["estate-size"] === undefined
    ? subscriptions > 1
      ? { sample: sampleEstates(subscriptions) }
      : {}
    : { sample: generateEstate({ resources: Number(values["estate-size"]), subscriptions }) }),
  logger: { info: log, warn: (message) => log(`warning: ${message}`), error: (message) => log(`error: ${message}`) },
  // The production database runs for real, so the restore drills restore and verify for real.
  postgres: { log },
});
const registrations = await loadEntries(entryFilesIn("functions"));
const policies = await loadPolicyFile(
  app.settings.GOVERNOR_POLICY_FILE ?? join(root, "policies/odoo-distribution.yaml"),
  builtinRegistry(),
);
// Approval requests: the Teams card goes to a local capture server whose posts print the link to
// decide on; email goes through the emulated Communication Services. Settings given take precedence.
const teams = await startWebhookCapture({
  onPost: (post) => {
    const card = (
      post.body as { attachments?: Array<{ content?: { body?: Array<{ text?: string }>; actions?: Array<{ url?: string }> } }> }
    ).attachments?.[0]?.content;
    const title = card?.body?.[1]?.text ?? "approval requested";
    const link = card?.actions?.[0]?.url?.replace(/&intent=\w+$/, "");
    log(`approval: ${title}\n         open ${link ?? "(no link in the card)"}`);
  },
});
const approvalDefaults: Record<string, string> = {
  GOVERNOR_TEAMS_WEBHOOK_URL: teams.url,
  GOVERNOR_EMAIL_CONNECTION_STRING: app.emulator.emailConnectionString,
  GOVERNOR_EMAIL_SENDER: "governor@governor.local",
  GOVERNOR_EMAIL_TO: "platform-team@governor.local",
  GOVERNOR_LOCAL_APPROVER: "developer@governor.local",
  GOVERNOR_LOCAL_APPROVER_ROLES: localApproverRoles(policies.policies),
};
for (const [name, value] of Object.entries(approvalDefaults)) if (!process.env[name]?.trim()) process.env[name] = value;

const functionKey = randomBytes(18).toString("base64url");
const host = await startLocalHost({
  registrations,
  runtime: app.runtime,
  taskHub: app.settings.GOVERNOR_TASK_HUB as string,
  functionKey,
  clock: app.clock,
  // As Flex Consumption runs timers: in UTC. Local times (the digest at 07:00, sweep slots) are Governor's own reckoning.
  timeZone: "UTC",
  port,
  logger: { info: hostInfo, warn: (message) => log(`warning: ${message}`), error: (message) => log(`error: ${message}`) },
  // App Service authentication's part: the configured local identity is the one signed in.
  authentication: () => loadConfig(process.env).approvals.localApprover,
});
process.env.GOVERNOR_APPROVAL_BASE_URL ||= host.url;
const events = registrations.some((registration) => registration.name === "resourceEvents")
  ? forwardEvents(app.emulator.core, `${host.url}/runtime/webhooks/eventgrid?functionName=resourceEvents`, {
      onError: (message) => log(message),
    })
  : undefined;

const trail = TableAuditTrail.fromConnectionString(app.azurite.connectionString, {
  table: app.settings.GOVERNOR_AUDIT_TABLE ?? "GovernorAudit",
});
const follower = followAuditTrail(trail, app.clock.now(), (line) => log(line));

// Every governed subscription: the deployment's own first, then the others of a spread estate.
const governed = [app.sample.subscriptionId, ...(app.settings.GOVERNOR_SUBSCRIPTION_IDS?.split(",").filter(Boolean) ?? [])];
console.log(`Governor is running locally.
  functions      ${host.url}  (${registrations.map((registration) => `${registration.name} [${registration.triggerType}]`).join(", ") || "none registered"})
  function key   ${functionKey}  (for /api routes with authLevel function: ?code=...)
  ${governed.length > 1 ? "subscriptions" : "subscription "}  ${governed.join(", ")} emulated on ${app.emulator.url} (${app.emulator.core.store.size} resources)
  storage        Azurite on 127.0.0.1:${app.azurite.port}, data in ${workDir}
  virtual clock  ${app.clock.now().toISOString()}, running ${speed}x${speed === 1 ? " (npm start -- --speed 60 runs an hour a minute)" : ""}
  PostgreSQL     ${app.postgres ? "real databases behind the servers tagged governor-drill (restore drills run for real)" : "none"}
  Event Grid     ${events ? "the emulator's resource events go to resourceEvents" : "no resourceEvents function yet"}
  approvals      cards to ${process.env.GOVERNOR_TEAMS_WEBHOOK_URL}, emails via ${app.emulator.url}; you decide as ${process.env.GOVERNOR_LOCAL_APPROVER} (${process.env.GOVERNOR_LOCAL_APPROVER_ROLES || "no roles"})
  report         ${host.url}/api/report  (compliance, savings ledger, offenders, backup coverage, drills, approvals)
  host log       ${values.verbose ? "here" : `${hostLog} (--verbose prints it here)`}

What happens now: every policy is swept once (then on its schedule, on the virtual clock), and
what it finds is printed with its reasons; approval requests print a link to open in a browser;
in a few seconds ${PERSON} creates ${PERSON_VM.name} without tags, and Governor tags it from its
resource group. Everything printed below is read back from the audit trail.
Press Ctrl-C to stop.`);

const tick = setInterval(() => app.clock.advance(1_000 * speed), 1_000);
const firstSweeps = await sweepEveryPolicyNow(app.runtime, policies.policies, app.clock.now(), ORCHESTRATIONS.sweep);
log(
  `sweeping ${firstSweeps.started.length} policies now${
    firstSweeps.keptToSchedule.length > 0
      ? `; on their schedule only: ${firstSweeps.keptToSchedule.join(", ")} (governor drill runs one now)`
      : ""
  }`,
);
const person = setTimeout(() => {
  createUntaggedVm(app, PERSON, PERSON_VM.group, PERSON_VM.name).then(
    () => log(`${PERSON} created ${PERSON_VM.name} in ${PERSON_VM.group}, without tags`),
    (error: unknown) => log(`warning: ${PERSON} could not create ${PERSON_VM.name}: ${(error as Error).message}`),
  );
}, 5_000);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) {
    log(`${signal} again: stopping now, without waiting for the work in hand.`);
    process.exit(130);
  }
  stopping = true;
  log(`${signal}: finishing the work in hand, then stopping.`);
  clearInterval(tick);
  clearTimeout(person);
  let code = 0;
  for (const [name, close] of [
    ["event delivery", async () => (await events?.drain(), events?.stop())],
    ["the audit trail feed", () => follower.stop()],
    ["the local host", () => host.close()],
    ["the Teams capture", () => teams.close()],
    ["the runtime, Azurite and PostgreSQL", () => app.close()],
  ] as const) {
    try {
      await close();
    } catch (error) {
      code = 1;
      log(`error: stopping ${name} failed: ${(error as Error).message}`);
    }
  }
  log(
    code === 0
      ? "stopped; workflow history and the audit trail are kept in Azurite's data folder."
      : "stopped, with the errors above; the data folder is kept.",
  );
  process.exit(code);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
