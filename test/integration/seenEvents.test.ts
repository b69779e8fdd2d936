/**
 * The seen-events store as deployed (`TableSeenEvents`) on real Azurite through the real Tables
 * SDK: claims batched in transactions per partition, exactly once across batches and stores, the
 * fallback after a transaction's conflict, entries of the previous key layout, a lost answer, and
 * Azurite stopped in the middle of a delivery, through the trigger's handler.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TableClient } from "@azure/data-tables";
import { RestError, type PipelinePolicy } from "@azure/core-rest-pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleResourceEvents } from "../../functions/resourceEvents.ts";
import type { CheckResourceInput } from "../../orchestrations/checkResource.ts";
import { type Azurite, startAzurite } from "../../local/azurite.ts";
import {
  type SeenEvent,
  SEEN_BUCKETS,
  seenDay,
  seenPartition,
  seenRowKey,
  TableSeenEvents,
  TRANSACTION_LIMIT,
} from "../../shared/triggers/seenEvents.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const GOVERNOR = { objectId: "5f0e6a3c-8d2b-4e71-9c45-1a7b3d9e6f20", clientId: "9b7c2d41-3e6f-4a85-b0d9-7e1c5a2f8d36" };
const DAY = "2026-11-23";
const at = (minute: number): string => `${DAY}T09:${String(minute % 60).padStart(2, "0")}:00Z`;

let azurite: Azurite;
let tables = 0;

beforeAll(async () => {
  azurite = await startAzurite({ location: mkdtempSync(join(tmpdir(), "governor-seen-")) });
}, 60_000);
afterAll(async () => {
  await azurite?.close();
});

/** A client on a table of its own (each test starts empty); `maxRetries` as the test needs. */
function tableClient(table: string, options: { maxRetries?: number; connectionString?: string } = {}): TableClient {
  return TableClient.fromConnectionString(options.connectionString ?? azurite.connectionString, table, {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: options.maxRetries ?? 3, retryDelayInMs: 50, maxRetryDelayInMs: 200 },
  });
}
const freshTable = (): string => `SeenTest${(tables += 1)}`;

const events = (prefix: string, count: number): SeenEvent[] =>
  Array.from({ length: count }, (_, index) => ({ eventId: `${prefix}-${index}`, eventTime: at(index), resourceId: `/r/${index}` }));

/** Ids whose entries land in one partition, so they share transactions. */
function onePartition(prefix: string, count: number): SeenEvent[] {
  const found: SeenEvent[] = [];
  const wanted = seenPartition({ eventId: `${prefix}-0`, eventTime: at(0) });
  for (let index = 0; found.length < count; index += 1) {
    const event = { eventId: `${prefix}-${index}`, eventTime: at(0) };
    if (seenPartition(event) === wanted) found.push(event);
  }
  return found;
}

async function rowsOf(client: TableClient): Promise<Array<{ partitionKey: string; rowKey: string; eventId: string; claimId: string }>> {
  const rows: Array<{ partitionKey: string; rowKey: string; eventId: string; claimId: string }> = [];
  for await (const row of client.listEntities<{ eventId: string; claimId: string }>())
    rows.push(row as { partitionKey: string; rowKey: string; eventId: string; claimId: string });
  return rows;
}

describe("claims in transactions per partition", () => {
  it("claims a batch of new, already seen and repeated ids exactly: one entry per id, in transactions over the day's buckets", async () => {
    const client = tableClient(freshTable());
    const seen = new TableSeenEvents(client);
    const earlier = events("evt", 40);
    expect(await seen.claimAll(earlier)).toEqual(earlier.map(() => "claimed"));

    const batch = [...events("evt", 400), ...events("evt", 400).slice(100, 110)];
    const results = await new TableSeenEvents(client).claimAll(batch);
    expect(results.slice(0, 40)).toEqual(earlier.map(() => "seen"));
    expect(results.slice(40, 400)).toEqual(batch.slice(40, 400).map(() => "claimed"));
    // Repeated in the same delivery: its first occurrence claims it, the copy is seen.
    expect(results.slice(400)).toEqual(batch.slice(400).map(() => "seen"));

    const rows = await rowsOf(client);
    expect(rows).toHaveLength(400);
    expect(new Set(rows.map((row) => row.eventId)).size).toBe(400);
    expect(new Set(rows.map((row) => row.partitionKey))).toEqual(
      new Set(Array.from({ length: SEEN_BUCKETS }, (_, bucket) => `${DAY}~${bucket.toString(16)}`)),
    );
    const row = rows.find((entry) => entry.eventId === "evt-7");
    expect(row).toMatchObject({ partitionKey: seenPartition({ eventId: "evt-7", eventTime: at(7) }), rowKey: seenRowKey("evt-7") });
  });

  it("a transaction of new ids is one request per partition and chunk of 100, not one per id", async () => {
    const seen = new TableSeenEvents(tableClient(freshTable()));
    const batch = [...onePartition("bulk", 250), ...events("spread", 160)];
    expect((await seen.claimAll(batch)).every((result) => result === "claimed")).toBe(true);
    // 250 in one partition: 3 transactions; 160 over 16 partitions: about one each (one partition may hold another's share).
    expect(seen.counts.singleCreates).toBe(0);
    expect(seen.counts.transactions).toBeGreaterThanOrEqual(3 + SEEN_BUCKETS - 1);
    expect(seen.counts.transactions).toBeLessThanOrEqual(Math.ceil(250 / TRANSACTION_LIMIT) + SEEN_BUCKETS + 1);
  });

  it("two stores claiming overlapping batches at once claim each id exactly once between them", async () => {
    const table = freshTable();
    const ids = events("race", 600);
    // Two processes: their own clients, the same table; half of each batch is in the other's.
    const first = new TableSeenEvents(tableClient(table));
    const second = new TableSeenEvents(tableClient(table));
    const [a, b] = await Promise.all([first.claimAll(ids.slice(0, 400)), second.claimAll([...ids.slice(200, 600)].reverse())]);
    const claimedBy = new Map<string, number>();
    for (const [index, result] of a.entries()) {
      expect(result).not.toBeInstanceOf(Error);
      if (result === "claimed") claimedBy.set(ids[index]!.eventId, (claimedBy.get(ids[index]!.eventId) ?? 0) + 1);
    }
    const reversed = [...ids.slice(200, 600)].reverse();
    for (const [index, result] of b.entries()) {
      expect(result).not.toBeInstanceOf(Error);
      if (result === "claimed") claimedBy.set(reversed[index]!.eventId, (claimedBy.get(reversed[index]!.eventId) ?? 0) + 1);
    }
    expect(claimedBy.size).toBe(600);
    expect([...claimedBy.values()].every((count) => count === 1)).toBe(true);
    // The overlap was contended: each side's conflicts were resolved by the fallback.
    expect(first.counts.readBacks + second.counts.readBacks).toBeGreaterThan(0);
  });
});

describe("a transaction's conflict", () => {
  it("one existing entity fails the whole transaction: it is seen, the rest are claimed by the same transaction again", async () => {
    const client = tableClient(freshTable());
    const chunk = onePartition("tx", 100);
    await new TableSeenEvents(client).claimAll([chunk[37]!]);
    const seen = new TableSeenEvents(client);
    const results = await seen.claimAll(chunk);
    expect(results[37]).toBe("seen");
    expect(results.filter((result) => result === "claimed")).toHaveLength(99);
    expect(seen.counts).toMatchObject({ transactions: 2, singleCreates: 0, readBacks: 1 });
  });

  it("a chunk with more conflicts than the retries falls back to claims one by one, and none is claimed twice", async () => {
    const client = tableClient(freshTable());
    const chunk = onePartition("redelivered", 100);
    const before = chunk.filter((_, index) => index % 10 === 3);
    await new TableSeenEvents(client).claimAll(before);
    const seen = new TableSeenEvents(client);
    const results = await seen.claimAll(chunk);
    chunk.forEach((event, index) => expect(results[index], event.eventId).toBe(index % 10 === 3 ? "seen" : "claimed"));
    // The first transaction and three retries, each dropping the entity it met (4 of the 10); then one request per remaining id.
    expect(seen.counts.transactions).toBe(4);
    expect(seen.counts.singleCreates).toBe(100 - 4);
    expect(await rowsOf(client)).toHaveLength(100);
  });

  it("a transaction whose answer was lost and that the SDK sent again is the call's own claim, not a redelivery", async () => {
    const client = tableClient(freshTable());
    let dropped = 0;
    // The request reaches Azurite and is written; its answer is lost on the way back (the SDK retries).
    const loseFirstAnswer: PipelinePolicy = {
      name: "loseFirstAnswer",
      sendRequest: async (request, next) => {
        const response = await next(request);
        if (request.url.endsWith("$batch") && dropped === 0) {
          dropped += 1;
          throw new RestError("socket hang up", { code: "ECONNRESET", request });
        }
        return response;
      },
    };
    client.pipeline.addPolicy(loseFirstAnswer, { afterPhase: "Retry" });
    const seen = new TableSeenEvents(client);
    const chunk = onePartition("lost", 50);
    const results = await seen.claimAll(chunk);
    expect(dropped).toBe(1);
    expect(results).toEqual(chunk.map(() => "claimed"));
    // And a real redelivery afterwards is seen.
    expect(await new TableSeenEvents(tableClient(client.tableName)).claimAll(chunk)).toEqual(chunk.map(() => "seen"));
  });
});

describe("entries of the previous layout (PartitionKey the day alone)", () => {
  it("an event claimed before the upgrade and redelivered after it is seen; a day without old entries is not looked up", async () => {
    const client = tableClient(freshTable());
    await client.createTable();
    // As the previous version wrote it.
    const old = { eventId: "before-upgrade", eventTime: at(5) };
    await client.createEntity({
      partitionKey: seenDay(old.eventTime),
      rowKey: seenRowKey(old.eventId),
      eventId: old.eventId,
      eventType: "",
      resourceId: "",
      seenAt: at(5),
    });
    const seen = new TableSeenEvents(client);
    const fresh = { eventId: "after-upgrade", eventTime: at(6) };
    const nextDay = { eventId: "next-day", eventTime: "2026-11-24T01:00:00Z" };
    expect(await seen.claimAll([old, fresh, nextDay])).toEqual(["seen", "claimed", "claimed"]);
    // The two new claims of the day with old entries were looked up there, the next day's was not.
    expect(seen.counts.legacyReads).toBe(2);
    expect(await seen.claimAll([old])).toEqual(["seen"]);
  });

  it("purge removes old days of both layouts", async () => {
    const client = tableClient(freshTable());
    const seen = new TableSeenEvents(client);
    await seen.claimAll([...events("old", 150), { eventId: "today", eventTime: "2026-11-25T08:00:00Z" }]);
    await client.createEntity({ partitionKey: DAY, rowKey: "legacy", eventId: "legacy" });
    expect(await seen.purge(new Date("2026-11-25T00:00:00Z"))).toBe(151);
    expect((await rowsOf(client)).map((row) => row.eventId)).toEqual(["today"]);
  });
});

describe("storage that fails in the middle of a delivery, through the trigger's handler", () => {
  const policies = [{ name: "required-tags", resource: "any" as const, mode: "enforce" as const }];
  const vm = (index: number) => `/subscriptions/${SUB}/resourceGroups/rg-odoo-test/providers/Microsoft.Compute/virtualMachines/vm-${index}`;
  const delivery = Array.from({ length: 300 }, (_, index) => ({
    id: `deploy-${index}`,
    subject: vm(index),
    eventType: "Microsoft.Resources.ResourceWriteSuccess",
    eventTime: at(index),
    topic: `/subscriptions/${SUB}/resourceGroups/rg-odoo-test`,
    dataVersion: "2",
    metadataVersion: "1",
    data: {
      authorization: { scope: vm(index), action: "Microsoft.Compute/virtualMachines/write", evidence: { role: "Contributor" } },
      claims: {
        appid: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "http://schemas.microsoft.com/identity/claims/objectidentifier": "a1b2c3d4-0000-4000-8000-00000000000a",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": "maria@nordwind.example",
      },
      operationName: "Microsoft.Compute/virtualMachines/write",
      resourceProvider: "Microsoft.Compute",
      resourceUri: vm(index),
      status: "Succeeded",
      subscriptionId: SUB,
    },
  }));

  it("Azurite stopped after some of the transactions: those events start, the delivery fails, and the redelivery starts the rest, each once", async () => {
    const location = mkdtempSync(join(tmpdir(), "governor-seen-stop-"));
    let storage = await startAzurite({ location });
    const port = storage.port;
    const starts = new Map<string, number>();
    const starter = {
      status: async () => undefined,
      start: async (_instanceId: string, input: CheckResourceInput) =>
        void starts.set(input.event.id, (starts.get(input.event.id) ?? 0) + 1),
    };
    const lines: string[] = [];
    const deps = (client: TableClient) => ({
      starter,
      seen: new TableSeenEvents(client),
      policies,
      identity: GOVERNOR,
      subscriptionId: SUB,
      log: (level: string, line: string) => void lines.push(`${level}: ${line}`),
    });
    try {
      const client = tableClient("GovernorSeenEvents", { maxRetries: 1, connectionString: storage.connectionString });
      await client.createTable();
      // Four transactions are answered; then storage goes away before any other is sent.
      let sent = 0;
      let answered = 0;
      let fourAnswered: () => void = () => {};
      const four = new Promise<void>((resolve) => (fourAnswered = resolve));
      let stopping: Promise<void> | undefined;
      client.pipeline.addPolicy(
        {
          name: "stopAzuriteMidway",
          sendRequest: async (request, next) => {
            if (!request.url.endsWith("$batch")) return next(request);
            if ((sent += 1) <= 4) {
              const response = await next(request);
              if ((answered += 1) === 4) fourAnswered();
              return response;
            }
            await four;
            await (stopping ??= storage.close());
            return next(request);
          },
        },
        { afterPhase: "Retry" },
      );
      const failed = await handleResourceEvents(delivery, deps(client)).then(
        () => undefined,
        (error: unknown) => error as AggregateError,
      );
      expect(failed?.message).toMatch(/^\d+ event\(s\) could not be claimed; the delivery is to be retried$/);
      const startedFirst = starts.size;
      expect(startedFirst).toBeGreaterThan(0);
      expect(startedFirst + (failed?.errors.length ?? 0)).toBe(300);
      expect(lines.filter((line) => line.startsWith("error: event deploy-"))).toHaveLength(300 - startedFirst);

      // Storage back (its data kept), Event Grid delivers the same events again.
      storage = await startAzurite({ location, port });
      const retried = await handleResourceEvents(
        delivery,
        deps(tableClient("GovernorSeenEvents", { connectionString: storage.connectionString })),
      );
      expect(retried).toMatchObject({ status: "handled" });
      if (retried.status !== "handled") return;
      expect(retried.alreadySeen).toHaveLength(startedFirst);
      expect(retried.started).toHaveLength(300 - startedFirst);
      expect(starts.size).toBe(300);
      expect([...starts.values()].every((count) => count === 1)).toBe(true);
    } finally {
      await storage.close();
    }
  }, 60_000);
});
