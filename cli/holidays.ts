/**
 * `governor holidays [CODE [YEAR]]`: the codes `settings.holidays`, an off-hours condition's
 * `holidays` and a schedule tag's `holidays=` accept, and what a calendar holds.
 *   governor holidays              every country, and whose calendar it is (Governor's or date-holidays')
 *   governor holidays DE           Germany's regions (DE-BY…)
 *   governor holidays DE-BY 2027   the holidays of a calendar in a year
 */
import { HOLIDAY_COUNTRIES, holidayCountry, holidaysFor } from "../shared/time/holidays.ts";
import { libraryCountries, libraryRegions } from "../shared/time/holidaysLibrary.ts";

const OWN = new Set(HOLIDAY_COUNTRIES);

export function holidaysCommand(args: string[]): Promise<number> {
  return Promise.resolve(run(args));
}

function run(args: string[]): number {
  const [code, year, ...rest] = args;
  if (rest.length > 0 || (year !== undefined && !/^\d{4}$/.test(year))) {
    console.error("Usage: governor holidays [CODE [YEAR]]   e.g. governor holidays, governor holidays DE, governor holidays DE-BY 2027");
    return 2;
  }
  if (code === undefined) {
    for (const [country, name] of Object.entries(libraryCountries())) {
      console.log(`${country}  ${name}${OWN.has(country) ? "  (Governor's own calendar)" : ""}`);
    }
    return 0;
  }
  let canonical: string;
  try {
    canonical = holidayCountry(code);
  } catch (error) {
    console.error(`governor holidays: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  if (year !== undefined) {
    for (const holiday of holidaysFor(canonical, Number(year))) console.log(`${holiday.date}  ${holiday.name}`);
    return 0;
  }
  const country = canonical.split("-")[0] as string;
  const regions = Object.entries(libraryRegions(country));
  if (regions.length === 0) console.log(`${country} has no regions: use ${country}`);
  for (const [region, name] of regions) console.log(`${country}-${region}  ${name}`);
  return 0;
}
