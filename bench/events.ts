/**
 * `node bench/events.ts`: how fast the event path's front door sorts a delivery, and what it adds
 * to a cold start.
 *
 * 1. Batches of 10,000 Event Grid events (both schemas), of which 5% are relevant (a person's write
 *    of a VM, disk, storage account... of the governed subscription) and 5% are duplicates of other
 *    events of the batch; the rest is what a subscription's system topic mostly sends: `listKeys`
 *    and other actions, writes of child and extension resources, deployments, deletes, failures,
 *    and Governor's own tag writes. Each batch goes through `handleResourceEvents`, the handler the
 *    registered `resourceEvents` function runs: parsing, validation, identity and operation
 *    filtering, dedupe, ordering, policy mapping, claims of seen events and workflow starts, with
 *    the built-in pack's policies, on the JSON as the Functions host hands it over. The seen store
 *    is the in-memory one and the starter records the starts: their network round trips (one per
 *    relevant event) are Table Storage's and the task hub's, not the filtering path's.
 *    Prints `{ "store": "memory", "events", "eventsPerSecond", "p99BatchMs" }`: events per batch,
 *    the rate of the median batch, and the 99th percentile of batch times.
 * 2. The same with the seen store as deployed, `TableSeenEvents` on Azurite (one table kept across
 *    batches, ids new in each): the mixed batches above, then deliveries of 5,000 events (Event
 *    Grid's largest) every one relevant and new, then those again with one createEntity per
 *    event as before the batching (`store: "table-per-entity"`), for the speed-up. Prints
 *    `{ "store", "events", "claims", "eventsPerSecond", "claimsPerSecond", "p99BatchMs",
 *    "partitions", "transactions" }` (partitions and transactions: median per batch).
 * 3. A deployment's burst: 500 write events in deliveries of 50, claimed on Azurite and started
 *    through the local Durable runtime (stand-in checkResource), then redelivered (nothing starts).
 * 4. Cold start: the time to import functions/resourceEvents.ts, and all the entry files of
 *    package.json's `main`, against importing `@azure/functions` and `durable-functions` alone,
 *    each in a fresh child process (median of several), the process's own start-up left out.
 *    Prints `{ "coldStartMs", "allEntriesMs", "baselineMs", "ratio", "allEntriesRatio" }`; the
 *    target is a ratio under 2.
 *
 * Usage: node bench/events.ts [--batches 60] [--table-batches 10] [--per-entity-batches 3] [--burst-delivery 50] [--imports 7]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_POLICIES } from "../cli/planCommand.ts";
import { builtinRegistry } from "../shared/policy/builtins.ts";
import { loadPolicyFile } from "../shared/policy/loader.ts";
import { handleResourceEvents } from "../functions/resourceEvents.ts";
import { entryFiles } from "../local/entries.ts";
import type { TableClient } from "@azure/data-tables";
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import { ORCHESTRATIONS } from "../orchestrations/names.ts";
import { tableFromConnectionString } from "../shared/azure/tables.ts";
import { createLimiter } from "../shared/inventory/concurrency.ts";
import { type Azurite, startAzurite } from "../local/azurite.ts";
import { captureRegistrations, DurableStore, LocalDurableRuntime } from "../local/durable/index.ts";
import {
  type ClaimResult,
  SEEN_BUCKETS,
  type SeenCounts,
  type SeenEvent,
  type SeenEvents,
  seenDay,
  seenRowKey,
  TableSeenEvents,
} from "../shared/triggers/seenEvents.ts";
import { MemorySeenEvents } from "../test/support/seenEvents.ts";

const BATCH = 10_000;
/** Event Grid's largest delivery (maxEventsPerBatch 5,000). */
const FULL = 5_000;
const RELEVANT = 0.05;
const DUPLICATES = 0.05;
const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const GOVERNOR = { objectId: "5f0e6a3c-8d2b-4e71-9c45-1a7b3d9e6f20", clientId: "9b7c2d41-3e6f-4a85-b0d9-7e1c5a2f8d36" };
const OID = "http://schemas.microsoft.com/identity/claims/objectidentifier";
const UPN = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";

/** A small seeded generator, so every run sorts the same batches. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return state / 0x1_0000_0000;
  };
}

const RELEVANT_TYPES = [
  ["Microsoft.Compute/virtualMachines", "vm"],
  ["Microsoft.Compute/disks", "disk"],
  ["Microsoft.Storage/storageAccounts", "st"],
  ["Microsoft.Network/publicIPAddresses", "pip"],
  ["Microsoft.DBforPostgreSQL/flexibleServers", "psql"],
] as const;

/** One event as the system topic sends it (the reference payload's shape, with fewer claims). */
function event(options: {
  id: string;
  time: string;
  resourceUri: string;
  operationName: string;
  eventType: string;
  caller: { objectId: string; appId: string; upn?: string };
  cloudEvents: boolean;
}): Record<string, unknown> {
  const claims: Record<string, string> = {
    aud: "https://management.core.windows.net/",
    appid: options.caller.appId,
    [OID]: options.caller.objectId,
    "http://schemas.microsoft.com/identity/claims/tenantid": "0d5c2a1e-7f3b-4c8d-9e6a-1b2c3d4e5f60",
    name: options.caller.upn ?? "automation",
    ver: "1.0",
  };
  if (options.caller.upn) claims[UPN] = options.caller.upn;
  const data = {
    authorization: { scope: options.resourceUri, action: options.operationName, evidence: { role: "Contributor" } },
    claims,
    correlationId: options.id,
    resourceProvider: options.operationName.split("/")[0],
    resourceUri: options.resourceUri,
    operationName: options.operationName,
    status: "Succeeded",
    subscriptionId: SUB,
    tenantId: "0d5c2a1e-7f3b-4c8d-9e6a-1b2c3d4e5f60",
  };
  const topic = `/subscriptions/${SUB}/resourceGroups/rg-odoo-test`;
  return options.cloudEvents
    ? { subject: options.resourceUri, source: topic, type: options.eventType, time: options.time, id: options.id, data, specversion: "1.0" }
    : {
        subject: options.resourceUri,
        eventType: options.eventType,
        eventTime: options.time,
        id: options.id,
        data,
        dataVersion: "2",
        metadataVersion: "1",
        topic,
      };
}

function batch(
  seed: number,
  size = BATCH,
  relevantShare = RELEVANT,
  duplicateShare = DUPLICATES,
): { events: Array<Record<string, unknown>>; relevant: number } {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const unique = size - Math.round(size * duplicateShare);
  const relevantCount = Math.round(size * relevantShare);
  const base = Date.parse("2026-11-23T09:00:00Z");
  const person = {
    objectId: "a1b2c3d4-0000-4000-8000-00000000000a",
    appId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
    upn: "maria@nordwind.example",
  };
  const automation = { objectId: "a1b2c3d4-0000-4000-8000-00000000000b", appId: "a1b2c3d4-0000-4000-8000-00000000000c" };
  const governor = { objectId: GOVERNOR.objectId, appId: GOVERNOR.clientId };
  const resource = (type: string, name: string) =>
    `/subscriptions/${SUB}/resourceGroups/rg-odoo-${pick(["dev", "test", "prod"])}/providers/${type}/${name}`;
  const events: Array<Record<string, unknown>> = [];
  for (let index = 0; index < unique; index += 1) {
    const id = `${seed.toString(16).padStart(8, "0")}-${index.toString(16).padStart(4, "0")}-4000-8000-${(index * 7919).toString(16).padStart(12, "0")}`;
    // Event Grid reorders: times are spread over a minute, not in the batch's order.
    const time = new Date(base + Math.floor(next() * 60_000)).toISOString();
    const cloudEvents = next() < 0.2;
    if (index < relevantCount) {
      const [type, prefix] = pick(RELEVANT_TYPES);
      const write = `${type}/write`;
      events.push(
        event({
          id,
          time,
          resourceUri: resource(type, `${prefix}-${index}`),
          operationName: write,
          eventType: "Microsoft.Resources.ResourceWriteSuccess",
          caller: person,
          cloudEvents,
        }),
      );
      continue;
    }
    const vm = resource("Microsoft.Compute/virtualMachines", `vm-${index % 300}`);
    const storage = resource("Microsoft.Storage/storageAccounts", `st${index % 50}`);
    const noise = [
      () => ({
        resourceUri: storage,
        operationName: "Microsoft.Storage/storageAccounts/listKeys/action",
        eventType: "Microsoft.Resources.ResourceActionSuccess",
        caller: automation,
      }),
      () => ({
        resourceUri: vm,
        operationName: "Microsoft.Compute/virtualMachines/deallocate/action",
        eventType: "Microsoft.Resources.ResourceActionSuccess",
        caller: automation,
      }),
      () => ({
        resourceUri: `${vm}/extensions/AzureMonitorLinuxAgent`,
        operationName: "Microsoft.Compute/virtualMachines/extensions/write",
        eventType: "Microsoft.Resources.ResourceWriteSuccess",
        caller: automation,
      }),
      () => ({
        resourceUri: `/subscriptions/${SUB}/resourceGroups/rg-odoo-dev/providers/Microsoft.Resources/deployments/deploy-${index}`,
        operationName: "Microsoft.Resources/deployments/write",
        eventType: "Microsoft.Resources.ResourceWriteSuccess",
        caller: automation,
      }),
      () => ({
        resourceUri: vm,
        operationName: "Microsoft.Compute/virtualMachines/delete",
        eventType: "Microsoft.Resources.ResourceDeleteSuccess",
        caller: person,
      }),
      () => ({
        resourceUri: vm,
        operationName: "Microsoft.Compute/virtualMachines/write",
        eventType: "Microsoft.Resources.ResourceWriteFailure",
        caller: person,
      }),
      () => ({
        resourceUri: vm,
        operationName: "Microsoft.Resources/tags/write",
        eventType: "Microsoft.Resources.ResourceWriteSuccess",
        caller: governor,
      }),
    ];
    events.push(event({ id, time, cloudEvents, ...pick(noise)() }));
  }
  // Redeliveries within the batch: copies of events already in it.
  for (let index = unique; index < size; index += 1)
    events.push(structuredClone(events[Math.floor(next() * unique)] as Record<string, unknown>));
  // Shuffled, so relevant events and their duplicates are spread over the batch.
  for (let index = events.length - 1; index > 0; index -= 1) {
    const other = Math.floor(next() * (index + 1));
    [events[index], events[other]] = [events[other] as Record<string, unknown>, events[index] as Record<string, unknown>];
  }
  return { events, relevant: relevantCount };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
};
const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

async function throughput(batches: number): Promise<void> {
  const { policies } = await loadPolicyFile(DEFAULT_POLICIES, builtinRegistry());
  const prepared = Array.from({ length: Math.min(batches, 8) }, (_, index) => batch(index + 1));
  const times: number[] = [];
  // A few batches to warm the JIT up, then the measured ones.
  for (let run = -5; run < batches; run += 1) {
    const { events, relevant } = prepared[(run + 5) % prepared.length] as ReturnType<typeof batch>;
    let starts = 0;
    const deps = {
      starter: { status: async () => undefined, start: async () => void (starts += 1) },
      seen: new MemorySeenEvents(),
      policies,
      identity: GOVERNOR,
      subscriptionId: SUB,
      log: () => {},
    };
    const started = performance.now();
    const result = await handleResourceEvents(events, deps);
    const elapsed = performance.now() - started;
    const handled = result.status === "handled" ? result.started.reduce((sum, start) => sum + start.eventIds.length, 0) : -1;
    if (handled !== relevant || starts !== (result.status === "handled" ? result.started.length : -1))
      throw new Error(`a batch was not handled as generated: ${result.status}, ${handled} of ${relevant} relevant events started`);
    if (run >= 0) times.push(elapsed);
  }
  console.log(
    JSON.stringify({
      store: "memory",
      events: BATCH,
      eventsPerSecond: Math.round(BATCH / (median(times) / 1000)),
      p99BatchMs: round(percentile(times, 99)),
    }),
  );
}

/** The claims as they were before batching: one createEntity per event (PartitionKey the day), 16 at once. For the speed-up. */
class PerEntitySeenEvents implements SeenEvents {
  readonly client: TableClient;
  constructor(client: TableClient) {
    this.client = client;
  }
  async claimAll(events: readonly SeenEvent[]): Promise<ClaimResult[]> {
    const limit = createLimiter(16);
    return Promise.all(
      events.map((event) =>
        limit(async (): Promise<ClaimResult> => {
          try {
            await this.client.createEntity({
              partitionKey: seenDay(event.eventTime),
              rowKey: seenRowKey(event.eventId),
              eventId: event.eventId,
              eventType: event.eventType ?? "",
              resourceId: event.resourceId ?? "",
              seenAt: new Date().toISOString(),
            });
            return "claimed";
          } catch (error) {
            return (error as { statusCode?: number }).statusCode === 409 ? "seen" : (error as Error);
          }
        }),
      ),
    );
  }
  async release(): Promise<void> {}
  async purge(): Promise<number> {
    return 0;
  }
}

type Policies = Awaited<ReturnType<typeof loadPolicyFile>>["policies"];

/**
 * Batches through handleResourceEvents with a store on Azurite, kept across batches as deployed
 * (one table that grows); every batch has ids of its own, so every relevant event is claimed.
 */
async function storeThroughput(
  label: string,
  seen: SeenEvents & { counts?: SeenCounts },
  policies: Policies,
  shape: { size: number; relevant: number; duplicates: number; batches: number; seedBase: number },
): Promise<void> {
  const times: number[] = [];
  const transactions: number[] = [];
  const partitions: number[] = [];
  let claims = 0;
  for (let run = -2; run < shape.batches; run += 1) {
    const { events, relevant } = batch(shape.seedBase + run + 2, shape.size, shape.relevant, shape.duplicates);
    let starts = 0;
    const before = { ...seen.counts };
    const deps = {
      starter: { status: async () => undefined, start: async () => void (starts += 1) },
      seen,
      policies,
      identity: GOVERNOR,
      subscriptionId: SUB,
      log: () => {},
    };
    const started = performance.now();
    const result = await handleResourceEvents(events, deps);
    const elapsed = performance.now() - started;
    const handled = result.status === "handled" ? result.started.reduce((sum, start) => sum + start.eventIds.length, 0) : -1;
    if (handled !== relevant || starts !== (result.status === "handled" ? result.started.length : -1))
      throw new Error(
        `${label}: a batch was not handled as generated: ${result.status}, ${handled} of ${relevant} relevant events started`,
      );
    if (run < 0) continue;
    claims = relevant;
    times.push(elapsed);
    if (seen.counts) {
      transactions.push(seen.counts.transactions - (before.transactions ?? 0));
      partitions.push(seen.counts.partitions - (before.partitions ?? 0));
    }
  }
  const seconds = median(times) / 1000;
  console.log(
    JSON.stringify({
      store: label,
      events: shape.size,
      claims,
      eventsPerSecond: Math.round(shape.size / seconds),
      claimsPerSecond: Math.round(claims / seconds),
      p99BatchMs: round(percentile(times, 99)),
      partitions: seen.counts ? median(partitions) : 1,
      transactions: seen.counts ? median(transactions) : 0,
    }),
  );
}

/**
 * A deployment of 500 resources: 500 write events within a minute, delivered by Event Grid in
 * deliveries of `perDelivery`, one after another. Claims on the Table store, starts through the
 * local Durable runtime on the same Azurite (instance row and history written, first episode
 * run); `checkResource` is a stand-in that waits, so the checks' own reads of Azure are not
 * measured. Then the same burst again (Event Grid's retry of every delivery): nothing starts.
 */
async function burst(azurite: Azurite, policies: Policies, perDelivery: number): Promise<void> {
  const registrations = await captureRegistrations(async () => {
    df.app.orchestration(ORCHESTRATIONS.checkResource, function* (context: OrchestrationContext) {
      yield context.df.waitForExternalEvent("benchDone");
    });
  });
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  const store = await DurableStore.open({ connectionString: azurite.connectionString, taskHub: "BenchBurst" });
  const runtime = new LocalDurableRuntime({ registrations, store, clock: { now: () => new Date() }, logger: quiet });
  await runtime.start();
  try {
    const starter = {
      status: async (instanceId: string) => (await runtime.getStatus(instanceId))?.runtimeStatus,
      start: async (instanceId: string, input: unknown) =>
        void (await runtime.startNew(ORCHESTRATIONS.checkResource, { instanceId, input })),
    };
    const seen = TableSeenEvents.fromConnectionString(azurite.connectionString, "BenchBurstSeen");
    const { events } = batch(9_000, 500, 1, 0);
    const deliveries = Array.from({ length: Math.ceil(events.length / perDelivery) }, (_, index) =>
      events.slice(index * perDelivery, (index + 1) * perDelivery),
    );
    const deliverAll = async (): Promise<{ started: number; alreadySeen: number; seconds: number }> => {
      let started = 0;
      let alreadySeen = 0;
      const begun = performance.now();
      for (const delivery of deliveries) {
        const result = await handleResourceEvents(delivery, {
          starter,
          seen,
          policies,
          identity: GOVERNOR,
          subscriptionId: SUB,
          log: () => {},
        });
        if (result.status !== "handled") throw new Error(`burst: a delivery was ${result.status}`);
        started += result.started.length;
        alreadySeen += result.alreadySeen.length;
      }
      return { started, alreadySeen, seconds: (performance.now() - begun) / 1000 };
    };
    const first = await deliverAll();
    const again = await deliverAll();
    if (first.started !== events.length || again.started !== 0 || again.alreadySeen !== events.length)
      throw new Error(`burst: ${first.started} started, then ${again.started} started and ${again.alreadySeen} seen on redelivery`);
    console.log(
      JSON.stringify({
        burst: events.length,
        deliveries: deliveries.length,
        starts: "local Durable runtime on Azurite",
        started: first.started,
        seconds: round(first.seconds),
        eventsPerSecond: Math.round(events.length / first.seconds),
        redeliveredSeconds: round(again.seconds),
        redeliveredStarted: again.started,
        transactions: seen.counts.transactions,
        singleCreates: seen.counts.singleCreates,
      }),
    );
  } finally {
    await runtime.stop();
  }
}

/** Milliseconds to import the modules in a fresh Node process, the process's own start-up left out. */
function importTime(modules: string[]): number {
  const code = `const started = performance.now(); for (const name of ${JSON.stringify(modules)}) await import(name); console.log("IMPORT_MS " + (performance.now() - started));`;
  const output = execFileSync(process.execPath, ["--input-type=module", "-e", code], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const line = output.split("\n").find((text) => text.startsWith("IMPORT_MS "));
  if (!line) throw new Error(`no import time in the child's output: ${output}`);
  return Number(line.slice("IMPORT_MS ".length));
}

function coldStart(runs: number): void {
  const trigger = new URL("../functions/resourceEvents.ts", import.meta.url).href;
  const entries = entryFiles().map((file) => new URL(`file://${file}`).href);
  const baseline: number[] = [];
  const withTrigger: number[] = [];
  const allEntries: number[] = [];
  // Interleaved, so a busy moment of the machine weighs on all alike.
  for (let run = 0; run < runs; run += 1) {
    baseline.push(importTime(["@azure/functions", "durable-functions"]));
    withTrigger.push(importTime([trigger]));
    allEntries.push(importTime(entries));
  }
  const coldStartMs = median(withTrigger);
  const allEntriesMs = median(allEntries);
  const baselineMs = median(baseline);
  console.log(
    JSON.stringify({
      coldStartMs: round(coldStartMs, 1),
      allEntriesMs: round(allEntriesMs, 1),
      baselineMs: round(baselineMs, 1),
      ratio: round(coldStartMs / baselineMs),
      allEntriesRatio: round(allEntriesMs / baselineMs),
    }),
  );
}

const { values } = parseArgs({
  options: {
    batches: { type: "string", default: "60" },
    "table-batches": { type: "string", default: "10" },
    "per-entity-batches": { type: "string", default: "3" },
    "burst-delivery": { type: "string", default: "50" },
    imports: { type: "string", default: "7" },
  },
});
console.error(
  `handleResourceEvents over batches of ${BATCH} events (${RELEVANT * 100}% relevant, ${DUPLICATES * 100}% duplicates); the seen store in memory, starts recorded`,
);
await throughput(Number(values.batches));
const azurite = await startAzurite({ location: mkdtempSync(join(tmpdir(), "governor-bench-events-")) });
try {
  const { policies } = await loadPolicyFile(DEFAULT_POLICIES, builtinRegistry());
  const tableBatches = Number(values["table-batches"]);
  console.error(`the same batches with the Table store on Azurite (${SEEN_BUCKETS} partitions a day, transactions of up to 100)`);
  await storeThroughput("table", TableSeenEvents.fromConnectionString(azurite.connectionString, "BenchSeenMixed"), policies, {
    size: BATCH,
    relevant: RELEVANT,
    duplicates: DUPLICATES,
    batches: tableBatches,
    seedBase: 1_000,
  });
  console.error(
    `deliveries of ${FULL} events, every one relevant and new (Event Grid's largest batch): batched, then one claim per event as before`,
  );
  await storeThroughput("table", TableSeenEvents.fromConnectionString(azurite.connectionString, "BenchSeenFull"), policies, {
    size: FULL,
    relevant: 1,
    duplicates: 0,
    batches: tableBatches,
    seedBase: 2_000,
  });
  const perEntity = tableFromConnectionString(azurite.connectionString, "BenchSeenPerEntity");
  await perEntity.createTable();
  await storeThroughput("table-per-entity", new PerEntitySeenEvents(perEntity), policies, {
    size: FULL,
    relevant: 1,
    duplicates: 0,
    batches: Number(values["per-entity-batches"]),
    seedBase: 3_000,
  });
  console.error(
    `a deployment's burst: 500 write events in deliveries of ${values["burst-delivery"]}, starts through the local Durable runtime`,
  );
  await burst(azurite, policies, Number(values["burst-delivery"]));
} finally {
  await azurite.close();
}
coldStart(Number(values.imports));
