/**
 * Governor's own calendars against date-holidays, for the twelve countries Governor computes
 * itself, from 2026 through 2035: national public holidays (date-holidays' type `public`, at the
 * level of the country; for GB, England, as Governor's GB is England and Wales and date-holidays
 * keeps England's summer bank holiday at that level).
 *
 * Every date on which the two disagree must be in KNOWN_DIFFERENCES, reviewed, with the reason
 * Governor's answer stands; and every entry there must still be a disagreement. So a change in
 * the law that one side follows, or in date-holidays, fails here instead of drifting silently.
 * The years are fixed rather than read from the clock: moving the window on is a review too.
 */
import { describe, expect, it } from "vitest";
import { HOLIDAY_COUNTRIES, holidaysFor, isoWeekday, LIBRARY_COUNTERPART, parseIsoDate } from "../../../shared/time/holidays.ts";
import { libraryHolidays } from "../../../shared/time/holidaysLibrary.ts";
import type { LibraryPlace } from "../../../shared/time/holidaysLibrary.ts";

const FIRST_YEAR = 2026;
const LAST_YEAR = 2035;

interface Difference {
  country: string;
  date: string;
  /** The side that has a holiday on the date. */
  only: "governor" | "date-holidays";
  /** The holiday's name on that side, for the reader. */
  name: string;
}

interface KnownDifference extends Difference {
  why: string;
}

const SUNDAY_FEAST =
  "always a Sunday (Easter Sunday, Whit Sunday, the Swiss Federal Day of Thanksgiving): Governor's calendars hold the holidays that can take a working day, and this one never does, so no working-day count or weekday schedule changes";
const IRISH_SUBSTITUTE =
  "substitute day: a public holiday on a weekend gives the next weekday off, as banks, schools and the public service observe it; date-holidays lists the day as a bank holiday, not a public one";
const US_OBSERVED =
  "observed day: 5 U.S.C. 6103(b) moves a federal holiday on a Saturday to the Friday before and on a Sunday to the Monday after, and federal offices close; date-holidays types Veterans Day's observed day as a bank holiday while it makes the other federal holidays' observed days public";
const LIBERATION_DAY =
  "Liberation Day in a lustrum year, a day off under most Dutch collective agreements (date-holidays types it as a school holiday); on a weekend both times, so no working day changes";
const SPANISH_SUNDAY =
  "Christmas on a Sunday: whether Monday is a holiday instead is each autonomous community's choice in its yearly calendar, not a national holiday";

/** Reviewed: each date, which side has it, and why Governor's answer stands. */
const KNOWN_DIFFERENCES: KnownDifference[] = [
  { country: "CH", date: "2026-04-05", only: "date-holidays", name: "Ostersonntag", why: SUNDAY_FEAST },
  { country: "CH", date: "2026-05-24", only: "date-holidays", name: "Pfingstsonntag", why: SUNDAY_FEAST },
  { country: "CH", date: "2026-09-20", only: "date-holidays", name: "Eidg. Dank-, Buss- und Bettag", why: SUNDAY_FEAST },
  { country: "CH", date: "2027-03-28", only: "date-holidays", name: "Ostersonntag", why: SUNDAY_FEAST },
  { country: "CH", date: "2027-05-16", only: "date-holidays", name: "Pfingstsonntag", why: SUNDAY_FEAST },
  { country: "CH", date: "2027-09-19", only: "date-holidays", name: "Eidg. Dank-, Buss- und Bettag", why: SUNDAY_FEAST },
  { country: "CH", date: "2028-04-16", only: "date-holidays", name: "Ostersonntag", why: SUNDAY_FEAST },
  { country: "CH", date: "2028-06-04", only: "date-holidays", name: "Pfingstsonntag", why: SUNDAY_FEAST },
  { country: "CH", date: "2028-09-17", only: "date-holidays", name: "Eidg. Dank-, Buss- und Bettag", why: SUNDAY_FEAST },
  { country: "CH", date: "2029-04-01", only: "date-holidays", name: "Ostersonntag", why: SUNDAY_FEAST },
  { country: "CH", date: "2029-05-20", only: "date-holidays", name: "Pfingstsonntag", why: SUNDAY_FEAST },
  { country: "CH", date: "2029-09-16", only: "date-holidays", name: "Eidg. Dank-, Buss- und Bettag", why: SUNDAY_FEAST },
  { country: "CH", date: "2030-04-21", only: "date-holidays", name: "Ostersonntag", why: SUNDAY_FEAST },
  { country: "CH", date: "2030-06-09", only: "date-holidays", name: "Pfingstsonntag", why: SUNDAY_FEAST },
  { country: "CH", date: "2030-09-15", only: "date-holidays", name: "Eidg. Dank-, Buss- und Bettag", why: SUNDAY_FEAST },
  { country: "CH", date: "2031-04-13", only: "date-holidays", name: "Ostersonntag", why: SUNDAY_FEAST },
  { country: "CH", date: "2031-06-01", only: "date-holidays", name: "Pfingstsonntag", why: SUNDAY_FEAST },
  { country: "CH", date: "2031-09-21", only: "date-holidays", name: "Eidg. Dank-, Buss- und Bettag", why: SUNDAY_FEAST },
  { country: "CH", date: "2032-03-28", only: "date-holidays", name: "Ostersonntag", why: SUNDAY_FEAST },
  { country: "CH", date: "2032-05-16", only: "date-holidays", name: "Pfingstsonntag", why: SUNDAY_FEAST },
  { country: "CH", date: "2032-09-19", only: "date-holidays", name: "Eidg. Dank-, Buss- und Bettag", why: SUNDAY_FEAST },
  { country: "CH", date: "2033-04-17", only: "date-holidays", name: "Ostersonntag", why: SUNDAY_FEAST },
  { country: "CH", date: "2033-06-05", only: "date-holidays", name: "Pfingstsonntag", why: SUNDAY_FEAST },
  { country: "CH", date: "2033-09-18", only: "date-holidays", name: "Eidg. Dank-, Buss- und Bettag", why: SUNDAY_FEAST },
  { country: "CH", date: "2034-04-09", only: "date-holidays", name: "Ostersonntag", why: SUNDAY_FEAST },
  { country: "CH", date: "2034-05-28", only: "date-holidays", name: "Pfingstsonntag", why: SUNDAY_FEAST },
  { country: "CH", date: "2034-09-17", only: "date-holidays", name: "Eidg. Dank-, Buss- und Bettag", why: SUNDAY_FEAST },
  { country: "CH", date: "2035-03-25", only: "date-holidays", name: "Ostersonntag", why: SUNDAY_FEAST },
  { country: "CH", date: "2035-05-13", only: "date-holidays", name: "Pfingstsonntag", why: SUNDAY_FEAST },
  { country: "CH", date: "2035-09-16", only: "date-holidays", name: "Eidg. Dank-, Buss- und Bettag", why: SUNDAY_FEAST },
  { country: "ES", date: "2033-12-26", only: "date-holidays", name: "Navidad (día sustituto)", why: SPANISH_SUNDAY },
  { country: "IE", date: "2026-12-28", only: "governor", name: "St Stephen's Day (substitute day)", why: IRISH_SUBSTITUTE },
  { country: "IE", date: "2027-12-27", only: "governor", name: "Christmas Day (substitute day)", why: IRISH_SUBSTITUTE },
  { country: "IE", date: "2027-12-28", only: "governor", name: "St Stephen's Day (substitute day)", why: IRISH_SUBSTITUTE },
  { country: "IE", date: "2028-01-03", only: "governor", name: "New Year's Day (substitute day)", why: IRISH_SUBSTITUTE },
  { country: "IE", date: "2029-03-19", only: "governor", name: "St Patrick's Day (substitute day)", why: IRISH_SUBSTITUTE },
  { country: "IE", date: "2030-03-18", only: "governor", name: "St Patrick's Day (substitute day)", why: IRISH_SUBSTITUTE },
  { country: "IE", date: "2032-12-27", only: "governor", name: "Christmas Day (substitute day)", why: IRISH_SUBSTITUTE },
  { country: "IE", date: "2032-12-28", only: "governor", name: "St Stephen's Day (substitute day)", why: IRISH_SUBSTITUTE },
  { country: "IE", date: "2033-01-03", only: "governor", name: "New Year's Day (substitute day)", why: IRISH_SUBSTITUTE },
  { country: "IE", date: "2033-12-27", only: "governor", name: "Christmas Day (substitute day)", why: IRISH_SUBSTITUTE },
  { country: "IE", date: "2034-01-02", only: "governor", name: "New Year's Day (substitute day)", why: IRISH_SUBSTITUTE },
  { country: "IE", date: "2035-03-19", only: "governor", name: "St Patrick's Day (substitute day)", why: IRISH_SUBSTITUTE },
  { country: "IT", date: "2026-04-05", only: "date-holidays", name: "Domenica di Pasqua", why: SUNDAY_FEAST },
  { country: "IT", date: "2027-03-28", only: "date-holidays", name: "Domenica di Pasqua", why: SUNDAY_FEAST },
  { country: "IT", date: "2028-04-16", only: "date-holidays", name: "Domenica di Pasqua", why: SUNDAY_FEAST },
  { country: "IT", date: "2029-04-01", only: "date-holidays", name: "Domenica di Pasqua", why: SUNDAY_FEAST },
  { country: "IT", date: "2030-04-21", only: "date-holidays", name: "Domenica di Pasqua", why: SUNDAY_FEAST },
  { country: "IT", date: "2031-04-13", only: "date-holidays", name: "Domenica di Pasqua", why: SUNDAY_FEAST },
  { country: "IT", date: "2032-03-28", only: "date-holidays", name: "Domenica di Pasqua", why: SUNDAY_FEAST },
  { country: "IT", date: "2033-04-17", only: "date-holidays", name: "Domenica di Pasqua", why: SUNDAY_FEAST },
  { country: "IT", date: "2034-04-09", only: "date-holidays", name: "Domenica di Pasqua", why: SUNDAY_FEAST },
  { country: "IT", date: "2035-03-25", only: "date-holidays", name: "Domenica di Pasqua", why: SUNDAY_FEAST },
  { country: "NL", date: "2026-04-05", only: "date-holidays", name: "Pasen", why: SUNDAY_FEAST },
  { country: "NL", date: "2026-05-24", only: "date-holidays", name: "Pinksteren", why: SUNDAY_FEAST },
  { country: "NL", date: "2027-03-28", only: "date-holidays", name: "Pasen", why: SUNDAY_FEAST },
  { country: "NL", date: "2027-05-16", only: "date-holidays", name: "Pinksteren", why: SUNDAY_FEAST },
  { country: "NL", date: "2028-04-16", only: "date-holidays", name: "Pasen", why: SUNDAY_FEAST },
  { country: "NL", date: "2028-06-04", only: "date-holidays", name: "Pinksteren", why: SUNDAY_FEAST },
  { country: "NL", date: "2029-04-01", only: "date-holidays", name: "Pasen", why: SUNDAY_FEAST },
  { country: "NL", date: "2029-05-20", only: "date-holidays", name: "Pinksteren", why: SUNDAY_FEAST },
  { country: "NL", date: "2030-05-05", only: "governor", name: "Bevrijdingsdag", why: LIBERATION_DAY },
  { country: "NL", date: "2030-04-21", only: "date-holidays", name: "Pasen", why: SUNDAY_FEAST },
  { country: "NL", date: "2030-06-09", only: "date-holidays", name: "Pinksteren", why: SUNDAY_FEAST },
  { country: "NL", date: "2031-04-13", only: "date-holidays", name: "Pasen", why: SUNDAY_FEAST },
  { country: "NL", date: "2031-06-01", only: "date-holidays", name: "Pinksteren", why: SUNDAY_FEAST },
  { country: "NL", date: "2032-03-28", only: "date-holidays", name: "Pasen", why: SUNDAY_FEAST },
  { country: "NL", date: "2032-05-16", only: "date-holidays", name: "Pinksteren", why: SUNDAY_FEAST },
  { country: "NL", date: "2033-04-17", only: "date-holidays", name: "Pasen", why: SUNDAY_FEAST },
  { country: "NL", date: "2033-06-05", only: "date-holidays", name: "Pinksteren", why: SUNDAY_FEAST },
  { country: "NL", date: "2034-04-09", only: "date-holidays", name: "Pasen", why: SUNDAY_FEAST },
  { country: "NL", date: "2034-05-28", only: "date-holidays", name: "Pinksteren", why: SUNDAY_FEAST },
  { country: "NL", date: "2035-05-05", only: "governor", name: "Bevrijdingsdag", why: LIBERATION_DAY },
  { country: "NL", date: "2035-03-25", only: "date-holidays", name: "Pasen", why: SUNDAY_FEAST },
  { country: "NL", date: "2035-05-13", only: "date-holidays", name: "Pinksteren", why: SUNDAY_FEAST },
  { country: "US", date: "2028-11-10", only: "governor", name: "Veterans Day (observed)", why: US_OBSERVED },
  { country: "US", date: "2029-11-12", only: "governor", name: "Veterans Day (observed)", why: US_OBSERVED },
  { country: "US", date: "2034-11-10", only: "governor", name: "Veterans Day (observed)", why: US_OBSERVED },
  { country: "US", date: "2035-11-12", only: "governor", name: "Veterans Day (observed)", why: US_OBSERVED },
];

const WEEKDAYS = ["", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

function differences(): Difference[] {
  const found: Difference[] = [];
  for (const country of HOLIDAY_COUNTRIES) {
    for (let year = FIRST_YEAR; year <= LAST_YEAR; year += 1) {
      const own = new Map(holidaysFor(country, year).map((holiday) => [holiday.date, holiday.name]));
      const library = new Map(
        libraryHolidays(LIBRARY_COUNTERPART[country] as LibraryPlace, year).map((holiday) => [holiday.date, holiday.name]),
      );
      for (const [date, name] of own) if (!library.has(date)) found.push({ country, date, only: "governor", name });
      for (const [date, name] of library) if (!own.has(date)) found.push({ country, date, only: "date-holidays", name });
    }
  }
  return found;
}

const key = (difference: Difference): string => `${difference.country} ${difference.date} only ${difference.only}`;

describe(`Governor's own calendars against date-holidays, ${FIRST_YEAR}-${LAST_YEAR}`, () => {
  const found = differences();
  const known = new Set(KNOWN_DIFFERENCES.map(key));

  it("disagree only on the reviewed dates", () => {
    const unexplained = found.filter((difference) => !known.has(key(difference)));
    expect(unexplained.map((difference) => `${key(difference)}: ${difference.name}`)).toEqual([]);
  });

  it("still disagree on every reviewed date (an entry that no longer differs is taken out)", () => {
    const current = new Set(found.map(key));
    expect(KNOWN_DIFFERENCES.filter((difference) => !current.has(key(difference))).map(key)).toEqual([]);
  });

  it("has each reviewed difference once, with a reason that fits its weekday", () => {
    expect(new Set(KNOWN_DIFFERENCES.map(key)).size).toBe(KNOWN_DIFFERENCES.length);
    for (const difference of KNOWN_DIFFERENCES) {
      const weekday = WEEKDAYS[isoWeekday(parseIsoDate(difference.date))];
      if (difference.why === SUNDAY_FEAST) expect(`${key(difference)} ${weekday}`).toMatch(/Sunday$/);
      if (difference.why === LIBERATION_DAY) expect(`${key(difference)} ${weekday}`).toMatch(/(Saturday|Sunday)$/);
      if (difference.why === IRISH_SUBSTITUTE || difference.why === US_OBSERVED) {
        expect(`${key(difference)} ${weekday}`).toMatch(/(Monday|Tuesday|Friday)$/);
      }
    }
  });

  it("covers the twelve countries over the ten years", () => {
    expect(HOLIDAY_COUNTRIES).toHaveLength(12);
    for (const country of HOLIDAY_COUNTRIES)
      expect(libraryHolidays(LIBRARY_COUNTERPART[country] as LibraryPlace, LAST_YEAR).length).toBeGreaterThan(5);
  });
});
