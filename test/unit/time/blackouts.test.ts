import { describe, expect, it } from "vitest";
import type { Blackout } from "../../../shared/policy/types.ts";
import { activeBlackout, lastWorkingDays, validateBlackout } from "../../../shared/time/blackouts.ts";
import { formatIsoDate } from "../../../shared/time/holidays.ts";

const BRUSSELS = { timeZone: "Europe/Brussels", holidays: "BE" };
const MONTH_END: Blackout = { name: "month-end close", environments: ["prod", "staging"], lastWorkingDays: 3 };
const PEAK: Blackout = { name: "November peak season", environments: ["prod", "staging"], months: [11] };
const at = (iso: string): Date => new Date(iso);

describe("lastWorkingDays", () => {
  it("skips the weekend at the end of the month", () => {
    // 28-29 November 2026 is a weekend.
    expect(lastWorkingDays(2026, 11, 3, "BE").map(formatIsoDate)).toEqual(["2026-11-26", "2026-11-27", "2026-11-30"]);
  });

  it("skips a weekend and a holiday", () => {
    // Monday 31 August 2026 is England's summer bank holiday, after a weekend.
    expect(lastWorkingDays(2026, 8, 3, "GB").map(formatIsoDate)).toEqual(["2026-08-26", "2026-08-27", "2026-08-28"]);
    expect(lastWorkingDays(2026, 8, 3, "BE").map(formatIsoDate)).toEqual(["2026-08-27", "2026-08-28", "2026-08-31"]);
  });
});

describe("activeBlackout", () => {
  it("freezes the last three working days of the month, with the span in the reason", () => {
    expect(activeBlackout([MONTH_END], "prod", at("2026-11-26T09:00:00Z"), BRUSSELS)).toEqual({
      blackout: MONTH_END,
      reason: "month-end close: last 3 working days of November 2026 (26–30 Nov)",
    });
  });

  it("holds the freeze over the weekend inside the span", () => {
    expect(activeBlackout([MONTH_END], "prod", at("2026-11-28T12:00:00Z"), BRUSSELS)?.blackout.name).toBe("month-end close");
  });

  it("is not in force the working day before the span", () => {
    expect(activeBlackout([MONTH_END], "prod", at("2026-11-25T12:00:00Z"), BRUSSELS)).toBeUndefined();
  });

  it("moves the span before a holiday and a weekend that end the month", () => {
    const close: Blackout = { name: "month-end close", environments: [], lastWorkingDays: 3 };
    const london = { timeZone: "Europe/London", holidays: "GB" };
    expect(activeBlackout([close], "prod", at("2026-08-26T09:00:00Z"), london)?.reason).toBe(
      "month-end close: last 3 working days of August 2026 (26–28 Aug)",
    );
    expect(activeBlackout([close], "prod", at("2026-08-31T09:00:00Z"), london)).toBeUndefined();
    expect(activeBlackout([close], "prod", at("2026-08-25T09:00:00Z"), london)).toBeUndefined();
  });

  it("reads the day in the settings' time zone", () => {
    // 23:30 UTC on 25 November is already the 26th in Brussels.
    expect(activeBlackout([MONTH_END], "prod", at("2026-11-25T23:30:00Z"), BRUSSELS)).toBeDefined();
    expect(activeBlackout([MONTH_END], "prod", at("2026-11-25T22:30:00Z"), BRUSSELS)).toBeUndefined();
  });

  it("freezes the whole of November for the peak season", () => {
    expect(activeBlackout([PEAK], "staging", at("2026-11-02T09:00:00Z"), BRUSSELS)?.reason).toBe("November peak season: every November");
    expect(activeBlackout([PEAK], "staging", at("2026-10-31T23:30:00Z"), BRUSSELS)).toBeDefined(); // 00:30 on 1 November in Brussels
    expect(activeBlackout([PEAK], "staging", at("2026-10-31T22:30:00Z"), BRUSSELS)).toBeUndefined();
    expect(activeBlackout([PEAK], "staging", at("2026-12-01T09:00:00Z"), BRUSSELS)).toBeUndefined();
  });

  it("returns the first blackout in force", () => {
    expect(activeBlackout([MONTH_END, PEAK], "prod", at("2026-11-10T09:00:00Z"), BRUSSELS)?.blackout).toBe(PEAK);
    expect(activeBlackout([PEAK, MONTH_END], "prod", at("2026-11-27T09:00:00Z"), BRUSSELS)?.blackout).toBe(PEAK);
  });

  it("applies only to its environments, case-insensitively, and to an unknown environment", () => {
    expect(activeBlackout([PEAK], "dev", at("2026-11-10T09:00:00Z"), BRUSSELS)).toBeUndefined();
    expect(activeBlackout([PEAK], "Prod", at("2026-11-10T09:00:00Z"), BRUSSELS)).toBeDefined();
    expect(activeBlackout([PEAK], undefined, at("2026-11-10T09:00:00Z"), BRUSSELS)).toBeDefined();
  });

  it("freezes fixed dates inclusively", () => {
    const upgrade: Blackout = { name: "ERP upgrade", environments: [], from: "2026-06-12", to: "2026-06-15" };
    expect(activeBlackout([upgrade], "dev", at("2026-06-15T21:00:00Z"), BRUSSELS)?.reason).toBe(
      "ERP upgrade: from 12 Jun 2026 to 15 Jun 2026",
    );
    expect(activeBlackout([upgrade], "dev", at("2026-06-15T22:00:00Z"), BRUSSELS)).toBeUndefined();
    expect(activeBlackout([upgrade], "dev", at("2026-06-11T21:59:00Z"), BRUSSELS)).toBeUndefined();
  });

  it("combines months and last working days into the close of those months only", () => {
    const yearEnd: Blackout = { name: "year-end close", environments: [], months: [12], lastWorkingDays: 5 };
    // 25 December is Christmas: the last five working days of December 2026 are the 24th and 28th-31st.
    expect(activeBlackout([yearEnd], "prod", at("2026-12-24T09:00:00Z"), BRUSSELS)?.reason).toBe(
      "year-end close: last 5 working days of December 2026 (24–31 Dec)",
    );
    expect(activeBlackout([yearEnd], "prod", at("2026-11-27T09:00:00Z"), BRUSSELS)).toBeUndefined();
  });

  it("treats a blackout that cannot be read as in force", () => {
    const broken = { name: "typo", environments: [], months: [13] } as Blackout;
    expect(activeBlackout([broken], "prod", at("2026-03-03T09:00:00Z"), BRUSSELS)?.reason).toBe(
      "typo cannot be read (blackouts[0].months[0]: 13 is not a month (1-12)): in force until it is fixed",
    );
  });

  it("refuses an unknown holiday calendar", () => {
    expect(() => activeBlackout([MONTH_END], "prod", at("2026-11-26T09:00:00Z"), { timeZone: "Europe/Lisbon", holidays: "XX" })).toThrow(
      'unknown holiday country "XX"',
    );
  });
});

describe("validateBlackout", () => {
  it("accepts each kind of rule", () => {
    expect(validateBlackout(MONTH_END)).toEqual([]);
    expect(validateBlackout(PEAK)).toEqual([]);
    expect(validateBlackout({ name: "upgrade", from: "2026-06-12", to: "2026-06-12" })).toEqual([]);
  });

  it.each([
    [null, ["blackout: expected an object with a name and from/to, months or lastWorkingDays"]],
    [{ months: [11] }, ["blackout.name: required, a non-empty text"]],
    [{ name: "x" }, ['blackout "x": needs from/to dates, months or lastWorkingDays to say when it applies']],
    [{ name: "x", from: "2026-12-20", to: "2026-12-01" }, ['blackout "x": from 2026-12-20 is after to 2026-12-01']],
    [{ name: "x", from: "2026-12-20" }, ['blackout "x": from and to go together (both dates are inclusive)']],
    [{ name: "x", from: "2026-02-30", to: "2026-03-01" }, ['blackout "x".from: from "2026-02-30" does not exist']],
    [{ name: "x", from: "20/12/2026", to: "2026-12-31" }, ['blackout "x".from: from "20/12/2026" is not a date: expected YYYY-MM-DD']],
    [{ name: "x", months: [11, 13] }, ['blackout "x".months[1]: 13 is not a month (1-12)']],
    [{ name: "x", months: [] }, ['blackout "x".months: expected a non-empty list of months (1-12)']],
    [{ name: "x", lastWorkingDays: 0 }, ['blackout "x".lastWorkingDays: 0 is not a whole number from 1 to 10']],
    [{ name: "x", lastWorkingDays: 2.5 }, ['blackout "x".lastWorkingDays: 2.5 is not a whole number from 1 to 10']],
    [{ name: "x", environments: "prod", months: [1] }, ['blackout "x".environments: expected a list of environment names']],
    [
      { name: "x", lastWorkingDay: 3 },
      [
        'blackout "x": unknown field "lastWorkingDay" (expected name, environments, from, to, lastWorkingDays, months)',
        'blackout "x": needs from/to dates, months or lastWorkingDays to say when it applies',
      ],
    ],
  ])("reports %j", (raw, errors) => {
    expect(validateBlackout(raw)).toEqual(errors);
  });

  it("uses the location given for messages", () => {
    expect(validateBlackout({ name: "x", months: [0] }, "settings.blackouts[2]")).toEqual([
      "settings.blackouts[2].months[0]: 0 is not a month (1-12)",
    ]);
  });
});
