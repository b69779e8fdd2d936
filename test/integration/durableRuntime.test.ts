/**
 * The local Durable runtime against real Table Storage (Azurite): the fixture orchestrations and
 * activities registered by test/fixtures/runtime/entry.ts, driven through durable-functions' own
 * replay, on a virtual clock.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { odata } from "@azure/data-tables";
import * as df from "durable-functions";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { VirtualClock } from "../../emulator/clock.ts";
import { type Azurite, startAzurite } from "../../local/azurite.ts";
import {
  captureRegistrations,
  DurableStore,
  type FailureOutput,
  instanceKey,
  LocalDurableRuntime,
  type OrchestrationStatus,
  PayloadTooLargeError,
  type Registration,
  type OrchestrationVersioning,
  type RuntimeClock,
  type RuntimeLogger,
} from "../../local/durable/index.ts";
import { concurrency, executionCount, hold, resetControl, whenStarted } from "../fixtures/runtime/control.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let azurite: Azurite;
let location: string;
let registrations: Registration[];
let hubs = 0;
const runtimes: LocalDurableRuntime[] = [];

beforeAll(async () => {
  location = mkdtempSync(join(tmpdir(), "governor-durable-"));
  [azurite, registrations] = await Promise.all([
    startAzurite({ location: join(location, "azurite") }),
    captureRegistrations(() => import("../fixtures/runtime/entry.ts")),
  ]);
});

afterAll(async () => {
  await Promise.all(runtimes.map((runtime) => runtime.stop()));
  await azurite?.close();
  rmSync(location, { recursive: true, force: true });
});

beforeEach(() => resetControl());

interface Opened {
  runtime: LocalDurableRuntime;
  clock: VirtualClock;
  store: DurableStore;
  hub: string;
  errors: string[];
  warnings: string[];
}

function newHub(): string {
  hubs += 1;
  return `T${process.pid}x${hubs}`;
}

/** A runtime over its own task hub (or the given one, to restart over the same tables). */
async function open(
  options: {
    hub?: string;
    registrations?: Registration[];
    maxConcurrentActivities?: number;
    clock?: RuntimeClock;
    versioning?: OrchestrationVersioning;
  } = {},
): Promise<Opened> {
  const hub = options.hub ?? newHub();
  const store = await DurableStore.open({ connectionString: azurite.connectionString, taskHub: hub });
  const clock = new VirtualClock();
  const errors: string[] = [];
  const warnings: string[] = [];
  const logger: RuntimeLogger = {
    info: () => undefined,
    warn: (message) => warnings.push(message),
    error: (message) => errors.push(message),
  };
  const runtime = new LocalDurableRuntime({
    registrations: options.registrations ?? registrations,
    store,
    clock: options.clock ?? clock,
    logger,
    maxConcurrentActivities: options.maxConcurrentActivities ?? 8,
    ...(options.versioning ? { versioning: options.versioning } : {}),
  });
  runtimes.push(runtime);
  await runtime.start();
  return { runtime, clock, store, hub, errors, warnings };
}

async function status(runtime: LocalDurableRuntime, instanceId: string, showHistory = false): Promise<OrchestrationStatus> {
  const found = await runtime.getStatus(instanceId, { showHistory });
  if (!found) throw new Error(`no status for ${instanceId}`);
  return found;
}

function eventTypes(found: OrchestrationStatus, type: string): Array<Record<string, unknown>> {
  return (found.history ?? []).filter((event) => event.EventType === type);
}

describe("local Durable runtime", () => {
  it("runs a sequence of activities and completes with their results, history in sequence-numbered rows", async () => {
    const { runtime, store } = await open();
    const id = await runtime.startNew("sequence", { instanceId: "greetings-1", input: ["Tokyo", "Seattle", "London"] });
    const done = await runtime.waitForCompletion(id, { timeoutMs: 10_000 });

    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toEqual(["Hello Tokyo!", "Hello Seattle!", "Hello London!"]);
    expect(done.input).toEqual(["Tokyo", "Seattle", "London"]);
    expect(executionCount("greet")).toBe(3);

    const withHistory = await status(runtime, id, true);
    expect(eventTypes(withHistory, "TaskScheduled").map((event) => event.Name)).toEqual(["greet", "greet", "greet"]);
    expect(withHistory.history?.slice(0, 4).map((event) => event.EventType)).toEqual([
      "ExecutionStarted",
      "OrchestratorStarted",
      "TaskScheduled",
      "OrchestratorCompleted",
    ]);
    expect(withHistory.history?.map((event) => event.sequence)).toEqual(withHistory.history?.map((_, index) => index));

    const rows: string[] = [];
    const filter = odata`PartitionKey eq ${instanceKey(id)}`;
    for await (const entity of store.history.listEntities({ queryOptions: { filter } })) rows.push(entity.rowKey ?? "");
    expect(rows[0]).toBe("0000000000");
    expect(rows).toHaveLength(withHistory.history?.length ?? -1);
  });

  it("fans out over ten items at most three at a time and isolates the one failed item", async () => {
    const { runtime } = await open({ maxConcurrentActivities: 3 });
    const items = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const id = await runtime.startNew("fanOut", { input: items });
    const done = await runtime.waitForCompletion(id, { timeoutMs: 10_000 });

    expect(done.runtimeStatus).toBe("Completed");
    const outcomes = done.output as Array<{ item: number; ok: boolean; value?: number; error?: string }>;
    expect(outcomes.map((outcome) => outcome.item)).toEqual(items);
    for (const outcome of outcomes) {
      if (outcome.item === 7) {
        expect(outcome.ok).toBe(false);
        expect(outcome.error).toContain("Activity function 'processItem' failed: item 7 is broken");
      } else {
        expect(outcome).toEqual({ item: outcome.item, ok: true, value: outcome.item * outcome.item });
      }
    }
    expect(executionCount("processItem")).toBe(10);
    expect(concurrency.max).toBeGreaterThan(1);
    expect(concurrency.max).toBeLessThanOrEqual(3);
  });

  it("fires a durable timer only when the virtual clock passes it", async () => {
    const { runtime, clock } = await open();
    const started = clock.now().getTime();
    const id = await runtime.startNew("timerThenStamp", { input: { minutes: 60 } });
    await runtime.whenIdle();
    expect((await status(runtime, id)).runtimeStatus).toBe("Running");

    clock.advance(59 * MINUTE);
    await runtime.whenIdle();
    expect((await status(runtime, id)).runtimeStatus).toBe("Running");
    expect(executionCount("stamp")).toBe(0);

    clock.advance(2 * MINUTE);
    await runtime.whenIdle();
    const done = await status(runtime, id);
    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toEqual({
      fireAt: new Date(started + 60 * MINUTE).toISOString(),
      resumedAt: new Date(started + 61 * MINUTE).toISOString(),
      stamped: "stamped after timer",
    });
  });

  it("shows the custom status the orchestrator sets while it waits", async () => {
    const { runtime } = await open();
    const id = await runtime.startNew("approvalRace", { input: { timeoutHours: 8 } });
    await runtime.whenIdle();
    const waiting = await status(runtime, id);
    expect(waiting.runtimeStatus).toBe("Running");
    expect(waiting.customStatus).toEqual({ stage: "awaiting-approval" });
  });

  it("an approval decision raised before the deadline wins the race against the timer", async () => {
    const { runtime, clock } = await open();
    const id = await runtime.startNew("approvalRace", { input: { timeoutHours: 8 } });
    await runtime.whenIdle();
    clock.advance(HOUR);
    await runtime.raiseEvent(id, "ApprovalDecision", { approved: true, by: "platform-team" });
    await runtime.whenIdle();

    const done = await status(runtime, id);
    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toEqual({ outcome: "decided", decision: { approved: true, by: "platform-team" } });
    expect(done.customStatus).toEqual({ stage: "decided" });

    clock.advance(10 * HOUR);
    await runtime.whenIdle();
    expect((await status(runtime, id)).output).toEqual({ outcome: "decided", decision: { approved: true, by: "platform-team" } });
  });

  it("the deadline timer wins when no decision comes, and a later decision is dropped", async () => {
    const { runtime, clock } = await open();
    const id = await runtime.startNew("approvalRace", { input: { timeoutHours: 8 } });
    await runtime.whenIdle();
    clock.advance(8 * HOUR);
    await runtime.whenIdle();

    const done = await status(runtime, id);
    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toEqual({ outcome: "timed-out" });

    await runtime.raiseEvent(id, "ApprovalDecision", { approved: true });
    await runtime.whenIdle();
    expect((await status(runtime, id)).output).toEqual({ outcome: "timed-out" });
  });

  it("buffers an event raised before the orchestrator waits for it and delivers it when it does", async () => {
    const { runtime, store } = await open();
    const release = hold("prepare");
    const id = await runtime.startNew("prepareThenWait", { input: "change 42" });
    await whenStarted("prepare");
    // The orchestrator is still waiting on the held activity, not on the event.
    await runtime.raiseEvent(id, "ApprovalDecision", { approved: true, by: "ops" });
    // The instance row lists it as received and not yet taken.
    await until(async () => (await store.getInstance(id))?.pendingEvents.includes("ApprovalDecision") === true, 5_000);
    expect((await status(runtime, id)).runtimeStatus).toBe("Running");
    release();
    await runtime.whenIdle();

    const done = await status(runtime, id, true);
    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toEqual({ prepared: "prepared change 42", decision: { approved: true, by: "ops" } });
    const order = (done.history ?? []).map((event) => event.EventType);
    expect(order.indexOf("EventRaised")).toBeLessThan(order.indexOf("TaskCompleted"));
    expect((await store.getInstance(id))?.pendingEvents).toEqual([]);
  });

  it("startNew with the id of a running instance starts nothing new", async () => {
    const { runtime } = await open();
    const release = hold("prepare");
    const instanceId = "stop-idle-nonprod-vms|vm-dev-01";
    const first = await runtime.startNew("prepareThenWait", { instanceId, input: "plan A" });
    await whenStarted("prepare");
    const second = await runtime.startNew("prepareThenWait", { instanceId, input: "plan B" });
    expect(second).toBe(first);
    release();
    await runtime.whenIdle();
    await runtime.raiseEvent(instanceId, "ApprovalDecision", "yes");
    await runtime.whenIdle();

    const done = await status(runtime, instanceId);
    expect(done.runtimeStatus).toBe("Completed");
    expect(done.input).toBe("plan A");
    expect(done.output).toEqual({ prepared: "prepared plan A", decision: "yes" });
    expect(executionCount("prepare")).toBe(1);

    // A finished instance's id starts a new execution.
    await runtime.startNew("prepareThenWait", { instanceId, input: "plan C" });
    await runtime.whenIdle();
    const again = await status(runtime, instanceId, true);
    expect(again.runtimeStatus).toBe("Running");
    expect(again.input).toBe("plan C");
    expect(again.history?.[0]?.EventType).toBe("ExecutionStarted");
    expect(executionCount("prepare")).toBe(2);
  });

  it("retries a failing activity by its RetryOptions, waiting on the virtual clock between attempts", async () => {
    const { runtime, clock } = await open();
    const id = await runtime.startNew("retrying", { input: { failTimes: 2, attempts: 3 } });
    await runtime.whenIdle();
    expect(executionCount("flaky")).toBe(1);

    clock.advance(999);
    await runtime.whenIdle();
    expect(executionCount("flaky")).toBe(1);
    clock.advance(1);
    await runtime.whenIdle();
    expect(executionCount("flaky")).toBe(2);
    // Backoff coefficient 2: the second wait is two seconds.
    clock.advance(1_999);
    await runtime.whenIdle();
    expect(executionCount("flaky")).toBe(2);
    clock.advance(1);
    await runtime.whenIdle();

    const done = await status(runtime, id, true);
    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toEqual({ ok: true, result: "succeeded on attempt 3" });
    expect(eventTypes(done, "TaskScheduled")).toHaveLength(3);
    expect(eventTypes(done, "TaskFailed")).toHaveLength(2);
    expect(eventTypes(done, "TimerFired")).toHaveLength(2);
  });

  it("an activity that fails every attempt reaches the orchestrator as an error it can catch", async () => {
    const { runtime, clock } = await open();
    const id = await runtime.startNew("retrying", { input: { failTimes: 9, attempts: 2 } });
    for (let step = 0; step < 3; step += 1) {
      await runtime.whenIdle();
      clock.advance(5_000);
    }
    await runtime.whenIdle();
    const done = await status(runtime, id);
    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toMatchObject({ ok: false });
    expect((done.output as { error: string }).error).toContain("attempt 2 failed");
    expect(executionCount("flaky")).toBe(2);
  });

  it("sub-orchestrations run as instances of their own and answer their parent", async () => {
    const { runtime } = await open();
    const id = await runtime.startNew("greetParent", { instanceId: "parent-1", input: ["Oslo", "Lima"] });
    const done = await runtime.waitForCompletion(id, { timeoutMs: 10_000 });
    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toEqual([
      { greeting: "Hello Oslo!", parent: "parent-1" },
      { greeting: "Hello Lima!", parent: "parent-1" },
    ]);
    expect((await status(runtime, "parent-1:0")).runtimeStatus).toBe("Completed");
  });

  it("a failed sub-orchestration reaches its parent as an error it can catch", async () => {
    const { runtime } = await open();
    const id = await runtime.startNew("superviseBreaks");
    const done = await runtime.waitForCompletion(id, { timeoutMs: 10_000 });
    expect(done.runtimeStatus).toBe("Completed");
    expect((done.output as { caught: string }).caught).toContain(
      "Orchestrator function 'breaks' failed: the orchestrator broke after greeting",
    );
    expect((await status(runtime, `${id}:0`)).runtimeStatus).toBe("Failed");
  });

  it("without a virtual clock, timers fire on real time", async () => {
    const { runtime } = await open({ clock: { now: () => new Date() } });
    const id = await runtime.startNew("timerThenStamp", { input: { minutes: 0.001 } });
    const done = await runtime.waitForCompletion(id, { timeoutMs: 5_000, pollMs: 20 });
    expect(done.runtimeStatus).toBe("Completed");
    expect(executionCount("stamp")).toBe(1);
  });

  it("continue-as-new restarts the orchestrator with the new input and a fresh history", async () => {
    const { runtime } = await open();
    const id = await runtime.startNew("countTo", { input: { n: 1, target: 3 } });
    const done = await runtime.waitForCompletion(id, { timeoutMs: 10_000 });
    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toBe(3);
    expect(done.input).toEqual({ n: 3, target: 3 });
    expect(executionCount("stamp")).toBe(3);
    expect(eventTypes(await status(runtime, id, true), "TaskScheduled")).toHaveLength(1);
  });

  it("an orchestrator that throws fails the instance with its message and stack", async () => {
    const { runtime } = await open();
    const id = await runtime.startNew("breaks");
    const done = await runtime.waitForCompletion(id, { timeoutMs: 10_000 });
    expect(done.runtimeStatus).toBe("Failed");
    const output = done.output as FailureOutput;
    expect(output.message).toBe("the orchestrator broke after greeting");
    expect(output.stack).toContain("fixtures/runtime/orchestrations.ts");
    expect(executionCount("greet")).toBe(1);
  });

  it("terminate ends a waiting instance with the reason, and later events are dropped", async () => {
    const { runtime } = await open();
    const id = await runtime.startNew("approvalRace", { input: { timeoutHours: 8 } });
    await runtime.whenIdle();
    await runtime.terminate(id, "resource deleted");
    await runtime.raiseEvent(id, "ApprovalDecision", { approved: true });
    await runtime.whenIdle();
    const done = await status(runtime, id);
    expect(done.runtimeStatus).toBe("Terminated");
    expect(done.output).toBe("resource deleted");
  });

  it("splits payloads over a property's 64 KiB across properties, and refuses one larger than an entity holds", async () => {
    const { runtime } = await open();
    const id = await runtime.startNew("approvalRace", { input: { timeoutHours: 8 } });
    await runtime.whenIdle();
    const attempt = runtime.raiseEvent(id, "ApprovalDecision", { note: "x".repeat(500_000) });
    await expect(attempt).rejects.toBeInstanceOf(PayloadTooLargeError);
    await expect(attempt).rejects.toThrow(/Table Storage keeps at most/);
    expect((await status(runtime, id)).runtimeStatus).toBe("Running");

    // 100,000 characters (with a character outside the BMP at a part boundary) fit in one entity.
    const note = `${"y".repeat(31_999)}\u{1F600}${"z".repeat(68_000)}`;
    await runtime.raiseEvent(id, "ApprovalDecision", { note });
    await runtime.whenIdle();
    const done = await status(runtime, id);
    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toEqual({ outcome: "decided", decision: { note } });
  });

  it("fails the instance loudly when a changed orchestrator replays differently from its history", async () => {
    const first = await open();
    const id = await first.runtime.startNew("remediate", { instanceId: "vm-web-01", input: "vm-web-01" });
    await first.runtime.whenIdle();
    expect((await status(first.runtime, id)).runtimeStatus).toBe("Running");
    await first.runtime.stop();

    // A new deployment: the second activity changed while the instance waited for its approval.
    const changed = await captureRegistrations(async () => {
      df.app.orchestration("remediate", function* (context) {
        const resourceId = context.df.getInput<string>();
        const resource: unknown = yield context.df.callActivity("readResource", resourceId);
        yield context.df.callActivity("stopCluster", resource);
        yield context.df.waitForExternalEvent("Approval");
        const result: unknown = yield context.df.callActivity("deallocateVm", resourceId);
        return result;
      });
    });
    const swapped = registrations.map((registration) => (registration.name === "remediate" ? (changed[0] ?? registration) : registration));
    const second = await open({ hub: first.hub, registrations: swapped });
    await second.runtime.raiseEvent(id, "Approval", { approved: true });
    await second.runtime.whenIdle();

    const failed = await status(second.runtime, id);
    const expected =
      "non-deterministic orchestrator remediate (instance vm-web-01): history has activity 'checkGuards' at position 1, replay scheduled activity 'stopCluster'";
    expect(failed.runtimeStatus).toBe("Failed");
    expect((failed.output as FailureOutput).message).toBe(expected);
    expect((failed.output as FailureOutput).errorType).toBe("NonDeterministicOrchestrationError");
    expect(second.errors).toContain(expected);
    expect(executionCount("stopCluster")).toBe(0);
    expect(executionCount("deallocateVm")).toBe(0);
  });

  it("a new runtime over the same tables resumes a waiting instance without repeating its activities", async () => {
    const first = await open();
    const id = await first.runtime.startNew("remediate", { instanceId: "vm-db-02", input: "vm-db-02" });
    await first.runtime.whenIdle();
    expect(executionCount("readResource")).toBe(1);
    expect(executionCount("checkGuards")).toBe(1);
    await first.runtime.stop();

    const second = await open({ hub: first.hub });
    await second.runtime.whenIdle();
    expect((await status(second.runtime, id)).runtimeStatus).toBe("Running");
    await second.runtime.raiseEvent(id, "Approval", { approved: true });
    await second.runtime.whenIdle();

    const done = await status(second.runtime, id);
    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toEqual({ resourceId: "vm-db-02", action: "deallocated vm-db-02" });
    expect([executionCount("readResource"), executionCount("checkGuards"), executionCount("deallocateVm")]).toEqual([1, 1, 1]);
  });

  it("stop lets a running activity record its result, and the next runtime goes on from it", async () => {
    const first = await open();
    const release = hold("prepare");
    const id = await first.runtime.startNew("prepareThenWait", { input: "change 7" });
    await whenStarted("prepare");
    const stopped = first.runtime.stop();
    release();
    await stopped;
    // The result is in the history; no episode ran to take it.
    const afterStop = await status(first.runtime, id, true);
    expect(eventTypes(afterStop, "TaskCompleted")).toHaveLength(1);
    expect(afterStop.history?.at(-1)?.EventType).toBe("TaskCompleted");

    const second = await open({ hub: first.hub });
    await second.runtime.whenIdle();
    await second.runtime.raiseEvent(id, "ApprovalDecision", "approved");
    await second.runtime.whenIdle();
    const done = await status(second.runtime, id);
    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toEqual({ prepared: "prepared change 7", decision: "approved" });
    expect(executionCount("prepare")).toBe(1);
  });

  it("rows of an episode that never finished writing are removed and the episode runs again", async () => {
    const first = await open();
    const id = await first.runtime.startNew("remediate", { instanceId: "vm-app-03", input: "vm-app-03" });
    await first.runtime.whenIdle();
    await first.runtime.stop();
    // A crash between two transactions of an episode: its OrchestratorStarted and a TaskScheduled
    // are written, its OrchestratorCompleted is not.
    const written = (await first.store.readHistory(id)).at(-1)?.seq ?? 0;
    const at = new Date().toISOString();
    await first.store.appendHistory(id, [
      { seq: written + 1, event: { EventType: 12, EventId: -1, Timestamp: at } },
      { seq: written + 2, event: { EventType: 4, EventId: 2, Timestamp: at, Name: "deallocateVm" } },
    ]);

    const second = await open({ hub: first.hub });
    await second.runtime.whenIdle();
    expect((await first.store.readHistory(id)).at(-1)?.seq).toBe(written);
    expect(executionCount("deallocateVm")).toBe(0);
    await second.runtime.raiseEvent(id, "Approval", { approved: true });
    await second.runtime.whenIdle();
    const done = await status(second.runtime, id, true);
    expect(done.runtimeStatus).toBe("Completed");
    expect(eventTypes(done, "TaskScheduled").map((event) => event.Name)).toEqual(["readResource", "checkGuards", "deallocateVm"]);
    expect(executionCount("deallocateVm")).toBe(1);
  });

  it("stamps an instance and its sub-orchestration with the default version, which context.df.version reads on every replay", async () => {
    const { runtime } = await open({ versioning: { defaultVersion: "1.0" } });
    const id = await runtime.startNew("reportVersion", { instanceId: "versioned-1" });
    const done = await runtime.waitForCompletion(id, { timeoutMs: 10_000 });
    expect(done.runtimeStatus).toBe("Completed");
    // Read after two activities and a sub-orchestration: every replay saw it.
    expect(done.output).toEqual({ version: "1.0", child: "1.0" });
    expect(done.version).toBe("1.0");
    expect((await status(runtime, `${id}:child`)).version).toBe("1.0");
    const started = eventTypes(await status(runtime, id, true), "ExecutionStarted");
    expect(started.map((event) => event.Version)).toEqual(["1.0"]);

    const asked = await runtime.startNew("reportVersion", { instanceId: "versioned-2", version: "0.9" });
    expect((await runtime.waitForCompletion(asked, { timeoutMs: 10_000 })).output).toEqual({ version: "0.9", child: "1.0" });
  });

  it("an instance keeps the version it started with when a runtime of a newer version resumes it", async () => {
    const first = await open({ versioning: { defaultVersion: "1.0" } });
    const id = await first.runtime.startNew("approvalRace", { instanceId: "kept-version", input: { timeoutHours: 8 } });
    await first.runtime.whenIdle();
    await first.runtime.stop();

    const second = await open({ hub: first.hub, versioning: { defaultVersion: "2.0" } });
    const fresh = await second.runtime.startNew("reportVersion", { instanceId: "new-version" });
    await second.runtime.raiseEvent(id, "ApprovalDecision", "yes");
    await second.runtime.whenIdle();
    expect(await status(second.runtime, id)).toMatchObject({ runtimeStatus: "Completed", version: "1.0" });
    expect((await status(second.runtime, fresh)).output).toEqual({ version: "2.0", child: "2.0" });
  });

  it("an instance started before versioning (no version) runs on a runtime with a default version, as the oldest", async () => {
    const first = await open();
    const id = await first.runtime.startNew("approvalRace", { instanceId: "unversioned", input: { timeoutHours: 8 } });
    await first.runtime.whenIdle();
    await first.runtime.stop();
    expect((await status(first.runtime, id)).version).toBeNull();

    const second = await open({ hub: first.hub, versioning: { defaultVersion: "1.0", matchStrategy: "CurrentOrOlder" } });
    await second.runtime.raiseEvent(id, "ApprovalDecision", "yes");
    await second.runtime.whenIdle();
    expect(await status(second.runtime, id)).toMatchObject({ runtimeStatus: "Completed", version: null });
  });

  it("a runtime of an older version leaves a newer instance as it is (Reject); one of its version runs it on", async () => {
    const newer = await open({ versioning: { defaultVersion: "2.0" } });
    const id = await newer.runtime.startNew("approvalRace", { instanceId: "from-the-future", input: { timeoutHours: 8 } });
    await newer.runtime.whenIdle();
    await newer.runtime.stop();
    const before = await status(newer.runtime, id, true);

    // A rollback: the old code comes back while the instance waits.
    const older = await open({ hub: newer.hub, versioning: { defaultVersion: "1.0", failureStrategy: "Reject" } });
    await older.runtime.raiseEvent(id, "ApprovalDecision", "yes");
    await older.runtime.whenIdle();
    const left = await status(older.runtime, id, true);
    expect(left.runtimeStatus).toBe("Running");
    // The event is kept; nothing was replayed or scheduled.
    expect(left.history?.map((event) => event.EventType)).toEqual([
      ...(before.history ?? []).map((event) => event.EventType),
      "EventRaised",
    ]);
    expect(older.warnings).toContain(
      "instance from-the-future (approvalRace) left for a runtime of its version: it started with version 2.0, newer than this runtime's version 1.0 (versionMatchStrategy CurrentOrOlder)",
    );
    await older.runtime.stop();

    const again = await open({ hub: newer.hub, versioning: { defaultVersion: "2.0" } });
    await again.runtime.whenIdle();
    expect(await status(again.runtime, id)).toMatchObject({ runtimeStatus: "Completed", output: { outcome: "decided", decision: "yes" } });
  });

  it("fails an instance of a version it may not run when versionFailureStrategy is Fail, and Strict refuses older ones too", async () => {
    const v2 = await open({ versioning: { defaultVersion: "2.0" } });
    const older = await v2.runtime.startNew("approvalRace", { instanceId: "strict-old", input: { timeoutHours: 8 }, version: "1.0" });
    await v2.runtime.whenIdle();
    await v2.runtime.stop();

    const strict = await open({ hub: v2.hub, versioning: { defaultVersion: "2.0", matchStrategy: "Strict", failureStrategy: "Fail" } });
    await strict.runtime.raiseEvent(older, "ApprovalDecision", "yes");
    await strict.runtime.whenIdle();
    const failed = await status(strict.runtime, older);
    expect(failed.runtimeStatus).toBe("Failed");
    expect(failed.output as FailureOutput).toMatchObject({
      errorType: "OrchestrationVersionMismatchError",
      message:
        "instance strict-old (approvalRace): it started with version 1.0 and this runtime runs only version 2.0 (versionMatchStrategy Strict)",
    });
  });

  it("a runtime killed mid-workflow (SIGKILL) resumes in a new process; completed activities never run again", async () => {
    const hub = newHub();
    const marker = join(location, "crash-marker.txt");
    writeFileSync(marker, "");
    const instanceId = "crash-sequence-1";
    const base = { connectionString: azurite.connectionString, taskHub: hub, instanceId, timeoutMs: 20_000 };

    // First process: step 3 never finishes; kill it as soon as step 3 has started.
    const first = runner({ ...base, start: { name: "crashSequence", input: { marker, steps: 5 } } }, "3");
    await Promise.race([
      until(() => markerLines(marker).some((line) => line.kind === "start" && line.step === 3), 20_000),
      first.exit.then(({ code, stderr }) => {
        throw new Error(`the first runner exited (${code}) before step 3 started: ${stderr}`);
      }),
    ]);
    const firstPid = first.child.pid;
    first.child.kill("SIGKILL");
    expect((await first.exit).signal).toBe("SIGKILL");

    // Second process: resumes the task hub's unfinished instance and runs it to the end.
    const second = runner(base);
    const { code, stdout, stderr } = await second.exit;
    expect(code, stderr).toBe(0);
    const done = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as OrchestrationStatus;
    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toEqual([10, 20, 30, 40, 50]);

    const lines = markerLines(marker);
    const secondPid = second.child.pid;
    const pidsOf = (kind: string, step: number): Array<number | undefined> =>
      lines.filter((line) => line.kind === kind && line.step === step).map((line) => line.pid);
    // Each step completed exactly once: 1 and 2 in the killed process, 3 to 5 in the new one.
    expect([1, 2, 3, 4, 5].map((step) => pidsOf("done", step))).toEqual([[firstPid], [firstPid], [secondPid], [secondPid], [secondPid]]);
    // Only step 3, in flight at the kill, started twice (at least once, as Durable).
    expect([1, 2, 3, 4, 5].map((step) => pidsOf("start", step))).toEqual([
      [firstPid],
      [firstPid],
      [firstPid, secondPid],
      [secondPid],
      [secondPid],
    ]);
  });
});

// ---- the crash test's child processes -------------------------------------------------------------

interface MarkerLine {
  kind: string;
  step: number;
  pid: number;
}

function markerLines(path: string): MarkerLine[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [kind = "", step = "", pid = ""] = line.split(" ");
      return { kind, step: Number(step), pid: Number(pid) };
    });
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function runner(
  config: Record<string, unknown>,
  holdStep?: string,
): { child: ChildProcess; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const script = fileURLToPath(new URL("../fixtures/runtime/runner.ts", import.meta.url));
  const env = { ...process.env };
  delete env.GOVERNOR_TEST_HOLD_STEP;
  if (holdStep) env.GOVERNOR_TEST_HOLD_STEP = holdStep;
  const child = spawn(process.execPath, [script, JSON.stringify(config)], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, exit };
}
