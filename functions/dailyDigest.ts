/**
 * The daily timer: every 15 minutes (Flex Consumption fires timers in UTC, so the schedule cannot
 * say "07:00 in Brussels"), it sends the day's digest once the policy file's time zone has passed
 * 07:00, then the owners' notices of `notify` findings (shared/notifications/daily.ts). Both are
 * idempotent by the local date: a wake-up after they went out sends nothing. The digest carries
 * Azure Policy's compliance of the Governor baseline, and records it as the day's snapshot.
 */
import { platformOf } from "../shared/platform.ts";
import type { InvocationContext, Timer } from "@azure/functions";
import { app } from "@azure/functions";
import { openAuditTrail } from "../shared/audit/storage.ts";
import { appComplianceSource } from "../shared/azurePolicy/complianceHistory.ts";
import { recentUngovernedSubscriptions } from "../shared/inventory/groupSubscriptions.ts";
import { readManagementGroupAncestry } from "../shared/inventory/managementGroups.ts";
import { now } from "../shared/clock.ts";
import { loadConfig } from "../shared/config.ts";
import { appPolicies } from "../shared/policy/appSource.ts";
import { DAILY_TIMER_SCHEDULE, type DailyRun, runDailyNotifications, trailSavingsSource } from "../shared/notifications/daily.ts";
import { monthToDate as ledgerMonthToDate } from "../shared/savings/ledger.ts";
import { channelsFromConfig, describeDelivery } from "../shared/notifications/deliver.ts";
import { appNotificationStore } from "../shared/notifications/store.ts";

export const DIGEST_SCHEDULE = DAILY_TIMER_SCHEDULE;

function describePlatform(run: DailyRun): string {
  if (run.digest === "not-due") return "dailyDigest: before 07:00 in the policies' time zone: nothing due";
  const digest = run.digest === "sent-before" ? "digest sent before" : `digest: ${describeDelivery(run.digest)}`;
  const owners =
    run.owners === "not-due" || run.owners === "done-before"
      ? "owners' notices sent before"
      : `${run.owners.reports.length} owners' notice(s), ${run.owners.held} held for the email quota`;
  return `dailyDigest ${run.date}: ${digest}; ${owners}`;
}

export function describeDailyRun(run: DailyRun): string {
  const teams = (run.teams ?? []).map(
    (team) => `${team.scope}'s digest of ${team.date}: ${team.digest === "sent-before" ? "sent before" : describeDelivery(team.digest)}`,
  );
  return [describePlatform(run), ...teams].join("; ");
}

app.timer("dailyDigest", {
  schedule: DIGEST_SCHEDULE,
  handler: async (_timer: Timer, context: InvocationContext) => {
    const config = loadConfig(process.env);
    const group = config.managementGroup;
    // The home subscription's target: its credential reads Resource Graph across the governed subscriptions.
    const home = () => platformOf(config).target(config.subscriptionId);
    const [policySet, trail, store] = await Promise.all([
      appPolicies(config),
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
      retry: platformOf(config).notificationRetry,
      // One summarize request of Policy Insights per digest, recorded as the day's compliance snapshot.
      azurePolicy: appComplianceSource(config),
      // The groups above each subscription, for scopes' digests by management group: one Resource Graph query.
      managementGroups: async () => readManagementGroupAncestry(await home(), config.subscriptions),
      // The management group's subscriptions added since the deployment: one Resource Graph query.
      ...(group === undefined
        ? {}
        : {
            ungoverned: async () => recentUngovernedSubscriptions(await home(), group, config.subscriptions),
          }),
      // The ledger's figures (estimated and realised by Cost Management); before its first refresh, the plans' estimates.
      savings: {
        monthToDate: async (at) =>
          (await ledgerMonthToDate(at)) ??
          trailSavingsSource(trail, policySet.settings.currency, policySet.settings.timeZone).monthToDate(at),
      },
    });
    context.log(describeDailyRun(run));
  },
});
