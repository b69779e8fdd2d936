/**
 * The local Durable runtime of Governor's real workflows in a child process
 * (test/fixtures/runtime/governorRuntime.ts), over an estate (emulator, Azurite, PostgreSQL) the
 * test's process keeps: a test can SIGKILL the runtime, or stop it as a deployment does, and start
 * another over the same task hub while the emulator, its request log and its change log live on.
 * The test's process reads the task hub itself (an observer runtime that never starts), so what
 * it checks is what Table Storage holds, not what the child says.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DurableStore, LocalDurableRuntime, type OrchestrationStatus } from "../../local/durable/index.ts";
import { type LocalEstate, startLocalEstate } from "../../local/localApp.ts";

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

export interface RuntimeChild {
  child: ChildProcess;
  pid: number;
  /** Resolves once the runtime has resumed what the task hub holds unfinished. */
  ready: Promise<void>;
  exit: Promise<ChildExit>;
  start(name: string, instanceId: string, input: unknown): Promise<void>;
  raise(instanceId: string, name: string, data: unknown): Promise<void>;
  /** A deployment's stop: the work in hand finishes and is recorded, then the process exits. */
  stop(): Promise<ChildExit>;
  /** A crash: SIGKILL, nothing finishes. */
  kill(): Promise<ChildExit>;
}

const SCRIPT = fileURLToPath(new URL("../fixtures/runtime/governorRuntime.ts", import.meta.url));

export function spawnRuntime(estate: LocalEstate, options: { upgraded?: boolean; settings?: Record<string, string> } = {}): RuntimeChild {
  const config = {
    settings: { ...estate.settings, ...options.settings },
    now: estate.clock.now().toISOString(),
    upgraded: options.upgraded,
  };
  const child = spawn(process.execPath, [SCRIPT, JSON.stringify(config)], { stdio: ["ignore", "inherit", "pipe", "ipc"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exit = new Promise<ChildExit>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal, stderr })));
  const pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let next = 0;
  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    void exit.then(({ code, signal }) => reject(new Error(`the runtime exited (${code ?? signal}) before it was ready: ${stderr}`)));
  });
  // Observed by whoever awaits it; never an unhandled rejection when the child dies later on purpose.
  ready.catch(() => undefined);
  child.on("message", (message: { type: string; id?: number; error?: string }) => {
    if (message.type === "ready") resolveReady();
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiter || message.id === undefined) return;
    pending.delete(message.id);
    if (message.type === "failed") waiter.reject(new Error(message.error));
    else waiter.resolve();
  });
  void exit.then(({ code, signal }) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`the runtime exited (${code ?? signal}): ${stderr}`));
    pending.clear();
  });
  const command = (body: Record<string, unknown>): Promise<void> =>
    new Promise((resolve, reject) => {
      const id = (next += 1);
      pending.set(id, { resolve, reject });
      child.send({ ...body, id });
    });
  // The durable timers of the child follow the emulator's virtual clock, as they do in one process.
  const unsubscribe = estate.clock.onChange((now) => {
    if (child.connected) void command({ type: "clock", now: now.toISOString() }).catch(() => undefined);
  });
  void exit.then(unsubscribe);
  return {
    child,
    pid: child.pid as number,
    ready,
    exit,
    start: (name, instanceId, input) => command({ type: "start", name, instanceId, input }),
    raise: (instanceId, name, data) => command({ type: "raise", instanceId, name, data }),
    stop: async () => {
      await command({ type: "stop" }).catch(() => undefined);
      return exit;
    },
    kill: async () => {
      child.kill("SIGKILL");
      return exit;
    },
  };
}

/** Reads the estate's task hub from the test's process: statuses and history, as a Durable client would. */
export async function observeTaskHub(estate: LocalEstate): Promise<LocalDurableRuntime> {
  const connectionString = estate.settings.AzureWebJobsStorage as string;
  const store = await DurableStore.open({ connectionString, taskHub: estate.settings.GOVERNOR_TASK_HUB ?? "GovernorLocal" });
  // Never started: it runs nothing, and only reads.
  return new LocalDurableRuntime({ registrations: [], store, clock: estate.clock });
}

const TERMINAL = new Set(["Completed", "Failed", "Terminated"]);
type Stage = { stage?: string; until?: string } | undefined;

/** Polls (real time) until `condition` holds; fails after `timeoutMs`, or at once if the runtime exits. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  options: { timeoutMs?: number; runtime?: RuntimeChild } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 45_000;
  const deadline = Date.now() + timeoutMs;
  let exited: ChildExit | undefined;
  void options.runtime?.exit.then((exit) => (exited = exit));
  while (!(await condition())) {
    if (exited) throw new Error(`the runtime exited (${exited.code ?? exited.signal}) while waiting for ${what}: ${exited.stderr}`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The custom status stage of an instance, as its orchestrator last set it. */
export async function stageOf(hub: LocalDurableRuntime, instanceId: string): Promise<string | undefined> {
  return ((await hub.getStatus(instanceId))?.customStatus as Stage)?.stage;
}

/**
 * Waits until every instance has finished, moving the virtual clock to the next durable timer
 * any running instance sleeps on (a restore's next status check, a schedule window), as
 * `finishWorkflows` does in one process. Instances that wait on a person are not waited for.
 */
export async function finishInChild(
  estate: LocalEstate,
  hub: LocalDurableRuntime,
  runtime: RuntimeChild,
  instanceIds: string[],
  timeoutMs = 60_000,
): Promise<OrchestrationStatus[]> {
  let statuses: OrchestrationStatus[] = [];
  await until(
    async () => {
      statuses = (await Promise.all(instanceIds.map((id) => hub.getStatus(id)))).filter((status) => status !== undefined);
      if (statuses.length === instanceIds.length && statuses.every((status) => TERMINAL.has(status.runtimeStatus))) return true;
      const sleeping = [...(await hub.runningCustomStatuses()).values()]
        .map((custom) => custom as Stage)
        .filter((custom) => custom?.stage?.startsWith("waiting-for-") === true && custom.until !== undefined)
        .map((custom) => Date.parse(custom?.until as string));
      const next = Math.min(...sleeping) + 1_000;
      if (sleeping.length > 0 && next > estate.clock.nowMs()) estate.clock.set(next);
      return false;
    },
    `instances ${instanceIds.join(", ")} to finish`,
    { timeoutMs, runtime },
  );
  return statuses;
}

/** An estate kept by the test's process, the task hub it observes, and the runtimes it spawned over it. */
export interface ChildEstate {
  workDir: string;
  estate: LocalEstate;
  hub: LocalDurableRuntime;
  /** A runtime in a child process, ended by `close` if a failed test left it running. */
  spawn(options?: Parameters<typeof spawnRuntime>[1]): RuntimeChild;
  close(): Promise<void>;
}

/** The estate the crash and upgrade tests share: a small Odoo database, writes every 200 ms. */
export async function startChildEstate(taskHub: string, prefix: string): Promise<ChildEstate> {
  const workDir = mkdtempSync(join(tmpdir(), prefix));
  const estate = await startLocalEstate({
    workDir,
    taskHub,
    postgres: { size: { partners: 300, products: 200, moves: 2_000 }, writeIntervalMs: 200 },
  });
  const hub = await observeTaskHub(estate);
  const children: RuntimeChild[] = [];
  return {
    workDir,
    estate,
    hub,
    spawn(options) {
      const child = spawnRuntime(estate, options);
      children.push(child);
      return child;
    },
    async close() {
      // Only ours, by their own handles.
      for (const child of children) if (child.child.exitCode === null && child.child.signalCode === null) await child.kill();
      await estate.close();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
