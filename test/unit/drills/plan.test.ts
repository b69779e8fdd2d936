/** What a drill of one server does: its settings, restore point, drill server name and tags, and expiry. */
import { describe, expect, it } from "vitest";
import { drillOptions, drillServerName, drillTags, isExpiredDrillServer, restorePoint } from "../../../shared/drills/drillOptions.ts";
import { CHECK_NAMES } from "../../../shared/drills/types.ts";

const now = new Date("2026-11-22T03:00:00Z");

describe("drillOptions", () => {
  it("takes the policy's settings, the server's own over them, and the objectives from the tags when the policy has none", () => {
    const args = {
      restorePoint: "30m",
      heartbeat: true,
      servers: { "PSQL-ODOO-PROD": { database: "odoo_prod", checks: ["connection", "row-counts"] } },
    };
    expect(drillOptions(args, { name: "psql-odoo-prod", tags: { "rto-minutes": "60", "rpo-minutes": "15" } })).toEqual({
      objectives: { rtoMinutes: 60, rpoMinutes: 15 },
      restorePoint: { offsetMs: 30 * 60_000 },
      database: "odoo_prod",
      checks: ["connection", "row-counts"],
      tolerancePercent: 5,
      heartbeat: true,
    });
  });
  it("defaults to the latest restore point, the odoo database and every check", () => {
    expect(drillOptions({}, { name: "psql-odoo-staging", tags: {} })).toMatchObject({
      restorePoint: "latest",
      database: "odoo",
      checks: [...CHECK_NAMES],
      objectives: {},
    });
  });
});

describe("restorePoint", () => {
  const options = drillOptions({ restorePoint: "2h" }, { name: "a", tags: {} });
  it("1. refuses a point before the earliest restore point", () => {
    expect(restorePoint(options, now, new Date("2026-11-22T02:00:00Z")).error).toBe(
      "restore point 2026-11-22T01:00:00.000Z is before the server's earliest restore point 2026-11-22T02:00:00.000Z",
    );
  });
  it("is now for latest, or the offset before now", () => {
    expect(restorePoint(drillOptions({}, { name: "a", tags: {} }), now, undefined)).toEqual({ pointInTime: "2026-11-22T03:00:00.000Z" });
    expect(restorePoint(options, now, new Date("2026-11-15T03:00:00Z"))).toEqual({ pointInTime: "2026-11-22T01:00:00.000Z" });
  });
});

describe("the drill server", () => {
  it("has a valid flexible server name, unique to the run and the same for a retried run", () => {
    const name = drillServerName("PSQL_Odoo_Prod_with_a_very_long_name_that_goes_on_and_on", "drill:a:1");
    expect(name).toMatch(/^[a-z][a-z0-9-]{2,62}$/);
    expect(name).toBe(drillServerName("PSQL_Odoo_Prod_with_a_very_long_name_that_goes_on_and_on", "drill:a:1"));
    expect(name).not.toBe(drillServerName("PSQL_Odoo_Prod_with_a_very_long_name_that_goes_on_and_on", "drill:a:2"));
  });
  it("is not production, whatever its source's tags say, and carries its source, run and expiry", () => {
    expect(
      drillTags(
        { name: "psql-odoo-prod", tags: { Environment: "prod", "governor-drill": "weekly", owner: "ops" } },
        "run-1",
        "2026-11-22T09:00:00.000Z",
      ),
    ).toEqual({
      owner: "ops",
      environment: "drill",
      "governor-drill": "copy",
      "governor-drill-source": "psql-odoo-prod",
      "governor-drill-run": "run-1",
      "governor-drill-expires": "2026-11-22T09:00:00.000Z",
    });
  });
  it("is swept only once expired, and only when it is a drill copy", () => {
    const tags = { "governor-drill": "copy", "governor-drill-expires": "2026-11-22T03:00:00Z" };
    expect(isExpiredDrillServer(tags, now)).toBe(true);
    expect(isExpiredDrillServer(tags, new Date("2026-11-22T02:59:59Z"))).toBe(false);
    expect(isExpiredDrillServer({ ...tags, "governor-drill": "weekly" }, now)).toBe(false);
    expect(isExpiredDrillServer({ "governor-drill": "copy", "governor-drill-expires": "soon" }, now)).toBe(false);
  });
});
