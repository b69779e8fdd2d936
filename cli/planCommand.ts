/**
 * `governor plan`: what Governor would do, and why, without changing anything. Against real
 * subscriptions (`--subscription`, repeated for several, with the Azure CLI's or the environment's
 * credentials) or the emulator started in-process with the sample estate (`--emulator`, and
 * `--subscriptions N` for the sample spread over N subscriptions under one management group).
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type AzureTarget, azureTarget, emulatorTarget } from "../shared/azure/target.ts";
import { builtinRegistry } from "../shared/policy/builtins.ts";
import { planAcross } from "../shared/planner.ts";
import { loadPoliciesOrReport } from "./policies.ts";
import { renderPlan } from "./render.ts";

export const DEFAULT_POLICIES = fileURLToPath(new URL("../policies/odoo-distribution.yaml", import.meta.url));
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function planCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      policies: { type: "string", default: DEFAULT_POLICIES },
      subscription: { type: "string", multiple: true },
      subscriptions: { type: "string" },
      emulator: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      "estate-size": { type: "string" },
    },
  });
  const subscriptions = values.subscription ?? [];
  if (values.emulator === subscriptions.length > 0) {
    console.error("governor plan: give either --subscription <id> (once per subscription) or --emulator");
    return 2;
  }
  const notGuid = subscriptions.find((id) => !GUID.test(id));
  if (notGuid !== undefined) {
    console.error(`governor plan: --subscription must be a subscription id (a GUID), not "${notGuid}"`);
    return 2;
  }
  const estateSize = values["estate-size"] === undefined ? undefined : Number(values["estate-size"]);
  if (estateSize !== undefined && (!Number.isInteger(estateSize) || estateSize <= 0 || !values.emulator)) {
    console.error("governor plan: --estate-size takes a positive whole number, with --emulator");
    return 2;
  }
  const spread = values.subscriptions === undefined ? 1 : Number(values.subscriptions);
  if (!Number.isInteger(spread) || spread < 1 || spread > 20 || (values.subscriptions !== undefined && !values.emulator)) {
    console.error(
      "governor plan: --subscriptions takes a whole number from 1 to 20, with --emulator (for real ones, repeat --subscription)",
    );
    return 2;
  }

  const set = await loadPoliciesOrReport(values.policies);
  if (!set) return 1;

  let targets: AzureTarget[];
  let now: Date;
  let close = async (): Promise<void> => {};
  if (values.emulator) {
    // Loaded only here: the emulator is a development tool, never part of the deployed app.
    const { startEmulator } = await import("../emulator/server.ts");
    const { VirtualClock } = await import("../emulator/clock.ts");
    const { sampleEstates } = await import("../emulator/estate/sample.ts");
    const { generateEstate } = await import("../emulator/estate/generate.ts");
    const sample = estateSize === undefined ? sampleEstates(spread) : generateEstate({ resources: estateSize, subscriptions: spread });
    const emulator = await startEmulator({
      estate: sample.estate,
      subscriptionId: sample.subscriptionId,
      displayName: sample.displayName,
      ...(spread > 1 ? { subscriptions: sample.subscriptions, managementGroups: sample.managementGroups } : {}),
      clock: new VirtualClock(sample.now),
    });
    const ids = [sample.subscriptionId, ...(spread > 1 ? sample.subscriptions.map((other) => other.subscriptionId) : [])];
    targets = ids.map((id) => emulatorTarget(emulator, id));
    now = sample.now;
    close = () => emulator.close();
    if (!values.json)
      console.error(
        `Emulated subscription${ids.length > 1 ? "s" : ""} ${ids.join(", ")} on ${emulator.url} (sample estate, clock ${now.toISOString()})`,
      );
  } else {
    targets = await Promise.all(subscriptions.map((id) => azureTarget(id)));
    now = new Date();
  }

  try {
    const { evaluation, subscriptions: planned } = await planAcross(targets, set, now, builtinRegistry());
    const failed = planned.filter((part) => part.error !== undefined);
    if (values.json) {
      const out = {
        findings: evaluation.findings,
        summary: evaluation.summary,
        ...(targets.length > 1 || failed.length > 0 ? { subscriptions: planned } : {}),
      };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      console.log(renderPlan(evaluation));
      if (targets.length > 1)
        for (const part of planned)
          console.log(
            `subscription ${part.subscriptionId}: ${part.error === undefined ? `${part.resources} resources, ${part.findings} findings` : `not planned: ${part.error}`}`,
          );
    }
    for (const part of failed) console.error(`governor plan: subscription ${part.subscriptionId} not planned: ${part.error}`);
    return failed.length > 0 ? 1 : 0;
  } finally {
    await close();
  }
}
