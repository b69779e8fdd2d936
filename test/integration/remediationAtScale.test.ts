/**
 * Failure isolation at scale: the built-in pack's whole plan on a generated estate of 600
 * resources (plans of more than one chunk), auto-approved, with and without 10 % of requests
 * failing (429 and 5xx) on top of ARM throttling. Every workflow completes, nothing is left
 * failed, the end state is the fault-free run's, no resource is changed twice, and nothing the
 * local runtime stored grows with the plan.
 */
import { resourceEndState } from "../support/endState.ts";
import { changeKey } from "../../emulator/store.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateEstate } from "../../emulator/estate/generate.ts";
import type { RemediateResult } from "../../orchestrations/remediate.ts";
import { remediationsFor } from "../../orchestrations/remediations.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";
import { plan } from "../../shared/planner.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { loadPolicyFile } from "../../shared/policy/loader.ts";
import { openPlanStore, stagePlan } from "../../shared/remediation/planStore.ts";
import { finishWorkflows, type LocalApp, startLocalApp } from "../../local/localApp.ts";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const RESOURCES = 600;

interface Run {
  results: RemediateResult[];
  statuses: string[];
  state: Record<string, unknown>;
  changedTwice: string[];
  stagedPlans: number;
  plannedRowsLeft: number;
  largestPlan: number;
  largestStoredEntityChars: number;
  faults: number;
}

async function carryOut(app: LocalApp, scope: string, faults: boolean): Promise<Run> {
  const set = await loadPolicyFile(DEFAULT_POLICIES, builtinRegistry());
  const { evaluation } = await plan(emulatorTarget(app.emulator, app.sample.subscriptionId), set, app.clock.now(), builtinRegistry());
  const planned = remediationsFor(evaluation, set, { scope, trigger: { type: "cli" }, autoApprove: true });
  const plans = await openPlanStore(process.env);
  // At this size no plan outgrows the inline limit: the larger ones are staged as a 10,000-resource run stages them.
  const starts = await Promise.all(
    planned.map(async (start) =>
      start.input.resources.length > 20
        ? { ...start, input: { ...start.input, resources: [], plan: await plans.save(start.instanceId, start.input.resources) } }
        : stagePlan(start, plans),
    ),
  );
  const changes = new Map<string, number>();
  app.emulator.core.store.changes.on("change", (change) => {
    const key = changeKey(change);
    changes.set(key, (changes.get(key) ?? 0) + 1);
  });
  if (faults) app.emulator.core.faults.add({ rate429: 0.05, rate5xx: 0.05, retryAfterSeconds: 1 });
  for (const start of starts) await app.runtime.startNew("remediate", { instanceId: start.instanceId, input: start.input });
  const statuses = await finishWorkflows(
    app,
    starts.map((start) => start.instanceId),
    { timeoutMs: 120_000 },
  );
  app.emulator.core.faults.clear();
  // Each staged plan is dropped once its workflow is done with it.
  const staged = starts.flatMap((start) => (start.input.plan ? [start.input.plan] : []));
  const left = await Promise.all(staged.map(async (ref) => (await plans.chunk(ref.id, 0)).length));
  const state: Record<string, unknown> = {};
  for (const resource of app.emulator.core.store.list()) {
    state[resource.arm.id.toLowerCase()] = resourceEndState(resource);
  }
  return {
    results: statuses.map((status) => status.output as RemediateResult),
    statuses: statuses.map((status) => `${status.instanceId} ${status.runtimeStatus}`),
    state,
    changedTwice: [...changes].filter(([, count]) => count > 1).map(([key]) => key),
    largestPlan: Math.max(...planned.map((start) => start.input.resources.length)),
    stagedPlans: staged.length,
    plannedRowsLeft: left.reduce((sum, count) => sum + count, 0),
    largestStoredEntityChars: app.runtime.storeStats.largestEntityChars,
    faults: app.emulator.core.log.entries().filter((entry) => entry.fault?.startsWith("fault:") === true).length,
  };
}

async function withApp<T>(name: string, use: (app: LocalApp) => Promise<T>): Promise<T> {
  const app = await startLocalApp({
    workDir: mkdtempSync(join(tmpdir(), `governor-scale-${name}-`)),
    sample: generateEstate({ resources: RESOURCES }),
    logger: quiet,
    taskHub: `GovernorScale${name}`,
  });
  try {
    return await use(app);
  } finally {
    await app.close();
  }
}

describe(`the built-in pack's whole plan on ${RESOURCES} generated resources`, () => {
  it("with 10% of requests failing, every workflow completes, nothing fails, the end state is the fault-free run's and no resource is changed twice", async () => {
    const calm = await withApp("Calm", (app) => carryOut(app, "calm", false));
    const stormy = await withApp("Faults", (app) => carryOut(app, "faults", true));

    for (const run of [calm, stormy]) {
      expect(run.statuses.filter((status) => !status.endsWith(" Completed"))).toEqual([]);
      expect(run.results.flatMap((result) => result.outcomes.filter((outcome) => outcome.outcome === "failed"))).toEqual([]);
      expect(run.results.reduce((sum, result) => sum + result.counts.failed, 0)).toBe(0);
      expect(run.changedTwice).toEqual([]);
      expect(run.stagedPlans).toBeGreaterThan(0);
      expect(run.plannedRowsLeft).toBe(0);
    }
    expect(calm.results.reduce((sum, result) => sum + result.counts.applied, 0)).toBeGreaterThan(50);
    expect(stormy.faults).toBeGreaterThan(50);
    expect(stormy.state).toEqual(calm.state);

    // Nothing the runtime stored comes near what one entity holds (448,000 characters of JSON): plans travel staged or in chunks.
    expect(calm.largestPlan).toBeGreaterThan(50);
    expect(calm.largestStoredEntityChars).toBeLessThan(120_000);
  }, 240_000);
});
