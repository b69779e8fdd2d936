/**
 * The report in a real browser: `governor report --emulator` (two virtual days of sweeps carried
 * out on the local runtime, the Governor baseline assigned at DoNotEnforce and its compliance
 * recorded each day) writes the static folder; headless Chromium opens it, and the same trail,
 * ledger and compliance snapshots through `GET /api/report` on the local host, where Policy
 * Insights cannot be reached (the emulator has stopped): the page says so and still draws the
 * trend. The charts are SVG, the figures are the audit trail's, and screenshots are kept in
 * out/test-artifacts/.
 */
import { saves } from "../../shared/actions/index.ts";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VirtualClock } from "../../emulator/clock.ts";
import type { AuditRecord } from "../../shared/audit/record.ts";
import { subscriptionOfId } from "../../shared/azure/resourceId.ts";
import { TableAuditTrail } from "../../shared/audit/trail.ts";
import { type Azurite, startAzurite } from "../../local/azurite.ts";
import { DurableStore, LocalDurableRuntime } from "../../local/durable/index.ts";
import { loadEntries } from "../../local/entries.ts";
import { type LocalHost, startLocalHost } from "../../local/host.ts";
import { launchChromium } from "../support/chromium.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ARTIFACTS = join(ROOT, "out", "test-artifacts");

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
  for (const name of [
    "AzureWebJobsStorage",
    "GOVERNOR_SUBSCRIPTION_ID",
    "GOVERNOR_TASK_HUB",
    "GOVERNOR_ARM_ENDPOINT",
    "GOVERNOR_ARM_CA_FILE",
  ])
    saved[name] = process.env[name];
  process.env.AzureWebJobsStorage = azurite.connectionString;
  // The emulator the report command used has stopped: the route's Policy Insights read fails, on a port nothing listens on.
  const closed = createServer();
  await new Promise<void>((done) => closed.listen(0, "127.0.0.1", done));
  const port = (closed.address() as { port: number }).port;
  await new Promise<void>((done) => closed.close(() => done()));
  process.env.GOVERNOR_ARM_ENDPOINT = `https://127.0.0.1:${port}`;
  process.env.GOVERNOR_ARM_CA_FILE = join(workDir, "emulator-ca.pem");
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
  records.filter((record) => record.kind === "outcome" && record.outcome === "applied" && saves(record.action ?? ""));

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
      // The emulated estate is one subscription: the overview is not grouped by it.
      expect(await page.locator("section.subscription").count()).toBe(0);
      await page.screenshot({ path: join(ARTIFACTS, `report-${source}-overview.png`), fullPage: true });

      const azurePolicy = await figure("Azure Policy: non-compliant resources");
      if (source === "static") expect(azurePolicy).toMatch(/^\d+$/);
      else expect(azurePolicy).toMatch(/^unavailable: \S+$/);

      await page.goto(source === "static" ? `${base}compliance.html` : `${base}compliance`);
      // Governor's three charts, and Azure Policy's trend over 30 and 90 days from the two days' snapshots.
      expect(await page.locator("figure[data-chart] > svg").count()).toBe(5);
      expect(await page.locator("[data-snapshot-day]").allTextContents()).toHaveLength(2);
      if (source === "static") expect(await page.locator("[data-azure-policy-total]").textContent()).toBe(azurePolicy);
      else
        expect(await page.locator('[data-azure-policy="unavailable"]').textContent()).toMatch(/^Azure Policy compliance unavailable: \S+/);
      await page.screenshot({ path: join(ARTIFACTS, `report-${source}-compliance.png`), fullPage: true });
      await page.goto(source === "static" ? `${base}savings.html` : `${base}savings`);
      expect(await page.locator("figure[data-chart] > svg").count()).toBe(1);
      // Every applied saving change of the trail is a row, with its resource named.
      for (const record of appliedSavings())
        expect(await page.getByRole("cell", { name: record.resourceId?.split("/").at(-1), exact: true }).count()).toBeGreaterThan(0);
      await page.screenshot({ path: join(ARTIFACTS, `report-${source}-savings.png`), fullPage: true });
      await page.close();
    }
  }, 60_000);

  it("groups the overview by subscription once the trail names a second one", async () => {
    const other = "0b7e3c9a-1d2f-4e5a-8b6c-7d8e9f0a1b2c";
    // Found by the policy's latest sweep, across subscriptions as a sweep plans them.
    const sweep = records
      .filter((record) => record.kind === "notice" && record.action === "sweep" && record.policy === "stop-idle-nonprod-vms")
      .sort((a, b) => a.at.localeCompare(b.at))
      .at(-1) as AuditRecord;
    const subscriptions = new Set(records.flatMap((record) => subscriptionOfId(record.resourceId ?? "")?.toLowerCase() ?? []));
    expect([...subscriptions]).not.toContain(other);
    await TableAuditTrail.fromConnectionString(azurite.connectionString).append([
      {
        id: "report-browser:other-subscription:finding",
        at: sweep.at,
        kind: "finding",
        policy: "stop-idle-nonprod-vms",
        resourceId: `/subscriptions/${other}/resourceGroups/rg-subsidiary/providers/Microsoft.Compute/virtualMachines/vm-subsidiary-01`,
        action: "deallocate",
        verdict: "remediate",
        reason: "idle",
        instanceId: sweep.instanceId,
        trigger: { type: "timer" },
        actor: { type: "governor", id: "governor" },
        details: { environment: "dev" },
      },
    ]);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${host.url}/api/report`);
    const sections = page.locator("section.subscription");
    expect(await sections.count()).toBe(subscriptions.size + 1);
    const section = page.locator(`section[data-subscription="${other}"]`);
    expect(await section.locator('[data-figure="Open findings"] b').textContent()).toBe("1");
    await page.screenshot({ path: join(ARTIFACTS, "report-route-subscriptions.png"), fullPage: true });
    await page.goto(`${host.url}/api/report/compliance`);
    expect(await page.locator(`[data-subscription-group="${other}"]`).count()).toBe(1);
    await page.close();
  }, 60_000);
});
