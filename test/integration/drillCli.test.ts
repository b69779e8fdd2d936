/** `governor drill` and `governor drills` as a user runs them: real processes, their output and exit codes. */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { DrillRecord } from "../../shared/drills/record.ts";

const CLI = fileURLToPath(new URL("../../cli/governor.ts", import.meta.url));
const data = mkdtempSync(join(tmpdir(), "governor-drill-cli-"));
afterAll(() => rmSync(data, { recursive: true, force: true }));

function governor(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 120_000, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("governor drill --emulator", () => {
  it("runs a drill of the production server against real PostgreSQL and prints its record as JSON; governor drills lists it", async () => {
    const { code, stdout, stderr } = await governor("drill", "--emulator", "--server", "psql-odoo-prod", "--json", "--data", data);
    expect(code, stderr).toBe(0);
    const record = JSON.parse(stdout) as DrillRecord;
    expect(record).toMatchObject({
      policy: "weekly-restore-drill",
      server: { name: "psql-odoo-prod" },
      restorePoint: "latest",
      outcome: "passed",
      rtoMet: true,
      rpoMet: true,
      teardown: { confirmed: true },
    });
    expect(record.checks.map((check) => `${check.name}:${check.status}`)).toEqual([
      "connection:pass",
      "core-tables:pass",
      "base-installed:pass",
      "row-counts:pass",
      "accounting-balanced:pass",
      "index-integrity:pass",
      "database-uuid:pass",
    ]);
    expect(record.timings.restoreSeconds).toBeGreaterThan(0);
    expect(record.rtoSeconds).toBeGreaterThan(0);

    const listed = await governor("drills", "--emulator", "--data", data);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.trimEnd()).toMatch(
      /^TIME \(UTC\) +SERVER +OUTCOME +RTO +RPO +CHECKS +DRILL SERVER +FAILURES\n.* psql-odoo-prod +passed +[\d.]+ s +[\d.]+ s +7\/7 +deleted +-$/,
    );
  });

  it("refuses a server the subscription does not have, naming the ones it has", async () => {
    const { code, stderr } = await governor("drill", "--emulator", "--server", "psql-nowhere", "--data", data);
    expect(code).toBe(2);
    expect(stderr).toMatch(/no PostgreSQL flexible server "psql-nowhere" .*psql-odoo-prod/);
  });

  it("says that drills run on the Functions host without --emulator", async () => {
    const { code, stderr } = await governor("drill", "--server", "psql-odoo-prod");
    expect(code).toBe(2);
    expect(stderr).toMatch(/only --emulator is supported/);
  });
});
