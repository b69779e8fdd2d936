/**
 * Event ids already handled, so a redelivered event starts nothing: Event Grid delivers at least
 * once, and a redelivery carries the same `id` (and the same `eventTime`).
 *
 * `claimAll` is the one operation that decides: creating an event's entity either succeeds (first
 * time: go on) or fails with 409 `EntityAlreadyExists` (seen: stop). Two deliveries racing for the
 * same id cannot both win. `release` gives a claim back when what it guarded could not be started,
 * so the next redelivery tries again.
 *
 * Layout (one table, `GovernorSeenEvents` by default): PartitionKey the UTC day of the event's
 * `eventTime` and one of 16 buckets by a hash of the id (`2026-11-23~a`), so a redelivery finds
 * its entry, `purge` drops old days whole, and a burst's claims spread over 16 partitions (Table
 * Storage serves about 2,000 entities a second per partition, 20,000 per account); RowKey the
 * event id, percent-encoded (an id whose encoding is longer than 400 characters keeps its first
 * 320, `~` and its SHA-256). Properties: eventId, eventType, resourceId, seenAt (when it was
 * handled, for the record and for purging), claimId (which call wrote it, see below).
 *
 * Claims of one partition go in transactions of up to 100 entities: one request instead of 100.
 * A transaction is atomic, and one entity that exists fails it whole (409, with the index of that
 * entity): that entity is seen, and the rest is submitted again, a few times; a chunk with more
 * duplicates than that (a redelivered delivery) is claimed entity by entity. Any other failure
 * leaves the chunk's events unclaimed (the transaction wrote nothing), reported as errors so the
 * handler fails and Event Grid redelivers them.
 *
 * A request whose answer was lost may have been written, and the SDK's retry of it then meets
 * its own entity (409). So each call writes its own `claimId`, and a 409 is read back: our own
 * claimId means the earlier attempt landed (claimed, not seen).
 *
 * Upgrade: entries written before the buckets were keyed by the day alone (`2026-11-23`), with
 * the same RowKey. While a day still holds such entries (checked once per day and 5 minutes), an
 * event of that day that was claimed anew is also looked up under the old key, and counts as seen
 * when it is there. Redeliveries end 24 hours after an event, so from the second UTC midnight
 * after the upgrade no lookup is made. When the lookup fails the new claim stands: a double start
 * is coalesced by the check's instance id, while an event called seen by mistake would be lost.
 */
import { createHash, randomUUID } from "node:crypto";
import type { TokenCredential } from "@azure/core-auth";
import { odata, type TableClient, type TransactionAction } from "@azure/data-tables";
import {
  appStorageSetting,
  defaultCredential,
  isConnectionString,
  isTableEndpoint,
  tableCreatedOnce,
  tableFromConnectionString,
  tableFromEndpoint,
} from "../azure/tables.ts";
import { now } from "../clock.ts";
import { createLimiter } from "../inventory/concurrency.ts";

export const DEFAULT_SEEN_EVENTS_TABLE = "GovernorSeenEvents";

/** Partitions per day: 16 × 2,000 entities/s reaches the account's 20,000/s before one partition's limit. */
export const SEEN_BUCKETS = 16;

/** Entities in one Table Storage transaction, at most. */
export const TRANSACTION_LIMIT = 100;

/** A chunk's transaction is submitted again without its conflicting entity this many times before claiming one by one. */
const TRANSACTION_RETRIES = 3;

/** Requests in flight at once per claimAll. */
const REQUESTS_AT_ONCE = 16;

/** How long a day's "still holds entries of the old layout" answer is kept. */
const LEGACY_PROBE_MS = 5 * 60_000;

/** What identifies an event to the store, and what is kept about it. */
export interface SeenEvent {
  eventId: string;
  /** ISO 8601; its UTC day is part of the partition. */
  eventTime: string;
  eventType?: string;
  resourceId?: string;
}

/** `claimed`: this call is the first to see the event. `seen`: seen before. An Error: not claimed (nothing written), to be retried. */
export type ClaimResult = "claimed" | "seen" | Error;

export interface SeenEvents {
  /** One result per event, in order. A duplicate id in the same call is `seen` (or its first occurrence's error). Never throws for a write that failed: that event's result is the error. */
  claimAll(events: readonly SeenEvent[]): Promise<ClaimResult[]>;
  /** Forgets an event claimed by this process (its work could not start): a redelivery goes ahead. */
  release(event: SeenEvent): Promise<void>;
  /** Removes entries of events older than `before` (by eventTime, whole UTC days); returns how many. */
  purge(before: Date): Promise<number>;
}

/** The UTC day of an eventTime: the partition of the old layout, and the first part of the new one. */
export function seenDay(eventTime: string): string {
  const time = Date.parse(eventTime);
  if (Number.isNaN(time)) throw new RangeError(`eventTime ${JSON.stringify(eventTime)} is not a date-time`);
  return new Date(time).toISOString().slice(0, 10);
}

/** The partition of an event: its UTC day and a bucket by the id's hash (`2026-11-23~a`). */
export function seenPartition(event: Pick<SeenEvent, "eventId" | "eventTime">): string {
  const bucket = createHash("sha256").update(event.eventId, "utf8").digest()[0] as number;
  return `${seenDay(event.eventTime)}~${(bucket % SEEN_BUCKETS).toString(16)}`;
}

/** The row key of an event id: percent-encoded (Table keys refuse / \ # ? and control characters), bounded in length. */
export function seenRowKey(eventId: string): string {
  const encoded = encodeURIComponent(eventId).replace(/[!'()*~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  if (encoded.length <= 400) return encoded;
  return `${encoded.slice(0, 320)}~${createHash("sha256").update(eventId, "utf8").digest("hex")}`;
}

function statusOf(error: unknown): { status?: number; code?: string } {
  const restError = error as { statusCode?: number; code?: string; details?: { odataError?: { code?: string } } };
  return { status: restError?.statusCode, code: restError?.details?.odataError?.code ?? restError?.code };
}

const isAlreadyExists = (error: unknown): boolean => {
  const { status, code } = statusOf(error);
  return status === 409 && (code === undefined || code === "EntityAlreadyExists");
};

/** The index of the entity that failed a transaction: the service starts its message with it (`1:The specified entity already exists.`). */
function failedIndex(error: unknown, size: number): number | undefined {
  const message = (error as { message?: unknown })?.message;
  const match = typeof message === "string" ? /^(\d+):/.exec(message) : null;
  const index = match ? Number(match[1]) : Number.NaN;
  return Number.isInteger(index) && index >= 0 && index < size ? index : undefined;
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

type SeenEntity = {
  partitionKey: string;
  rowKey: string;
  eventId: string;
  eventType: string;
  resourceId: string;
  seenAt: string;
  claimId: string;
};

interface Pending {
  /** Indexes of the events this entity claims for (an id given twice: its first index only). */
  index: number;
  entity: SeenEntity;
}

/** What a store has sent, for the benchmark and the tests. */
export interface SeenCounts {
  /** Transactions submitted (each one request, up to 100 entities). */
  transactions: number;
  /** Entities created one per request (the fallback after a conflict). */
  singleCreates: number;
  /** Reads of an existing entity after a 409 (whose claim it is). */
  readBacks: number;
  /** Lookups under the old layout's key. */
  legacyReads: number;
  /** Partitions written to, summed over claimAll calls. */
  partitions: number;
}

export class TableSeenEvents implements SeenEvents {
  readonly client: TableClient;
  readonly counts: SeenCounts = { transactions: 0, singleCreates: 0, readBacks: 0, legacyReads: 0, partitions: 0 };
  readonly #legacyDays = new Map<string, { holds: Promise<boolean>; until: number }>();

  /** Creates the table if it is missing, once per store (again after a failure). */
  readonly #ensureTable: () => Promise<void>;

  constructor(client: TableClient) {
    this.client = client;
    this.#ensureTable = tableCreatedOnce(client);
  }

  static fromConnectionString(connectionString: string, table = DEFAULT_SEEN_EVENTS_TABLE): TableSeenEvents {
    return new TableSeenEvents(tableFromConnectionString(connectionString, table));
  }

  static fromEndpoint(endpoint: string, credential: TokenCredential, table = DEFAULT_SEEN_EVENTS_TABLE): TableSeenEvents {
    return new TableSeenEvents(tableFromEndpoint(endpoint, table, credential));
  }

  async claimAll(events: readonly SeenEvent[]): Promise<ClaimResult[]> {
    const results: ClaimResult[] = new Array<ClaimResult>(events.length);
    if (events.length === 0) return results;
    try {
      await this.#ensureTable();
    } catch (error) {
      return results.fill(asError(error));
    }
    const claimId = randomUUID();
    const seenAt = now().toISOString();
    const first = new Map<string, number>();
    const duplicates: Array<{ index: number; of: number }> = [];
    const partitions = new Map<string, Pending[]>();
    events.forEach((event, index) => {
      const partitionKey = seenPartition(event);
      const rowKey = seenRowKey(event.eventId);
      const key = `${partitionKey}|${rowKey}`;
      const earlier = first.get(key);
      if (earlier !== undefined) {
        duplicates.push({ index, of: earlier });
        return;
      }
      first.set(key, index);
      const entity: SeenEntity = {
        partitionKey,
        rowKey,
        eventId: event.eventId,
        eventType: event.eventType ?? "",
        resourceId: event.resourceId ?? "",
        seenAt,
        claimId,
      };
      const pending = partitions.get(partitionKey);
      if (pending) pending.push({ index, entity });
      else partitions.set(partitionKey, [{ index, entity }]);
    });
    this.counts.partitions += partitions.size;

    const limit = createLimiter(REQUESTS_AT_ONCE);
    const chunks: Pending[][] = [];
    for (const pending of partitions.values())
      for (let start = 0; start < pending.length; start += TRANSACTION_LIMIT) chunks.push(pending.slice(start, start + TRANSACTION_LIMIT));
    await Promise.all(chunks.map((chunk) => this.#claimChunk(chunk, claimId, results, limit)));
    await this.#checkLegacy(events, results, limit);
    for (const { index, of } of duplicates) {
      const result = results[of] as ClaimResult;
      results[index] = result instanceof Error ? result : "seen";
    }
    return results;
  }

  /** Claims one partition's chunk: see the module's comment. */
  async #claimChunk(chunk: Pending[], claimId: string, results: ClaimResult[], limit: ReturnType<typeof createLimiter>): Promise<void> {
    let pending = chunk;
    for (let attempt = 0; attempt <= TRANSACTION_RETRIES && pending.length > 1; attempt += 1) {
      const actions = pending.map((item): TransactionAction => ["create", item.entity]);
      const failure = await limit(async () => {
        this.counts.transactions += 1;
        try {
          await this.client.submitTransaction(actions);
          return undefined;
        } catch (error) {
          return error;
        }
      });
      if (failure === undefined) {
        for (const item of pending) results[item.index] = "claimed";
        return;
      }
      if (!isAlreadyExists(failure)) {
        // Rejected whole: nothing of the chunk was written; its events are retried by a redelivery.
        for (const item of pending) results[item.index] = asError(failure);
        return;
      }
      const index = failedIndex(failure, pending.length);
      if (index === undefined) break;
      const conflicting = pending[index] as Pending;
      const owner = await limit(() => this.#ownerOf(conflicting.entity));
      if (owner instanceof Error) {
        // Whose entity it is cannot be told: leave the chunk unclaimed rather than call a lost write seen.
        for (const item of pending) results[item.index] = owner;
        return;
      }
      if (owner === claimId) {
        // An earlier attempt of this very transaction landed (its answer was lost): all of it is ours.
        for (const item of pending) results[item.index] = "claimed";
        return;
      }
      results[conflicting.index] = "seen";
      pending = pending.filter((_, position) => position !== index);
    }
    await Promise.all(pending.map((item) => limit(() => this.#claimOne(item, claimId, results))));
  }

  async #claimOne(item: Pending, claimId: string, results: ClaimResult[]): Promise<void> {
    this.counts.singleCreates += 1;
    try {
      await this.client.createEntity(item.entity);
      results[item.index] = "claimed";
    } catch (error) {
      if (!isAlreadyExists(error)) {
        results[item.index] = asError(error);
        return;
      }
      const owner = await this.#ownerOf(item.entity);
      results[item.index] = owner instanceof Error ? owner : owner === claimId ? "claimed" : "seen";
    }
  }

  /** The claimId of an existing entity ("" for one written without), or the error that kept us from reading it. */
  async #ownerOf(entity: SeenEntity): Promise<string | Error> {
    this.counts.readBacks += 1;
    try {
      const existing = await this.client.getEntity<{ claimId?: string }>(entity.partitionKey, entity.rowKey, {
        queryOptions: { select: ["claimId"] },
      });
      return existing.claimId ?? "";
    } catch (error) {
      // Released in between: it is nobody's now, and this call did not claim it.
      if (statusOf(error).status === 404) return new Error(`event ${entity.eventId}: its entry was released while it was being claimed`);
      return asError(error);
    }
  }

  /** Events claimed anew that the old layout (PartitionKey the day alone) already holds are seen. */
  async #checkLegacy(events: readonly SeenEvent[], results: ClaimResult[], limit: ReturnType<typeof createLimiter>): Promise<void> {
    const claimed = events.map((event, index) => ({ event, index })).filter(({ index }) => results[index] === "claimed");
    const days = [...new Set(claimed.map(({ event }) => seenDay(event.eventTime)))];
    const holding = new Set<string>();
    await Promise.all(
      days.map(async (day) => {
        // Cannot tell (storage failing): the claim stands. A double start is coalesced by the check's
        // instance id; calling a claimed event seen, or failing it after its entry was written, would lose it.
        if (await this.#dayHoldsLegacy(day).catch(() => false)) holding.add(day);
      }),
    );
    if (holding.size === 0) return;
    await Promise.all(
      claimed
        .filter(({ event }) => holding.has(seenDay(event.eventTime)))
        .map(({ event, index }) =>
          limit(async () => {
            this.counts.legacyReads += 1;
            try {
              await this.client.getEntity(seenDay(event.eventTime), seenRowKey(event.eventId), { queryOptions: { select: ["RowKey"] } });
              results[index] = "seen";
            } catch {
              // Not there (404), or cannot tell: the claim stands, as above.
            }
          }),
        ),
    );
  }

  /** Whether the day's partition of the old layout holds any entry (one entity read), kept for 5 minutes. */
  #dayHoldsLegacy(day: string): Promise<boolean> {
    const time = now().getTime();
    const cached = this.#legacyDays.get(day);
    if (cached && time < cached.until) return cached.holds;
    const holds = (async () => {
      const pages = this.client
        .listEntities({ queryOptions: { filter: odata`PartitionKey eq ${day}`, select: ["PartitionKey"] } })
        .byPage({ maxPageSize: 1 });
      const page = await pages.next();
      return !page.done && page.value.length > 0;
    })();
    const entry = { holds, until: time + LEGACY_PROBE_MS };
    this.#legacyDays.set(day, entry);
    holds.catch(() => {
      if (this.#legacyDays.get(day) === entry) this.#legacyDays.delete(day);
    });
    return holds;
  }

  async release(event: SeenEvent): Promise<void> {
    await this.#ensureTable();
    try {
      await this.client.deleteEntity(seenPartition(event), seenRowKey(event.eventId));
    } catch (error) {
      if (statusOf(error).status !== 404) throw error;
    }
  }

  /** Both layouts: `2026-11-22~a` and `2026-11-22` sort before `2026-11-23`. */
  async purge(before: Date): Promise<number> {
    await this.#ensureTable();
    const day = before.toISOString().slice(0, 10);
    const byPartition = new Map<string, string[]>();
    const entities = this.client.listEntities<{ partitionKey: string; rowKey: string }>({
      queryOptions: { filter: odata`PartitionKey lt ${day}`, select: ["PartitionKey", "RowKey"] },
    });
    for await (const entity of entities) {
      const rows = byPartition.get(entity.partitionKey);
      if (rows) rows.push(entity.rowKey);
      else byPartition.set(entity.partitionKey, [entity.rowKey]);
    }
    let removed = 0;
    for (const [partitionKey, rows] of byPartition) {
      for (let start = 0; start < rows.length; start += TRANSACTION_LIMIT) {
        const chunk = rows.slice(start, start + TRANSACTION_LIMIT);
        try {
          await this.client.submitTransaction(chunk.map((rowKey): TransactionAction => ["delete", { partitionKey, rowKey }]));
          removed += chunk.length;
          continue;
        } catch (error) {
          // Another purge removed one of them (404 fails the whole transaction): one by one.
          if (statusOf(error).status !== 404) throw error;
        }
        for (const rowKey of chunk) {
          try {
            await this.client.deleteEntity(partitionKey, rowKey);
            removed += 1;
          } catch (error) {
            if (statusOf(error).status !== 404) throw error;
          }
        }
      }
    }
    return removed;
  }
}

/**
 * The store on the app's storage, as the Functions host reads it: `AzureWebJobsStorage` as a
 * connection string, else an identity-based connection (`AzureWebJobsStorage__tableServiceUri`
 * or `__accountName`) with DefaultAzureCredential.
 */
export async function openSeenEvents(env: Record<string, string | undefined>, table = DEFAULT_SEEN_EVENTS_TABLE): Promise<TableSeenEvents> {
  const setting = appStorageSetting(env);
  if (setting === undefined)
    throw new Error("set AzureWebJobsStorage (or AzureWebJobsStorage__accountName) for the store of events already handled");
  if (isTableEndpoint(setting)) return TableSeenEvents.fromEndpoint(setting, await defaultCredential(), table);
  // Never echo the setting: it holds the account key.
  if (!isConnectionString(setting)) throw new Error("AzureWebJobsStorage is neither a storage connection string nor a table endpoint URL");
  return TableSeenEvents.fromConnectionString(setting, table);
}
