/**
 * Timer sweeps: which policies are due between two runs, on the wall clock of Europe/Brussels
 * across daylight saving changes; missed slots run once; no slot runs twice; the timer starts
 * each due sweep once; the daily digest counts what the trail holds.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type * as DailyDigestModule from "../../functions/dailyDigest.ts";
import type * as SweepTimerModule from "../../functions/sweepTimer.ts";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { loadPolicyFile } from "../../shared/policy/loader.ts";
import type { Policy, PolicySet } from "../../shared/policy/types.ts";
import { type Registration, captureRegistrations } from "../../local/durable/index.ts";
import { occurrencesBetween } from "../../shared/time/ncrontab.ts";
import { sweepInstanceId } from "../../orchestrations/names.ts";
import { dueSweeps, occurrencesIn, slotsAwaitingApproval, sweepWindowStart } from "../../shared/triggers/sweeps.ts";

const BRUSSELS = "Europe/Brussels";
const MINUTE = 60_000;
const at = (iso: string): Date => new Date(iso);

/** What a timer every five minutes would see: the slots due in each window, in order. */
function walk(
  policies: Array<{ name: string; schedule?: string }>,
  from: string,
  to: string,
  stepMs = 5 * MINUTE,
): Array<[string, string]> {
  const seen: Array<[string, string]> = [];
  for (let since = at(from).getTime(); since < at(to).getTime(); since += stepMs) {
    for (const sweep of dueSweeps(policies, BRUSSELS, new Date(since), new Date(since + stepMs)).due) seen.push([sweep.policy, sweep.slot]);
  }
  return seen;
}

describe("due sweeps across daylight saving time in Europe/Brussels", () => {
  const nightly = { name: "nightly-0230", schedule: "0 30 2 * * *" };
  const halfHourly = { name: "every-30-min", schedule: "0 */30 * * * *" };
  const weekdayEvening = { name: "stop-idle-nonprod-vms", schedule: "0 0 19 * * 1-5" };

  it("in spring, a slot the clock skips (02:30 on 29 March) runs once, an hour later (03:30 CEST)", () => {
    expect(walk([nightly], "2026-03-28T22:00:00Z", "2026-03-29T04:00:00Z")).toEqual([["nightly-0230", "2026-03-29T01:30:00.000Z"]]);
  });

  it("in autumn, a point-in-time slot in the repeated hour runs once (the first pass), an interval schedule in both passes", () => {
    expect(walk([nightly], "2026-10-24T22:00:00Z", "2026-10-25T04:00:00Z")).toEqual([["nightly-0230", "2026-10-25T00:30:00.000Z"]]);
    const halfHours = walk([halfHourly], "2026-10-24T23:45:00Z", "2026-10-25T02:00:00Z").map(([, slot]) => slot);
    // 02:00 and 02:30 local come twice (CEST, then CET): four slots in the night's two hours of 02:xx.
    expect(halfHours).toEqual([
      "2026-10-25T00:00:00.000Z",
      "2026-10-25T00:30:00.000Z",
      "2026-10-25T01:00:00.000Z",
      "2026-10-25T01:30:00.000Z",
      "2026-10-25T02:00:00.000Z",
    ]);
  });

  it("in spring, only the first slot inside the skipped hour runs, shifted (03:15 CEST), even for a window that opens after the jump", () => {
    const twice = { name: "quarter-past-and-to", schedule: "0 15,45 2 * * *" };
    expect(walk([twice], "2026-03-28T22:00:00Z", "2026-03-29T04:00:00Z")).toEqual([["quarter-past-and-to", "2026-03-29T01:15:00.000Z"]]);
    // The five-minute timer's window after the jump (01:00 UTC) and before the shifted slot still holds it.
    expect(dueSweeps([twice], BRUSSELS, at("2026-03-29T01:10:00Z"), at("2026-03-29T01:15:00Z")).due.map((sweep) => sweep.slot)).toEqual([
      "2026-03-29T01:15:00.000Z",
    ]);
  });

  it("in autumn, `0 0 */2 * * *` runs at 02:00 once: it expands to fixed times, not an interval", () => {
    const everyTwoHours = { name: "every-two-hours", schedule: "0 0 */2 * * *" };
    expect(walk([everyTwoHours], "2026-10-24T23:30:00Z", "2026-10-25T02:30:00Z").map(([, slot]) => slot)).toEqual([
      "2026-10-25T00:00:00.000Z",
    ]);
  });

  it("a local time stays local: 19:00 in Brussels is 17:00 UTC in summer and 18:00 UTC in winter", () => {
    expect(walk([weekdayEvening], "2026-10-23T12:00:00Z", "2026-10-27T00:00:00Z").map(([, slot]) => slot)).toEqual([
      "2026-10-23T17:00:00.000Z",
      "2026-10-26T18:00:00.000Z",
    ]);
  });

  it("no policy of the pack is due twice, and none is left out, over four days across the autumn change", async () => {
    const set = await loadPolicyFile(DEFAULT_POLICIES, builtinRegistry());
    const from = "2026-10-23T00:00:00Z";
    const to = "2026-10-27T00:00:00Z";
    const seen = walk(set.policies, from, to);
    expect(new Set(seen.map((entry) => entry.join(" "))).size).toBe(seen.length);
    for (const policy of set.policies) {
      if (!policy.schedule) continue;
      const expected = occurrencesBetween(policy.schedule, at(from), new Date(at(to).getTime() + 1), BRUSSELS).map((date) =>
        date.toISOString(),
      );
      expect(
        seen.filter(([name]) => name === policy.name).map(([, slot]) => slot),
        policy.name,
      ).toEqual(expected);
    }
  });
});

describe("missed slots", () => {
  it("slots missed while the app was down run once, for the latest slot, saying since when", () => {
    // The timer last ran Monday 23 November 18:05 UTC; the app is back Wednesday 18:31 UTC.
    const { due } = dueSweeps(
      [
        { name: "stop-idle-nonprod-vms", schedule: "0 0 19 * * 1-5" },
        { name: "stop-offhours-nonprod-aks", schedule: "0 */30 * * * *" },
        { name: "weekly-restore-drill", schedule: "0 0 3 * * 0" },
        { name: "no-schedule" },
      ],
      BRUSSELS,
      at("2026-11-23T18:05:00Z"),
      at("2026-11-25T18:31:00Z"),
    );
    expect(due).toEqual([
      {
        policy: "stop-idle-nonprod-vms",
        slot: "2026-11-25T18:00:00.000Z",
        instanceId: "sweep:stop-idle-nonprod-vms:2026-11-25T18:00:00.000Z",
        missedSince: "2026-11-24T18:00:00.000Z",
      },
      {
        policy: "stop-offhours-nonprod-aks",
        slot: "2026-11-25T18:30:00.000Z",
        instanceId: "sweep:stop-offhours-nonprod-aks:2026-11-25T18:30:00.000Z",
        missedSince: "2026-11-23T18:30:00.000Z",
      },
    ]);
  });

  it("finds the latest slot of a frequent schedule over a long gap without walking every slot", () => {
    const started = performance.now();
    const found = occurrencesIn("* * * * * *", at("2026-01-01T00:00:00Z"), at("2026-02-01T00:00:00Z"), BRUSSELS);
    expect(found).toEqual({ first: at("2026-01-01T00:00:01Z"), latest: at("2026-02-01T00:00:00Z") });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("reports a schedule it cannot read, and still sweeps the others", () => {
    const result = dueSweeps(
      [
        { name: "broken", schedule: "0 0 19 * * 7" },
        { name: "fine", schedule: "0 */5 * * * *" },
      ],
      BRUSSELS,
      at("2026-11-23T18:00:00Z"),
      at("2026-11-23T18:05:00Z"),
    );
    expect(result.due.map((sweep) => sweep.policy)).toEqual(["fine"]);
    expect(result.problems).toEqual(['broken: invalid NCRONTAB "0 0 19 * * 7": day-of-week field "7": 7 is out of range 0-6 (0 = Sunday)']);
  });

  it("takes the window from the timer's last run, within bounds", () => {
    const now = at("2026-11-23T18:00:00.300Z");
    expect(sweepWindowStart("2026-11-23T17:55:00.000Z", now).since).toEqual(at("2026-11-23T17:54:00.000Z"));
    for (const nothing of [undefined, "", "0001-01-01T00:00:00", "not a date", "2027-01-01T00:00:00Z"])
      expect(sweepWindowStart(nothing, now).since, String(nothing)).toEqual(at("2026-11-23T17:55:00.300Z"));
    expect(sweepWindowStart("2025-01-01T00:00:00Z", now).since).toEqual(new Date(now.getTime() - 35 * 86_400_000));
  });

  it("names a sweep after its policy and slot, in a form Durable accepts", () => {
    expect(sweepInstanceId("stop-idle-nonprod-vms", at("2026-11-23T18:00:00Z"))).toBe(
      "sweep:stop-idle-nonprod-vms:2026-11-23T18:00:00.000Z",
    );
    expect(sweepInstanceId("a/b c", at("2026-11-23T18:00:00Z"))).toBe("sweep:a-b-c:2026-11-23T18:00:00.000Z");
  });
});

describe("the sweeps timer and the daily digest", () => {
  let registrations: Registration[];
  let timer: typeof SweepTimerModule;
  let digest: typeof DailyDigestModule;
  let set: PolicySet;

  beforeAll(async () => {
    registrations = await captureRegistrations(async () => {
      timer = await import("../../functions/sweepTimer.ts");
      digest = await import("../../functions/dailyDigest.ts");
    });
    set = await loadPolicyFile(DEFAULT_POLICIES, builtinRegistry());
  });

  const log = { log: () => {}, warn: () => {} };
  function fakeClient(failing: string[] = []) {
    const instances = new Map<string, unknown>();
    return {
      instances,
      startNew: async (name: string, options: { instanceId: string; input?: unknown }) => {
        if (failing.some((part) => options.instanceId.includes(part))) throw new Error("task hub unreachable");
        instances.set(options.instanceId, { name, input: options.input });
        return options.instanceId;
      },
      getStatus: async (instanceId: string) => (instances.has(instanceId) ? { runtimeStatus: "Completed" } : undefined),
    };
  }

  it("are timers: sweeps every five minutes with a Durable client, the daily notifications every 15 minutes (UTC: the digest waits for 07:00 in the policies' zone)", () => {
    const sweeps = registrations.find((registration) => registration.name === "sweeps");
    expect(sweeps?.triggerType).toBe("timerTrigger");
    expect(sweeps?.options.trigger).toMatchObject({ schedule: "0 */5 * * * *" });
    expect(sweeps?.options.extraInputs?.map((input) => input.type)).toEqual(["durableClient"]);
    expect(registrations.find((registration) => registration.name === "dailyDigest")?.options.trigger).toMatchObject({
      schedule: "0 */15 * * * *",
    });
    expect(digest.DIGEST_SCHEDULE).toBe("0 */15 * * * *");
  });

  it("starts each due sweep once: a timer that fires again, or an overlapping window, finds it started", async () => {
    const client = fakeClient();
    // Monday 23 November 2026, 19:00 in Brussels.
    const first = await timer.startDueSweeps({ set, last: "2026-11-23T17:55:00.000Z", now: at("2026-11-23T18:00:00.400Z") }, client, log);
    expect(first.started).toEqual([
      "sweep:stop-idle-nonprod-vms:2026-11-23T18:00:00.000Z",
      "sweep:stop-offhours-nonprod-vms:2026-11-23T18:00:00.000Z",
      "sweep:stop-offhours-nonprod-aks:2026-11-23T18:00:00.000Z",
      "sweep:backup-production-vms:2026-11-23T18:00:00.000Z",
      "sweep:stop-offhours-nonprod-postgres:2026-11-23T18:00:00.000Z",
      "sweep:stop-offhours-nonprod-scale-sets:2026-11-23T18:00:00.000Z",
    ]);
    expect(client.instances.get("sweep:stop-idle-nonprod-vms:2026-11-23T18:00:00.000Z")).toEqual({
      name: "sweep",
      input: {
        policy: "stop-idle-nonprod-vms",
        scope: "2026-11-23T18:00:00.000Z",
        trigger: { type: "timer", id: "sweep:stop-idle-nonprod-vms:2026-11-23T18:00:00.000Z" },
      },
    });
    const again = await timer.startDueSweeps({ set, last: "2026-11-23T17:55:00.000Z", now: at("2026-11-23T18:00:01Z") }, client, log);
    expect(again.started).toEqual([]);
    expect(again.found).toEqual(first.started);
    const next = await timer.startDueSweeps({ set, last: "2026-11-23T18:00:00.000Z", now: at("2026-11-23T18:05:00.200Z") }, client, log);
    expect(next.started).toEqual([]);
    expect(client.instances.size).toBe(6);
  });

  it("does not sweep a policy again while its earlier request for approval waits for a person, and does once it is answered", async () => {
    const client = fakeClient();
    const waiting = "remediate:stop-offhours-nonprod-vms:2026-11-23t17:30:00.000z:approval";
    const statuses = new Map<string, { runtimeStatus: string; customStatus?: unknown }>([
      [waiting, { runtimeStatus: "Running", customStatus: { stage: "awaiting-approval" } }],
      // The AKS policy's request of the same slot was answered: its remediation applies, nobody waits.
      [
        "remediate:stop-offhours-nonprod-aks:2026-11-23t17:30:00.000z:approval",
        { runtimeStatus: "Completed", customStatus: { stage: "decided" } },
      ],
    ]);
    const withApprovals = { ...client, getStatus: async (id: string) => statuses.get(id) ?? (await client.getStatus(id)) };
    const run = await timer.startDueSweeps(
      { set, last: "2026-11-23T17:55:00.000Z", now: at("2026-11-23T18:00:00.400Z") },
      withApprovals,
      log,
    );
    expect(run.deferred).toEqual([{ instanceId: "sweep:stop-offhours-nonprod-vms:2026-11-23T18:00:00.000Z", waitingOn: waiting }]);
    expect(run.started).toContain("sweep:stop-offhours-nonprod-aks:2026-11-23T18:00:00.000Z");
    expect(run.started).not.toContain("sweep:stop-offhours-nonprod-vms:2026-11-23T18:00:00.000Z");

    statuses.set(waiting, { runtimeStatus: "Completed", customStatus: { stage: "decided" } });
    const after = await timer.startDueSweeps(
      { set, last: "2026-11-23T18:25:00.000Z", now: at("2026-11-23T18:30:00.400Z") },
      withApprovals,
      log,
    );
    expect(after.deferred).toEqual([]);
    expect(after.started).toContain("sweep:stop-offhours-nonprod-vms:2026-11-23T18:30:00.000Z");
  });

  it("looks back over a policy's slots within twice its approval timeout, most recent first; a policy without approval looks at none", () => {
    const offHours = set.policies.find((policy) => policy.name === "stop-offhours-nonprod-vms");
    const slots = slotsAwaitingApproval(offHours as Policy, new Date("2026-11-23T18:00:00Z"), "Europe/Brussels");
    // 2 h timeout, twice over, plus five minutes: the eight half-hour slots before 18:00.
    expect(slots.map((slot) => slot.toISOString().slice(11, 16))).toEqual([
      "17:30",
      "17:00",
      "16:30",
      "16:00",
      "15:30",
      "15:00",
      "14:30",
      "14:00",
    ]);
    const tags = set.policies.find((policy) => policy.name === "required-tags");
    expect(slotsAwaitingApproval(tags as Policy, new Date("2026-11-23T18:00:00Z"), "Europe/Brussels")).toEqual([]);
  });

  it("one sweep that cannot be started does not keep the others from starting", async () => {
    const client = fakeClient(["backup-production-vms"]);
    const run = await timer.startDueSweeps({ set, last: "2026-11-23T17:55:00.000Z", now: at("2026-11-23T18:00:00.400Z") }, client, log);
    expect(run.started).toHaveLength(5);
    expect(run.failed).toEqual([{ instanceId: "sweep:backup-production-vms:2026-11-23T18:00:00.000Z", error: "task hub unreachable" }]);
  });
});
