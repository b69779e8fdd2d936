/**
 * Notifications through the real doors: the daily timer fired by the local host in UTC (as Flex
 * Consumption fires it), cards posted to a Teams capture server and checked by the Adaptive Cards
 * parser, emails sent by the real EmailClient to the emulated Communication Services and read back
 * through its control route, every delivery in the audit trail of Azurite.
 */
import { platformOf } from "../../shared/platform.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CostNoticeInput } from "../../orchestrations/costContainment.ts";
import { ACTIVITIES } from "../../orchestrations/names.ts";
import type { AuditRecord } from "../../shared/audit/record.ts";
import type { DrillFacts } from "../../shared/drills/record.ts";
import { tableFromConnectionString } from "../../shared/azure/tables.ts";
import { loadConfig } from "../../shared/config.ts";
import { channelsFromConfig, deliverNotification } from "../../shared/notifications/deliver.ts";
import type { Notification } from "../../shared/notifications/message.ts";
import { NOTIFICATIONS_TABLE, NotificationStore } from "../../shared/notifications/store.ts";
import { checkKillSwitch } from "../../shared/notifications/killSwitch.ts";
import { notificationCounts } from "../../shared/notifications/summary.ts";
import { cardOf, cardProblems, cardText } from "../support/adaptiveCards.ts";
import { type NotificationsHarness, startNotificationsHarness } from "../support/notifications.ts";

let h: NotificationsHarness;
beforeAll(async () => {
  h = await startNotificationsHarness("GovernorNotificationsTest");
}, 120_000);
afterAll(async () => h?.close());

const SERVER = () =>
  `/subscriptions/${h.app.sample.subscriptionId}/resourceGroups/rg-odoo-prod/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-odoo-prod`;
const deliveries = async (messageId: string): Promise<AuditRecord[]> =>
  (await h.trail.query({ kind: "notice" })).filter(
    (record) => record.action === "deliver" && (record.details as { messageId?: string }).messageId === messageId,
  );
const byChannel = (records: AuditRecord[]) =>
  Object.fromEntries(
    records.map((record) => [(record.details as { channel: string }).channel, (record.details as { status: string }).status]),
  );

function failedDrill(runId: string): DrillFacts {
  const at = h.app.clock.now().toISOString();
  const check = (name: string, status: "pass" | "fail", message: string) => ({ name, status, message, values: {}, durationMs: 3 });
  return {
    runId,
    policy: "weekly-restore-drill",
    server: { id: SERVER(), name: "psql-odoo-prod" },
    drillServer: { id: `${SERVER()}-drill-${runId}`, name: `psql-odoo-prod-drill-${runId}`, resourceGroup: "rg-governor-drills" },
    restorePoint: "latest",
    pointInTime: at,
    objectives: { rtoMinutes: 60, rpoMinutes: 15 },
    requestedAt: at,
    readyAt: at,
    verification: {
      checks: [
        check("connection", "pass", "SELECT 1 answered"),
        check("row-counts", "fail", "account_move: 9,412 rows, the source had 10,006 at the restore point (tolerance 5 %)"),
        check("accounting-balanced", "fail", "3 posted moves do not balance"),
      ] as NonNullable<DrillFacts["verification"]>["checks"],
      evidence: { method: "heartbeat", newestAt: at, note: "the newest heartbeat" },
      verifiedAt: at,
      verifySeconds: 2,
    },
    teardown: { confirmed: true, note: "deleted and confirmed gone" },
  };
}

describe("alerts", () => {
  it("a failed drill alerts at once, to the channel and the escalation recipients, naming its failed checks", async () => {
    const posts = h.teams.posts.length;
    const emails = (await h.emails()).length;
    const recordDrill = await h.activity(ACTIVITIES.recordDrill);
    await recordDrill(
      { instanceId: "drill:psql-odoo-prod:alert", trigger: { type: "timer", id: "t" }, facts: failedDrill("alert") },
      {} as never,
    );

    const card = cardOf(h.teams.posts.at(-1)?.body);
    expect(h.teams.posts.length - posts).toBe(1);
    expect(cardProblems(card)).toEqual([]);
    expect(cardText(card)).toMatch(/Restore drill of psql-odoo-prod failed\nfailed checks: row-counts, accounting-balanced\./);
    const sent = (await h.emails()).slice(emails);
    expect(sent.map((email) => [email.to, email.subject])).toEqual([
      [["oncall@nordwind.example"], "[Alert] Governor: Restore drill of psql-odoo-prod failed"],
    ]);
    expect(sent[0]?.plainText).toContain("row-counts: account_move: 9,412 rows");
    expect(byChannel(await deliveries("alert:drill:drill:psql-odoo-prod:alert"))).toEqual({ teams: "delivered", email: "delivered" });
  }, 30_000);

  it("a redelivered activity sends nothing twice: the drill's alert and a budget notice, each once per channel", async () => {
    const recordDrill = await h.activity(ACTIVITIES.recordDrill);
    const recordCostNotice = await h.activity(ACTIVITIES.recordCostNotice);
    const notice: CostNoticeInput = {
      instanceId: "budget:budget-nordwind-monthly:Forecasted:100:2026-11-01",
      response: "notify",
      alert: {
        schema: "common",
        budgetName: "budget-nordwind-monthly",
        thresholdType: "Forecasted",
        thresholdPercent: 100,
        spend: 5_480,
        budgetAmount: 5_000,
        currency: "EUR",
        periodStart: "2026-11-01",
      },
      reason: "forecast 5,480 EUR at 110 % of 5,000 EUR",
      plan: {
        policies: ["stop-idle-nonprod-vms"],
        notUsed: [],
        proposals: [
          {
            policy: "stop-idle-nonprod-vms",
            action: "deallocate",
            mode: "enforce",
            resources: [
              {
                resourceId: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-odoo-dev-01",
                resourceName: "vm-odoo-dev-01",
                verdict: "needs-approval",
                reason: "CPU average 1.2% over 72h < 5%",
                estimatedMonthlySavings: 140.16,
              },
            ],
            more: 0,
            blocked: 1,
            estimatedMonthlySavings: 140.16,
          },
        ],
        estimatedMonthlySavings: 140.16,
        currency: "EUR",
      },
    };
    const posts = h.teams.posts.length;
    const emails = (await h.emails()).length;
    const input = { instanceId: "drill:psql-odoo-prod:twice", trigger: { type: "timer", id: "t" }, facts: failedDrill("twice") };
    await recordDrill(input, {} as never);
    const first = (await recordCostNotice(notice, {} as never)) as { delivery: { delivered: boolean } };
    await recordDrill(input, {} as never);
    const second = (await recordCostNotice(notice, {} as never)) as { delivery: { delivered: boolean } };
    expect(first.delivery.delivered).toBe(true);
    expect(second.delivery.delivered).toBe(true);
    expect(h.teams.posts.length - posts).toBe(2);
    expect((await h.emails()).length - emails).toBe(2);
    const budget = (await h.emails()).at(-1);
    expect(budget?.subject).toBe("Governor: Budget budget-nordwind-monthly: forecast spend 5,480 EUR of 5,000 EUR (110 %)");
    expect(budget?.plainText).toContain("vm-odoo-dev-01: saves 140 EUR a month; CPU average 1.2% over 72h < 5%");
    expect(cardProblems(cardOf(h.teams.posts.at(-1)?.body))).toEqual([]);
    expect(await deliveries(`budget-notice:${notice.instanceId}`)).toHaveLength(2);
  }, 30_000);

  it("a Teams outage is retried, then recorded undeliverable, and email still delivers", async () => {
    h.teams.failNext(100, 503);
    try {
      const refused = h.teams.refused;
      const recordDrill = await h.activity(ACTIVITIES.recordDrill);
      await recordDrill(
        { instanceId: "drill:psql-odoo-prod:outage", trigger: { type: "timer", id: "t" }, facts: failedDrill("outage") },
        {} as never,
      );
      expect(h.teams.refused - refused).toBe(3);
      const records = await deliveries("alert:drill:drill:psql-odoo-prod:outage");
      expect(byChannel(records)).toEqual({ teams: "undeliverable", email: "delivered" });
      expect(records.find((record) => record.reason.startsWith("alert") && record.reason.includes("by teams"))?.reason).toMatch(
        /UNDELIVERABLE after 3 attempts: the Teams webhook answered 503/,
      );
    } finally {
      h.teams.failNext(0);
    }
    // Throttled (429) then open again: delivered on a retry.
    h.teams.failNext(1, 429);
    const recordDrill = await h.activity(ACTIVITIES.recordDrill);
    await recordDrill(
      { instanceId: "drill:psql-odoo-prod:throttled", trigger: { type: "timer", id: "t" }, facts: failedDrill("throttled") },
      {} as never,
    );
    const [teams] = (await deliveries("alert:drill:drill:psql-odoo-prod:throttled")).filter((record) => record.reason.includes("by teams"));
    expect(teams?.details).toMatchObject({ status: "delivered", attempts: 2 });
  }, 30_000);
});

describe("the daily digest", () => {
  it("goes out once a day at 07:00 in Brussels although the timer fires in UTC, across spring forward, with the audit trail's counts", async () => {
    const base = { trigger: { type: "timer" as const }, actor: { type: "governor" as const, id: "governor" } };
    const vm = (name: string) =>
      `/subscriptions/${h.app.sample.subscriptionId}/resourceGroups/rg-odoo-dev/providers/Microsoft.Compute/virtualMachines/${name}`;
    const sweep = "sweep:allowed-vm-sizes:2027-03-27T05:00:00.000Z";
    await h.trail.append([
      {
        ...base,
        id: `${sweep}:swept`,
        at: "2027-03-27T05:00:00Z",
        kind: "notice",
        action: "sweep",
        policy: "allowed-vm-sizes",
        instanceId: sweep,
        reason: "swept",
      },
      ...["vm-a", "vm-b"].map((name): AuditRecord => ({
        ...base,
        id: `${sweep}:finding:${name}`,
        at: "2027-03-27T05:00:00Z",
        kind: "finding",
        policy: "allowed-vm-sizes",
        resourceId: vm(name),
        action: "notify",
        verdict: "audit",
        instanceId: sweep,
        reason: "size Standard_M64 not allowed",
      })),
      {
        ...base,
        id: "r1:outcome:vm-c",
        at: "2027-03-27T05:30:00Z",
        kind: "outcome",
        policy: "stop-idle-nonprod-vms",
        resourceId: vm("vm-c"),
        action: "deallocate",
        outcome: "failed",
        instanceId: "r1",
        reason: "AnotherOperationInProgress",
      },
    ]);
    const digests = async () => (await h.emails()).filter((email) => email.subject.startsWith("Governor: Daily digest"));
    const before = (await digests()).length;
    const sentAt: string[] = [];
    for (const day of ["2027-03-27", "2027-03-28"]) {
      for (let at = Date.parse(`${day}T04:00:00Z`); at <= Date.parse(`${day}T07:30:00Z`); at += 15 * 60_000) {
        const count = (await digests()).length;
        await h.clockTo(new Date(at));
        if ((await digests()).length > count) sentAt.push(new Date(at).toISOString());
      }
    }
    // 07:00 CET, then 07:00 CEST: one each day, never again the same day.
    expect(sentAt).toEqual(["2027-03-27T06:00:00.000Z", "2027-03-28T05:00:00.000Z"]);
    const [saturday, sunday] = (await digests()).slice(before);
    expect(saturday?.to).toEqual(["platform@nordwind.example"]);
    expect(saturday?.subject).toBe("Governor: Daily digest, 2027-03-27");

    const trailFindings = (await h.trail.query({ kind: "finding", instanceId: sweep })).length;
    const trailFailed = (await h.trail.query({ kind: "outcome", since: "2027-03-26T06:00:00Z", until: "2027-03-27T06:00:01Z" })).filter(
      (record) => record.outcome === "failed",
    );
    expect(saturday?.plainText).toContain(
      `${trailFindings} new findings, 0 resolved; 0 changes applied, ${trailFailed.length} failed, 0 skipped`,
    );
    expect(saturday?.plainText).toContain(`- allowed-vm-sizes (audit): ${trailFindings}`);
    expect(saturday?.plainText).toContain("- FAILED vm-c (stop-idle-nonprod-vms): AnotherOperationInProgress");
    expect(saturday?.plainText).toContain("Savings this month: 0 EUR a month estimated; realised: not measured yet");
    expect(saturday?.plainText).toContain(`Open the report: ${h.host.url}/api/report`);
    // Nothing happened on Sunday: one line.
    expect((sunday?.plainText ?? "").split("\n").filter((line) => line.trim() !== "")).toEqual([
      "Daily digest, 2027-03-28",
      "Nothing new since yesterday: no finding opened or resolved, no change made, no approval waiting.",
      `Open the report: ${h.host.url}/api/report`,
    ]);
    const card = cardOf(h.teams.posts.at(-1)?.body);
    expect(cardProblems(card)).toEqual([]);
    expect(cardText(card)).toContain("Daily digest, 2027-03-28");

    const delivered = notificationCounts(await h.trail.query({ kind: "notice" }));
    expect(delivered.teams).toBeGreaterThanOrEqual(2);
    expect(byChannel(await deliveries("digest:2027-03-28"))).toEqual({ teams: "delivered", email: "delivered" });
  }, 60_000);
});

describe("the kill switch", () => {
  it("turned on, then off, alerts once each time the sweeps timer sees the change; the first sight of it off says nothing", async () => {
    const store = new NotificationStore(tableFromConnectionString(h.app.azurite.connectionString, "GovernorKillSwitchTest"));
    const config = (killSwitch: "on" | "off") => loadConfig({ ...process.env, GOVERNOR_KILL_SWITCH: killSwitch });
    const alerts = async () => (await h.emails()).filter((email) => email.subject.includes("Kill switch"));
    const before = (await alerts()).length;
    expect((await checkKillSwitch(config("off"), store, h.trail, h.app.clock.now())).alerted).toBeUndefined();
    expect((await checkKillSwitch(config("on"), store, h.trail, h.app.clock.now())).alerted).toMatch(/teams: delivered.*email: delivered/);
    expect((await checkKillSwitch(config("on"), store, h.trail, h.app.clock.now())).alerted).toBeUndefined();
    expect((await checkKillSwitch(config("off"), store, h.trail, h.app.clock.now())).alerted).toMatch(/email: delivered/);
    const sent = (await alerts()).slice(before);
    expect(sent.map((email) => [email.to, email.subject])).toEqual([
      [["oncall@nordwind.example"], "[Alert] Governor: Kill switch ON: Governor changes nothing"],
      [["oncall@nordwind.example"], "Governor: Kill switch OFF: Governor acts again"],
    ]);
  }, 30_000);
});

describe("the email quota", () => {
  it("owners' notices past 10 in a minute are held, not sent, and go out once the minute has passed", async () => {
    // The day's digest goes out at 12:00 (the timer's first wake-up today); the minute after is quiet.
    await h.clockTo("2027-03-29T12:00:00.000Z");
    await h.clockTo("2027-03-29T12:02:00.000Z");
    const store = new NotificationStore(tableFromConnectionString(h.app.azurite.connectionString, NOTIFICATIONS_TABLE));
    const deps = {
      channels: channelsFromConfig(loadConfig(process.env)),
      store,
      trail: h.trail,
      now: () => h.app.clock.now(),
      retry: platformOf(loadConfig(process.env)).notificationRetry,
      trigger: { type: "timer" as const, id: "test" },
    };
    const notice = (index: number): Notification => ({
      id: `owner-notice:2027-03-29:owner-${index}@nordwind.example`,
      kind: "owner-notice",
      audience: { type: "address", address: `owner-${index}@nordwind.example` },
      title: "1 finding about resources you own",
      summary: "s",
    });
    const emails = (await h.emails()).length;
    const first = await Promise.all(Array.from({ length: 12 }, (_, index) => deliverNotification(notice(index), deps)));
    const statuses = first.map((report) => report.channels[0]?.status);
    expect(statuses.filter((status) => status === "delivered")).toHaveLength(10);
    expect(statuses.filter((status) => status === "held")).toHaveLength(2);
    expect((await h.emails()).length - emails).toBe(10);

    await h.clockTo("2027-03-29T12:03:01.000Z");
    const again = await Promise.all(Array.from({ length: 12 }, (_, index) => deliverNotification(notice(index), deps)));
    expect(again.map((report) => report.channels[0]?.status).sort()).toEqual([
      ...Array.from({ length: 10 }, () => "already-sent"),
      "delivered",
      "delivered",
    ]);
    expect((await h.emails()).length - emails).toBe(12);
  }, 30_000);
});
