/**
 * `governor plan`: what Governor would do, and why, without changing anything. Against a real
 * subscription (`--subscription`, with the Azure CLI's or the environment's credentials) or the
 * emulator started in-process with the sample estate (`--emulator`).
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type AzureTarget, azureTarget, emulatorTarget } from "../shared/azure/target.ts";
import { builtinRegistry } from "../shared/policy/builtins.ts";
import { plan } from "../shared/planner.ts";
import { loadPoliciesOrReport } from "./policies.ts";
import { renderPlan } from "./render.ts";

export const DEFAULT_POLICIES = fileURLToPath(new URL("../policies/odoo-distribution.yaml", import.meta.url));
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function planCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      policies: { type: "string", default: DEFAULT_POLICIES },
      subscription: { type: "string" },
      emulator: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      "estate-size": { type: "string" },
    },
  });
  if (values.emulator === (values.subscription !== undefined)) {
    console.error("governor plan: give either --subscription <id> or --emulator");
    return 2;
  }
  if (values.subscription !== undefined && !GUID.test(values.subscription)) {
    console.error(`governor plan: --subscription must be a subscription id (a GUID), not "${values.subscription}"`);
    return 2;
  }
  const estateSize = values["estate-size"] === undefined ? undefined : Number(values["estate-size"]);
  if (estateSize !== undefined && (!Number.isInteger(estateSize) || estateSize <= 0 || !values.emulator)) {
    console.error("governor plan: --estate-size takes a positive whole number, with --emulator");
    return 2;
  }

  const set = await loadPoliciesOrReport(values.policies);
  if (!set) return 1;

  let target: AzureTarget;
  let now: Date;
  let close = async (): Promise<void> => {};
  if (values.emulator) {
    // Loaded only here: the emulator is a development tool, never part of the deployed app.
    const { startEmulator } = await import("../emulator/server.ts");
    const { VirtualClock } = await import("../emulator/clock.ts");
    const { sampleEstate } = await import("../emulator/estate/sample.ts");
    const { generateEstate } = await import("../emulator/estate/generate.ts");
    const sample = estateSize === undefined ? sampleEstate() : generateEstate({ resources: estateSize });
    const emulator = await startEmulator({
      estate: sample.estate,
      subscriptionId: sample.subscriptionId,
      clock: new VirtualClock(sample.now),
    });
    target = emulatorTarget(emulator, sample.subscriptionId);
    now = sample.now;
    close = () => emulator.close();
    if (!values.json)
      console.error(`Emulated subscription ${sample.subscriptionId} on ${emulator.url} (sample estate, clock ${now.toISOString()})`);
  } else {
    target = await azureTarget(values.subscription as string);
    now = new Date();
  }

  try {
    const { evaluation } = await plan(target, set, now, builtinRegistry());
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ findings: evaluation.findings, summary: evaluation.summary }, null, 2)}\n`);
    } else {
      console.log(renderPlan(evaluation));
    }
    return 0;
  } finally {
    await close();
  }
}
