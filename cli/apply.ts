/**
 * `governor apply --emulator [--policies FILE] [--auto-approve]`: evaluates the policies against
 * the emulated subscription and carries the plan out with the remediation workflows on the local
 * Durable runtime (history and audit trail in Azurite), printing each workflow's progress and a
 * summary. In Azure the same workflows run on the Functions host, started by timers and events.
 */
import { ORCHESTRATIONS } from "../orchestrations/names.ts";
import { resourceNameOf } from "../shared/azure/resourceId.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { RemediateResult } from "../orchestrations/remediate.ts";
import { plannedCount } from "../shared/remediation/chunks.ts";
import { appPlanStore, stagePlan } from "../shared/remediation/planStore.ts";
import { remediationsFor } from "../orchestrations/remediations.ts";
import { emulatorTarget } from "../shared/azure/target.ts";
import { plan } from "../shared/planner.ts";
import { builtinRegistry } from "../shared/policy/builtins.ts";
import { finishWorkflows, startLocalApp } from "../local/localApp.ts";
import { DEFAULT_POLICIES } from "./planCommand.ts";
import { loadPoliciesOrReport } from "./policies.ts";

const quiet = { info: () => {}, warn: (message: string) => console.error(message), error: (message: string) => console.error(message) };

export async function applyCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      policies: { type: "string", default: DEFAULT_POLICIES },
      emulator: { type: "boolean", default: false },
      "auto-approve": { type: "boolean", default: false },
    },
  });
  if (!values.emulator) {
    console.error("governor apply: only --emulator is supported; in Azure, timers and events start the workflows on the Functions host");
    return 2;
  }
  const set = await loadPoliciesOrReport(values.policies);
  if (!set) return 1;

  const workDir = mkdtempSync(join(tmpdir(), "governor-apply-"));
  const app = await startLocalApp({ workDir, policyFile: values.policies, logger: quiet });
  try {
    const now = app.clock.now();
    console.log(
      `Emulated subscription ${app.sample.subscriptionId} on ${app.emulator.url}; Azurite on port ${app.azurite.port}; clock ${now.toISOString()}`,
    );
    const { evaluation } = await plan(emulatorTarget(app.emulator, app.sample.subscriptionId), set, now, builtinRegistry());
    const plans = await appPlanStore();
    const starts = await Promise.all(
      remediationsFor(evaluation, set, {
        scope: now.toISOString(),
        trigger: { type: "cli" },
        autoApprove: values["auto-approve"],
      }).map((start) => stagePlan(start, plans)),
    );
    if (starts.length === 0) {
      console.log("Nothing to act on.");
      return 0;
    }
    for (const start of starts) {
      await app.runtime.startNew(ORCHESTRATIONS.remediate, { instanceId: start.instanceId, input: start.input });
      console.log(`started ${start.instanceId}: ${start.input.action.type} on ${plannedCount(start.input)} resource(s)`);
    }
    await app.runtime.whenIdle();
    const waiting = [];
    for (const start of starts) {
      const status = await app.runtime.getStatus(start.instanceId);
      if (status?.runtimeStatus === "Running") waiting.push(start);
    }
    if (waiting.length > 0) {
      console.log(
        `${waiting.length} workflow(s) await approval, which nobody can give here (use --auto-approve, or \`npm start\` for the approval page);` +
          " advancing the virtual clock past their timeouts: the policies' onTimeout decides.",
      );
      const longest = Math.max(...waiting.map((start) => start.input.approval?.timeoutMs ?? 0));
      app.clock.advance(longest + 60_000);
    }

    const totals = { applied: 0, "already-done": 0, skipped: 0, failed: 0 };
    const statuses = await finishWorkflows(
      app,
      starts.map((start) => start.instanceId),
      { timeoutMs: 10 * 60_000 },
    );
    for (const status of statuses) {
      if (status.runtimeStatus !== "Completed") {
        console.log(`${status.instanceId}: workflow ${status.runtimeStatus}: ${JSON.stringify(status.output)}`);
        totals.failed += 1;
        continue;
      }
      const result = status.output as RemediateResult;
      console.log(`${result.policy} [${result.action}] approval: ${result.approval.outcome} (${result.approval.decidedBy})`);
      for (const outcome of [...result.outcomes, ...(result.restarts ?? [])]) {
        console.log(`  ${outcome.outcome.padEnd(13)} ${resourceNameOf(outcome.resourceId)}: ${outcome.action} ${outcome.reason}`);
        totals[outcome.outcome] += 1;
      }
    }
    if (statuses.some((status) => status.output && (status.output as RemediateResult).restarts?.length)) {
      console.log(
        `Off-hours workflows slept on durable timers until their schedule windows opened (virtual clock now ${app.clock.now().toISOString()}).`,
      );
    }
    console.log(
      `${starts.length} workflows: ${totals.applied} applied, ${totals["already-done"]} already done, ${totals.skipped} skipped, ${totals.failed} failed.` +
        ` Every step is in the audit trail (Azurite's data: ${workDir}).`,
    );
    return totals.failed === 0 ? 0 : 1;
  } finally {
    await app.close();
  }
}
