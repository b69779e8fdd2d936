import { describe, expect, it } from "vitest";
import { holidayCalendar } from "../../../shared/time/holidays.ts";
import {
  hoursInScheduleBetween,
  hoursInSchedulePerWeek,
  isWithinSchedule,
  localTimeLabel,
  nextScheduleStart,
  nextTransition,
  parseSchedule,
  scheduleState,
  zoneDay,
} from "../../../shared/time/schedule.ts";

const at = (iso: string): Date => new Date(iso);

function thrownMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected an error, none was thrown");
}
const OFFICE = parseSchedule("Mon-Fri 07:00-19:00 Europe/Brussels");

describe("parseSchedule", () => {
  it("reads days, hours and the time zone", () => {
    expect(OFFICE).toEqual({
      text: "Mon-Fri 07:00-19:00 Europe/Brussels",
      kind: "windows",
      windows: [{ days: [1, 2, 3, 4, 5], start: 7 * 60, end: 19 * 60 }],
      timeZone: "Europe/Brussels",
    });
  });

  it("reads several windows separated by ; or ,", () => {
    const expected = [
      { days: [1, 2, 3, 4, 5], start: 420, end: 1140 },
      { days: [6], start: 480, end: 720 },
    ];
    expect(parseSchedule("Mon-Fri 07:00-19:00; Sat 08:00-12:00 Europe/Brussels").windows).toEqual(expected);
    expect(parseSchedule("Mon-Fri 07:00-19:00, Sat 08:00-12:00 Europe/Brussels").windows).toEqual(expected);
  });

  it("reads day lists, weekend ranges and ranges that wrap over the weekend", () => {
    expect(parseSchedule("Mon,Wed,Fri 08:00-12:00 UTC").windows[0]?.days).toEqual([1, 3, 5]);
    expect(parseSchedule("Sat-Sun 10:00-16:00 UTC").windows[0]?.days).toEqual([6, 7]);
    expect(parseSchedule("Fri-Mon 10:00-16:00 UTC").windows[0]?.days).toEqual([1, 5, 6, 7]);
    expect(parseSchedule("monday - wednesday 10:00-16:00 UTC").windows[0]?.days).toEqual([1, 2, 3]);
    expect(parseSchedule("weekdays 7-19 UTC").windows[0]).toEqual({ days: [1, 2, 3, 4, 5], start: 420, end: 1140 });
  });

  it("gives a second range after a comma the days of the first", () => {
    expect(parseSchedule("Mon,Wed 08:00-12:00, 13:00-17:00 UTC").windows).toEqual([
      { days: [1, 3], start: 480, end: 720 },
      { days: [1, 3], start: 780, end: 1020 },
    ]);
  });

  it("reads hours alone as every day", () => {
    expect(parseSchedule("07:00-19:00 Europe/London").windows[0]?.days).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("reads a window that ends before it starts as running past midnight, and 00:00 or 24:00 as midnight", () => {
    expect(parseSchedule("Mon-Fri 22:00-06:00 UTC").windows[0]).toMatchObject({ start: 1320, end: 360 });
    expect(parseSchedule("Mon 18:00-00:00 UTC").windows[0]).toMatchObject({ start: 1080, end: 1440 });
    expect(parseSchedule("Mon 18:00-24:00 UTC").windows[0]).toMatchObject({ start: 1080, end: 1440 });
    expect(parseSchedule("Sat-Sun 24h UTC").windows[0]).toMatchObject({ start: 0, end: 1440 });
  });

  it("reads always, 24h, 24/7 and never without a time zone", () => {
    expect(parseSchedule("always").kind).toBe("always");
    expect(parseSchedule("24h").kind).toBe("always");
    expect(parseSchedule("24/7").kind).toBe("always");
    expect(parseSchedule("never").kind).toBe("never");
    expect(parseSchedule("Always Europe/Brussels")).toMatchObject({ kind: "always", timeZone: "Europe/Brussels" });
  });

  it("canonicalises the time zone and reads the holiday suffix", () => {
    expect(parseSchedule("Mon-Fri 07:00-19:00 europe/brussels holidays=be")).toMatchObject({ timeZone: "Europe/Brussels", holidays: "BE" });
    expect(parseSchedule("Mon-Fri 07:00-19:00 Europe/Brussels holidays=none").holidays).toBeNull();
    expect(parseSchedule("always Europe/Brussels holidays=BE")).toMatchObject({ kind: "always", holidays: "BE" });
  });

  it.each([
    ["", 'invalid schedule "": it is empty: write e.g. "Mon-Fri 07:00-19:00 Europe/Brussels"'],
    [
      "Mon-Fri 07:00-19:00",
      'invalid schedule "Mon-Fri 07:00-19:00": no time zone: end it with an IANA time zone, e.g. "Mon-Fri 07:00-19:00 Europe/Brussels"',
    ],
    [
      "Mon-Fri 07:00-19:00 Brussels",
      'invalid schedule "Mon-Fri 07:00-19:00 Brussels": unknown time zone "Brussels": use an IANA name such as Europe/Brussels or UTC',
    ],
    [
      "Europe/Brussels Mon-Fri 07:00-19:00",
      'invalid schedule "Europe/Brussels Mon-Fri 07:00-19:00": the time zone "Europe/Brussels" must come last, after the days and hours',
    ],
    [
      "Europe/Brussels",
      'invalid schedule "Europe/Brussels": no days or hours before the time zone: write e.g. "Mon-Fri 07:00-19:00 Europe/Brussels"',
    ],
    [
      "Mon-Fry 07:00-19:00 Europe/Brussels",
      'invalid schedule "Mon-Fry 07:00-19:00 Europe/Brussels": "Mon-Fry" is not a range of days: unknown day "Fry" (use Mon, Tue, Wed, Thu, Fri, Sat, Sun, a range like Mon-Fri, or weekdays/weekend)',
    ],
    [
      "Mon,Thr 07:00-19:00 UTC",
      'invalid schedule "Mon,Thr 07:00-19:00 UTC": unknown day "Thr" (use Mon, Tue, Wed, Thu, Fri, Sat, Sun, a range like Mon-Fri, or weekdays/weekend)',
    ],
    ["Mon-Fri 7:5-19:00 UTC", 'invalid schedule "Mon-Fri 7:5-19:00 UTC": "7:5" in "7:5-19:00" is not a time: expected HH:MM'],
    [
      "Mon-Fri 25:00-19:00 UTC",
      'invalid schedule "Mon-Fri 25:00-19:00 UTC": "25:00" in "25:00-19:00" is not a time of day (00:00 to 24:00)',
    ],
    [
      "Mon-Fri 07:60-19:00 UTC",
      'invalid schedule "Mon-Fri 07:60-19:00 UTC": "07:60" in "07:60-19:00" is not a time of day (00:00 to 24:00)',
    ],
    [
      "Mon 24:00-06:00 UTC",
      'invalid schedule "Mon 24:00-06:00 UTC": "24:00-06:00" starts at 24:00: a window starts at 23:59 at the latest',
    ],
    [
      "Mon-Fri 07:00-07:00 UTC",
      'invalid schedule "Mon-Fri 07:00-07:00 UTC": "07:00-07:00" starts and ends at the same time: write 24h for a whole day',
    ],
    [
      "Mon-Fri Europe/Brussels",
      'invalid schedule "Mon-Fri Europe/Brussels": "Mon-Fri" has no hours: write e.g. "Mon-Fri 08:00-12:00" or "Mon-Fri 24h"',
    ],
    [
      "Mon-Fri; Sat 08:00-12:00 UTC",
      'invalid schedule "Mon-Fri; Sat 08:00-12:00 UTC": "Mon-Fri" has no hours before ";": write e.g. "Mon-Fri 08:00-12:00"',
    ],
    [
      "Mon-Fri 07:00-19:00 Sat-Sun",
      'invalid schedule "Mon-Fri 07:00-19:00 Sat-Sun": "Sat-Sun" has no hours: write e.g. "Sat-Sun 08:00-12:00" or "Sat-Sun 24h"',
    ],
    [
      "Mon-Fri 0700-1900 UTC",
      'invalid schedule "Mon-Fri 0700-1900 UTC": unexpected "0700-1900": expected days (Mon-Fri) or hours (07:00-19:00)',
    ],
    [
      "Mon-Fri 07:00-19:00 UTC holidays=XX",
      'invalid schedule "Mon-Fri 07:00-19:00 UTC holidays=XX": holidays=XX: unknown holiday country "XX": expected a two-letter ISO 3166 country code (PL), optionally with a region (DE-BY); `npx governor holidays` lists the countries, `npx governor holidays <country>` a country\'s regions; or none, for no holidays',
    ],
    [
      "Mon-Fri 07:00-19:00 UTC holidays=BE holidays=NL",
      'invalid schedule "Mon-Fri 07:00-19:00 UTC holidays=BE holidays=NL": holidays are given 2 times',
    ],
    [
      "always holidays=BE",
      'invalid schedule "always holidays=BE": holidays=BE needs a time zone to know when a holiday starts: add one, e.g. "always Europe/Brussels holidays=BE"',
    ],
  ])("rejects %j with a message naming the bad part", (text, message) => {
    expect(thrownMessage(() => parseSchedule(text))).toBe(message);
  });
});

describe("isWithinSchedule", () => {
  it("is inside from the first minute of the window and outside from its last", () => {
    // Tuesday 3 March 2026, Brussels on CET (UTC+1).
    expect(isWithinSchedule(OFFICE, at("2026-03-03T05:59:59Z"))).toBe(false);
    expect(isWithinSchedule(OFFICE, at("2026-03-03T06:00:00Z"))).toBe(true);
    expect(isWithinSchedule(OFFICE, at("2026-03-03T17:59:59Z"))).toBe(true);
    expect(isWithinSchedule(OFFICE, at("2026-03-03T18:00:00Z"))).toBe(false);
  });

  it("is outside on the weekend", () => {
    expect(isWithinSchedule(OFFICE, at("2026-03-07T10:00:00Z"))).toBe(false);
  });

  it("keeps 07:00 local on the Monday after the clocks go forward (29 March 2026)", () => {
    // 05:30 UTC is 07:30 CEST on Monday 30 March, but would have been 06:30 CET a week earlier.
    expect(isWithinSchedule(OFFICE, at("2026-03-30T05:30:00Z"))).toBe(true);
    expect(isWithinSchedule(OFFICE, at("2026-03-23T05:30:00Z"))).toBe(false);
  });

  it("keeps 07:00 local on the Monday after the clocks go back (25 October 2026)", () => {
    expect(isWithinSchedule(OFFICE, at("2026-10-26T05:30:00Z"))).toBe(false);
    expect(isWithinSchedule(OFFICE, at("2026-10-26T06:00:00Z"))).toBe(true);
    expect(isWithinSchedule(OFFICE, at("2026-10-23T05:30:00Z"))).toBe(true);
  });

  it("follows a window over midnight into the next day", () => {
    const nights = parseSchedule("Fri 22:00-06:00 UTC");
    expect(isWithinSchedule(nights, at("2026-03-06T23:00:00Z"))).toBe(true); // Friday
    expect(isWithinSchedule(nights, at("2026-03-07T05:59:00Z"))).toBe(true); // Saturday
    expect(isWithinSchedule(nights, at("2026-03-07T06:00:00Z"))).toBe(false);
    expect(isWithinSchedule(nights, at("2026-03-06T03:00:00Z"))).toBe(false); // Friday morning: Thursday has no window
  });

  it("wraps a Sunday night window into Monday", () => {
    const sunday = parseSchedule("Sun 22:00-06:00 UTC");
    expect(isWithinSchedule(sunday, at("2026-03-09T02:00:00Z"))).toBe(true);
  });

  it("counts a public holiday as outside, from local midnight", () => {
    // Easter Monday 6 April 2026; Brussels is on CEST.
    const calendar = holidayCalendar("BE");
    expect(isWithinSchedule(OFFICE, at("2026-04-06T08:00:00Z"), calendar)).toBe(false);
    expect(isWithinSchedule(OFFICE, at("2026-04-06T08:00:00Z"))).toBe(true);
    expect(scheduleState(OFFICE, at("2026-05-25T08:00:00Z"), "BE")).toEqual({
      within: false,
      holiday: { date: "2026-05-25", name: "Whit Monday" },
    });
  });

  it("lets the schedule's own holidays win over the calendar passed in", () => {
    const dutch = parseSchedule("Mon-Fri 07:00-19:00 Europe/Amsterdam holidays=NL");
    // 21 July is Belgium's national day, not a Dutch holiday.
    expect(isWithinSchedule(dutch, at("2026-07-21T08:00:00Z"), "BE")).toBe(true);
    const noHolidays = parseSchedule("Mon-Fri 07:00-19:00 Europe/Brussels holidays=none");
    expect(isWithinSchedule(noHolidays, at("2026-04-06T08:00:00Z"), "BE")).toBe(true);
  });

  it("keeps always on whatever the default calendar, unless the schedule names holidays itself", () => {
    expect(isWithinSchedule(parseSchedule("always"), at("2026-04-06T08:00:00Z"), "BE")).toBe(true);
    expect(isWithinSchedule(parseSchedule("always Europe/Brussels holidays=BE"), at("2026-04-06T08:00:00Z"))).toBe(false);
    expect(isWithinSchedule(parseSchedule("never"), at("2026-04-07T08:00:00Z"))).toBe(false);
  });
});

describe("nextTransition", () => {
  it("finds the Monday start after the clocks go forward, at 07:00 CEST", () => {
    expect(nextTransition(OFFICE, at("2026-03-27T20:00:00Z"))).toEqual({ at: at("2026-03-30T05:00:00Z"), kind: "start" });
  });

  it("finds the Monday start after the clocks go back, at 07:00 CET", () => {
    expect(nextTransition(OFFICE, at("2026-10-23T20:00:00Z"))).toEqual({ at: at("2026-10-26T06:00:00Z"), kind: "start" });
  });

  it("finds the end of the window when inside it", () => {
    expect(nextTransition(OFFICE, at("2026-03-03T10:00:00Z"))).toEqual({ at: at("2026-03-03T18:00:00Z"), kind: "end" });
  });

  it("is strictly after the instant given", () => {
    expect(nextTransition(OFFICE, at("2026-03-03T18:00:00Z"))).toEqual({ at: at("2026-03-04T06:00:00Z"), kind: "start" });
  });

  it("skips a public holiday", () => {
    expect(nextTransition(OFFICE, at("2026-04-03T20:00:00Z"), "BE")).toEqual({ at: at("2026-04-07T05:00:00Z"), kind: "start" });
  });

  it("ends a window over midnight when a holiday begins", () => {
    const nights = parseSchedule("Sun 22:00-06:00 Europe/Brussels");
    // Sunday 5 April 22:00 CEST; Easter Monday starts at midnight.
    expect(nextTransition(nights, at("2026-04-05T20:30:00Z"), "BE")).toEqual({ at: at("2026-04-05T22:00:00Z"), kind: "end" });
  });

  it("starts a window inside the skipped hour when the clock lands after it", () => {
    const early = parseSchedule("Sun 02:30-05:00 Europe/Brussels");
    // On 29 March 2026 the clock goes from 02:00 CET straight to 03:00 CEST (01:00 UTC).
    expect(nextTransition(early, at("2026-03-28T12:00:00Z"))).toEqual({ at: at("2026-03-29T01:00:00Z"), kind: "start" });
  });

  it("follows the wall clock through the repeated hour in autumn", () => {
    const early = parseSchedule("Sun 02:30-05:00 Europe/Brussels");
    // 02:30 CEST starts it; at 03:00 CEST the clock shows 02:00 CET, outside again until 02:30 CET.
    expect(nextTransition(early, at("2026-10-24T12:00:00Z"))).toEqual({ at: at("2026-10-25T00:30:00Z"), kind: "start" });
    expect(nextTransition(early, at("2026-10-25T00:30:00Z"))).toEqual({ at: at("2026-10-25T01:00:00Z"), kind: "end" });
    expect(nextTransition(early, at("2026-10-25T01:00:00Z"))).toEqual({ at: at("2026-10-25T01:30:00Z"), kind: "start" });
  });

  it("has none for always and never", () => {
    expect(nextTransition(parseSchedule("always"), at("2026-03-03T10:00:00Z"))).toBeUndefined();
    expect(nextTransition(parseSchedule("never"), at("2026-03-03T10:00:00Z"))).toBeUndefined();
  });

  it("finds the next holiday of an always schedule that names its holidays", () => {
    expect(nextTransition(parseSchedule("always Europe/Brussels holidays=BE"), at("2026-06-01T00:00:00Z"))).toEqual({
      at: at("2026-07-20T22:00:00Z"),
      kind: "end",
    });
  });
});

describe("nextScheduleStart", () => {
  it("gives the next start when inside the window, skipping its end", () => {
    expect(nextScheduleStart(OFFICE, at("2026-03-06T10:00:00Z"))).toEqual(at("2026-03-09T06:00:00Z"));
  });
});

describe("hours in the schedule", () => {
  it("counts the nominal hours of a week", () => {
    expect(hoursInSchedulePerWeek(OFFICE)).toBe(60);
    expect(hoursInSchedulePerWeek(parseSchedule("Mon-Fri 07:00-19:00; Sat 08:00-12:00 Europe/Brussels"))).toBe(64);
    expect(hoursInSchedulePerWeek(parseSchedule("Mon-Fri 22:00-06:00 UTC"))).toBe(40);
    expect(hoursInSchedulePerWeek(parseSchedule("Mon 08:00-12:30 UTC"))).toBe(4.5);
    expect(hoursInSchedulePerWeek(parseSchedule("always"))).toBe(168);
    expect(hoursInSchedulePerWeek(parseSchedule("never"))).toBe(0);
  });

  it("counts overlapping windows once", () => {
    expect(hoursInSchedulePerWeek(parseSchedule("Mon-Fri 07:00-19:00; Mon 08:00-20:00 UTC"))).toBe(61);
  });

  it("counts the real hours of the days the clocks change", () => {
    const sunday = parseSchedule("Sun 24h Europe/Brussels");
    expect(hoursInScheduleBetween(sunday, at("2026-03-28T00:00:00Z"), at("2026-03-31T00:00:00Z"))).toBe(23);
    expect(hoursInScheduleBetween(sunday, at("2026-10-24T00:00:00Z"), at("2026-10-27T00:00:00Z"))).toBe(25);
  });

  it("counts a night over the spring change as one hour shorter", () => {
    const saturdayNight = parseSchedule("Sat 22:00-06:00 Europe/Brussels");
    expect(hoursInScheduleBetween(saturdayNight, at("2026-03-28T00:00:00Z"), at("2026-03-30T00:00:00Z"))).toBe(7);
  });

  it("leaves holidays out of the real hours", () => {
    // The week of Easter Monday 2026: four office days.
    expect(hoursInScheduleBetween(OFFICE, at("2026-04-05T22:00:00Z"), at("2026-04-12T22:00:00Z"), "BE")).toBe(48);
  });
});

describe("wall clock", () => {
  it("labels the local time for reasons", () => {
    expect(localTimeLabel(at("2026-03-08T22:10:00Z"), "Europe/Brussels")).toBe("Sunday 23:10");
  });

  it("finds the instant the offset changes on a DST day", () => {
    const day = zoneDay({ year: 2026, month: 3, day: 29 }, "Europe/Brussels");
    expect(day).toMatchObject({ offsetBefore: 3_600_000, offsetAfter: 7_200_000, transition: Date.parse("2026-03-29T01:00:00Z") });
  });
});
