/** `governor holidays`: the codes a policy's holidays accept, as a user lists them (a real process). */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../../cli/governor.ts", import.meta.url));

function governor(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("governor holidays", () => {
  it("lists every country, marking Governor's own calendars", async () => {
    const { code, stdout } = await governor("holidays");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^PL {2}Poland$/m);
    expect(stdout).toMatch(/^BE {2}Belgium {2}\(Governor's own calendar\)$/m);
    expect(stdout.match(/Governor's own calendar/g)).toHaveLength(12);
  });

  it("lists a country's regions, and a calendar's days in a year", async () => {
    const regions = await governor("holidays", "de");
    expect(regions.stdout).toMatch(/^DE-BY {2}Bayern$/m);
    const bavaria = await governor("holidays", "DE-BY", "2026");
    expect(bavaria.stdout).toContain("2026-01-06  Heilige Drei Könige\n");
    expect(bavaria.stdout).toContain("2026-06-04  Fronleichnam\n");
  });

  it("exits 1 for an unknown code, with the reason", async () => {
    const { code, stderr } = await governor("holidays", "XX");
    expect(code).toBe(1);
    expect(stderr).toContain('governor holidays: unknown holiday country "XX"');
  });
});
