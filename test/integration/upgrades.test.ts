/**
 * Deploying a new version while workflows run (user journey 9): the local runtime, with Governor's
 * real orchestrators and activities in a child process, is stopped as a deployment stops the
 * Functions host while a `remediate` waits for its approval and a restore drill waits on its
 * PostgreSQL restore; the next runtime has changed orchestrator code (`remediate` 1.1 adds a
 * step, test/fixtures/runtime/upgradedRemediate.ts) and stamps 1.1 on what it starts (the host's
 * `defaultVersion` app setting). What started on 1.0 finishes on 1.0's steps; what starts on 1.1
 * takes the new one; and the same change without its version gate would fail the old instance as
 * non-deterministic, which is what the gate is for.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approvalInstanceId, drillInstanceId } from "../../orchestrations/names.ts";
import type { RemediateResult } from "../../orchestrations/remediate.ts";
import { remediationsFor } from "../../orchestrations/remediations.ts";
import type { DrillInput } from "../../orchestrations/restoreDrill.ts";
import type { DrillRecord } from "../../shared/drills/record.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";
import { plan } from "../../shared/planner.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { loadPolicyFile } from "../../shared/policy/loader.ts";
import type { FailureOutput, LocalDurableRuntime } from "../../local/durable/index.ts";
import type { LocalEstate } from "../../local/localApp.ts";
import type { RemediateInput } from "../../orchestrations/remediate.ts";
import { type ChildEstate, finishInChild, type RuntimeChild, stageOf, startChildEstate, until } from "../support/runtimeChild.ts";

const SERVER_TYPE = "Microsoft.DBforPostgreSQL/flexibleServers";
/** The host reads an app setting before host.json: a deployment that moves to 1.1 sets this (or host.json). */
const DEFAULT_VERSION_SETTING = "AzureFunctionsJobHost__extensions__durableTask__defaultVersion";

let fixture: ChildEstate;
let estate: LocalEstate;
let hub: LocalDurableRuntime;
let marker: string;

beforeAll(async () => {
  fixture = await startChildEstate("Upgrades", "governor-upgrade-");
  ({ estate, hub } = fixture);
  marker = join(fixture.workDir, "upgrade-steps.txt");
  writeFileSync(marker, "");
}, 120_000);

afterAll(async () => fixture?.close());

/** A deployment of this repository's code (1.0), or of the next version's (1.1), with or without its version gate. */
async function deploy(version: "1.0" | "1.1", options: { ungated?: boolean } = {}): Promise<RuntimeChild> {
  const child = fixture.spawn(
    version === "1.0"
      ? {}
      : {
          upgraded: true,
          settings: {
            [DEFAULT_VERSION_SETTING]: "1.1",
            UPGRADE_FIXTURE_MARKER: marker,
            UPGRADE_FIXTURE_UNGATED: options.ungated ? "true" : "false",
          },
        },
  );
  await child.ready;
  return child;
}

/** The new step's runs, as `<instanceId> <version>` (the process is left out). */
const upgradeSteps = (): string[] =>
  readFileSync(marker, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split(" ").slice(0, 2).join(" "));

const awaitingApproval = (runtime: RuntimeChild, id: string): Promise<void> =>
  until(async () => (await stageOf(hub, approvalInstanceId(id))) === "awaiting-approval", `${id} to wait for its approval`, { runtime });

async function idleSweep(scope: string): Promise<{ instanceId: string; input: RemediateInput }> {
  const set = await loadPolicyFile(DEFAULT_POLICIES, builtinRegistry());
  const { evaluation } = await plan(
    emulatorTarget(estate.emulator, estate.sample.subscriptionId),
    set,
    estate.clock.now(),
    builtinRegistry(),
  );
  const start = remediationsFor(evaluation, set, { scope, trigger: { type: "timer" } }).find(
    (item) => item.input.policy === "stop-idle-nonprod-vms",
  );
  if (!start) throw new Error("the idle sweep found nothing");
  return start;
}

const vmId = (name: string): string =>
  estate.emulator.core.store.list({ type: "Microsoft.Compute/virtualMachines" }).find((r) => r.arm.name === name)?.arm.id as string;

describe("a new version deployed while a remediation waits for approval and a restore drill waits on its restore", () => {
  it("both finish on the version that started them and a workflow started after it runs the new one; shipped without its version gate, the change fails the old instance as non-deterministic", async () => {
    const prodId = estate.emulator.core.store.list({ type: SERVER_TYPE }).find((server) => server.arm.name === "psql-odoo-prod")?.arm
      .id as string;
    const remediation = await idleSweep("upgrade-old");
    const gateless = await idleSweep("upgrade-gateless");
    const drillId = drillInstanceId(prodId, "upgrade");
    const drill: DrillInput = {
      serverId: prodId,
      policy: "weekly-restore-drill",
      args: { checks: ["connection"] },
      trigger: { type: "manual", id: "upgrade" },
    };
    let restores = 0;
    if (estate.postgres) estate.postgres.afterRestore = async () => void (restores += 1);
    // The restore answers InProgress to its first status checks: the drill is asleep between them when the deployment comes.
    const lro = estate.emulator.core.lro.options;
    const polls = lro.polls;
    lro.polls = 3;
    try {
      const old = await deploy("1.0");
      await old.start("remediate", remediation.instanceId, remediation.input);
      await old.start("remediate", gateless.instanceId, gateless.input);
      await old.start("restoreDrill", drillId, drill);
      await awaitingApproval(old, remediation.instanceId);
      await awaitingApproval(old, gateless.instanceId);
      await until(async () => (await stageOf(hub, drillId)) === "waiting-for-restore", "the drill to wait for its restore", {
        runtime: old,
      });
      // The deployment: the old host stops, after the work in hand.
      expect((await old.stop()).code).toBe(0);
      for (const id of [remediation.instanceId, gateless.instanceId, drillId]) expect((await hub.getStatus(id))?.version).toBe("1.0");

      const next = await deploy("1.1");
      await next.raise(approvalInstanceId(remediation.instanceId), "ApprovalDecision", {
        decision: "approve",
        resourceIds: [vmId("vm-odoo-dev-01")],
        decidedBy: "maria@nordwind.example",
      });
      const [remediated, drilled] = await finishInChild(estate, hub, next, [remediation.instanceId, drillId]);
      expect(remediated, JSON.stringify(remediated?.output)).toMatchObject({ runtimeStatus: "Completed", version: "1.0" });
      expect((remediated?.output as RemediateResult).counts.applied).toBe(1);
      expect(drilled, JSON.stringify(drilled?.output)).toMatchObject({ runtimeStatus: "Completed", version: "1.0" });
      expect((drilled?.output as DrillRecord).outcome).toBe("passed");
      expect(restores).toBe(1);
      // The 1.0 instance replayed 1.0's steps: the new step never ran for it.
      expect(upgradeSteps()).toEqual([]);

      // Started after the deployment: stamped 1.1, it takes the new step, then every step 1.0 had.
      const fresh = await idleSweep("upgrade-new");
      await next.start("remediate", fresh.instanceId, { ...fresh.input, autoApprove: true });
      const [started] = await finishInChild(estate, hub, next, [fresh.instanceId]);
      expect(started, JSON.stringify(started?.output)).toMatchObject({ runtimeStatus: "Completed", version: "1.1" });
      expect(upgradeSteps()).toEqual([`${fresh.instanceId} 1.1`]);
      expect(((await hub.getStatus(gateless.instanceId)) ?? {}).runtimeStatus).toBe("Running");
      expect((await next.stop()).code).toBe(0);

      // The same change shipped without its gate: the 1.0 instance still waiting replays into the new step and fails.
      const careless = await deploy("1.1", { ungated: true });
      await careless.raise(approvalInstanceId(gateless.instanceId), "ApprovalDecision", {
        decision: "approve",
        resourceIds: [vmId("vm-odoo-dev-02")],
        decidedBy: "maria@nordwind.example",
      });
      const [broken] = await finishInChild(estate, hub, careless, [gateless.instanceId]);
      expect(broken?.runtimeStatus).toBe("Failed");
      expect((broken?.output as FailureOutput).errorType).toBe("NonDeterministicOrchestrationError");
      expect(upgradeSteps()).toEqual([`${fresh.instanceId} 1.1`]);
      await careless.stop();
    } finally {
      lro.polls = polls;
      if (estate.postgres) estate.postgres.afterRestore = undefined;
    }
  }, 150_000);
});
