/**
 * `npm run demo` as a person runs it: a separate Node process that plays the scripted day on the
 * local app and writes its summary. Its first nine hours here (people's writes and their events,
 * the night's sweeps, the restore drill at 03:00) to keep the suite short; the command's default
 * is the whole day, and the budget alert and approvals have their own tests.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { REPO_ROOT } from "../../local/entries.ts";

const run = promisify(execFile);

interface Summary {
  events: { received: number };
  timers: Record<string, number>;
  findings: number;
  workflows: { started: number; completed: number; failed: number; byName: Record<string, number> };
  actions: { applied: number; skipped: number; skippedByGuard: Record<string, number> };
  drills: Array<{ server: string; outcome: string }>;
  report: string;
  notifications: { teams: number; email: number; undeliverable: number };
}

it("plays the scripted day, exits 0 and writes a summary of events, findings, workflows, actions and drills", async () => {
  const out = mkdtempSync(join(tmpdir(), "governor-demo-out-"));
  await run(process.execPath, [join(REPO_ROOT, "local/demo.ts"), "--hours", "9", "--quiet", "--out", out], {
    cwd: REPO_ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as Summary;
  // The VM and the snapshot people created, and what Governor's tagging of them raised.
  expect(summary.events.received).toBeGreaterThanOrEqual(2);
  expect(summary.timers.sweeps).toBe((9 * 60) / 5);
  expect(summary.workflows.failed).toBe(0);
  expect(summary.workflows.byName).toMatchObject({
    checkResource: expect.any(Number) as number,
    sweep: expect.any(Number) as number,
    restoreDrill: 1,
  });
  expect(summary.drills).toEqual([expect.objectContaining({ server: "psql-odoo-prod", outcome: "passed" })]);
  expect(summary.workflows.completed).toBeGreaterThan(0);
  expect(summary.findings).toBeGreaterThan(0);
  expect(summary.actions.applied).toBeGreaterThan(0);
  expect(Object.keys(summary.actions.skippedByGuard)).not.toContain("unknown");
  // Approval requests at least, delivered to both channels (the digest comes at 07:00, after these nine hours).
  expect(summary.notifications.teams).toBeGreaterThan(0);
  expect(summary.notifications.email).toBeGreaterThan(0);
  expect(summary.notifications.undeliverable).toBe(0);
  // The day's report, written beside the summary, charts as inline SVG.
  expect(summary.report).toBe(join(out, "report", "index.html"));
  expect(readFileSync(summary.report, "utf8")).toMatch(/Governor report/);
  expect(readFileSync(join(out, "report", "compliance.html"), "utf8")).toMatch(/<svg[\s\S]*<\/svg>/);
}, 300_000);
