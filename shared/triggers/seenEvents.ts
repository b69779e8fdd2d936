/**
 * Event ids already handled, so a redelivered event starts nothing: Event Grid delivers at least
 * once, and a redelivery carries the same `id` (and the same `eventTime`).
 *
 * `claim` is the one operation that decides: creating the entity either succeeds (first time:
 * go on) or fails with 409 `EntityAlreadyExists` (seen: stop). Two deliveries racing for the same
 * id cannot both win. `release` gives a claim back when what it guarded could not be started, so
 * the next redelivery tries again.
 *
 * Layout (one table, `GovernorSeenEvents` by default): PartitionKey the UTC day of the event's
 * `eventTime` (`2026-11-23`), so a redelivery finds its entry and `purge` drops old days whole;
 * RowKey the event id, percent-encoded (an id whose encoding is longer than 400 characters keeps
 * its first 320, `~` and its SHA-256). Properties: eventId, eventType, resourceId, seenAt (when
 * it was handled, for the record and for purging).
 */
import { createHash } from "node:crypto";
import type { TokenCredential } from "@azure/core-auth";
import { odata, type TableClient } from "@azure/data-tables";
import {
  appStorageSetting,
  defaultCredential,
  isConnectionString,
  isTableEndpoint,
  tableFromConnectionString,
  tableFromEndpoint,
} from "../azure/tables.ts";
import { now } from "../clock.ts";

export const DEFAULT_SEEN_EVENTS_TABLE = "GovernorSeenEvents";

/** What identifies an event to the store, and what is kept about it. */
export interface SeenEvent {
  eventId: string;
  /** ISO 8601; its UTC day is the partition. */
  eventTime: string;
  eventType?: string;
  resourceId?: string;
}

export interface SeenEvents {
  /** True when this call is the first to see the event; false when it was seen before. */
  claim(event: SeenEvent): Promise<boolean>;
  /** Forgets an event claimed by this process (its work could not start): a redelivery goes ahead. */
  release(event: SeenEvent): Promise<void>;
  /** Removes entries of events older than `before` (by eventTime, whole UTC days); returns how many. */
  purge(before: Date): Promise<number>;
}

/** The partition of an event: the UTC day of its eventTime. */
export function seenPartition(eventTime: string): string {
  const time = Date.parse(eventTime);
  if (Number.isNaN(time)) throw new RangeError(`eventTime ${JSON.stringify(eventTime)} is not a date-time`);
  return new Date(time).toISOString().slice(0, 10);
}

/** The row key of an event id: percent-encoded (Table keys refuse / \ # ? and control characters), bounded in length. */
export function seenRowKey(eventId: string): string {
  const encoded = encodeURIComponent(eventId).replace(/[!'()*~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  if (encoded.length <= 400) return encoded;
  return `${encoded.slice(0, 320)}~${createHash("sha256").update(eventId, "utf8").digest("hex")}`;
}

function statusOf(error: unknown): { status?: number; code?: string } {
  const restError = error as { statusCode?: number; details?: { odataError?: { code?: string } } };
  return { status: restError?.statusCode, code: restError?.details?.odataError?.code };
}

export class TableSeenEvents implements SeenEvents {
  readonly client: TableClient;
  #tableReady: Promise<void> | undefined;

  constructor(client: TableClient) {
    this.client = client;
  }

  static fromConnectionString(connectionString: string, table = DEFAULT_SEEN_EVENTS_TABLE): TableSeenEvents {
    return new TableSeenEvents(tableFromConnectionString(connectionString, table));
  }

  static fromEndpoint(endpoint: string, credential: TokenCredential, table = DEFAULT_SEEN_EVENTS_TABLE): TableSeenEvents {
    return new TableSeenEvents(tableFromEndpoint(endpoint, table, credential));
  }

  /** Creates the table if it is missing (createTable answers an existing table without error), once per store. */
  async #ensureTable(): Promise<void> {
    this.#tableReady ??= this.client.createTable().then(
      () => undefined,
      (error: unknown) => {
        this.#tableReady = undefined;
        throw error;
      },
    );
    return this.#tableReady;
  }

  async claim(event: SeenEvent): Promise<boolean> {
    await this.#ensureTable();
    try {
      await this.client.createEntity({
        partitionKey: seenPartition(event.eventTime),
        rowKey: seenRowKey(event.eventId),
        eventId: event.eventId,
        eventType: event.eventType ?? "",
        resourceId: event.resourceId ?? "",
        seenAt: now().toISOString(),
      });
      return true;
    } catch (error) {
      const { status, code } = statusOf(error);
      if (status === 409 && (code === undefined || code === "EntityAlreadyExists")) return false;
      throw error;
    }
  }

  async release(event: SeenEvent): Promise<void> {
    await this.#ensureTable();
    try {
      await this.client.deleteEntity(seenPartition(event.eventTime), seenRowKey(event.eventId));
    } catch (error) {
      if (statusOf(error).status !== 404) throw error;
    }
  }

  async purge(before: Date): Promise<number> {
    await this.#ensureTable();
    const day = before.toISOString().slice(0, 10);
    let removed = 0;
    const entities = this.client.listEntities<{ partitionKey: string; rowKey: string }>({
      queryOptions: { filter: odata`PartitionKey lt ${day}`, select: ["PartitionKey", "RowKey"] },
    });
    for await (const entity of entities) {
      try {
        await this.client.deleteEntity(entity.partitionKey, entity.rowKey);
        removed += 1;
      } catch (error) {
        if (statusOf(error).status !== 404) throw error;
      }
    }
    return removed;
  }
}

/** The same store in memory: for tests and for measuring the path without I/O. */
export class MemorySeenEvents implements SeenEvents {
  readonly entries = new Map<string, SeenEvent & { seenAt: string }>();

  async claim(event: SeenEvent): Promise<boolean> {
    const key = `${seenPartition(event.eventTime)}|${seenRowKey(event.eventId)}`;
    if (this.entries.has(key)) return false;
    this.entries.set(key, { ...event, seenAt: now().toISOString() });
    return true;
  }

  async release(event: SeenEvent): Promise<void> {
    this.entries.delete(`${seenPartition(event.eventTime)}|${seenRowKey(event.eventId)}`);
  }

  async purge(before: Date): Promise<number> {
    const day = before.toISOString().slice(0, 10);
    let removed = 0;
    for (const key of this.entries.keys()) {
      if (key.slice(0, 10) < day) {
        this.entries.delete(key);
        removed += 1;
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
