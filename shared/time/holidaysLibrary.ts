/**
 * The public holidays of every country Governor has no calendar of its own for, from the
 * `date-holidays` package: national holidays of type `public` only (not bank, school, optional
 * or observance days), or those of one of its regions (`DE-BY`, `ES-MD`, `DE-BY-A`).
 *
 * Loaded on first use, synchronously: its data of every country is about a megabyte of
 * JavaScript, which a cold start that only ever asks for Governor's own countries should not
 * parse, and the calendars are asked for from synchronous code (policy loading, schedules).
 *
 * Governor counts whole days: a holiday is the local days it covers from midnight to midnight.
 * One that starts at noon (Christmas Eve afternoon in Iceland) is no whole day and is left out;
 * one of several days (Eid in the United Arab Emirates) is each of its days. A day that begins
 * at sunset on the eve (the Islamic calendar) counts as the day it is named after.
 */
import { createRequire } from "node:module";
import type Holidays from "date-holidays";
import type { HolidaysTypes } from "date-holidays";

/** A place of date-holidays, spelt as it spells it: `{ country: "DE", state: "BY" }`. */
export interface LibraryPlace {
  country: string;
  state?: string;
  region?: string;
}

export interface LibraryHoliday {
  /** YYYY-MM-DD */
  date: string;
  name: string;
}

type HolidaysClass = typeof Holidays;

let loaded: HolidaysClass | undefined;

function library(): HolidaysClass {
  loaded ??= createRequire(import.meta.url)("date-holidays") as HolidaysClass;
  return loaded;
}

let directory: Holidays | undefined;

/** The instance that answers "which countries, states, regions" (it has no place of its own). */
function places(): Holidays {
  directory ??= new (library())();
  return directory;
}

/** Country codes date-holidays knows, with their English names. */
export function libraryCountries(): Record<string, string> {
  return places().getCountries("en");
}

/** The regions of a country (states, and `STATE-REGION` for the regions of a state), with their names. */
export function libraryRegions(country: string): Record<string, string> {
  const states = places().getStates(country, "en") ?? {};
  const regions: Record<string, string> = {};
  for (const [state, name] of Object.entries(states)) {
    regions[state] = name;
    for (const [region, regionName] of Object.entries(places().getRegions(country, state, "en") ?? {})) {
      regions[`${state}-${region}`] = `${regionName} (${name})`;
    }
  }
  return regions;
}

const HOW_TO_LIST = "`npx governor holidays` lists the countries, `npx governor holidays <country>` a country's regions";

function findKey(keys: string[], wanted: string): string | undefined {
  return keys.find((key) => key.toUpperCase() === wanted.toUpperCase());
}

/**
 * Reads `PL`, `DE-BY`, `de-by-a` into a place date-holidays knows, spelt its way; throws with
 * the reason, and the valid codes, when it does not know it.
 */
export function libraryPlace(code: string, written = code): LibraryPlace {
  const [countryPart = "", statePart, regionPart, ...rest] = code.trim().split("-");
  const country = findKey(Object.keys(libraryCountries()), countryPart);
  if (country === undefined || rest.length > 0) {
    throw new Error(
      `unknown holiday country "${written}": expected a two-letter ISO 3166 country code (PL), optionally with a region (DE-BY); ${HOW_TO_LIST}`,
    );
  }
  if (statePart === undefined) return { country };
  const states = places().getStates(country, "en") ?? {};
  const state = findKey(Object.keys(states), statePart);
  if (state === undefined) {
    const known = Object.keys(states);
    throw new Error(
      known.length === 0
        ? `unknown holiday region "${statePart}" of ${country}: date-holidays has no regions for ${country}, use ${country} alone`
        : `unknown holiday region "${statePart}" of ${country}: its regions are ${known.join(", ")} (${HOW_TO_LIST})`,
    );
  }
  if (regionPart === undefined) return { country, state };
  const regions = places().getRegions(country, state, "en") ?? {};
  const region = findKey(Object.keys(regions), regionPart);
  if (region === undefined) {
    const known = Object.keys(regions);
    throw new Error(
      known.length === 0
        ? `unknown holiday region "${regionPart}" of ${country}-${state}: date-holidays has no regions for it, use ${country}-${state}`
        : `unknown holiday region "${regionPart}" of ${country}-${state}: its regions are ${known.join(", ")} (${HOW_TO_LIST})`,
    );
  }
  return { country, state, region };
}

/** The code of a place: `DE-BY-A`. */
export function placeCode(place: LibraryPlace): string {
  return [place.country, place.state, place.region].filter((part) => part !== undefined).join("-");
}

const calendars = new Map<string, Holidays>();

function calendarOf(place: LibraryPlace): Holidays {
  const code = placeCode(place);
  let calendar = calendars.get(code);
  if (calendar === undefined) {
    const Library = library();
    const options: HolidaysTypes.Options = { types: ["public"] };
    calendar =
      place.region !== undefined && place.state !== undefined
        ? new Library(place.country, place.state, place.region, options)
        : place.state !== undefined
          ? new Library(place.country, place.state, options)
          : new Library(place.country, options);
    calendars.set(code, calendar);
  }
  return calendar;
}

const HOUR_MS = 3_600_000;
/** A day of 23 or 25 hours (daylight saving time) is still a whole day. */
const DST_TOLERANCE_HOURS = 1;

function addDaysIso(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * 24 * HOUR_MS).toISOString().slice(0, 10);
}

/** The whole local days a holiday covers. */
function wholeDays(holiday: HolidaysTypes.Holiday): string[] {
  // "2026-05-03 00:00:00", "2026-12-24 13:00:00", or "2026-03-20 00:00:00 -0600" (from the eve's sunset).
  const day = holiday.date.slice(0, 10);
  const [hours = 0, minutes = 0] = holiday.date.slice(11, 16).split(":").map(Number);
  const startHour = hours + minutes / 60;
  const endHour = startHour + (holiday.end.getTime() - holiday.start.getTime()) / HOUR_MS + DST_TOLERANCE_HOURS;
  const days: string[] = [];
  for (let index = Math.ceil(startHour / 24); (index + 1) * 24 <= endHour; index += 1) days.push(addDaysIso(day, index));
  return days;
}

/** The public holidays of a place on the days of a year, sorted; several on one day are separate entries. */
export function libraryHolidays(place: LibraryPlace, year: number): LibraryHoliday[] {
  const holidays: LibraryHoliday[] = [];
  // The year before too: a holiday of several days can run into January.
  for (const holiday of [...calendarOf(place).getHolidays(year - 1), ...calendarOf(place).getHolidays(year)]) {
    if (holiday.type !== "public") continue;
    for (const date of wholeDays(holiday)) {
      if (date.startsWith(`${year}-`)) holidays.push({ date, name: holiday.name });
    }
  }
  return holidays.sort((a, b) => a.date.localeCompare(b.date));
}
