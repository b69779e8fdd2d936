import { describe, expect, it } from "vitest";
import {
  addDays,
  easterSunday,
  formatIsoDate,
  HOLIDAY_COUNTRIES,
  holidayCalendar,
  holidayOn,
  holidaysFor,
  isHoliday,
  isoWeekday,
  parseIsoDate,
} from "../../../shared/time/holidays.ts";

const datesOf = (country: string, year: number): string[] => holidaysFor(country, year).map((holiday) => holiday.date);

describe("Easter", () => {
  it("falls on the known Sundays", () => {
    expect(formatIsoDate(easterSunday(2024))).toBe("2024-03-31");
    expect(formatIsoDate(easterSunday(2025))).toBe("2025-04-20");
    expect(formatIsoDate(easterSunday(2026))).toBe("2026-04-05");
    expect(formatIsoDate(easterSunday(2038))).toBe("2038-04-25");
    expect(formatIsoDate(easterSunday(2285))).toBe("2285-03-22");
  });
});

describe("Belgian holidays", () => {
  it("has Easter Monday 2026 on 6 April and Whit Monday on 25 May", () => {
    expect(holidayOn("BE", "2026-04-06")?.name).toBe("Easter Monday");
    expect(holidayOn("BE", "2026-05-25")?.name).toBe("Whit Monday");
    expect(holidayOn("BE", "2026-05-14")?.name).toBe("Ascension Day");
  });

  it("lists the ten legal holidays and not Good Friday", () => {
    expect(datesOf("BE", 2026)).toEqual([
      "2026-01-01",
      "2026-04-06",
      "2026-05-01",
      "2026-05-14",
      "2026-05-25",
      "2026-07-21",
      "2026-08-15",
      "2026-11-01",
      "2026-11-11",
      "2026-12-25",
    ]);
    expect(isHoliday("BE", "2026-04-03")).toBe(false);
  });
});

describe("England and Wales", () => {
  it("moves Christmas and Boxing Day on a weekend to the Monday and Tuesday after", () => {
    // 25 December 2021 was a Saturday, the 26th a Sunday.
    expect(holidaysFor("GB", 2021).filter((holiday) => holiday.date >= "2021-12-25")).toEqual([
      { date: "2021-12-25", name: "Christmas Day" },
      { date: "2021-12-26", name: "Boxing Day" },
      { date: "2021-12-27", name: "Christmas Day (substitute day)" },
      { date: "2021-12-28", name: "Boxing Day (substitute day)" },
    ]);
  });

  it("gives Christmas on a Sunday its substitute on the Tuesday, after Boxing Day", () => {
    expect(holidayOn("GB", "2022-12-26")?.name).toBe("Boxing Day");
    expect(holidayOn("GB", "2022-12-27")?.name).toBe("Christmas Day (substitute day)");
  });

  it("has Good Friday and the bank holiday Mondays", () => {
    expect(datesOf("GB", 2026)).toEqual([
      "2026-01-01",
      "2026-04-03",
      "2026-04-06",
      "2026-05-04",
      "2026-05-25",
      "2026-08-31",
      "2026-12-25",
      "2026-12-26",
      "2026-12-28",
    ]);
  });

  it("follows the bank holidays moved by proclamation", () => {
    expect(isHoliday("GB", "2020-05-08")).toBe(true);
    expect(isHoliday("GB", "2020-05-04")).toBe(false);
    expect(isHoliday("GB", "2022-06-02")).toBe(true);
    expect(isHoliday("GB", "2022-05-30")).toBe(false);
  });

  it("takes UK as another name for GB", () => {
    expect(holidayCalendar("uk").country).toBe("GB");
  });
});

describe("other countries", () => {
  it("has Germany's national days only, with Good Friday", () => {
    expect(datesOf("DE", 2026)).toEqual([
      "2026-01-01",
      "2026-04-03",
      "2026-04-06",
      "2026-05-01",
      "2026-05-14",
      "2026-05-25",
      "2026-10-03",
      "2026-12-25",
      "2026-12-26",
    ]);
  });

  it("has the Netherlands' King's Day on Saturday 26 April when the 27th is a Sunday", () => {
    expect(holidayOn("NL", "2025-04-26")?.name).toBe("Koningsdag");
    expect(isHoliday("NL", "2026-04-27")).toBe(true);
    expect(isHoliday("NL", "2025-05-05")).toBe(true);
    expect(isHoliday("NL", "2026-05-05")).toBe(false);
  });

  it("has Luxembourg's Europe Day and national day", () => {
    expect(isHoliday("LU", "2026-05-09")).toBe(true);
    expect(isHoliday("LU", "2026-06-23")).toBe(true);
  });

  it("has France's 8 May and 14 July", () => {
    expect(isHoliday("FR", "2026-05-08")).toBe(true);
    expect(isHoliday("FR", "2026-07-14")).toBe(true);
    expect(isHoliday("FR", "2026-04-03")).toBe(false);
  });

  it("has Ireland's St Brigid's Day on the first Monday of February, or 1 February when it is a Friday", () => {
    expect(isHoliday("IE", "2026-02-02")).toBe(true);
    expect(isHoliday("IE", "2030-02-01")).toBe(true);
    expect(isHoliday("IE", "2026-03-17")).toBe(true);
    expect(isHoliday("IE", "2026-10-26")).toBe(true);
  });

  it("has Spain's national days including Good Friday and 12 October", () => {
    expect(isHoliday("ES", "2026-04-03")).toBe(true);
    expect(isHoliday("ES", "2026-10-12")).toBe(true);
    expect(isHoliday("ES", "2026-04-06")).toBe(false);
  });

  it("has Italy's Liberation Day, Republic Day and, from 2026, St Francis", () => {
    expect(isHoliday("IT", "2026-04-25")).toBe(true);
    expect(isHoliday("IT", "2026-06-02")).toBe(true);
    expect(isHoliday("IT", "2026-10-04")).toBe(true);
    expect(isHoliday("IT", "2025-10-04")).toBe(false);
  });

  it("has Austria's Corpus Christi and national day", () => {
    expect(isHoliday("AT", "2026-06-04")).toBe(true);
    expect(isHoliday("AT", "2026-10-26")).toBe(true);
  });

  it("has Switzerland's national day and Good Friday", () => {
    expect(isHoliday("CH", "2026-08-01")).toBe(true);
    expect(isHoliday("CH", "2026-04-03")).toBe(true);
  });

  it("observes US federal holidays on the nearest weekday, across the year end", () => {
    expect(datesOf("US", 2026)).toEqual([
      "2026-01-01",
      "2026-01-19",
      "2026-02-16",
      "2026-05-25",
      "2026-06-19",
      "2026-07-03",
      "2026-07-04",
      "2026-09-07",
      "2026-10-12",
      "2026-11-11",
      "2026-11-26",
      "2026-12-25",
    ]);
    // 1 January 2022 was a Saturday.
    expect(holidayOn("US", "2021-12-31")?.name).toBe("New Year's Day (observed)");
  });
});

describe("bad input", () => {
  it("refuses an unknown country, saying how to list the valid codes", () => {
    expect(() => holidaysFor("XX", 2026)).toThrow(
      'unknown holiday country "XX": expected a two-letter ISO 3166 country code (PL), optionally with a region (DE-BY); `npx governor holidays` lists the countries',
    );
    expect(HOLIDAY_COUNTRIES).toEqual(["AT", "BE", "CH", "DE", "ES", "FR", "GB", "IE", "IT", "LU", "NL", "US"]);
  });

  it("refuses a year outside the Gregorian calendar", () => {
    expect(() => holidaysFor("BE", 1200)).toThrow("holiday year 1200 is out of range");
  });

  it("refuses a date that is not YYYY-MM-DD or does not exist", () => {
    expect(() => isHoliday("BE", "6/4/2026")).toThrow('holiday lookup date "6/4/2026" is not a date: expected YYYY-MM-DD');
    expect(() => parseIsoDate("2026-02-30", "from")).toThrow('from "2026-02-30" does not exist');
  });
});

describe("civil dates", () => {
  it("counts weekdays and days across month and year ends", () => {
    expect(isoWeekday({ year: 2026, month: 4, day: 6 })).toBe(1);
    expect(isoWeekday({ year: 2026, month: 3, day: 29 })).toBe(7);
    expect(addDays({ year: 2026, month: 12, day: 31 }, 1)).toEqual({ year: 2027, month: 1, day: 1 });
    expect(addDays({ year: 2024, month: 3, day: 1 }, -1)).toEqual({ year: 2024, month: 2, day: 29 });
  });
});
