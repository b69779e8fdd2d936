/**
 * `settings.holidays` for a country outside Governor's own calendars, from the policy file to the
 * decision: the file loads as users' files do, and the off-hours condition and the month-end
 * freeze honour the country's holidays (Poland's here, from date-holidays).
 */
import { describe, expect, it } from "vitest";
import { builtinRegistry } from "../../../shared/policy/builtins.ts";
import { evaluate } from "../../../shared/policy/evaluate.ts";
import { parsePolicyText, PolicyLoadError } from "../../../shared/policy/loader.ts";
import type { Finding, InventoryResource } from "../../../shared/policy/types.ts";
import { context, resource, STOP_RUNNING_POLICY } from "./support.ts";

const registry = builtinRegistry();

function decide(yaml: string, resources: InventoryResource[], now: Date): Finding[] {
  const set = parsePolicyText(yaml, "test.yaml", registry);
  const ctx = context({ resources, groups: [{ name: "rg-dev", tags: { environment: "dev" } }] });
  return evaluate(set, ctx.inventory, ctx.facts, now, registry).findings;
}

function issues(yaml: string): Array<{ path: string; message: string }> {
  try {
    parsePolicyText(yaml, "test.yaml", registry);
  } catch (error) {
    if (error instanceof PolicyLoadError) return error.issues.map((issue) => ({ path: issue.path, message: issue.message }));
    throw error;
  }
  return [];
}

const settings = (holidays: string, extra = "") => `version: 1
settings:
  timeZone: Europe/Warsaw
  holidays: ${holidays}
${extra}`;

const OFF_HOURS = `policies:
  - name: stop-offhours
    resource: virtual-machine
    mode: enforce
    when:
      - off-hours: { tag: governor-schedule }
    action: deallocate
`;

const STOP_RUNNING = `policies:\n${STOP_RUNNING_POLICY}`;

const WARSAW_OFFICE = resource({
  name: "vm-odoo-dev-waw",
  resourceGroup: "rg-dev",
  tags: { "governor-schedule": "Mon-Fri 07:00-19:00 Europe/Warsaw" },
});
// Wednesday 11 November 2026, 10:00 in Warsaw: Independence Day.
const INDEPENDENCE_DAY = new Date("2026-11-11T09:00:00Z");
const NEXT_DAY = new Date("2026-11-12T09:00:00Z");

describe("settings.holidays: PL", () => {
  it("loads, in any case, as the canonical code", () => {
    expect(parsePolicyText(settings("pl") + OFF_HOURS, "test.yaml", registry).settings.holidays).toBe("PL");
    expect(parsePolicyText(settings("DE-BY") + OFF_HOURS, "test.yaml", registry).settings.holidays).toBe("DE-BY");
  });

  it("stops an office-hours VM on Polish Independence Day, naming the holiday, and not the day after", () => {
    const [finding] = decide(settings("PL") + OFF_HOURS, [WARSAW_OFFICE], INDEPENDENCE_DAY);
    expect(finding).toMatchObject({ verdict: "remediate" });
    expect(finding?.reason).toContain("public holiday Narodowe Święto Niepodległości (PL)");
    expect(decide(settings("PL") + OFF_HOURS, [WARSAW_OFFICE], NEXT_DAY)).toEqual([]);
    // Germany works on 11 November: the same VM stays up under a German calendar.
    expect(decide(settings("DE") + OFF_HOURS, [WARSAW_OFFICE], INDEPENDENCE_DAY)).toEqual([]);
  });

  it("moves the month-end close back over Corpus Christi, a Polish holiday and not a German one", () => {
    const freeze = "  blackouts:\n    - { name: month-end close, environments: [dev], lastWorkingDays: 3 }\n";
    const vm = resource({ name: "vm-odoo-dev-1", resourceGroup: "rg-dev" });
    // Wednesday 26 May 2027: Corpus Christi is Thursday the 27th, so Poland's last three working days are 26, 28 and 31 May.
    const wednesday = new Date("2027-05-26T08:00:00Z");
    const [polish] = decide(settings("PL", freeze) + STOP_RUNNING, [vm], wednesday);
    expect(polish).toMatchObject({ verdict: "blocked", guard: "change-window" });
    expect(polish?.reason).toContain("month-end close");
    expect(decide(settings("DE", freeze) + STOP_RUNNING, [vm], wednesday)[0]).toMatchObject({ verdict: "remediate" });
  });

  it("honours a region: a Bavarian office is off on Epiphany, a Berlin one is not", () => {
    const epiphany = new Date("2026-01-06T09:00:00Z");
    const office = resource({
      name: "vm-odoo-dev-muc",
      resourceGroup: "rg-dev",
      tags: { "governor-schedule": "Mon-Fri 07:00-19:00 Europe/Berlin" },
    });
    const [bavarian] = decide(settings("DE-BY") + OFF_HOURS, [office], epiphany);
    expect(bavarian?.reason).toContain("public holiday Heilige Drei Könige (DE-BY)");
    expect(decide(settings("DE-BE") + OFF_HOURS, [office], epiphany)).toEqual([]);
  });
});

describe("unknown holiday codes", () => {
  it("refuse the file at load, with the reason and how to list the valid codes", () => {
    expect(issues(settings("XX") + OFF_HOURS)).toEqual([
      {
        path: "settings.holidays",
        message:
          'unknown holiday country "XX": expected a two-letter ISO 3166 country code (PL), optionally with a region (DE-BY); `npx governor holidays` lists the countries, `npx governor holidays <country>` a country\'s regions',
      },
    ]);
    expect(issues(settings("DE-XY") + OFF_HOURS)[0]?.message).toContain(
      'unknown holiday region "XY" of DE: its regions are BB, BE, BW, BY,',
    );
  });

  it("refuse an off-hours condition's calendar at load too", () => {
    const condition = OFF_HOURS.replace("{ tag: governor-schedule }", "{ tag: governor-schedule, holidays: PL-XX }");
    expect(issues(settings("PL") + condition)).toEqual([
      expect.objectContaining({ message: expect.stringContaining('unknown holiday region "XX" of PL') as unknown }),
    ]);
  });

  it("refuse a code that is not one by its shape, before any lookup", () => {
    expect(issues(settings("Poland") + OFF_HOURS)[0]).toMatchObject({ path: "settings.holidays" });
  });
});
