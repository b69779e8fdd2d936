/**
 * `npm run bench:plan`: how many requests, how long and how much memory `plan` with the built-in
 * pack takes (inventory, facts: 72 h CPU average and a week of half-hours of the running non-production VMs, backup coverage, locks,
 * diagnostic settings and server parameters, then evaluation) for generated estates of 1,000 and 10,000 resources, against the emulator with
 * 20 ms of latency on every route, with ARM throttling and the Resource Graph quota on.
 *
 * Prints one JSON line per size: `{ resources, requests, minimalRequests, seconds, peakRssMb, findings }`.
 * `requests` are those the emulator answered (retries included); `minimalRequests` is what the
 * APIs cannot do with less: Resource Graph pages of 1,000 rows (resources, resource groups, scale
 * sets' instances), batches of 50 running VMs per region among those the pack's metric policies
 * can find (non-production), the vault listing and two listings per
 * vault, the page of Azure Policy exemptions, the page of locks, and what the pack's baselines
 * read per resource because Azure has no list of it: one diagnostic settings list per PostgreSQL
 * server, AKS cluster, storage account and key vault, one `ssl_min_protocol_version` read per
 * PostgreSQL server. At ARM's read rate (a bucket of 250, refilled at 25 a second) those
 * per-resource reads set a floor on `seconds`.
 *
 * The emulator and the planner each run in a process of their own, so that `peakRssMb` is the
 * planner's alone and the emulator's CPU does not count as the planner's time.
 *
 * With `--subscriptions N` the estate is spread over N subscriptions under one management group
 * and planned with `planAcross` (the inventory in one Resource Graph query across them, the facts
 * of each subscription against its own ARM buckets, side by side); the minimal count is then the
 * inventory's pages across them plus each subscription's other requests, and the line says
 * `subscriptions`.
 *
 * With `--slot <ISO time>` it plans what the sweeps timer starts at that slot instead: each
 * policy due then planned on its own, side by side in one process, as their sweeps' `planPolicy`
 * activities run in one worker, sharing one listing of the estate (`slotInventories`), or each
 * listing its own with `--unshared`. The line then says `slot`, `sweeps`, `resourceGraphQueries`
 * and `throttled` (429s the emulator answered). Monday 06:30 in Brussels, 2026-11-23T05:30:00Z,
 * starts the nine baselines; 2026-11-23T05:00:00Z, five hourly and half-hourly sweeps.
 *
 * Usage: node bench/plan.ts [--sizes 1000,10000] [--subscriptions 3] [--policies file.yaml] [--slot ISO [--unshared]]
 * (`--policies` measures another pack, e.g. one without the baselines, to see what each part costs).
 */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { parseArgs } from "node:util";
import { VirtualClock } from "../emulator/clock.ts";
import { generateEstate } from "../emulator/estate/generate.ts";
import { resourceGraphTables } from "../emulator/routes/resourceGraph.ts";
import { startEmulator } from "../emulator/server.ts";
import { emulatorTarget } from "../shared/azure/target.ts";
import { DEFAULT_POLICIES } from "../cli/planCommand.ts";
import { createRequestCounter } from "../shared/inventory/gather.ts";
import { slotInventories } from "../shared/inventory/slotInventories.ts";
import { inventoryProjection, planAcross } from "../shared/planner.ts";
import { dueSweeps } from "../shared/triggers/sweeps.ts";
import { builtinRegistry } from "../shared/policy/builtins.ts";
import { loadPolicyFile } from "../shared/policy/loader.ts";

const LATENCY_MS = 20;
const RESOURCE_GRAPH_PAGE = 1000;
const METRICS_BATCH = 50;

interface EmulatorReady {
  type: "ready";
  url: string;
  ca: string;
  subscriptionId: string;
  subscriptions: string[];
  now: string;
  minimalRequests: number;
}

interface GatherResult {
  type: "result";
  /** The sweeps planned side by side (`--slot`). */
  sweeps?: number;
  resources: number;
  countedRequests: number;
  seconds: number;
  peakRssMb: number;
  findings: number;
}

const NON_PRODUCTION = new Set(["dev", "test", "training", "staging"]);

const ceilDiv = (count: number, size: number): number => Math.max(1, Math.ceil(count / size));

/**
 * The inventory's Resource Graph pages: every resource, and every resource group, of the
 * subscriptions (listed across them in one query each; with several, the subscriptions' own rows
 * come with the groups).
 */
function inventoryPages(tables: ReturnType<typeof resourceGraphTables>, subscriptions: number): number {
  const resources = tables.Resources?.rows ?? [];
  const groups = (tables.ResourceContainers?.rows ?? []).filter((row) => row.type === "microsoft.resources/subscriptions/resourcegroups");
  return (
    ceilDiv(resources.length, RESOURCE_GRAPH_PAGE) + ceilDiv(groups.length + (subscriptions > 1 ? subscriptions : 0), RESOURCE_GRAPH_PAGE)
  );
}

/** The requests no gatherer can do without in one subscription besides its inventory, counted from the tables Resource Graph serves. */
function minimalRequests(tables: ReturnType<typeof resourceGraphTables>): number {
  const resources = tables.Resources?.rows ?? [];
  const runningVmsByRegion = new Map<string, number>();
  let vaults = 0;
  for (const row of resources) {
    if (row.type === "microsoft.recoveryservices/vaults") vaults += 1;
    if (row.type !== "microsoft.compute/virtualmachines") continue;
    const properties = row.properties as { extended?: { instanceView?: { powerState?: { code?: string } } } };
    if (properties.extended?.instanceView?.powerState?.code !== "PowerState/running") continue;
    // The pack's metric policies (stop-idle-nonprod-vms, rightsize-nonprod-vms) can only find VMs of these environments.
    if (!NON_PRODUCTION.has(String((row.tags as Record<string, unknown> | undefined)?.environment))) continue;
    const region = String(row.location);
    runningVmsByRegion.set(region, (runningVmsByRegion.get(region) ?? 0) + 1);
  }
  const metricBatches = [...runningVmsByRegion.values()].reduce((sum, count) => sum + ceilDiv(count, METRICS_BATCH), 0);
  // One page of Azure Policy exemptions per subscription (the guards honour them).
  const exemptionPages = 1;
  // The pack's scale-set schedule reads the scale sets' instances (their power states) from ComputeResources.
  const instancePages = ceilDiv(tables.ComputeResources?.rows.length ?? 0, RESOURCE_GRAPH_PAGE);
  // The baselines: the subscription's locks in one page (they are far fewer than 1,000), then a
  // diagnostic settings list per resource of the kinds diagnostics-to-log-analytics names and a
  // server parameter read per PostgreSQL server (postgres-tls-below-1-2): no policy of the pack
  // narrows them further, so every resource of those kinds is asked.
  const lockPages = 1;
  const count = (type: string): number => resources.filter((row) => row.type === type).length;
  const servers = count("microsoft.dbforpostgresql/flexibleservers");
  const diagnosed =
    servers +
    count("microsoft.containerservice/managedclusters") +
    count("microsoft.storage/storageaccounts") +
    count("microsoft.keyvault/vaults");
  return metricBatches + 1 + 2 * vaults + exemptionPages + instancePages + lockPages + diagnosed + servers;
}

async function runEmulator(size: number, subscriptions: number): Promise<void> {
  const estate = generateEstate({ resources: size, subscriptions });
  const emulator = await startEmulator({
    estate: estate.estate,
    subscriptionId: estate.subscriptionId,
    ...(subscriptions > 1 ? { subscriptions: estate.subscriptions, managementGroups: estate.managementGroups } : {}),
    clock: new VirtualClock(estate.now),
  });
  emulator.core.faults.add({ latencyMs: LATENCY_MS });
  const ids = [estate.subscriptionId, ...(subscriptions > 1 ? estate.subscriptions.map((other) => other.subscriptionId) : [])];
  const ready: EmulatorReady = {
    type: "ready",
    url: emulator.url,
    ca: emulator.ca,
    subscriptionId: estate.subscriptionId,
    subscriptions: ids,
    now: emulator.core.nowIso(),
    // The inventory is listed across the subscriptions; each one's facts are gathered on its own, so those are summed.
    minimalRequests:
      inventoryPages(resourceGraphTables(emulator.core, ids), ids.length) +
      ids.reduce((sum, id) => sum + minimalRequests(resourceGraphTables(emulator.core, [id])), 0),
  };
  process.on("message", (message: { type: string }) => {
    if (message.type === "requests")
      process.send?.({
        type: "requests",
        requests: emulator.core.log.total,
        resourceGraphQueries: emulator.core.log.entries({ route: "resourceGraph.resources" }).length,
        throttled: emulator.core.log.entries().filter((entry) => entry.status === 429).length,
      });
    if (message.type === "stop") void emulator.close().then(() => process.exit(0));
  });
  process.send?.(ready);
}

async function runGatherer(policies: string, slot: string | undefined, shared: boolean): Promise<void> {
  const [message] = (await once(process, "message")) as [EmulatorReady];
  const targets = message.subscriptions.map((id) => emulatorTarget(message, id));
  const counter = createRequestCounter();
  const started = performance.now();
  const registry = builtinRegistry();
  const set = await loadPolicyFile(policies, registry);
  const now = new Date(message.now);
  let sweeps: number | undefined;
  let planned: Array<Awaited<ReturnType<typeof planAcross>>>;
  if (slot === undefined) planned = [await planAcross(targets, set, now, registry, { requestCounter: counter })];
  else {
    const at = new Date(slot);
    const { due } = dueSweeps(set.policies, set.settings.timeZone, new Date(at.getTime() - 1000), at);
    if (due.length === 0) throw new Error(`no policy of ${policies} is due at ${slot}`);
    sweeps = due.length;
    const projection = inventoryProjection(set, registry);
    planned = await Promise.all(
      due.map(({ policy }) =>
        planAcross(targets, { ...set, policies: set.policies.filter((candidate) => candidate.name === policy) }, now, registry, {
          requestCounter: counter,
          ...(shared ? { inventories: () => slotInventories(slot, targets, projection, { requestCounter: counter }) } : {}),
        }),
      ),
    );
  }
  const [first] = planned;
  const result: GatherResult = {
    type: "result",
    ...(sweeps === undefined ? {} : { sweeps }),
    resources: first?.inventories.reduce((sum, inventory) => sum + inventory.resources.length, 0) ?? 0,
    findings: planned.reduce((sum, part) => sum + part.evaluation.findings.length, 0),
    countedRequests: counter.requests,
    seconds: Math.round((performance.now() - started) / 10) / 100,
    // maxRSS is in kibibytes.
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  process.send?.(result);
  process.disconnect();
}

async function nextMessage<T extends { type: string }>(child: ChildProcess, type: T["type"]): Promise<T> {
  for (;;) {
    const [message] = (await once(child, "message")) as [T];
    if (message.type === type) return message;
  }
}

async function measure(size: number, subscriptions: number, policies: string, slot: string | undefined, shared: boolean): Promise<void> {
  const script = new URL(import.meta.url).pathname;
  const emulator = fork(script, ["--role", "emulator", "--size", String(size), "--subscriptions", String(subscriptions)]);
  try {
    const ready = await nextMessage<EmulatorReady>(emulator, "ready");
    const gatherer = fork(script, [
      "--role",
      "gather",
      "--policies",
      policies,
      ...(slot === undefined ? [] : ["--slot", slot]),
      ...(shared ? [] : ["--unshared"]),
    ]);
    gatherer.send(ready);
    const result = await nextMessage<GatherResult>(gatherer, "result");
    emulator.send({ type: "requests" });
    const { requests, resourceGraphQueries, throttled } = await nextMessage<{
      type: "requests";
      requests: number;
      resourceGraphQueries: number;
      throttled: number;
    }>(emulator, "requests");
    if (requests !== result.countedRequests) {
      console.error(`size ${size}: the emulator answered ${requests} requests but the planner counted ${result.countedRequests}`);
    }
    const line = {
      resources: result.resources,
      ...(subscriptions > 1 ? { subscriptions } : {}),
      ...(slot === undefined ? {} : { slot, sweeps: result.sweeps, shared, resourceGraphQueries, throttled }),
      requests,
      // The minimal count is the whole pack's in one plan: a slot's sweeps are measured by their queries.
      ...(slot === undefined ? { minimalRequests: ready.minimalRequests } : {}),
      seconds: result.seconds,
      peakRssMb: result.peakRssMb,
      findings: result.findings,
    };
    console.log(JSON.stringify(line));
  } finally {
    emulator.send({ type: "stop" });
    await once(emulator, "exit");
  }
}

const { values } = parseArgs({
  options: {
    role: { type: "string" },
    size: { type: "string" },
    sizes: { type: "string", default: "1000,10000" },
    subscriptions: { type: "string", default: "1" },
    policies: { type: "string", default: DEFAULT_POLICIES },
    slot: { type: "string" },
    unshared: { type: "boolean", default: false },
  },
});

const subscriptions = Number(values.subscriptions);
if (!Number.isInteger(subscriptions) || subscriptions < 1)
  throw new Error(`--subscriptions takes a whole number from 1, not ${values.subscriptions}`);
if (values.slot !== undefined && Number.isNaN(new Date(values.slot).getTime()))
  throw new Error(`--slot takes an ISO time, not ${values.slot}`);
if (values.role === "emulator") await runEmulator(Number(values.size), subscriptions);
else if (values.role === "gather") await runGatherer(values.policies, values.slot, !values.unshared);
else
  for (const size of values.sizes.split(",").map(Number))
    await measure(size, subscriptions, values.policies, values.slot, !values.unshared);
