import { describe, expect, it } from "vitest";
import { nextOccurrence, occurrencesBetween, parseNcrontab } from "../../../shared/time/ncrontab.ts";

const at = (iso: string): Date => new Date(iso);
const iso = (dates: Date[]): string[] => dates.map((date) => date.toISOString());
const BRUSSELS = "Europe/Brussels";
const NEW_YORK = "America/New_York";

function thrownMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected an error, none was thrown");
}

describe("parseNcrontab", () => {
  it("expands stars, lists, ranges and steps", () => {
    const cron = parseNcrontab("0 */15 8-10,17 1,15 * 1-5");
    expect(cron).toMatchObject({
      seconds: [0],
      minutes: [0, 15, 30, 45],
      hours: [8, 9, 10, 17],
      days: [1, 15],
      months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
      daysOfWeek: [1, 2, 3, 4, 5],
      interval: true,
    });
  });

  it("reads a value with a step as from that value to the end", () => {
    expect(parseNcrontab("0 5/20 * * * *").minutes).toEqual([5, 25, 45]);
    expect(parseNcrontab("0 0 9-17/4 * * *").hours).toEqual([9, 13, 17]);
  });

  it("reads month and day names in any case, abbreviated or not", () => {
    const cron = parseNcrontab("0 0 6 * jan,JUL-Sep MON-fri");
    expect(cron.months).toEqual([1, 7, 8, 9]);
    expect(cron.daysOfWeek).toEqual([1, 2, 3, 4, 5]);
    expect(parseNcrontab("0 0 6 * * Sunday,saturday").daysOfWeek).toEqual([0, 6]);
  });

  it("tells point-in-time schedules from intervals, as the Functions host does", () => {
    expect(parseNcrontab("0 30 2 * * *").interval).toBe(false);
    expect(parseNcrontab("0 0 19 * * 1-5").interval).toBe(false);
    expect(parseNcrontab("0 0,30 1,3 * * *").interval).toBe(false);
    expect(parseNcrontab("0 */30 * * * *").interval).toBe(true);
  });

  it("decides interval or fixed times from NCrontab's expanded form, not from the text", () => {
    // A step in the hours expands to a list: fixed times. Two consecutive hours expand to a range: an interval.
    expect(parseNcrontab("0 0 */2 * * *")).toMatchObject({ expanded: "0 0 0,2,4,6,8,10,12,14,16,18,20,22 * * *", interval: false });
    expect(parseNcrontab("0 0 1,2 * * *")).toMatchObject({ expanded: "0 0 1-2 * * *", interval: true });
    expect(parseNcrontab("0 30 1/2 * * *")).toMatchObject({ expanded: "0 30 1,3,5,7,9,11,13,15,17,19,21,23 * * *", interval: false });
    expect(parseNcrontab("0 0 9-17/4 * * *")).toMatchObject({ expanded: "0 0 9,13,17 * * *", interval: false });
    expect(parseNcrontab("0 0 8-8 * * *")).toMatchObject({ expanded: "0 0 8 * * *", interval: false });
    expect(parseNcrontab("*/1 0 9 * * *")).toMatchObject({ expanded: "* 0 9 * * *", interval: true });
    expect(parseNcrontab("0 */15 * * * *")).toMatchObject({ expanded: "0 0,15,30,45 * * * *", interval: true });
    // The day fields never make an interval; names expand to numbers.
    expect(parseNcrontab("0 0 6 * jan,JUL-Sep MON-fri")).toMatchObject({ expanded: "0 0 6 * 1,7-9 1-5", interval: false });
  });

  it("accepts five fields, without the seconds, as the host does: they fire at second 0", () => {
    expect(parseNcrontab("0 19 * * 1-5")).toMatchObject({ seconds: [0], minutes: [0], hours: [19], daysOfWeek: [1, 2, 3, 4, 5] });
    // Only the minute and hour fields decide: their expanded form has no `*` or range here.
    expect(parseNcrontab("0 19 * * 1-5")).toMatchObject({ expanded: "0 19 * * 1-5", interval: false });
    expect(parseNcrontab("*/5 * * * *")).toMatchObject({
      seconds: [0],
      expanded: "0,5,10,15,20,25,30,35,40,45,50,55 * * * *",
      interval: true,
    });
    const from = at("2026-03-02T00:00:00Z");
    const to = at("2026-03-16T00:00:00Z");
    expect(iso(occurrencesBetween("0 19 * * 1-5", from, to, BRUSSELS))).toEqual(
      iso(occurrencesBetween("0 0 19 * * 1-5", from, to, BRUSSELS)),
    );
    expect(thrownMessage(() => parseNcrontab("0 0 30,31 2 *"))).toBe(
      'invalid NCRONTAB "0 0 30,31 2 *": day field "30,31" never occurs in month field "2"',
    );
  });

  it.each([
    [
      "0 0 0 0 * * *",
      'invalid NCRONTAB "0 0 0 0 * * *": expected six fields (second minute hour day month day-of-week) or five (minute hour day month day-of-week), got 7',
    ],
    [
      "0 19 * *",
      'invalid NCRONTAB "0 19 * *": expected six fields (second minute hour day month day-of-week) or five (minute hour day month day-of-week), got 4',
    ],
    ["0 24 * * *", 'invalid NCRONTAB "0 24 * * *": hour field "24": 24 is out of range 0-23'],
    ["60 * * * * *", 'invalid NCRONTAB "60 * * * * *": second field "60": 60 is out of range 0-59'],
    ["0 0 25 * * *", 'invalid NCRONTAB "0 0 25 * * *": hour field "25": 25 is out of range 0-23'],
    ["0 0 0 0 * *", 'invalid NCRONTAB "0 0 0 0 * *": day field "0": 0 is out of range 1-31'],
    ["0 0 0 * 13 *", 'invalid NCRONTAB "0 0 0 * 13 *": month field "13": 13 is out of range 1-12'],
    ["0 0 0 * * 7", 'invalid NCRONTAB "0 0 0 * * 7": day-of-week field "7": 7 is out of range 0-6 (0 = Sunday)'],
    [
      "0 0 0 * FOO *",
      'invalid NCRONTAB "0 0 0 * FOO *": month field "FOO": "FOO" is not a number 1-12 or a name (JAN, FEB, MAR, APR, MAY, JUN, JUL, AUG, SEP, OCT, NOV, DEC)',
    ],
    [
      "0 0 0 * * MO",
      'invalid NCRONTAB "0 0 0 * * MO": day-of-week field "MO": "MO" is not a number 0-6 or a name (SUN, MON, TUE, WED, THU, FRI, SAT)',
    ],
    ["0 MON * * * *", 'invalid NCRONTAB "0 MON * * * *": minute field "MON": "MON" is not a number 0-59'],
    ["0 */0 * * * *", 'invalid NCRONTAB "0 */0 * * * *": minute field "*/0": step "0" is not a whole number above 0'],
    ["0 */x * * * *", 'invalid NCRONTAB "0 */x * * * *": minute field "*/x": step "x" is not a whole number above 0'],
    ["0 1/2/3 * * * *", 'invalid NCRONTAB "0 1/2/3 * * * *": minute field "1/2/3" has more than one step ("/")'],
    ["0 /5 * * * *", 'invalid NCRONTAB "0 /5 * * * *": minute field "/5" has nothing before its step'],
    ["0 5-2 * * * *", 'invalid NCRONTAB "0 5-2 * * * *": minute field "5-2": the range runs backwards (5 > 2)'],
    ["0 1-2-3 * * * *", 'invalid NCRONTAB "0 1-2-3 * * * *": minute field "1-2-3" is not a range like 1-5'],
    ["0 1,,2 * * * *", 'invalid NCRONTAB "0 1,,2 * * * *": minute field "1,,2" has an empty item in its list'],
    ["0 0 0 ? * *", 'invalid NCRONTAB "0 0 0 ? * *": day field "?": "?" is not a number 1-31'],
    ["0 0 0 30,31 2 *", 'invalid NCRONTAB "0 0 0 30,31 2 *": day field "30,31" never occurs in month field "2"'],
  ])("rejects %j, naming the field", (text, message) => {
    expect(thrownMessage(() => parseNcrontab(text))).toBe(message);
  });
});

describe("nextOccurrence", () => {
  it("fires weekdays at 19:00 local, skipping the weekend", () => {
    // Friday 6 March 2026, 19:00 CET is 18:00 UTC.
    expect(nextOccurrence("0 0 19 * * 1-5", at("2026-03-06T12:00:00Z"), BRUSSELS)).toEqual(at("2026-03-06T18:00:00Z"));
    expect(nextOccurrence("0 0 19 * * 1-5", at("2026-03-06T18:00:00Z"), BRUSSELS)).toEqual(at("2026-03-09T18:00:00Z"));
  });

  it("keeps 19:00 local on the Monday after the clocks go forward", () => {
    expect(nextOccurrence("0 0 19 * * 1-5", at("2026-03-27T20:00:00Z"), BRUSSELS)).toEqual(at("2026-03-30T17:00:00Z"));
  });

  it("keeps 19:00 local on the Monday after the clocks go back", () => {
    expect(nextOccurrence("0 0 19 * * 1-5", at("2026-10-23T20:00:00Z"), BRUSSELS)).toEqual(at("2026-10-26T18:00:00Z"));
  });

  it("fires a time skipped in spring as much later as the clock jumped", () => {
    // 02:30 does not exist on 29 March 2026: it fires at 03:30 CEST.
    expect(nextOccurrence("0 30 2 * * *", at("2026-03-28T12:00:00Z"), BRUSSELS)).toEqual(at("2026-03-29T01:30:00Z"));
  });

  it("fires a point-in-time schedule once in the hour repeated in autumn", () => {
    expect(nextOccurrence("0 30 2 * * *", at("2026-10-24T12:00:00Z"), BRUSSELS)).toEqual(at("2026-10-25T00:30:00Z"));
    expect(nextOccurrence("0 30 2 * * *", at("2026-10-25T00:30:00Z"), BRUSSELS)).toEqual(at("2026-10-26T01:30:00Z"));
  });

  it("runs an interval schedule through both passes of the repeated hour", () => {
    expect(iso(occurrencesBetween("0 */30 * * * *", at("2026-10-24T23:45:00Z"), at("2026-10-25T02:15:00Z"), BRUSSELS))).toEqual([
      "2026-10-25T00:00:00.000Z",
      "2026-10-25T00:30:00.000Z",
      "2026-10-25T01:00:00.000Z",
      "2026-10-25T01:30:00.000Z",
      "2026-10-25T02:00:00.000Z",
    ]);
  });

  it("runs an interval schedule every half hour of real time across the spring change", () => {
    expect(iso(occurrencesBetween("0 */30 * * * *", at("2026-03-28T23:45:00Z"), at("2026-03-29T02:15:00Z"), BRUSSELS))).toEqual([
      "2026-03-29T00:00:00.000Z",
      "2026-03-29T00:30:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-29T01:30:00.000Z",
      "2026-03-29T02:00:00.000Z",
    ]);
  });

  it("in spring, fires only the first run inside the skipped hour, shifted: 03:15 and not 03:45 in Brussels on 29 March 2026", () => {
    // 02:00 CET jumps to 03:00 CEST at 01:00 UTC: 02:15 and 02:45 do not exist.
    expect(iso(occurrencesBetween("0 15,45 2 * * *", at("2026-03-28T12:00:00Z"), at("2026-03-30T12:00:00Z"), BRUSSELS))).toEqual([
      "2026-03-29T01:15:00.000Z",
      "2026-03-30T00:15:00.000Z",
      "2026-03-30T00:45:00.000Z",
    ]);
    // The same occurrence whoever asks: a sweep looking from after the jump still finds 03:15, and nothing after it that night.
    expect(nextOccurrence("0 15,45 2 * * *", at("2026-03-29T01:05:00Z"), BRUSSELS)).toEqual(at("2026-03-29T01:15:00Z"));
    expect(nextOccurrence("0 15,45 2 * * *", at("2026-03-29T01:15:00Z"), BRUSSELS)).toEqual(at("2026-03-30T00:15:00Z"));
  });

  it("in spring, fires only the first run inside the skipped hour in New York on 8 March 2026, five fields or six", () => {
    // 02:00 EST jumps to 03:00 EDT at 07:00 UTC.
    for (const schedule of ["0 15,45 2 * * *", "15,45 2 * * *"]) {
      expect(iso(occurrencesBetween(schedule, at("2026-03-07T12:00:00Z"), at("2026-03-09T12:00:00Z"), NEW_YORK)), schedule).toEqual([
        "2026-03-08T07:15:00.000Z",
        "2026-03-09T06:15:00.000Z",
        "2026-03-09T06:45:00.000Z",
      ]);
    }
    // An interval keeps its pace of real time: every half hour through the jump.
    expect(iso(occurrencesBetween("0 */30 * * * *", at("2026-03-08T06:15:00Z"), at("2026-03-08T08:15:00Z"), NEW_YORK))).toEqual([
      "2026-03-08T06:30:00.000Z",
      "2026-03-08T07:00:00.000Z",
      "2026-03-08T07:30:00.000Z",
      "2026-03-08T08:00:00.000Z",
    ]);
  });

  it("in autumn, runs `0 0 */2 * * *` (fixed times once expanded) once at 02:00 in Brussels on 25 October 2026, not in both passes", () => {
    // 03:00 CEST falls back to 02:00 CET at 01:00 UTC: 02:00 comes at 00:00 and 01:00 UTC.
    expect(iso(occurrencesBetween("0 0 */2 * * *", at("2026-10-24T21:30:00Z"), at("2026-10-25T05:30:00Z"), BRUSSELS))).toEqual([
      "2026-10-24T22:00:00.000Z",
      "2026-10-25T00:00:00.000Z",
      "2026-10-25T03:00:00.000Z",
      "2026-10-25T05:00:00.000Z",
    ]);
    // Consecutive hours expand to a range, an interval: both passes of 02:00.
    expect(iso(occurrencesBetween("0 0 1,2,3 * * *", at("2026-10-24T21:30:00Z"), at("2026-10-25T05:30:00Z"), BRUSSELS))).toEqual([
      "2026-10-24T23:00:00.000Z",
      "2026-10-25T00:00:00.000Z",
      "2026-10-25T01:00:00.000Z",
      "2026-10-25T02:00:00.000Z",
    ]);
  });

  it("in autumn, runs fixed times once and intervals in both passes of 01:xx in New York on 1 November 2026", () => {
    // 02:00 EDT falls back to 01:00 EST at 06:00 UTC: 01:30 comes at 05:30 and 06:30 UTC.
    const night = (schedule: string) => iso(occurrencesBetween(schedule, at("2026-11-01T04:00:00Z"), at("2026-11-01T09:00:00Z"), NEW_YORK));
    expect(night("0 30 1/2 * * *")).toEqual(["2026-11-01T05:30:00.000Z", "2026-11-01T08:30:00.000Z"]);
    expect(night("0 30 1,3 * * *")).toEqual(["2026-11-01T05:30:00.000Z", "2026-11-01T08:30:00.000Z"]);
    expect(night("30 1,2,3 * * *")).toEqual([
      "2026-11-01T05:30:00.000Z",
      "2026-11-01T06:30:00.000Z",
      "2026-11-01T07:30:00.000Z",
      "2026-11-01T08:30:00.000Z",
    ]);
  });

  it("requires the day and the day of the week together, as NCrontab does", () => {
    expect(nextOccurrence("0 0 0 13 * FRI", at("2026-01-01T00:00:00Z"), "UTC")).toEqual(at("2026-02-13T00:00:00Z"));
  });

  it("finds a rare date years ahead", () => {
    // The next 29 February on a Monday.
    expect(nextOccurrence("0 0 0 29 2 MON", at("2026-01-01T00:00:00Z"), "UTC")).toEqual(at("2044-02-29T00:00:00Z"));
  });

  it("is strictly after the instant given, to the second", () => {
    expect(nextOccurrence("*/15 * * * * *", at("2026-01-01T10:00:15Z"), "UTC")).toEqual(at("2026-01-01T10:00:30Z"));
    expect(nextOccurrence("*/15 * * * * *", at("2026-01-01T10:00:15.500Z"), "UTC")).toEqual(at("2026-01-01T10:00:30Z"));
  });

  it("names an unknown time zone", () => {
    expect(thrownMessage(() => nextOccurrence("0 0 19 * * *", at("2026-01-01T00:00:00Z"), "Brussels"))).toBe(
      'unknown time zone "Brussels": use an IANA name such as Europe/Brussels or UTC',
    );
  });
});

describe("occurrencesBetween", () => {
  it("lists the sweeps of a week, excluding both ends", () => {
    const sweeps = occurrencesBetween("0 0 19 * * 1-5", at("2026-03-23T18:00:00Z"), at("2026-03-30T17:00:00Z"), BRUSSELS);
    expect(iso(sweeps)).toEqual([
      "2026-03-24T18:00:00.000Z",
      "2026-03-25T18:00:00.000Z",
      "2026-03-26T18:00:00.000Z",
      "2026-03-27T18:00:00.000Z",
    ]);
  });

  it("refuses to return more than the limit", () => {
    expect(() => occurrencesBetween("* * * * * *", at("2026-01-01T00:00:00Z"), at("2026-01-02T00:00:00Z"), "UTC", 100)).toThrow(
      '"* * * * * *" occurs more than 100 times between 2026-01-01T00:00:00.000Z and 2026-01-02T00:00:00.000Z',
    );
  });
});
