import { describe, expect, it } from "vitest";
import { offHoursFilter } from "../../../shared/policy/filters/offHours.ts";
import type { OffHoursArgs } from "../../../shared/policy/filters/offHours.ts";
import type { EvaluationContext } from "../../../shared/policy/registry.ts";
import { DEFAULT_SETTINGS } from "../../../shared/policy/settings.ts";
import type { InventoryResource, Settings } from "../../../shared/policy/types.ts";

const SUBSCRIPTION = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";

function vm(tags: Record<string, string>, resourceGroup = "rg-odoo-staging"): InventoryResource {
  return {
    id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/virtualMachines/vm-odoo-staging`,
    name: "vm-odoo-staging",
    type: "microsoft.compute/virtualmachines",
    kind: "virtual-machine",
    subscriptionId: SUBSCRIPTION,
    resourceGroup,
    location: "westeurope",
    tags,
    powerState: "running",
    properties: {},
  };
}

function context(now: string, settings: Partial<Settings> = {}, groupTags: Record<string, string> = {}): EvaluationContext {
  return {
    now: new Date(now),
    inventory: {
      subscriptionId: SUBSCRIPTION,
      resources: [],
      resourceGroups: {
        "rg-odoo-staging": {
          id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-odoo-staging`,
          name: "rg-odoo-staging",
          location: "westeurope",
          tags: groupTags,
        },
      },
    },
    facts: { metrics: {}, backup: {}, vaults: [] },
    settings: { ...DEFAULT_SETTINGS, holidays: "BE", ...settings },
    index: { byId: new Map(), snapshotsBySourceDisk: new Map() },
  };
}

const args = (condition: Record<string, unknown> = {}): OffHoursArgs => offHoursFilter.parse({ "off-hours": condition });
const OFFICE = { "governor-schedule": "Mon-Fri 07:00-19:00 Europe/Brussels" };
// Sunday 8 March 2026, 23:10 in Brussels (CET).
const SUNDAY_NIGHT = "2026-03-08T22:10:00Z";
// Tuesday 10 March 2026, 10:00 in Brussels.
const TUESDAY_MORNING = "2026-03-10T09:00:00Z";

describe("off-hours filter", () => {
  it("matches outside the resource's schedule, with the local time in the reason", () => {
    expect(offHoursFilter.evaluate(vm(OFFICE), args({ tag: "governor-schedule" }), context(SUNDAY_NIGHT))).toEqual({
      outcome: "match",
      reason: "outside schedule Mon-Fri 07:00-19:00 Europe/Brussels (Sunday 23:10 local)",
    });
  });

  it("does not match inside the schedule", () => {
    expect(offHoursFilter.evaluate(vm(OFFICE), args(), context(TUESDAY_MORNING))).toEqual({
      outcome: "no-match",
      reason: "within schedule Mon-Fri 07:00-19:00 Europe/Brussels (Tuesday 10:00 local)",
    });
  });

  it("matches on a public holiday of the settings' calendar, and names it", () => {
    // Easter Monday 6 April 2026, 10:00 CEST.
    expect(offHoursFilter.evaluate(vm(OFFICE), args(), context("2026-04-06T08:00:00Z"))).toEqual({
      outcome: "match",
      reason: "public holiday Easter Monday (BE): outside schedule Mon-Fri 07:00-19:00 Europe/Brussels (Monday 10:00 local)",
    });
  });

  it("lets the condition's holidays replace the settings', or switch them off", () => {
    expect(offHoursFilter.evaluate(vm(OFFICE), args({ holidays: "none" }), context("2026-04-06T08:00:00Z")).outcome).toBe("no-match");
    // 21 July is Belgium's national day; Dutch offices work.
    expect(offHoursFilter.evaluate(vm(OFFICE), args({ holidays: "NL" }), context("2026-07-21T08:00:00Z")).outcome).toBe("no-match");
    expect(offHoursFilter.evaluate(vm(OFFICE), args(), context("2026-07-21T08:00:00Z")).outcome).toBe("match");
  });

  it("reads the tag named in settings when the condition names none", () => {
    const resource = vm({ Schedule: "Mon-Fri 07:00-19:00 Europe/Brussels" });
    const ctx = context(SUNDAY_NIGHT, { tags: { ...DEFAULT_SETTINGS.tags, schedule: "schedule" } });
    expect(offHoursFilter.evaluate(resource, args(), ctx).outcome).toBe("match");
  });

  it("uses the resource group's schedule when the resource has none", () => {
    expect(offHoursFilter.evaluate(vm({}), args(), context(SUNDAY_NIGHT, {}, OFFICE))).toEqual({
      outcome: "match",
      reason: "outside schedule Mon-Fri 07:00-19:00 Europe/Brussels (Sunday 23:10 local; governor-schedule tag of the resource group)",
    });
  });

  it("uses the default schedule for a resource without the tag, and says so", () => {
    const condition = args({ default: "Mon-Fri 08:00-18:00 Europe/Brussels" });
    expect(offHoursFilter.evaluate(vm({}), condition, context(SUNDAY_NIGHT))).toEqual({
      outcome: "match",
      reason: "outside default schedule Mon-Fri 08:00-18:00 Europe/Brussels (Sunday 23:10 local; no governor-schedule tag)",
    });
  });

  it("is not applicable to a resource without a schedule when there is no default", () => {
    expect(offHoursFilter.evaluate(vm({}), args(), context(SUNDAY_NIGHT))).toEqual({
      outcome: "not-applicable",
      reason: "no governor-schedule tag on the resource or its resource group, and no default schedule",
    });
  });

  it("is unknown, never a match, when the owner's tag cannot be read", () => {
    const typo = vm({ "governor-schedule": "Mon-Fry 07:00-19:00 Europe/Brussels" });
    expect(offHoursFilter.evaluate(typo, args({ default: "Mon-Fri 07:00-19:00 Europe/Brussels" }), context(SUNDAY_NIGHT))).toEqual({
      outcome: "unknown",
      reason:
        'governor-schedule tag cannot be read, nothing is done until its owner fixes it: invalid schedule "Mon-Fry 07:00-19:00 Europe/Brussels": "Mon-Fry" is not a range of days: unknown day "Fry" (use Mon, Tue, Wed, Thu, Fri, Sat, Sun, a range like Mon-Fri, or weekdays/weekend)',
    });
  });

  it("is unknown when the tag has no time zone", () => {
    const result = offHoursFilter.evaluate(vm({ "governor-schedule": "Mon-Fri 07:00-19:00" }), args(), context(SUNDAY_NIGHT));
    expect(result.outcome).toBe("unknown");
    expect(result.reason).toContain("no time zone");
  });

  it("is unknown when the settings name a country without a calendar", () => {
    const result = offHoursFilter.evaluate(vm(OFFICE), args(), context(SUNDAY_NIGHT, { holidays: "XX" }));
    expect(result).toEqual({
      outcome: "unknown",
      reason:
        'holiday calendar for schedule Mon-Fri 07:00-19:00 Europe/Brussels: unknown holiday country "XX": expected a two-letter ISO 3166 country code (PL), optionally with a region (DE-BY); `npx governor holidays` lists the countries, `npx governor holidays <country>` a country\'s regions',
    });
  });

  it("never matches a resource scheduled always, and always matches one scheduled never", () => {
    expect(offHoursFilter.evaluate(vm({ "governor-schedule": "always" }), args(), context(SUNDAY_NIGHT)).outcome).toBe("no-match");
    expect(offHoursFilter.evaluate(vm({ "governor-schedule": "never" }), args(), context(TUESDAY_MORNING))).toEqual({
      outcome: "match",
      reason: "outside schedule never (Tuesday 10:00 local)",
    });
  });

  it("keeps the office hours on the wall clock across the change to summer time", () => {
    // Monday 30 March 2026, 06:30 UTC is 08:30 CEST; a week earlier 06:30 UTC was 07:30 CET.
    expect(offHoursFilter.evaluate(vm(OFFICE), args(), context("2026-03-30T04:30:00Z")).outcome).toBe("match");
    expect(offHoursFilter.evaluate(vm(OFFICE), args(), context("2026-03-30T05:30:00Z")).outcome).toBe("no-match");
  });
});

describe("off-hours condition", () => {
  it("rejects a default schedule that cannot be read when the policy loads", () => {
    expect(() => args({ default: "Mon-Fri 07:00-19:00" })).toThrow('invalid schedule "Mon-Fri 07:00-19:00": no time zone');
  });

  it("rejects an unknown holiday country or region, saying how to find the valid codes", () => {
    expect(() => args({ holidays: "XX" })).toThrow('unknown holiday country "XX": expected a two-letter ISO 3166 country code (PL)');
    expect(() => args({ holidays: "DE-XY" })).toThrow('unknown holiday region "XY" of DE: its regions are BB, BE, BW, BY,');
  });

  it("accepts any country date-holidays knows and its regions, spelt canonically", () => {
    expect(args({ holidays: "pl" }).holidays).toBe("PL");
    expect(args({ holidays: "de-by" }).holidays).toBe("DE-BY");
    expect(args({ holidays: "None" }).holidays).toBe("none");
  });

  it("offers editors the shape of a calendar code, or none", () => {
    const properties = (
      offHoursFilter.schema.properties as Record<
        string,
        { properties: Record<string, { anyOf?: Array<{ pattern?: string; enum?: string[] }> }> }
      >
    )["off-hours"];
    const [shape, none] = properties?.properties.holidays?.anyOf ?? [];
    const pattern = new RegExp(shape?.pattern ?? "^$");
    expect(["BE", "PL", "DE-BY", "DE-BY-A"].filter((code) => pattern.test(code))).toHaveLength(4);
    expect(["Poland", "DE_BY", "D"].filter((code) => pattern.test(code))).toEqual([]);
    expect(none?.enum).toEqual(["none"]);
  });
});
