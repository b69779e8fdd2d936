/**
 * Governor's app with the daily timer on the local host, Teams pointed at a capture server and
 * email at the emulator's Communication Services: what the notification tests share. The host
 * fires timers in UTC, as Flex Consumption does (no WEBSITE_TIME_ZONE there).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SentEmail } from "../../emulator/communication.ts";
import type { SampleEstate } from "../../emulator/estate/sample.ts";
import { TableAuditTrail } from "../../shared/audit/trail.ts";
import { captureRegistrations, type Registration } from "../../local/durable/index.ts";
import { type LocalHost, startLocalHost } from "../../local/host.ts";
import { type LocalApp, startLocalApp, workflowRegistrations } from "../../local/localApp.ts";
import { startWebhookCapture, type WebhookCapture } from "../../local/webhookCapture.ts";
import { rawRequest } from "./http.ts";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

export interface NotificationsHarness {
  app: LocalApp;
  host: LocalHost;
  teams: WebhookCapture;
  trail: TableAuditTrail;
  /** The emails the emulated service accepted, read through its control route. */
  emails(): Promise<SentEmail[]>;
  /** An activity of the app, called as the Durable runtime calls it (a redelivery is a second call). */
  activity(name: string): Promise<Registration["handler"]>;
  /** Moves the virtual clock to an instant and lets the timers it passes finish. */
  clockTo(at: Date | string): Promise<void>;
  close(): Promise<void>;
}

export async function startNotificationsHarness(
  taskHub: string,
  options: { sample?: SampleEstate; policyFile?: string; settings?: Record<string, string> } = {},
): Promise<NotificationsHarness> {
  const app = await startLocalApp({
    workDir: mkdtempSync(join(tmpdir(), "governor-notifications-")),
    logger: quiet,
    taskHub,
    ...(options.sample ? { sample: options.sample } : {}),
    ...(options.policyFile ? { policyFile: options.policyFile } : {}),
    ...(options.settings ? { settings: options.settings } : {}),
  });
  const teams = await startWebhookCapture();
  const registrations = await captureRegistrations(async () => {
    await import("../../functions/dailyDigest.ts");
  });
  const host = await startLocalHost({
    registrations,
    runtime: app.runtime,
    taskHub,
    functionKey: "test-key",
    clock: app.clock,
    timeZone: "UTC",
    port: 0,
    logger: quiet,
  });
  const settings = {
    GOVERNOR_APPROVAL_BASE_URL: host.url,
    GOVERNOR_TEAMS_WEBHOOK_URL: teams.url,
    GOVERNOR_EMAIL_CONNECTION_STRING: app.emulator.emailConnectionString,
    GOVERNOR_EMAIL_SENDER: "governor@nordwind.example",
    GOVERNOR_EMAIL_TO: "platform@nordwind.example",
    GOVERNOR_EMAIL_ESCALATION_TO: "oncall@nordwind.example",
  };
  Object.assign(process.env, settings);
  Object.assign(app.settings, settings);
  const trail = TableAuditTrail.fromConnectionString(app.azurite.connectionString, { table: "GovernorAudit" });
  return {
    app,
    host,
    teams,
    trail,
    emails: async () =>
      ((await rawRequest({ url: app.emulator.url, ca: app.emulator.ca }, "GET", "/_emulator/emails")).body as { messages: SentEmail[] })
        .messages,
    activity: async (name) => {
      const registration = (await workflowRegistrations()).find((item) => item.name === name);
      if (!registration) throw new Error(`${name} is not registered`);
      return registration.handler;
    },
    clockTo: async (at) => {
      app.clock.set(new Date(at));
      await host.timersIdle();
      await app.runtime.whenIdle();
    },
    close: async () => {
      await host.close();
      await teams.close();
      await app.close();
      for (const name of Object.keys(settings)) delete process.env[name];
    },
  };
}
