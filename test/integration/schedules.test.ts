/**
 * PostgreSQL and scale-set schedules on the emulated sample estate, through the built-in pack,
 * `plan` and `applyRemediation` with the real SDK clients (arm-postgresql-flexible, arm-compute):
 * a non-production server stopped outside its schedule and started when it opens, the server in
 * high-availability mode refused at plan time and at apply, Azure's own start after 7 days
 * noticed on the emulator's clock and undone within the policy's rules, a scale set deallocated
 * and started with its power state read from its instance view, and the scale set AKS owns never
 * touched.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VirtualClock } from "../../emulator/clock.ts";
import { sampleEstate } from "../../emulator/estate/sample.ts";
import { type Emulator, startEmulator } from "../../emulator/server.ts";
import type { ResourceChange } from "../../emulator/store.ts";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";
import { type AzureTarget, emulatorTarget } from "../../shared/azure/target.ts";
import { computeClient, postgresClient } from "../../shared/azure/clients.ts";
import { plan } from "../../shared/planner.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { loadPolicyFile } from "../../shared/policy/loader.ts";
import type { Finding, PolicySet } from "../../shared/policy/types.ts";
import { applyRemediation, type RemediationDeps, type RemediationRequest } from "../../shared/remediation/index.ts";
import { remediationRequest } from "../support/remediation.ts";

const sample = sampleEstate();
const SUB = sample.subscriptionId;
const registry = builtinRegistry();
const APPROVER = "platform-team@nordwind.example";
const FAST = { pollIntervalMs: 5, retryDelayMs: 20, maxRetryDelayMs: 200 };
const SDK_RETRY = { retryOptions: { retryDelayInMs: 20, maxRetryDelayInMs: 200 } };
const DAY_MS = 86_400_000;
const POSTGRES = "stop-offhours-nonprod-postgres";
const SCALE_SETS = "stop-offhours-nonprod-scale-sets";

const id = (group: string, type: string, name: string): string => `/subscriptions/${SUB}/resourceGroups/${group}/providers/${type}/${name}`;
const server = (group: string, name: string): string => id(group, "Microsoft.DBforPostgreSQL/flexibleServers", name);
const scaleSet = (group: string, name: string): string => id(group, "Microsoft.Compute/virtualMachineScaleSets", name);
const DEV_SERVER = server("rg-odoo-dev", "psql-odoo-dev");
const HA_SERVER = server("rg-odoo-test", "psql-odoo-test-ha");
const WORKERS = scaleSet("rg-odoo-test", "vmss-odoo-test-workers");
const AKS_NODES = scaleSet("MC_rg-odoo-dev_aks-odoo-dev_westeurope", "aks-system-49402142-vmss");

let set: PolicySet;
let emulator: Emulator;
let target: AzureTarget;
const changes: ResourceChange[] = [];

beforeAll(async () => {
  set = await loadPolicyFile(DEFAULT_POLICIES, registry);
  emulator = await startEmulator({ estate: sampleEstate().estate, clock: new VirtualClock(sample.now), subscriptionId: SUB });
  emulator.core.store.changes.on("change", (change) => changes.push(change));
  target = emulatorTarget(emulator, SUB, SDK_RETRY);
});
afterAll(async () => emulator.close());

function request(policy: string, resourceId: string, action?: RemediationRequest["action"]): RemediationRequest {
  return remediationRequest(set, policy, resourceId, { approvedBy: APPROVER, ...(action === undefined ? {} : { action }) });
}

const deps = (now: Date = emulator.core.clock.now()): RemediationDeps => ({
  target,
  config: { killSwitch: false, dryRun: false },
  policySet: set,
  registry,
  now: () => now,
  options: FAST,
});

const operationsOf = (resourceId: string, since = 0): string[] =>
  changes
    .slice(since)
    .filter((change) => change.resourceId.toLowerCase() === resourceId.toLowerCase())
    .map((change) => change.operationName);
const tagsOf = (resourceId: string): Record<string, string> => emulator.core.store.get(resourceId)?.arm.tags ?? {};
const writesSince = (mark: number) =>
  emulator.core.log
    .entries({ since: mark })
    .filter((entry) => entry.method !== "GET" && entry.route !== "metrics.batch" && entry.route !== "resourceGraph.resources");

async function findingsAt(now: Date): Promise<Finding[]> {
  return (await plan(target, set, now, registry)).evaluation.findings;
}

async function serverState(resourceId: string): Promise<string | undefined> {
  const client = await postgresClient(target);
  const [, , , , group, , , , name] = resourceId.split("/");
  return (await client.servers.get(group as string, name as string)).state;
}

async function scaleSetPower(resourceId: string): Promise<string[]> {
  const client = await computeClient(target);
  const [, , , , group, , , , name] = resourceId.split("/");
  const view = await client.virtualMachineScaleSets.getInstanceView(group as string, name as string);
  return (view.virtualMachine?.statusesSummary ?? [])
    .filter((entry) => entry.code?.startsWith("PowerState/"))
    .map((entry) => `${entry.code}×${entry.count}`);
}

describe("PostgreSQL servers on a schedule", () => {
  it("plans a stop of the dev server outside its schedule, naming its state, its schedule and its compute price", async () => {
    const findings = await findingsAt(sample.now);
    const dev = findings.find((finding) => finding.policy === POSTGRES && finding.resourceId === DEV_SERVER);
    expect(dev).toMatchObject({ verdict: "needs-approval", action: "stop" });
    expect(dev?.reason).toContain("power state running");
    expect(dev?.reason).toContain("outside schedule Mon-Fri 08:00-18:00 Europe/Brussels");
    expect(dev?.reason).toContain(
      "Standard_B2s at 0.074 EUR/h × 513 h = 37.96 EUR/month (compute only: storage and backups are still billed)",
    );
    expect(dev?.estimatedMonthlySavings).toBe(37.96);
  });

  it("blocks the server in high-availability mode at plan time with the mode seen, and refuses it at apply sending no stop", async () => {
    const findings = await findingsAt(sample.now);
    const ha = findings.find((finding) => finding.policy === POSTGRES && finding.resourceId === HA_SERVER);
    expect(ha).toMatchObject({ verdict: "blocked", guard: "refused" });
    expect(ha?.reason).toContain("high availability ZoneRedundant: Azure cannot stop it");
    const mark = emulator.core.log.mark;
    const outcome = await applyRemediation(request(POSTGRES, HA_SERVER), deps());
    expect(outcome).toMatchObject({
      outcome: "skipped",
      reason: "psql-odoo-test-ha: high availability ZoneRedundant: Azure cannot stop it",
    });
    expect(writesSince(mark)).toEqual([]);
    expect(await serverState(HA_SERVER)).toBe("Ready");
  });

  it("stops the dev server, writes who stopped it and when, and a second apply is already done with nothing sent", async () => {
    const since = changes.length;
    const stopped = await applyRemediation(request(POSTGRES, DEV_SERVER), deps());
    expect(stopped).toMatchObject({
      outcome: "applied",
      before: { powerState: "running" },
      after: { powerState: "stopped" },
      reason: expect.stringContaining("stopped PostgreSQL server psql-odoo-dev (compute billing stops, storage still billed)") as unknown,
    });
    expect(await serverState(DEV_SERVER)).toBe("Stopped");
    expect(operationsOf(DEV_SERVER, since)).toEqual([
      "Microsoft.DBforPostgreSQL/flexibleServers/stop/action",
      "Microsoft.Resources/tags/write",
    ]);
    expect(tagsOf(DEV_SERVER)["governor-stopped-by"]).toBe(`${POSTGRES}; since 2026-11-23T19:30:00Z`);

    const mark = emulator.core.log.mark;
    expect(await applyRemediation(request(POSTGRES, DEV_SERVER), deps())).toMatchObject({
      outcome: "already-done",
      reason: "psql-odoo-dev is already stopped",
    });
    expect(writesSince(mark)).toEqual([]);
  });

  it("notices Azure's own start 7 days later, stops the server again within the policy, and says it was started again by Azure", async () => {
    emulator.core.clock.advance(7 * DAY_MS);
    const later = emulator.core.clock.now();
    expect(await serverState(DEV_SERVER)).toBe("Ready");
    // Governor's tag is still on it: nothing of Governor started it.
    expect(tagsOf(DEV_SERVER)["governor-stopped-by"]).toBe(`${POSTGRES}; since 2026-11-23T19:30:00Z`);

    const findings = await findingsAt(later);
    const dev = findings.find((finding) => finding.policy === POSTGRES && finding.resourceId === DEV_SERVER);
    expect(dev).toMatchObject({ verdict: "needs-approval", action: "stop" });
    expect(dev?.reason).toContain(
      `started again by Azure after 7 days stopped (${POSTGRES} stopped it on 2026-11-23T19:30:00Z; Azure starts a stopped server after 7 days)`,
    );

    const since = changes.length;
    const again = await applyRemediation(request(POSTGRES, DEV_SERVER), deps(later));
    expect(again.outcome).toBe("applied");
    expect(again.reason).toContain("stopped PostgreSQL server psql-odoo-dev");
    expect(again.reason).toContain("started again by Azure after 7 days stopped");
    expect(await serverState(DEV_SERVER)).toBe("Stopped");
    expect(operationsOf(DEV_SERVER, since)).toEqual([
      "Microsoft.DBforPostgreSQL/flexibleServers/stop/action",
      "Microsoft.Resources/tags/write",
    ]);
    expect(tagsOf(DEV_SERVER)["governor-stopped-by"]).toBe(`${POSTGRES}; since ${later.toISOString().slice(0, 19)}Z`);
  });

  it("starts the server when its schedule opens, not before, and clears who stopped it", async () => {
    const start = request(POSTGRES, DEV_SERVER, { type: "start", args: {} });
    const tooEarly = await applyRemediation(start, deps());
    expect(tooEarly).toMatchObject({ outcome: "skipped", guard: "conditions" });
    expect(tooEarly.reason).toMatch(/would stop psql-odoo-dev again now: .*outside schedule Mon-Fri 08:00-18:00/);

    // Tuesday 08:30 in Brussels, the week after.
    const morning = new Date("2026-12-01T07:30:00Z");
    const since = changes.length;
    const started = await applyRemediation(start, deps(morning));
    expect(started).toMatchObject({ outcome: "applied", before: { powerState: "stopped" }, after: { powerState: "running" } });
    expect(await serverState(DEV_SERVER)).toBe("Ready");
    expect(operationsOf(DEV_SERVER, since)).toEqual([
      "Microsoft.DBforPostgreSQL/flexibleServers/start/action",
      "Microsoft.Resources/tags/write",
    ]);
    expect(tagsOf(DEV_SERVER)["governor-stopped-by"]).toBeUndefined();
    expect(await applyRemediation(start, deps(morning))).toMatchObject({ outcome: "already-done" });
  });
});

describe("scale sets on a schedule", () => {
  it("reads the scale sets' power from their instances in Resource Graph, one query for all, no instance view GET", async () => {
    const mark = emulator.core.log.mark;
    const findings = await findingsAt(sample.now);
    expect(emulator.core.log.entries({ since: mark, route: "virtualMachineScaleSets.getInstanceView" })).toEqual([]);
    // Resources, ResourceContainers, and the instances in ComputeResources.
    expect(emulator.core.log.entries({ since: mark, route: "resourceGraph.resources" })).toHaveLength(3);
    const workers = findings.find((finding) => finding.policy === SCALE_SETS && finding.resourceId === WORKERS);
    expect(workers).toMatchObject({ verdict: "needs-approval", action: "deallocate", estimatedMonthlySavings: 163.13 });
    expect(workers?.reason).toContain("power state running (3 × PowerState/running)");
    expect(workers?.reason).toContain("3 × Standard_D2s_v5 at 0.106 EUR/h × 513 h = 163.13 EUR/month");
    expect(findings.filter((finding) => finding.resourceId === AKS_NODES)).toEqual([]);
  });

  it("deallocates the scale set, every instance, and a second apply is already done", async () => {
    const since = changes.length;
    const outcome = await applyRemediation(request(SCALE_SETS, WORKERS), deps(sample.now));
    expect(outcome).toMatchObject({
      outcome: "applied",
      reason: expect.stringContaining("deallocated scale set vmss-odoo-test-workers with 3 instances") as unknown,
      before: { powerState: "running" },
      after: { powerState: "deallocated" },
    });
    expect(await scaleSetPower(WORKERS)).toEqual(["PowerState/deallocated×3"]);
    expect(operationsOf(WORKERS, since)).toEqual([
      "Microsoft.Compute/virtualMachineScaleSets/deallocate/action",
      "Microsoft.Resources/tags/write",
    ]);
    const mark = emulator.core.log.mark;
    expect(await applyRemediation(request(SCALE_SETS, WORKERS), deps(sample.now))).toMatchObject({ outcome: "already-done" });
    expect(writesSince(mark)).toEqual([]);
  });

  it("refuses the scale set AKS owns, saying why, and sends nothing to it", async () => {
    const mark = emulator.core.log.mark;
    const outcome = await applyRemediation(request(SCALE_SETS, AKS_NODES), deps(sample.now));
    expect(outcome.outcome).toBe("skipped");
    expect(outcome.reason).toContain(
      "AKS owns this scale set (node resource group mc_rg-odoo-dev_aks-odoo-dev_westeurope; tags aks-managed-",
    );
    expect(outcome.reason).toContain("left to the AKS policy");
    expect(writesSince(mark)).toEqual([]);
    expect(await scaleSetPower(AKS_NODES)).toEqual(["PowerState/running×2"]);
  });

  it("starts the scale set when its schedule opens and clears who stopped it", async () => {
    const morning = new Date("2026-11-24T07:30:00Z");
    const since = changes.length;
    const started = await applyRemediation(request(SCALE_SETS, WORKERS, { type: "start", args: {} }), deps(morning));
    expect(started).toMatchObject({ outcome: "applied", after: { powerState: "running" } });
    expect(await scaleSetPower(WORKERS)).toEqual(["PowerState/running×3"]);
    expect(operationsOf(WORKERS, since)).toEqual([
      "Microsoft.Compute/virtualMachineScaleSets/start/action",
      "Microsoft.Resources/tags/write",
    ]);
    expect(tagsOf(WORKERS)["governor-stopped-by"]).toBeUndefined();
  });
});
