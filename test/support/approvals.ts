/**
 * Governor's app with its approval routes on the local host, Teams pointed at a capture server
 * and email at the emulator's Communication Services: what the approval tests and the browser
 * test share.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RemediateInput } from "../../orchestrations/remediate.ts";
import { remediationsFor } from "../../orchestrations/remediations.ts";
import type { AwaitingApprovalStatus } from "../../orchestrations/approval.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";
import { plan } from "../../shared/planner.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { loadPolicyFile } from "../../shared/policy/loader.ts";
import { captureRegistrations } from "../../local/durable/index.ts";
import { type LocalHost, startLocalHost } from "../../local/host.ts";
import { type LocalApp, startLocalApp } from "../../local/localApp.ts";
import { startWebhookCapture, type WebhookCapture } from "../../local/webhookCapture.ts";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

export interface ApprovalsHarness {
  app: LocalApp;
  host: LocalHost;
  teams: WebhookCapture;
  /** Who the local host presents as signed in; undefined: nobody. */
  identity: { current: { name: string; roles: string[] } | undefined };
  /** The plan of stop-idle-nonprod-vms on the sample estate, as a sweep would start it. */
  idleVms: RemediateInput;
  close(): Promise<void>;
}

export async function startApprovalsHarness(taskHub: string): Promise<ApprovalsHarness> {
  const app = await startLocalApp({ workDir: mkdtempSync(join(tmpdir(), "governor-approvals-")), logger: quiet, taskHub });
  const teams = await startWebhookCapture();
  const registrations = await captureRegistrations(async () => {
    await import("../../functions/approvals.ts");
  });
  const identity: ApprovalsHarness["identity"] = { current: { name: "maria@nordwind.example", roles: ["platform-team"] } };
  const host = await startLocalHost({
    registrations,
    runtime: app.runtime,
    taskHub,
    functionKey: "test-key",
    clock: app.clock,
    timeZone: "Europe/Brussels",
    port: 0,
    logger: quiet,
    authentication: () => identity.current,
  });
  const settings = {
    GOVERNOR_APPROVAL_BASE_URL: host.url,
    GOVERNOR_TEAMS_WEBHOOK_URL: teams.url,
    GOVERNOR_EMAIL_CONNECTION_STRING: app.emulator.emailConnectionString,
    GOVERNOR_EMAIL_SENDER: "governor@nordwind.example",
    GOVERNOR_EMAIL_TO: "platform@nordwind.example",
    GOVERNOR_EMAIL_ESCALATION_TO: "ops-lead@nordwind.example",
  };
  Object.assign(process.env, settings);
  Object.assign(app.settings, settings);

  const set = await loadPolicyFile(DEFAULT_POLICIES, builtinRegistry());
  const { evaluation } = await plan(emulatorTarget(app.emulator, app.sample.subscriptionId), set, app.clock.now(), builtinRegistry());
  const start = remediationsFor(evaluation, set, { scope: "approvals", trigger: { type: "timer" } }).find(
    (item) => item.input.policy === "stop-idle-nonprod-vms",
  );
  if (!start) throw new Error("the sample estate no longer proposes stop-idle-nonprod-vms");
  return {
    app,
    host,
    teams,
    identity,
    idleVms: start.input,
    close: async () => {
      await host.close();
      await teams.close();
      await app.close();
      for (const name of Object.keys(settings)) delete process.env[name];
    },
  };
}

/** Waits until the approval instance reaches a stage (and round), with the runtime idle. */
export async function approvalStage(
  app: LocalApp,
  approvalId: string,
  stage: string,
  round = 0,
  timeoutMs = 60_000,
): Promise<AwaitingApprovalStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await app.runtime.whenIdle();
    const status = await app.runtime.getStatus(approvalId);
    const custom = status?.customStatus as (AwaitingApprovalStatus & { stage: string }) | undefined;
    if (custom?.stage === stage && custom.round === round) return custom;
    if (Date.now() > deadline)
      throw new Error(`${approvalId} did not reach ${stage} (round ${round}): ${status?.runtimeStatus} ${JSON.stringify(custom)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The approval link of the newest Teams card for an approval instance. */
export function linkFromTeams(teams: WebhookCapture, approvalId: string): string {
  const path = `/api/approvals/${encodeURIComponent(approvalId)}?`;
  for (const post of [...teams.posts].reverse()) {
    const card = (post.body as { attachments: Array<{ content: { actions: Array<{ url: string }> } }> }).attachments[0]?.content;
    const url = card?.actions[0]?.url;
    if (url?.includes(path)) return url.replace(/&intent=\w+$/, "");
  }
  throw new Error(`no card was posted for ${approvalId}`);
}
