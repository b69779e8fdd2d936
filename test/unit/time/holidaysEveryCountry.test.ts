/**
 * Countries and regions outside Governor's own twelve calendars come from date-holidays: its
 * public holidays, whole days only; a region of an own country is the own calendar changed as
 * date-holidays changes the nation for that region.
 */
import { describe, expect, it } from "vitest";
import { holidayCalendar, holidayCountry, holidayOn, holidaysFor } from "../../../shared/time/holidays.ts";

const datesOf = (code: string, year: number): string[] => holidaysFor(code, year).map((holiday) => holiday.date);

describe("countries Governor has no calendar of its own for", () => {
  it("knows Poland's national days: Constitution Day, Independence Day, and Christmas Eve from 2025", () => {
    expect(holidayCalendar("PL").holidayOn("2026-05-03")?.name).toBe("Święto Narodowe Trzeciego Maja");
    expect(holidayOn("PL", "2026-11-11")?.name).toBe("Narodowe Święto Niepodległości");
    expect(holidayOn("PL", "2026-06-04")?.name).toBe("Dzień Bożego Ciała");
    expect(holidayOn("PL", "2026-12-24")?.name).toBe("Wigilia Bożego Narodzenia");
    expect(holidayOn("PL", "2024-12-24")).toBeUndefined();
    expect(holidayOn("PL", "2026-11-12")).toBeUndefined();
  });

  it("knows Czechia's: Saints Cyril and Methodius, Jan Hus, St Wenceslas, 17 November and Christmas Eve", () => {
    expect(datesOf("CZ", 2026)).toEqual(
      expect.arrayContaining(["2026-07-05", "2026-07-06", "2026-09-28", "2026-10-28", "2026-11-17", "2026-12-24", "2026-04-03"]),
    );
    expect(holidayOn("CZ", "2026-09-28")?.name).toBe("Den české státnosti");
  });

  it("knows Portugal's: Freedom Day, Portugal Day, Corpus Christi, Republic Day and Restoration of Independence", () => {
    expect(datesOf("PT", 2026)).toEqual([
      "2026-01-01",
      "2026-04-03",
      "2026-04-05",
      "2026-04-25",
      "2026-05-01",
      "2026-06-04",
      "2026-06-10",
      "2026-08-15",
      "2026-10-05",
      "2026-11-01",
      "2026-12-01",
      "2026-12-08",
      "2026-12-25",
    ]);
  });

  it("knows Sweden's National Day and Midsummer Day, and Denmark's Great Prayer Day only until its abolition in 2024", () => {
    expect(holidayOn("SE", "2026-06-06")?.name).toBe("nationaldagen");
    expect(holidayOn("SE", "2026-06-20")?.name).toBe("midsommardagen");
    expect(holidayOn("DK", "2023-05-05")?.name).toBe("Store Bededag");
    expect(datesOf("DK", 2026)).not.toContain("2026-05-01");
    expect(holidaysFor("DK", 2026).map((holiday) => holiday.name)).not.toContain("Store Bededag");
  });

  it("counts whole days only: each day of a holiday of several, never an afternoon", () => {
    expect(datesOf("TR", 2026).filter((date) => date >= "2026-05-26" && date <= "2026-05-31")).toEqual([
      "2026-05-27",
      "2026-05-28",
      "2026-05-29",
      "2026-05-30",
    ]);
    // Iceland's Christmas Eve and New Year's Eve are public holidays from 13:00.
    expect(holidayOn("IS", "2026-12-24")).toBeUndefined();
    expect(holidayOn("IS", "2026-12-25")?.name).toBe("Jóladagur");
  });

  it("leaves bank holidays, school holidays and observances out", () => {
    // Liberation Day is a school holiday in date-holidays' Dutch data, and Governor's NL counts it only in lustrum years.
    expect(holidayOn("NL", "2026-05-05")).toBeUndefined();
    // Danish Constitution Day is a half day off by custom, not a public holiday.
    expect(holidayOn("DK", "2026-06-05")).toBeUndefined();
  });
});

describe("regions", () => {
  it("gives Bavaria Epiphany, Corpus Christi and All Saints' Day on top of Germany's national days", () => {
    expect(holidayOn("DE-BY", "2026-01-06")?.name).toBe("Heilige Drei Könige");
    expect(holidayOn("DE-BY", "2026-06-04")?.name).toBe("Fronleichnam");
    expect(holidayOn("DE-BY", "2026-11-01")?.name).toBe("Allerheiligen");
    expect(holidayOn("DE", "2026-01-06")).toBeUndefined();
    expect(holidayOn("DE", "2026-06-04")).toBeUndefined();
    expect(datesOf("DE-BY", 2026)).toEqual(expect.arrayContaining(datesOf("DE", 2026)));
  });

  it("takes out the national days a region does not keep: Scotland has no Easter Monday and its summer bank holiday in early August", () => {
    const scotland = datesOf("GB-SCT", 2026);
    expect(scotland).toEqual(expect.arrayContaining(["2026-01-02", "2026-08-03", "2026-11-30", "2026-04-03"]));
    expect(scotland).not.toContain("2026-04-06");
    expect(scotland).not.toContain("2026-08-31");
    expect(datesOf("GB", 2026)).toEqual(expect.arrayContaining(["2026-04-06", "2026-08-31"]));
  });

  it("keeps Governor's own days in a region of one of its countries: California has the federal observed Veterans Day, not Columbus Day", () => {
    expect(holidayOn("US-CA", "2028-11-10")?.name).toBe("Veterans Day (observed)");
    expect(holidayOn("US-CA", "2028-11-24")?.name).toBe("Day after Thanksgiving Day");
    expect(holidayOn("US", "2028-10-09")?.name).toBe("Columbus Day");
    expect(holidayOn("US-CA", "2028-10-09")).toBeUndefined();
  });

  it("reads codes in any case, UK for GB, and a region of a state", () => {
    expect(holidayCountry("pl")).toBe("PL");
    expect(holidayCountry(" de-by ")).toBe("DE-BY");
    expect(holidayCountry("uk-sct")).toBe("GB-SCT");
    expect(holidayCountry("de-by-a")).toBe("DE-BY-A");
    // Augsburg's Peace Festival, a holiday of that city only.
    expect(holidayOn("DE-BY-A", "2026-08-08")?.name).toBe("Augsburger Friedensfest");
  });
});

describe("unknown codes", () => {
  it("refuses an unknown country, saying how to list the countries", () => {
    expect(() => holidayCountry("XX")).toThrow(
      'unknown holiday country "XX": expected a two-letter ISO 3166 country code (PL), optionally with a region (DE-BY); `npx governor holidays` lists the countries',
    );
    expect(() => holidayCountry("Poland")).toThrow('unknown holiday country "Poland"');
  });

  it("refuses an unknown region, listing the country's regions", () => {
    expect(() => holidayCountry("DE-XY")).toThrow(
      'unknown holiday region "XY" of DE: its regions are BB, BE, BW, BY, HB, HE, HH, MV, NI, NW, RP, SH, SL, SN, ST, TH',
    );
    expect(() => holidayCountry("PL-MZ")).toThrow('unknown holiday region "MZ" of PL: date-holidays has no regions for PL, use PL alone');
    expect(() => holidayCountry("BE-XX")).toThrow('unknown holiday region "XX" of BE: its regions are BRU, DE, VLG, WAL');
  });
});
