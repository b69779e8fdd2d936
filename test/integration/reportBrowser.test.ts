/**
 * The report in a real browser: `governor report --emulator` (two virtual days of sweeps carried
 * out on the local runtime) writes the static folder; headless Chromium opens it, and the same
 * trail and ledger through `GET /api/report` on the local host. The charts are SVG, the figures
 * are the audit trail's, and screenshots are kept in out/test-artifacts/.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VirtualClock } from "../../emulator/clock.ts";
import type { AuditRecord } from "../../shared/audit/record.ts";
import { TableAuditTrail } from "../../shared/audit/trail.ts";
import { type Azurite, startAzurite } from "../../local/azurite.ts";
import { DurableStore, LocalDurableRuntime } from "../../local/durable/index.ts";
import { loadEntries } from "../../local/entries.ts";
import { type LocalHost, startLocalHost } from "../../local/host.ts";
import { launchChromium } from "../support/chromium.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ARTIFACTS = join(ROOT, "out", "test-artifacts");
const SAVING = new Set(["deallocate", "stop", "delete"]);

let browser: Browser;
let outDir: string;
let azurite: Azurite;
let host: LocalHost;
let records: AuditRecord[];
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), "governor-report-out-"));
  const { stdout } = await promisify(execFile)(
    join(ROOT, "node_modules/.bin/node"),
    [join(ROOT, "cli/governor.ts"), "report", "--emulator", "--days", "2", "--out", outDir],
    { cwd: ROOT, timeout: 120_000 },
  );
  const workDir = /audit trail in (\S+)\)/.exec(stdout)?.[1];
  if (!workDir) throw new Error(`governor report printed no work folder:\n${stdout}`);
  azurite = await startAzurite({ location: join(workDir, "azurite") });
  records = await TableAuditTrail.fromConnectionString(azurite.connectionString).query({});
  for (const name of ["AzureWebJobsStorage", "GOVERNOR_SUBSCRIPTION_ID", "GOVERNOR_TASK_HUB"]) saved[name] = process.env[name];
  process.env.AzureWebJobsStorage = azurite.connectionString;
  process.env.GOVERNOR_SUBSCRIPTION_ID ??= "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
  process.env.GOVERNOR_TASK_HUB ??= "GovernorReportRoute";
  const clock = new VirtualClock();
  const store = await DurableStore.open({ connectionString: azurite.connectionString, taskHub: "GovernorReportRoute" });
  host = await startLocalHost({
    registrations: await loadEntries([join(ROOT, "functions/report.ts")]),
    runtime: new LocalDurableRuntime({ registrations: [], store, clock }),
    taskHub: "GovernorReportRoute",
    functionKey: "unused",
    clock,
    timeZone: "Europe/Brussels",
    port: 0,
    logger: { info: () => {}, warn: () => {}, error: () => {} },
    authentication: () => ({ name: "auditor@nordwind.example", roles: [] }),
  });
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await azurite?.close();
  for (const [name, value] of Object.entries(saved))
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
});

const appliedSavings = (): AuditRecord[] =>
  records.filter((record) => record.kind === "outcome" && record.outcome === "applied" && SAVING.has(record.action ?? ""));

describe("the report in a browser", () => {
  it("opens from governor report --emulator and from GET /api/report, with SVG charts and the audit trail's figures", async () => {
    expect(appliedSavings().length).toBeGreaterThan(0);
    for (const [source, base] of [
      ["static", pathToFileURL(`${outDir}/`).href],
      ["route", `${host.url}/api/report/`],
    ] as const) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(source === "static" ? `${base}index.html` : `${host.url}/api/report`);
      expect(await page.title()).toBe("Overview · Governor report");
      const figure = async (name: string) => page.locator(`[data-figure="${name}"] b`).textContent();
      expect(await figure("Changes in the ledger")).toBe(String(appliedSavings().length));
      expect(await figure("Restore drills recorded")).toBe(String(records.filter((record) => record.kind === "drill").length));
      await page.screenshot({ path: join(ARTIFACTS, `report-${source}-overview.png`), fullPage: true });

      await page.goto(source === "static" ? `${base}compliance.html` : `${base}compliance`);
      expect(await page.locator("figure[data-chart] > svg").count()).toBe(3);
      await page.goto(source === "static" ? `${base}savings.html` : `${base}savings`);
      expect(await page.locator("figure[data-chart] > svg").count()).toBe(1);
      // Every applied saving change of the trail is a row, with its resource named.
      for (const record of appliedSavings())
        expect(await page.getByRole("cell", { name: record.resourceId?.split("/").at(-1), exact: true }).count()).toBeGreaterThan(0);
      await page.screenshot({ path: join(ARTIFACTS, `report-${source}-savings.png`), fullPage: true });
      await page.close();
    }
  }, 60_000);
});
