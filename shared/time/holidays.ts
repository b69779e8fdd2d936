/**
 * Public holiday calendars. Governor's own for twelve countries (HOLIDAY_COUNTRIES), computed
 * rather than listed so they never run out: fixed dates, Easter-based days (Gregorian computus)
 * and "nth Monday" rules, with each country's way of observing a holiday that falls on a weekend.
 * They are national days only (Governor's GB is England and Wales).
 *
 * Every other country, and every region (`DE-BY`, `ES-MD`), comes from the date-holidays package
 * (shared/time/holidaysLibrary.ts), loaded only when such a code is asked for. A region of one of
 * Governor's own countries is Governor's national calendar changed as date-holidays changes the
 * nation for that region: the days the region adds (Epiphany and Corpus Christi in Bavaria) are
 * added, the national days it does not keep (Easter Monday in Scotland) are taken out. So
 * Governor's substitute and one-off days stay, and the region's own days come from the library.
 *
 * Also the civil-date arithmetic the calendars need (a date without a time or a zone).
 */
import { libraryHolidays, libraryPlace, placeCode } from "./holidaysLibrary.ts";
import type { LibraryPlace } from "./holidaysLibrary.ts";

/** A calendar date, as read on a wall calendar: no time, no zone. */
export interface CivilDate {
  year: number;
  /** 1-12 */
  month: number;
  /** 1-31 */
  day: number;
}

export interface Holiday {
  /** YYYY-MM-DD */
  date: string;
  name: string;
}

/** A country's holidays, looked up by local date (the date in the time zone of whatever is being decided). */
export interface HolidayCalendar {
  country: string;
  holidayOn(date: CivilDate | string): Holiday | undefined;
}

const DAY_MS = 86_400_000;

// Date.UTC is plain arithmetic on its arguments (no clock), which makes it the simplest exact
// day counter for the proleptic Gregorian calendar.
function dayNumber(date: CivilDate): number {
  return Math.round(Date.UTC(date.year, date.month - 1, date.day) / DAY_MS);
}

function fromDayNumber(days: number): CivilDate {
  const date = new Date(days * DAY_MS);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

export function addDays(date: CivilDate, days: number): CivilDate {
  return fromDayNumber(dayNumber(date) + days);
}

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: CivilDate): number {
  // Day 0 (1970-01-01) was a Thursday.
  return ((((dayNumber(date) + 3) % 7) + 7) % 7) + 1;
}

export function isWeekend(date: CivilDate): boolean {
  return isoWeekday(date) >= 6;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function compareDates(a: CivilDate, b: CivilDate): number {
  return dayNumber(a) - dayNumber(b);
}

export function formatIsoDate(date: CivilDate): string {
  const pad = (value: number, width: number): string => String(value).padStart(width, "0");
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

/** Reads `YYYY-MM-DD`, refusing dates that do not exist (`2026-02-30`). */
export function parseIsoDate(text: string, what = "date"): CivilDate {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!match) throw new Error(`${what} "${text}" is not a date: expected YYYY-MM-DD`);
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  if (date.month < 1 || date.month > 12 || date.day < 1 || date.day > daysInMonth(date.year, date.month)) {
    throw new Error(`${what} "${text}" does not exist`);
  }
  return date;
}

/** Easter Sunday of the Gregorian calendar (the anonymous Gregorian computus, "Meeus/Jones/Butcher"). */
export function easterSunday(year: number): CivilDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const n = h + l - 7 * m + 114;
  return { year, month: Math.floor(n / 31), day: (n % 31) + 1 };
}

/** The nth given ISO weekday of a month (n = -1 for the last). */
function nthWeekday(year: number, month: number, weekday: number, n: number): CivilDate {
  if (n > 0) {
    const first = { year, month, day: 1 };
    return addDays(first, ((weekday - isoWeekday(first) + 7) % 7) + (n - 1) * 7);
  }
  const last = { year, month, day: daysInMonth(year, month) };
  return addDays(last, -((isoWeekday(last) - weekday + 7) % 7));
}

const MONDAY = 1;
const THURSDAY = 4;
const FRIDAY = 5;

interface RawHoliday {
  date: CivilDate;
  name: string;
  /** Observed on another day when it falls on a weekend (see the country's observance). */
  movable?: boolean;
}

/**
 * - `none`: a holiday on a weekend is simply lost (most of continental Europe);
 * - `substitute`: the next weekday that is not already a holiday is off too (England & Wales, Ireland);
 * - `nearest-weekday`: Saturday's holiday is observed on Friday, Sunday's on Monday (US federal).
 */
type Observance = "none" | "substitute" | "nearest-weekday";

interface Country {
  name: string;
  observance: Observance;
  rules(year: number): RawHoliday[];
}

function on(year: number, month: number, day: number, name: string, movable = false): RawHoliday {
  return { date: { year, month, day }, name, movable };
}

function fromEaster(year: number, offset: number, name: string): RawHoliday {
  return { date: addDays(easterSunday(year), offset), name };
}

const GOOD_FRIDAY = -2;
const EASTER_MONDAY = 1;
const ASCENSION = 39;
const WHIT_MONDAY = 50;
const CORPUS_CHRISTI = 60;

/** England & Wales: bank holidays moved by royal proclamation, and one-off days. */
const GB_MOVED: Record<number, { early?: CivilDate; spring?: CivilDate }> = {
  1995: { early: { year: 1995, month: 5, day: 8 } },
  2002: { spring: { year: 2002, month: 6, day: 4 } },
  2012: { spring: { year: 2012, month: 6, day: 4 } },
  2020: { early: { year: 2020, month: 5, day: 8 } },
  2022: { spring: { year: 2022, month: 6, day: 2 } },
};
const GB_ONE_OFF: RawHoliday[] = [
  on(2002, 6, 3, "Golden Jubilee"),
  on(2011, 4, 29, "Royal Wedding"),
  on(2012, 6, 5, "Diamond Jubilee"),
  on(2022, 6, 3, "Platinum Jubilee"),
  on(2022, 9, 19, "State Funeral of Queen Elizabeth II"),
  on(2023, 5, 8, "Coronation of King Charles III"),
];

const COUNTRIES: Record<string, Country> = {
  AT: {
    name: "Austria",
    observance: "none",
    rules: (y) => [
      on(y, 1, 1, "Neujahr"),
      on(y, 1, 6, "Heilige Drei Könige"),
      fromEaster(y, EASTER_MONDAY, "Ostermontag"),
      on(y, 5, 1, "Staatsfeiertag"),
      fromEaster(y, ASCENSION, "Christi Himmelfahrt"),
      fromEaster(y, WHIT_MONDAY, "Pfingstmontag"),
      fromEaster(y, CORPUS_CHRISTI, "Fronleichnam"),
      on(y, 8, 15, "Mariä Himmelfahrt"),
      on(y, 10, 26, "Nationalfeiertag"),
      on(y, 11, 1, "Allerheiligen"),
      on(y, 12, 8, "Mariä Empfängnis"),
      on(y, 12, 25, "Christtag"),
      on(y, 12, 26, "Stefanitag"),
    ],
  },
  BE: {
    name: "Belgium",
    observance: "none",
    rules: (y) => [
      on(y, 1, 1, "New Year's Day"),
      fromEaster(y, EASTER_MONDAY, "Easter Monday"),
      on(y, 5, 1, "Labour Day"),
      fromEaster(y, ASCENSION, "Ascension Day"),
      fromEaster(y, WHIT_MONDAY, "Whit Monday"),
      on(y, 7, 21, "National Day"),
      on(y, 8, 15, "Assumption"),
      on(y, 11, 1, "All Saints' Day"),
      on(y, 11, 11, "Armistice Day"),
      on(y, 12, 25, "Christmas Day"),
    ],
  },
  // Only the days most cantons share: Berchtoldstag, Labour Day and the Catholic feasts are cantonal.
  CH: {
    name: "Switzerland (common to most cantons)",
    observance: "none",
    rules: (y) => [
      on(y, 1, 1, "Neujahrstag"),
      fromEaster(y, GOOD_FRIDAY, "Karfreitag"),
      fromEaster(y, EASTER_MONDAY, "Ostermontag"),
      fromEaster(y, ASCENSION, "Auffahrt"),
      fromEaster(y, WHIT_MONDAY, "Pfingstmontag"),
      on(y, 8, 1, "Bundesfeier"),
      on(y, 12, 25, "Weihnachtstag"),
      on(y, 12, 26, "Stephanstag"),
    ],
  },
  DE: {
    name: "Germany (national holidays)",
    observance: "none",
    rules: (y) => [
      on(y, 1, 1, "Neujahr"),
      fromEaster(y, GOOD_FRIDAY, "Karfreitag"),
      fromEaster(y, EASTER_MONDAY, "Ostermontag"),
      on(y, 5, 1, "Tag der Arbeit"),
      fromEaster(y, ASCENSION, "Christi Himmelfahrt"),
      fromEaster(y, WHIT_MONDAY, "Pfingstmontag"),
      on(y, 10, 3, "Tag der Deutschen Einheit"),
      // The 500th anniversary of the Reformation was a holiday in every Land, once.
      ...(y === 2017 ? [on(y, 10, 31, "Reformationstag (500th anniversary)")] : []),
      on(y, 12, 25, "Erster Weihnachtstag"),
      on(y, 12, 26, "Zweiter Weihnachtstag"),
    ],
  },
  ES: {
    name: "Spain (national holidays)",
    observance: "none",
    rules: (y) => [
      on(y, 1, 1, "Año Nuevo"),
      on(y, 1, 6, "Epifanía del Señor"),
      fromEaster(y, GOOD_FRIDAY, "Viernes Santo"),
      on(y, 5, 1, "Fiesta del Trabajo"),
      on(y, 8, 15, "Asunción de la Virgen"),
      on(y, 10, 12, "Fiesta Nacional de España"),
      on(y, 11, 1, "Todos los Santos"),
      on(y, 12, 6, "Día de la Constitución"),
      on(y, 12, 8, "Inmaculada Concepción"),
      on(y, 12, 25, "Natividad del Señor"),
    ],
  },
  // Whit Monday is still a public holiday; some employers work it as the "journée de solidarité".
  FR: {
    name: "France",
    observance: "none",
    rules: (y) => [
      on(y, 1, 1, "Jour de l'an"),
      fromEaster(y, EASTER_MONDAY, "Lundi de Pâques"),
      on(y, 5, 1, "Fête du Travail"),
      on(y, 5, 8, "Victoire 1945"),
      fromEaster(y, ASCENSION, "Ascension"),
      fromEaster(y, WHIT_MONDAY, "Lundi de Pentecôte"),
      on(y, 7, 14, "Fête nationale"),
      on(y, 8, 15, "Assomption"),
      on(y, 11, 1, "Toussaint"),
      on(y, 11, 11, "Armistice 1918"),
      on(y, 12, 25, "Noël"),
    ],
  },
  GB: {
    name: "United Kingdom (England and Wales)",
    observance: "substitute",
    rules: (y) => [
      on(y, 1, 1, "New Year's Day", true),
      fromEaster(y, GOOD_FRIDAY, "Good Friday"),
      fromEaster(y, EASTER_MONDAY, "Easter Monday"),
      { date: GB_MOVED[y]?.early ?? nthWeekday(y, 5, MONDAY, 1), name: "Early May bank holiday" },
      { date: GB_MOVED[y]?.spring ?? nthWeekday(y, 5, MONDAY, -1), name: "Spring bank holiday" },
      { date: nthWeekday(y, 8, MONDAY, -1), name: "Summer bank holiday" },
      on(y, 12, 25, "Christmas Day", true),
      on(y, 12, 26, "Boxing Day", true),
      ...GB_ONE_OFF.filter((holiday) => holiday.date.year === y),
    ],
  },
  // A holiday on a weekend gives a day off on the next working day, as banks and the public service observe it.
  IE: {
    name: "Ireland",
    observance: "substitute",
    rules: (y) => {
      const firstOfFebruary = { year: y, month: 2, day: 1 };
      const brigid = isoWeekday(firstOfFebruary) === FRIDAY ? firstOfFebruary : nthWeekday(y, 2, MONDAY, 1);
      return [
        on(y, 1, 1, "New Year's Day", true),
        ...(y >= 2023 ? [{ date: brigid, name: "St Brigid's Day" }] : []),
        on(y, 3, 17, "St Patrick's Day", true),
        ...(y === 2022 ? [on(y, 3, 18, "Day of Remembrance and Recognition")] : []),
        fromEaster(y, EASTER_MONDAY, "Easter Monday"),
        { date: nthWeekday(y, 5, MONDAY, 1), name: "May Day" },
        { date: nthWeekday(y, 6, MONDAY, 1), name: "June Holiday" },
        { date: nthWeekday(y, 8, MONDAY, 1), name: "August Holiday" },
        { date: nthWeekday(y, 10, MONDAY, -1), name: "October Holiday" },
        on(y, 12, 25, "Christmas Day", true),
        on(y, 12, 26, "St Stephen's Day", true),
      ];
    },
  },
  IT: {
    name: "Italy",
    observance: "none",
    rules: (y) => [
      on(y, 1, 1, "Capodanno"),
      on(y, 1, 6, "Epifania"),
      fromEaster(y, EASTER_MONDAY, "Lunedì dell'Angelo"),
      on(y, 4, 25, "Festa della Liberazione"),
      on(y, 5, 1, "Festa del Lavoro"),
      on(y, 6, 2, "Festa della Repubblica"),
      on(y, 8, 15, "Ferragosto"),
      // Restored as a national holiday from 2026 (it had been abolished in 1977).
      ...(y >= 2026 ? [on(y, 10, 4, "San Francesco d'Assisi")] : []),
      on(y, 11, 1, "Ognissanti"),
      on(y, 12, 8, "Immacolata Concezione"),
      on(y, 12, 25, "Natale"),
      on(y, 12, 26, "Santo Stefano"),
    ],
  },
  LU: {
    name: "Luxembourg",
    observance: "none",
    rules: (y) => [
      on(y, 1, 1, "New Year's Day"),
      fromEaster(y, EASTER_MONDAY, "Easter Monday"),
      on(y, 5, 1, "Labour Day"),
      ...(y >= 2019 ? [on(y, 5, 9, "Europe Day")] : []),
      fromEaster(y, ASCENSION, "Ascension Day"),
      fromEaster(y, WHIT_MONDAY, "Whit Monday"),
      on(y, 6, 23, "National Day"),
      on(y, 8, 15, "Assumption"),
      on(y, 11, 1, "All Saints' Day"),
      on(y, 12, 25, "Christmas Day"),
      on(y, 12, 26, "St Stephen's Day"),
    ],
  },
  // Liberation Day is a day off only in lustrum years (2025, 2030…), as most collective agreements have it.
  NL: {
    name: "Netherlands",
    observance: "none",
    rules: (y) => {
      const kingsDay = y >= 2014 ? { year: y, month: 4, day: 27 } : { year: y, month: 4, day: 30 };
      const royal = isoWeekday(kingsDay) === 7 ? addDays(kingsDay, -1) : kingsDay;
      return [
        on(y, 1, 1, "Nieuwjaarsdag"),
        fromEaster(y, EASTER_MONDAY, "Tweede Paasdag"),
        { date: royal, name: y >= 2014 ? "Koningsdag" : "Koninginnedag" },
        ...(y % 5 === 0 ? [on(y, 5, 5, "Bevrijdingsdag")] : []),
        fromEaster(y, ASCENSION, "Hemelvaartsdag"),
        fromEaster(y, WHIT_MONDAY, "Tweede Pinksterdag"),
        on(y, 12, 25, "Eerste Kerstdag"),
        on(y, 12, 26, "Tweede Kerstdag"),
      ];
    },
  },
  US: {
    name: "United States (federal)",
    observance: "nearest-weekday",
    rules: (y) => [
      on(y, 1, 1, "New Year's Day", true),
      { date: nthWeekday(y, 1, MONDAY, 3), name: "Birthday of Martin Luther King, Jr." },
      { date: nthWeekday(y, 2, MONDAY, 3), name: "Washington's Birthday" },
      { date: nthWeekday(y, 5, MONDAY, -1), name: "Memorial Day" },
      ...(y >= 2021 ? [on(y, 6, 19, "Juneteenth National Independence Day", true)] : []),
      on(y, 7, 4, "Independence Day", true),
      { date: nthWeekday(y, 9, MONDAY, 1), name: "Labor Day" },
      { date: nthWeekday(y, 10, MONDAY, 2), name: "Columbus Day" },
      on(y, 11, 11, "Veterans Day", true),
      { date: nthWeekday(y, 11, THURSDAY, 4), name: "Thanksgiving Day" },
      on(y, 12, 25, "Christmas Day", true),
    ],
  },
};

const ALIASES: Record<string, string> = { UK: "GB" };

/** Countries with Governor's own calendar, sorted; every other country comes from date-holidays. */
export const HOLIDAY_COUNTRIES: readonly string[] = Object.freeze(Object.keys(COUNTRIES).sort());

/** What a holiday calendar code looks like (`BE`, `PL`, `DE-BY`, `DE-BY-A`); which exist is checked when a policy loads. */
export const HOLIDAY_CODE_PATTERN = "^[A-Za-z]{2}(-[A-Za-z0-9]+){0,2}$";

/** For the schema and the editors: what a code may be. */
export const HOLIDAY_CODE_DESCRIPTION = `Public holiday calendar: a country code, with an optional region (PL, DE-BY, ES-MD). Governor's own calendars for ${HOLIDAY_COUNTRIES.join(", ")}; every other country and every region from date-holidays (npx governor holidays lists them).`;

/**
 * The date-holidays calendar each own calendar is the counterpart of, from which a region's
 * changes are measured: date-holidays keeps England's summer bank holiday at the level of
 * England, as Scotland's is another Monday, and Governor's GB is England and Wales.
 */
export const LIBRARY_COUNTERPART: Readonly<Record<string, LibraryPlace>> = Object.freeze(
  Object.fromEntries(HOLIDAY_COUNTRIES.map((code) => [code, code === "GB" ? { country: "GB", state: "ENG" } : { country: code }])),
);

/**
 * The canonical code of a holiday calendar (`gb`, `UK` → `GB`; `de-by` → `DE-BY`); throws for a
 * country or region no calendar has, saying how to find the valid codes.
 */
export function holidayCountry(country: string): string {
  const upper = country.trim().toUpperCase();
  const code = ALIASES[upper] ?? upper;
  if (code in COUNTRIES) return code;
  const [first = "", ...rest] = code.split("-");
  // Only a code outside Governor's own calendars loads date-holidays.
  return placeCode(libraryPlace([ALIASES[first] ?? first, ...rest].join("-"), country.trim()));
}

function placeOf(code: string): LibraryPlace {
  const [country = "", state, region] = code.split("-");
  return { country, ...(state === undefined ? {} : { state }), ...(region === undefined ? {} : { region }) };
}

function observed(country: Country, raw: RawHoliday[]): RawHoliday[] {
  if (country.observance === "none") return raw;
  const taken = new Set(raw.filter((holiday) => !isWeekend(holiday.date)).map((holiday) => dayNumber(holiday.date)));
  const extra: RawHoliday[] = [];
  const weekendMovable = raw.filter((holiday) => holiday.movable && isWeekend(holiday.date)).sort((a, b) => compareDates(a.date, b.date));
  for (const holiday of weekendMovable) {
    if (country.observance === "nearest-weekday") {
      extra.push({ date: addDays(holiday.date, isoWeekday(holiday.date) === 6 ? -1 : 1), name: `${holiday.name} (observed)` });
      continue;
    }
    let day = addDays(holiday.date, 1);
    while (isWeekend(day) || taken.has(dayNumber(day))) day = addDays(day, 1);
    taken.add(dayNumber(day));
    extra.push({ date: day, name: `${holiday.name} (substitute day)` });
  }
  return [...raw, ...extra];
}

const cache = new Map<string, Holiday[]>();

function ownHolidays(code: string, year: number): Holiday[] {
  const definition = COUNTRIES[code] as Country;
  // Neighbouring years, because an observed day can cross a year end (US: 1 Jan on a Saturday is observed on 31 Dec).
  const all = [year - 1, year, year + 1].flatMap((y) => observed(definition, definition.rules(y)));
  return all
    .filter((holiday) => holiday.date.year === year)
    .sort((a, b) => compareDates(a.date, b.date))
    .map((holiday) => ({ date: formatIsoDate(holiday.date), name: holiday.name }));
}

/** Governor's national calendar, with the days date-holidays adds for the region and without the national days it drops there. */
function ownWithRegion(country: string, place: LibraryPlace, year: number): Holiday[] {
  const nation = new Set(libraryHolidays(LIBRARY_COUNTERPART[country] as LibraryPlace, year).map((holiday) => holiday.date));
  const region = libraryHolidays(place, year);
  const kept = new Set(region.map((holiday) => holiday.date));
  const own = ownHolidays(country, year).filter((holiday) => !nation.has(holiday.date) || kept.has(holiday.date));
  const ownDates = new Set(own.map((holiday) => holiday.date));
  const added = region.filter((holiday) => !nation.has(holiday.date) && !ownDates.has(holiday.date));
  return [...own, ...added].sort((a, b) => a.date.localeCompare(b.date));
}

/** The public holidays of a country or region in a year, by date; a holiday observed on another day appears on both. */
export function holidaysFor(country: string, year: number): Holiday[] {
  const code = holidayCountry(country);
  if (!Number.isInteger(year) || year < 1583 || year > 9999) {
    throw new Error(`holiday year ${year} is out of range: expected a whole Gregorian year from 1583 to 9999`);
  }
  const key = `${code}|${year}`;
  let holidays = cache.get(key);
  if (holidays === undefined) {
    const place = placeOf(code);
    holidays =
      code in COUNTRIES
        ? ownHolidays(code, year)
        : place.country in COUNTRIES
          ? ownWithRegion(place.country, place, year)
          : libraryHolidays(place, year);
    cache.set(key, holidays);
  }
  return holidays.map((holiday) => ({ ...holiday }));
}

function asCivil(date: CivilDate | string): CivilDate {
  return typeof date === "string" ? parseIsoDate(date, "holiday lookup date") : date;
}

/** The holiday on a local date, or undefined; several on one day are joined ("Labour Day, Ascension Day"). */
export function holidayOn(country: string, date: CivilDate | string): Holiday | undefined {
  const civil = asCivil(date);
  const iso = formatIsoDate(civil);
  const matches = holidaysFor(country, civil.year).filter((holiday) => holiday.date === iso);
  if (matches.length === 0) return undefined;
  return { date: iso, name: matches.map((holiday) => holiday.name).join(", ") };
}

/** Whether a local date (in the time zone of the schedule or blackout being decided) is a public holiday. */
export function isHoliday(country: string, date: CivilDate | string): boolean {
  return holidayOn(country, date) !== undefined;
}

export function holidayCalendar(country: string): HolidayCalendar {
  const code = holidayCountry(country);
  return { country: code, holidayOn: (date) => holidayOn(code, date) };
}

/** A calendar from a country code or one already made; undefined stays undefined. */
export function toHolidayCalendar(holidays: HolidayCalendar | string | undefined): HolidayCalendar | undefined {
  return typeof holidays === "string" ? holidayCalendar(holidays) : holidays;
}
