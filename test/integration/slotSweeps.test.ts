/**
 * The sweeps of one slot, on the local runtime against the emulator: the sweeps timer starts every
 * policy due in a slot at once, and they share one listing of the estate in the worker instead of
 * each listing it (shared/inventory/slotInventories.ts). Another slot lists again, so no sweep
 * plans on an earlier slot's listing; each sweep still finds what it alone would.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalApp, startLocalApp } from "../../local/localApp.ts";
import { ORCHESTRATIONS } from "../../orchestrations/names.ts";
import type { SweepInput, SweepResult } from "../../orchestrations/sweep.ts";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
// Policies whose plans read the inventory and no other Resource Graph table.
const POLICIES = ["required-tags", "allowed-regions", "expired-resources"];

let app: LocalApp;

beforeAll(async () => {
  app = await startLocalApp({
    workDir: mkdtempSync(join(tmpdir(), "governor-slot-sweeps-")),
    logger: quiet,
    taskHub: "GovernorSlotSweeps",
    // Decide and record, change nothing: every slot sees the same estate, so their findings compare.
    settings: { GOVERNOR_DRY_RUN: "true" },
  });
}, 120_000);
afterAll(async () => app?.close());

const graphQueries = (): number => app.emulator.core.log.entries({ route: "resourceGraph.resources" }).length;

/** Sweeps of `policies` in `slot`, started together as the timer starts them; their results by policy, and the Resource Graph queries they sent. */
async function sweepSlot(slot: string, policies: readonly string[]): Promise<{ results: Record<string, SweepResult>; queries: number }> {
  const before = graphQueries();
  const ids = policies.map((policy) => `sweep:${policy}:${slot}`);
  await Promise.all(
    policies.map((policy, index) => {
      const input: SweepInput = { policy, scope: slot, trigger: { type: "timer", id: ids[index] as string } };
      return app.runtime.startNew(ORCHESTRATIONS.sweep, { instanceId: ids[index] as string, input });
    }),
  );
  await app.runtime.whenIdle();
  const results: Record<string, SweepResult> = {};
  for (const [index, policy] of policies.entries()) {
    const status = await app.runtime.getStatus(ids[index] as string);
    expect(status?.runtimeStatus).toBe("Completed");
    results[policy] = status?.output as SweepResult;
  }
  return { results, queries: graphQueries() - before };
}

describe("the sweeps of one slot", () => {
  it("list the estate once between them, find what each finds alone, and another slot lists again", async () => {
    const alone: Record<string, SweepResult> = {};
    let queriesAlone = 0;
    for (const policy of POLICIES) {
      const { results, queries } = await sweepSlot(`2026-11-23T05:00:00.000Z-${policy}`, [policy]);
      alone[policy] = results[policy] as SweepResult;
      queriesAlone = queries;
    }
    expect(queriesAlone).toBeGreaterThan(0);

    const together = await sweepSlot("2026-11-23T06:00:00.000Z", POLICIES);
    expect(together.queries).toBe(queriesAlone);
    for (const policy of POLICIES) expect(together.results[policy]?.reason).toBe(alone[policy]?.reason);

    const next = await sweepSlot("2026-11-23T06:30:00.000Z", ["required-tags"]);
    expect(next.queries).toBe(queriesAlone);
  }, 120_000);
});
