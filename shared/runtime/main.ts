/**
 * `npm start`: Governor running unattended on this machine, as the Functions host runs it in
 * Azure. The emulated subscription (sample estate), Azurite, the local Durable runtime and the
 * local host on 127.0.0.1:7071 with the app's functions; the emulator's changes reach the
 * Event Grid webhook as the subscription's system topic would deliver them; timers fire on the
 * virtual clock (`--speed 60` runs an hour a minute). Ctrl-C stops it after the work in hand.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { forwardEvents } from "../../emulator/eventGrid.ts";
import { generateEstate } from "../../emulator/estate/generate.ts";
import { builtinRegistry } from "../policy/builtins.ts";
import { loadPolicyFile } from "../policy/loader.ts";
import { entryFilesIn, loadEntries } from "./entries.ts";
import { startLocalHost } from "./host.ts";
import { startLocalApp } from "./localApp.ts";
import { localApproverRoles } from "./localApprover.ts";
import { loadConfig } from "../config.ts";
import { startWebhookCapture } from "./webhookCapture.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "7071" },
    speed: { type: "string", default: "1" },
    "estate-size": { type: "string" },
  },
});
const port = Number(values.port);
const speed = Number(values.speed);
if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port must be a port number, not "${values.port}"`);
if (!Number.isFinite(speed) || speed <= 0 || speed > 100_000)
  throw new Error(`--speed must be a positive factor (1 = real time), not "${values.speed}"`);

const root = fileURLToPath(new URL("../../", import.meta.url));
const workDir = join(root, ".governor", new Date().toISOString().replace(/[:.]/g, "-"));
mkdirSync(workDir, { recursive: true });
const log = (message: string): void => console.log(`${new Date().toISOString().slice(11, 19)} ${message}`);

const app = await startLocalApp({
  workDir,
  ...(values["estate-size"] === undefined ? {} : { sample: generateEstate({ resources: Number(values["estate-size"]) }) }),
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
  timeZone: policies.settings.timeZone,
  port,
  logger: { info: log, warn: (message) => log(`warning: ${message}`), error: (message) => log(`error: ${message}`) },
  // App Service authentication's part: the configured local identity is the one signed in.
  authentication: () => loadConfig(process.env).approvals.localApprover,
});
process.env.GOVERNOR_APPROVAL_BASE_URL ||= host.url;
const events = registrations.some((registration) => registration.name === "resourceEvents")
  ? forwardEvents(app.emulator.core, `${host.url}/runtime/webhooks/eventgrid?functionName=resourceEvents`, {
      onError: (message) => log(message),
    })
  : undefined;

console.log(`Governor is running locally.
  functions      ${host.url}  (${registrations.map((registration) => `${registration.name} [${registration.triggerType}]`).join(", ") || "none registered"})
  function key   ${functionKey}  (for /api routes with authLevel function: ?code=...)
  subscription   ${app.sample.subscriptionId} emulated on ${app.emulator.url} (${app.emulator.core.store.size} resources)
  storage        Azurite on 127.0.0.1:${app.azurite.port}, data in ${workDir}
  virtual clock  ${app.clock.now().toISOString()}, running ${speed}x
  PostgreSQL     ${app.postgres ? "real databases behind the servers tagged governor-drill (restore drills run for real)" : "none"}
  Event Grid     ${events ? "the emulator's resource events go to resourceEvents" : "no resourceEvents function yet"}
  approvals      cards to ${process.env.GOVERNOR_TEAMS_WEBHOOK_URL}, emails via ${app.emulator.url}; you decide as ${process.env.GOVERNOR_LOCAL_APPROVER} (${process.env.GOVERNOR_LOCAL_APPROVER_ROLES || "no roles"})
Press Ctrl-C to stop.`);

const tick = setInterval(() => app.clock.advance(1_000 * speed), 1_000);
let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log(`${signal}: finishing the work in hand, then stopping.`);
  clearInterval(tick);
  await events?.drain();
  events?.stop();
  await host.close();
  await teams.close();
  await app.close();
  log("stopped; workflow history and the audit trail are kept in Azurite's data folder.");
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
