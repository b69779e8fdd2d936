import { describe, expect, it } from "vitest";
import { nextOccurrence, occurrencesBetween, parseNcrontab } from "../../../shared/time/ncrontab.ts";

const at = (iso: string): Date => new Date(iso);
const iso = (dates: Date[]): string[] => dates.map((date) => date.toISOString());
const BRUSSELS = "Europe/Brussels";

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
    expect(parseNcrontab("0 0,30 1,2 * * *").interval).toBe(false);
    expect(parseNcrontab("0 */30 * * * *").interval).toBe(true);
  });

  it.each([
    [
      "0 19 * * 1-5",
      'invalid NCRONTAB "0 19 * * 1-5": expected six fields (second minute hour day month day-of-week), got 5; Azure Functions timers start with seconds: "0 0 19 * * 1-5"',
    ],
    ["0 0 0 0 * * *", 'invalid NCRONTAB "0 0 0 0 * * *": expected six fields (second minute hour day month day-of-week), got 7'],
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
