/**
 * A crash of the runtime in the middle of a real workflow: Governor's own orchestrators and
 * activities run in a child process (test/support/runtimeChild.ts) over the emulator, Azurite and
 * PostgreSQL of this process, which outlive it. The child is killed with SIGKILL while a
 * long-running Azure operation is being followed; a new child over the same task hub resumes the
 * workflow. Nothing is changed twice, and what had completed before the kill is not done again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changeKey } from "../../emulator/store.ts";
import { approvalInstanceId, drillInstanceId, remediationChunkInstanceId } from "../../orchestrations/names.ts";
import type { DrillInput } from "../../orchestrations/restoreDrill.ts";
import type { DrillRecord } from "../../shared/drills/record.ts";
import type { RemediateResult } from "../../orchestrations/remediate.ts";
import { remediationsFor } from "../../orchestrations/remediations.ts";
import { TableAuditTrail } from "../../shared/audit/trail.ts";
import { tagValue } from "../../shared/policy/settings.ts";
import { sentRecordId } from "../../shared/remediation/apply.ts";
import { STOPPED_BY_TAG } from "../../shared/remediation/stoppedBy.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";
import { plan } from "../../shared/planner.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { loadPolicyFile } from "../../shared/policy/loader.ts";
import type { HistoryEntry, LocalDurableRuntime, OrchestrationStatus } from "../../local/durable/index.ts";
import type { LocalEstate } from "../../local/localApp.ts";
import { type ChildEstate, finishInChild, type RuntimeChild, stageOf, startChildEstate, until } from "../support/runtimeChild.ts";

let fixture: ChildEstate;
let estate: LocalEstate;
let hub: LocalDurableRuntime;

beforeAll(async () => {
  fixture = await startChildEstate("CrashResume", "governor-crash-");
  ({ estate, hub } = fixture);
}, 120_000);

afterAll(async () => fixture?.close());

const runtime = (): RuntimeChild => fixture.spawn();

const vm = (name: string) =>
  estate.emulator.core.store.list({ type: "Microsoft.Compute/virtualMachines" }).find((r) => r.arm.name === name);

/** Changes the emulator records, by resource and operation (the measure bench/apply.ts calls `changedTwice`). */
function countChanges(): Map<string, number> {
  const changes = new Map<string, number>();
  estate.emulator.core.store.changes.on("change", (change) => {
    const key = changeKey(change);
    changes.set(key, (changes.get(key) ?? 0) + 1);
  });
  return changes;
}

async function history(instanceId: string): Promise<HistoryEntry[]> {
  return (await hub.getStatus(instanceId, { showHistory: true }))?.history ?? [];
}

/** `name#id` of every activity and sub-orchestration the history says completed, once per completion. */
function completions(events: HistoryEntry[]): string[] {
  const scheduled = new Map(
    events
      .filter((event) => event.EventType === "TaskScheduled" || event.EventType === "SubOrchestrationInstanceCreated")
      .map((event) => [event.EventId, String(event.Name)]),
  );
  return events
    .filter((event) => event.EventType === "TaskCompleted" || event.EventType === "SubOrchestrationInstanceCompleted")
    .map((event) => `${scheduled.get(event.TaskScheduledId as number) ?? "?"}#${String(event.TaskScheduledId)}`);
}

describe("a runtime killed (SIGKILL) in the middle of a real workflow", () => {
  it("remediate: killed while the approved deallocation is followed, a new process finishes it; the VM is deallocated once and nothing completed runs again", async () => {
    const set = await loadPolicyFile(DEFAULT_POLICIES, builtinRegistry());
    const { evaluation } = await plan(
      emulatorTarget(estate.emulator, estate.sample.subscriptionId),
      set,
      estate.clock.now(),
      builtinRegistry(),
    );
    const start = remediationsFor(evaluation, set, { scope: "crash", trigger: { type: "timer" } }).find(
      (item) => item.input.policy === "stop-idle-nonprod-vms",
    );
    if (!start) throw new Error("the idle sweep found nothing");
    const id = start.instanceId;
    const dev01 = vm("vm-odoo-dev-01")?.arm.id as string;
    expect(start.input.approval?.required).toBe(true);
    const changes = countChanges();

    const first = runtime();
    await first.ready;
    await first.start("remediate", id, start.input);
    await until(async () => (await stageOf(hub, approvalInstanceId(id))) === "awaiting-approval", "the approval request", {
      runtime: first,
    });

    // Azure takes minutes to deallocate; here the operation answers InProgress until the kill.
    const lro = estate.emulator.core.lro.options;
    const polls = lro.polls;
    lro.polls = 1_000_000;
    const log = estate.emulator.core.log;
    const since = log.mark;
    try {
      await first.raise(approvalInstanceId(id), "ApprovalDecision", {
        decision: "approve",
        resourceIds: [dev01],
        decidedBy: "maria@nordwind.example",
      });
      // Killed once the deallocation was accepted and its status has been polled: the change is in flight.
      await until(
        () =>
          log.entries({ since, route: "virtualMachines.deallocate" }).length === 1 &&
          log.entries({ since, route: "operations.status" }).length > 0,
        "the deallocation to be followed",
        { runtime: first },
      );
      expect((await first.kill()).signal).toBe("SIGKILL");
    } finally {
      lro.polls = polls;
    }
    const atKill = log.mark;
    expect(vm("vm-odoo-dev-01")?.sim.powerState).toBe("deallocating");
    const before = {
      parent: completions(await history(id)),
      approval: completions(await history(approvalInstanceId(id))),
      chunk: completions(await history(remediationChunkInstanceId(id, 0))),
    };
    // What the killed process had finished: the plan's and the approval's records, the request, the decision.
    expect(before.parent.map((done) => done.split("#")[0])).toEqual(["recordAudit", "approval", "recordAudit"]);
    expect(before.approval.map((done) => done.split("#")[0])).toEqual(["requestApproval"]);
    expect(before.chunk).toEqual([]);

    const second = runtime();
    const [status] = await finishInChild(estate, hub, second, [id]);
    await second.stop();
    expect(status?.runtimeStatus, JSON.stringify(status?.output)).toBe("Completed");
    const result = (status as OrchestrationStatus).output as RemediateResult;
    // The resumed activity found the deallocation under way and joined it: Azure completes both as one. The
    // killed run had marked it sent in the audit trail, so it is this workflow's change (`applied`, which the
    // savings ledger counts), not one found under way.
    expect(result.outcomes.find((outcome) => outcome.resourceId === dev01)).toMatchObject({
      outcome: "applied",
      after: { exists: true, powerState: "deallocated" },
    });
    expect(vm("vm-odoo-dev-01")?.sim.powerState).toBe("deallocated");
    expect(vm("vm-odoo-dev-02")?.sim.powerState).toBe("running");

    // The new process sent one deallocate, which joined the one in flight; nothing else twice.
    expect(log.entries({ since: atKill, route: "virtualMachines.deallocate" })).toHaveLength(1);
    // The operation the killed process started ends as Azure would end it, unwatched: then the change log is complete.
    estate.emulator.core.lro.settleAll();
    expect([...changes].filter(([, count]) => count > 1)).toEqual([]);
    expect(changes.get(`${dev01.toLowerCase()} Microsoft.Compute/virtualMachines/deallocate/action`)).toBe(1);
    // The VM's changes: the deallocation, and governor-stopped-by written once it was done.
    expect([...changes.keys()].filter((key) => key.startsWith(dev01.toLowerCase()))).toHaveLength(2);

    // Every completion recorded before the kill is still the only one of its task; the rest completed once each.
    const after = {
      parent: completions(await history(id)),
      approval: completions(await history(approvalInstanceId(id))),
      chunk: completions(await history(remediationChunkInstanceId(id, 0))),
    };
    for (const part of ["parent", "approval", "chunk"] as const) {
      expect(after[part].slice(0, before[part].length)).toEqual(before[part]);
      expect(new Set(after[part]).size).toBe(after[part].length);
    }
    expect(after.chunk.map((done) => done.split("#")[0])).toEqual(["applyRemediation", "verifyRemediation", "recordAudit"]);
    expect(after.parent.map((done) => done.split("#")[0])).toEqual(["recordAudit", "approval", "recordAudit", "remediateChunk"]);

    const trail = TableAuditTrail.fromConnectionString(estate.azurite.connectionString, { table: "GovernorAudit" });
    const records = await trail.query({ instanceId: id });
    const approvals = records.filter((record) => record.kind === "approval");
    expect(approvals).toHaveLength(1);
    expect(approvals[0]?.actor).toEqual({ type: "person", id: "maria@nordwind.example" });
    expect(records.filter((record) => record.kind === "outcome" && record.resourceId === dev01)).toHaveLength(1);
    // Marked sent once, by the killed run, before it sent the deallocation; the resumed run found the mark.
    const sent = records.filter((record) => record.kind === "action" && record.resourceId === dev01);
    expect(sent.map((record) => record.id)).toEqual([sentRecordId({ instanceId: id, action: { type: "deallocate" } }, dev01)]);
    expect(tagValue(vm("vm-odoo-dev-01")?.arm.tags ?? {}, STOPPED_BY_TAG)).toMatch(/^stop-idle-nonprod-vms\b/);
  }, 120_000);

  it("restoreDrill: killed while it checks on its PostgreSQL restore, a new process finishes the drill on the same restore, which ran once", async () => {
    const SERVER_TYPE = "Microsoft.DBforPostgreSQL/flexibleServers";
    const prodId = estate.emulator.core.store.list({ type: SERVER_TYPE }).find((server) => server.arm.name === "psql-odoo-prod")?.arm
      .id as string;
    const instanceId = drillInstanceId(prodId, "crash");
    const input: DrillInput = {
      serverId: prodId,
      policy: "weekly-restore-drill",
      args: { checks: ["connection", "core-tables"] },
      trigger: { type: "manual", id: "crash" },
    };
    let restores = 0;
    if (estate.postgres) estate.postgres.afterRestore = async () => void (restores += 1);
    const log = estate.emulator.core.log;
    const since = log.mark;
    // The restore answers InProgress to its first status checks: the drill sleeps on durable timers in between.
    const lro = estate.emulator.core.lro.options;
    const polls = lro.polls;
    lro.polls = 3;
    try {
      const first = runtime();
      await first.ready;
      await first.start("restoreDrill", instanceId, input);
      // The virtual clock stands still: the first process checks once, then sleeps until the test moves it.
      await until(async () => (await stageOf(hub, instanceId)) === "waiting-for-restore", "the drill to wait for its restore", {
        runtime: first,
      });
      // The next status check hangs in the emulator (a slow answer, as Azure's can be) and the process is killed in the middle of it.
      estate.emulator.core.faults.add({ route: "operations.*", latencyMs: 30_000 });
      estate.clock.advance(31_000);
      const polling = async (): Promise<boolean> =>
        (await history(instanceId)).filter((event) => event.EventType === "TaskScheduled" && event.Name === "pollDrillRestore").length ===
        2;
      try {
        await until(polling, "the second status check of the restore", { runtime: first });
        expect((await first.kill()).signal).toBe("SIGKILL");
      } finally {
        estate.emulator.core.faults.clear();
      }
      const drillServersAtKill = log.entries({ since, route: "flexibleServers.create" });
      expect(drillServersAtKill).toHaveLength(1);
      const before = completions(await history(instanceId));
      expect(before.map((done) => done.split("#")[0])).toEqual(["prepareDrill", "startDrillRestore", "pollDrillRestore"]);

      const second = runtime();
      const [status] = await finishInChild(estate, hub, second, [instanceId]);
      await second.stop();
      expect(status?.runtimeStatus, JSON.stringify(status?.output)).toBe("Completed");
      const record = status?.output as DrillRecord;
      expect(record.outcome, record.failures.join("; ")).toBe("passed");
      expect(record.checks.map((check) => [check.name, check.status])).toEqual([
        ["connection", "pass"],
        ["core-tables", "pass"],
      ]);
      expect(record.teardown.confirmed).toBe(true);

      // One restore: the new process followed the operation the killed one started, and asked for no other.
      expect(restores).toBe(1);
      expect(log.entries({ since, route: "flexibleServers.create" })).toHaveLength(1);
      expect(log.entries({ since, route: "flexibleServers.delete" })).toHaveLength(1);
      expect(
        estate.emulator.core.store.list({ type: SERVER_TYPE }).filter((server) => server.arm.tags?.["governor-drill"] === "copy"),
      ).toEqual([]);
      const after = completions(await history(instanceId));
      expect(after.slice(0, before.length)).toEqual(before);
      expect(new Set(after).size).toBe(after.length);
      expect(after.map((done) => done.split("#")[0]).filter((name) => name !== "pollDrillRestore")).toEqual([
        "prepareDrill",
        "startDrillRestore",
        "openDrillAccess",
        "verifyDrill",
        "deleteDrillServer",
        "recordDrill",
      ]);
      const trail = TableAuditTrail.fromConnectionString(estate.azurite.connectionString, { table: "GovernorAudit" });
      expect(await trail.query({ instanceId, kind: "drill" })).toHaveLength(1);
    } finally {
      lro.polls = polls;
      if (estate.postgres) estate.postgres.afterRestore = undefined;
    }
  }, 120_000);
});
