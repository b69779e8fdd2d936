/** The email pacer's arithmetic: well inside 30 a minute and 100 an hour, owners' notices held first. */
import { describe, expect, it } from "vitest";
import { ACS_DEFAULT_QUOTA, CEILINGS, paceDecision } from "../../../shared/notifications/pacer.ts";

const at = new Date("2026-11-24T06:00:00.000Z");
const sendsEvery = (count: number, spacingMs: number): Date[] =>
  Array.from({ length: count }, (_, index) => new Date(at.getTime() - (index + 1) * spacingMs));

describe("the email pacer", () => {
  it("keeps both ceilings under the service's default quota, leaving prompt messages room above owners' notices", () => {
    for (const ceiling of Object.values(CEILINGS)) {
      expect(ceiling.perMinute).toBeLessThan(ACS_DEFAULT_QUOTA.perMinute);
      expect(ceiling.perHour).toBeLessThan(ACS_DEFAULT_QUOTA.perHour);
    }
    expect(CEILINGS.deferrable.perHour).toBeLessThan(CEILINGS.prompt.perHour);
  });

  it("holds an owner's notice at 10 sends in the last minute and lets an alert through", () => {
    const sends = sendsEvery(10, 1_000);
    expect(paceDecision(sends, at, "deferrable")).toMatchObject({ ok: false, scope: "minute" });
    expect(paceDecision(sends, at, "prompt")).toEqual({ ok: true });
  });

  it("makes a prompt message wait at 20 in the minute, until the oldest leaves the window", () => {
    const decision = paceDecision(sendsEvery(20, 1_000), at, "prompt");
    expect(decision).toEqual({ ok: false, scope: "minute", waitMs: 60_000 - 20_000 + 1 });
  });

  it("stops at 80 an hour whatever the minute, and counts nothing older than an hour", () => {
    expect(paceDecision(sendsEvery(80, 40_000), at, "prompt")).toMatchObject({ ok: false, scope: "hour" });
    expect(paceDecision(sendsEvery(80, 46_000), at, "prompt")).toEqual({ ok: true });
  });
});
