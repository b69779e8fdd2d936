/**
 * The daily timer: every 15 minutes (Flex Consumption fires timers in UTC, so the schedule cannot
 * say "07:00 in Brussels"), it sends the day's digest once the policy file's time zone has passed
 * 07:00, then the owners' notices of `notify` findings (shared/notifications/daily.ts). Both are
 * idempotent by the local date: a wake-up after they went out sends nothing.
 */
import type { InvocationContext, Timer } from "@azure/functions";
import { app } from "@azure/functions";
import { openAuditTrail } from "../shared/audit/storage.ts";
import { now } from "../shared/clock.ts";
import { loadConfig } from "../shared/config.ts";
import { retryFor } from "../shared/notifications/channels.ts";
import { DAILY_TIMER_SCHEDULE, type DailyRun, runDailyNotifications } from "../shared/notifications/daily.ts";
import { channelsFromConfig, describeDelivery } from "../shared/notifications/deliver.ts";
import { appNotificationStore } from "../shared/notifications/store.ts";
import { builtinRegistry } from "../shared/policy/builtins.ts";
import { loadPolicyFile } from "../shared/policy/loader.ts";

export const DIGEST_SCHEDULE = DAILY_TIMER_SCHEDULE;

export function describeDailyRun(run: DailyRun): string {
  if (run.digest === "not-due") return "dailyDigest: before 07:00 in the policies' time zone: nothing due";
  const digest = run.digest === "sent-before" ? "digest sent before" : `digest: ${describeDelivery(run.digest)}`;
  const owners =
    run.owners === "not-due" || run.owners === "done-before"
      ? "owners' notices sent before"
      : `${run.owners.reports.length} owners' notice(s), ${run.owners.held} held for the email quota`;
  return `dailyDigest ${run.date}: ${digest}; ${owners}`;
}

app.timer("dailyDigest", {
  schedule: DIGEST_SCHEDULE,
  handler: async (_timer: Timer, context: InvocationContext) => {
    const config = loadConfig(process.env);
    const [policySet, trail, store] = await Promise.all([
      loadPolicyFile(config.policyFile, builtinRegistry()),
      openAuditTrail(process.env, { table: config.auditTable }),
      appNotificationStore(),
    ]);
    const run = await runDailyNotifications({
      config,
      policySet,
      trail,
      store,
      channels: channelsFromConfig(config),
      now,
      retry: retryFor(config.emulator !== undefined),
    });
    context.log(describeDailyRun(run));
  },
});
