/**
 * `npm run bench:apply`: the built-in pack's whole plan carried out, auto-approved, by the
 * remediation workflows on the local Durable runtime (Azurite), against the emulator with ARM
 * throttling on (its default limits: 200 writes, refilled at 10 a second, per subscription), on
 * generated estates, with and without 10 % of requests failing (429 and 5xx).
 *
 * Prints one JSON line per run:
 * `{ resources, subscriptions, faults, changes, seconds, writesPerSecond, armWriteLimitPerSecond,
 *    throttled, failed, changedTwice, peakRssMb, readsPerChange, pollsPerChange, workflows, largestStoredEntityChars }`.
 * `changes` are the emulator's change events (one per resource and operation), `changedTwice`
 * those it saw more than once, `throttled` the requests the emulator's token buckets refused,
 * `failed` the failed outcomes plus workflows that did not complete, `readsPerChange` the GETs
 * (and metric batch reads) the workflows sent per change, retries included. `seconds` is from the
 * first workflow started to the last one finished; planning is not counted. `writesPerSecond` is
 * the writes ARM took (every request but GETs and queries, deletes and POSTed actions included,
 * those answered by an injected fault or an empty bucket left out) over the period writes were in
 * flight, from the first sent to the last answered, in the pass that carries the plan out: the
 * restarts at the schedule windows' opening come hours later in Azure (here, once the workflows
 * are idle and the virtual clock is moved on) and are counted apart, as `laterWrites`; and
 * `armWriteLimitPerSecond` the emulator's sustained write limit summed over the subscriptions
 * written to. The emulator runs in the same process, so `peakRssMb` is both together.
 *
 * Each run is a process of its own, so that `peakRssMb` is that run's alone. The local runtime
 * runs 8 activities at once per subscription (`activitySlots`): in Azure the host runs a fan-out
 * on as many workers as it scales out to, 10 activities per vCPU each, and the runtime's own 8
 * stand for one small worker, which would make three subscriptions' buckets wait on its slots
 * rather than on ARM.
 *
 * Usage: node bench/apply.ts [--sizes 1000] [--large] (adds 10,000) [--faults both|on|off] [--subscriptions 1,3]
 */
import { changeKey } from "../emulator/store.ts";
import type { RequestLogEntry } from "../emulator/requestLog.ts";
import { mkdtempSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fork } from "node:child_process";
import { once } from "node:events";
import { generateEstate } from "../emulator/estate/generate.ts";
import { ARM_THROTTLE_LIMITS } from "../emulator/faults.ts";
import type { RemediateResult } from "../orchestrations/remediate.ts";
import { remediationsFor } from "../orchestrations/remediations.ts";
import { emulatorTarget } from "../shared/azure/target.ts";
import { subscriptionOfId } from "../shared/azure/resourceId.ts";
import { DEFAULT_POLICIES } from "../cli/planCommand.ts";
import { planAcross } from "../shared/planner.ts";
import { builtinRegistry } from "../shared/policy/builtins.ts";
import { loadPolicyFile } from "../shared/policy/loader.ts";
import { openPlanStore, stagePlan } from "../shared/remediation/planStore.ts";
import { finishWorkflows, startLocalApp } from "../local/localApp.ts";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
/** Reads the workflows send that are not GETs: the batch metrics API answers a POST. */
const READ_POSTS = new Set(["metrics.batch", "resourceGraph.resources"]);
/** A request that draws on a write bucket: every one but GETs and the POSTed reads. */
const isWrite = (entry: RequestLogEntry): boolean => entry.method !== "GET" && !READ_POSTS.has(entry.route);
const POLLS = new Set([
  "operations.status",
  "operations.result",
  "protectedItemOperationStatuses.get",
  "protectedItemOperationResults.get",
]);

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000" },
    large: { type: "boolean", default: false },
    faults: { type: "string", default: "both" },
    subscriptions: { type: "string", default: "1" },
    /** Requests of the workflows by route, on stderr. */
    detail: { type: "boolean", default: false },
    /** One run, in this process (what each child is started with). */
    one: { type: "boolean", default: false },
  },
});
/** The local runtime's activities at once, per subscription governed. */
const ACTIVITY_SLOTS = 8;

async function run(size: number, faults: boolean, subscriptions: number): Promise<void> {
  const estate = generateEstate({ resources: size, subscriptions });
  const app = await startLocalApp({
    workDir: mkdtempSync(join(tmpdir(), "governor-bench-apply-")),
    sample: estate,
    logger: quiet,
    taskHub: `BenchApply${size}S${subscriptions}${faults ? "F" : "C"}`,
    maxConcurrentActivities: ACTIVITY_SLOTS * subscriptions,
  });
  try {
    const set = await loadPolicyFile(DEFAULT_POLICIES, builtinRegistry());
    const ids = [estate.subscriptionId, ...estate.subscriptions.map((other) => other.subscriptionId)];
    const targets = ids.map((id) => emulatorTarget(app.emulator, id));
    const { evaluation, inventories } = await planAcross(targets, set, app.clock.now(), builtinRegistry());
    const plans = await openPlanStore(process.env);
    const starts = await Promise.all(
      remediationsFor(evaluation, set, { scope: "bench", trigger: { type: "cli" }, autoApprove: true }).map((start) =>
        stagePlan(start, plans),
      ),
    );
    const changes = new Map<string, number>();
    app.emulator.core.store.changes.on("change", (change) => {
      const key = changeKey(change);
      changes.set(key, (changes.get(key) ?? 0) + 1);
    });
    if (faults) app.emulator.core.faults.add({ rate429: 0.05, rate5xx: 0.05, retryAfterSeconds: 1 });
    const since = app.emulator.core.log.total;
    let firstPassEnd: number | undefined;
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    for (const start of starts) await app.runtime.startNew("remediate", { instanceId: start.instanceId, input: start.input });
    const statuses = await finishWorkflows(
      app,
      starts.map((start) => start.instanceId),
      {
        timeoutMs: 60 * 60_000,
        // What follows the first move of the virtual clock is the restarts at the schedule windows' opening, hours later in Azure.
        onClockAdvance: () => void (firstPassEnd ??= app.emulator.core.log.mark),
      },
    );
    const seconds = (performance.now() - started) / 1000;
    app.emulator.core.faults.clear();

    const entries = app.emulator.core.log.entries({ since });
    const reads = entries.filter((entry) => !isWrite(entry)).length;
    // Writes ARM took: a request answered by an injected fault or an empty bucket spent no write.
    const allWrites = entries.filter((entry) => isWrite(entry) && entry.fault === undefined);
    const writeEntries = allWrites.filter((entry) => firstPassEnd === undefined || entry.seq <= firstPassEnd);
    const writes = writeEntries.length;
    const firstWrite = Math.min(...writeEntries.map((entry) => entry.atMs));
    const lastWrite = Math.max(...writeEntries.map((entry) => entry.atMs + entry.durationMs));
    const writeSeconds = writes === 0 ? 0 : Math.max(0.001, (lastWrite - firstWrite) / 1000);
    const writtenTo = new Set(writeEntries.map((entry) => subscriptionOfId(entry.path)?.toLowerCase()).filter(Boolean));
    const changeCount = [...changes.values()].reduce((sum, count) => sum + count, 0);
    const failedOutcomes = statuses
      .filter((status) => status.runtimeStatus === "Completed")
      .reduce((sum, status) => sum + (status.output as RemediateResult).counts.failed, 0);
    const line = {
      resources: inventories.reduce((sum, inventory) => sum + inventory.resources.length, 0),
      subscriptions,
      faults: faults ? 0.1 : 0,
      changes: changeCount,
      seconds: Math.round(seconds * 100) / 100,
      writesPerSecond: writes === 0 ? 0 : Math.round((writes / writeSeconds) * 100) / 100,
      armWriteLimitPerSecond: ARM_THROTTLE_LIMITS.write.refillPerSecond * writtenTo.size,
      writeSeconds: Math.round(writeSeconds * 100) / 100,
      laterWrites: allWrites.length - writes,
      throttled: entries.filter((entry) => entry.fault === "throttled").length,
      failed: failedOutcomes + statuses.filter((status) => status.runtimeStatus !== "Completed").length,
      changedTwice: [...changes.values()].filter((count) => count > 1).length,
      // maxRSS is in kibibytes.
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      readsPerChange: changeCount === 0 ? 0 : Math.round((reads / changeCount) * 100) / 100,
      // Of those reads, the status polls of long-running operations (what Azure's async operations force).
      pollsPerChange:
        changeCount === 0 ? 0 : Math.round((entries.filter((entry) => POLLS.has(entry.route)).length / changeCount) * 100) / 100,
      workflows: statuses.length,
      activitySlots: ACTIVITY_SLOTS * subscriptions,
      largestStoredEntityChars: app.runtime.storeStats.largestEntityChars,
    };
    console.log(JSON.stringify(line));
    if (values.detail) {
      const byRoute: Record<string, number> = {};
      for (const entry of entries) byRoute[`${entry.method} ${entry.route}`] = (byRoute[`${entry.method} ${entry.route}`] ?? 0) + 1;
      console.error(JSON.stringify(Object.fromEntries(Object.entries(byRoute).sort(([, a], [, b]) => b - a))));
      // Writes and reads per 10 s of the write period: where the pace falls short of the limit.
      const timeline: Record<string, { writes: number; reads: number }> = {};
      for (const entry of entries) {
        const slot = String(Math.floor((entry.atMs - firstWrite) / 10_000) * 10);
        const kind = isWrite(entry) ? "writes" : "reads";
        (timeline[slot] ??= { writes: 0, reads: 0 })[kind] += 1;
      }
      console.error(JSON.stringify(timeline));
      // Each subscription's writes over its own write period: a subscription whose work ends early leaves the others to finish alone.
      const bySubscription: Record<string, { writes: number; reads: number; seconds: number; perSecond: number }> = {};
      for (const subscription of writtenTo) {
        const own = writeEntries.filter((entry) => subscriptionOfId(entry.path)?.toLowerCase() === subscription);
        const period =
          (Math.max(...own.map((entry) => entry.atMs + entry.durationMs)) - Math.min(...own.map((entry) => entry.atMs))) / 1000;
        const reads = entries.filter(
          (entry) => !isWrite(entry) && entry.fault === undefined && subscriptionOfId(entry.path)?.toLowerCase() === subscription,
        ).length;
        bySubscription[subscription as string] = {
          writes: own.length,
          reads,
          seconds: Math.round(period * 10) / 10,
          perSecond: Math.round((own.length / period) * 100) / 100,
        };
      }
      console.error(JSON.stringify(bySubscription));
      // The emulator, the runtime and Governor share this process's one thread: near 1 CPU second per second, the machine sets the pace, not ARM.
      const cpu = process.cpuUsage(cpuBefore);
      console.error(JSON.stringify({ cpuSecondsPerSecond: Math.round(((cpu.user + cpu.system) / 1e6 / seconds) * 100) / 100 }));
    }
  } finally {
    await app.close();
  }
}

const sizes = values.sizes.split(",").map(Number);
if (values.large && !sizes.includes(10_000)) sizes.push(10_000);
const modes = values.faults === "on" ? [true] : values.faults === "off" ? [false] : [false, true];
const subscriptionCounts = values.subscriptions.split(",").map(Number);
if (values.one) {
  await run(sizes[0] as number, values.faults === "on", subscriptionCounts[0] as number);
} else {
  for (const size of sizes)
    for (const count of subscriptionCounts)
      for (const faults of modes) {
        const args = ["--one", "--sizes", String(size), "--subscriptions", String(count), "--faults", faults ? "on" : "off"];
        const child = fork(fileURLToPath(import.meta.url), [...args, ...(values.detail ? ["--detail"] : [])], { stdio: "inherit" });
        const [code] = (await once(child, "exit")) as [number | null];
        if (code !== 0) throw new Error(`bench:apply: the run ${args.join(" ")} exited with ${code}`);
      }
}
process.exit(0);
