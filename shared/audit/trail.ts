/**
 * The audit trail in Azure Table Storage: append-only (entities are created, never updated or
 * deleted), idempotent by record id, read by time range and filters.
 *
 * Layout of the table (one table, `GovernorAudit` by default):
 * - a **record entity** per record. PartitionKey: the UTC day of `at` (`2024-05-01`), so a query
 *   since a time reads only the days it needs. RowKey: `at` in UTC to the millisecond, `|`, the
 *   id percent-encoded (`2024-05-01T18:55:00.000Z|stop-idle%2F...`), so rows sort by time then id.
 *   An id whose encoding is longer than 400 characters keeps its first 320, `~` and its SHA-256.
 * - an **id claim** per record: PartitionKey `id-` + the first two hex digits of the SHA-256 of
 *   the id (256 partitions), RowKey the whole SHA-256; same properties as the record. The claim
 *   makes the id unique whatever `at` a second delivery carries: appending creates the claim
 *   first; a 409 `EntityAlreadyExists` there means the id is already recorded, and the claim holds
 *   the first version, which wins. A crash between the claim and the record is repaired by the
 *   next append of that id (the record is written from the claim).
 *
 * Properties: id, at, kind, policy, resourceId, resourceKey (the id in lower case, for
 * case-insensitive filtering), action, verdict, reason, instanceId, triggerType, triggerId,
 * actorType, actorId, actorName, outcome, details (JSON text), detailsTruncated, detailsBytes.
 *
 * Limits: a property holds at most 64 KiB (UTF-16) and an entity 1 MiB. `details` is kept as
 * JSON text of at most `DETAILS_MAX_BYTES` (30,000 UTF-8 bytes, hence at most 60,000 bytes in
 * UTF-16); larger details are replaced by a `TruncatedDetails` object, itself valid JSON within
 * the bound, holding the start of the original text. The other fields are bounded by validation
 * (`LIMITS` in record.ts), so an entity stays far below 1 MiB.
 */
import { createHash } from "node:crypto";
import type { TokenCredential } from "@azure/core-auth";
import { odata, type TableClient } from "@azure/data-tables";
import { tableCreatedOnce, tableFromConnectionString, tableFromEndpoint } from "../azure/tables.ts";
import { mapLimit } from "../inventory/concurrency.ts";
import { type AuditKind, type AuditRecord, type Json, normaliseAuditRecords, parseIsoDateTime } from "./record.ts";

export const DEFAULT_AUDIT_TABLE = "GovernorAudit";
/** Largest `details` kept whole, in UTF-8 bytes of its JSON text. */
export const DETAILS_MAX_BYTES = 30_000;

/** What `details` reads back as when it was over `DETAILS_MAX_BYTES`. */
export interface TruncatedDetails {
  truncated: true;
  note: string;
  /** UTF-8 bytes of the original JSON text. */
  originalBytes: number;
  /** The start of the original JSON text (not parseable on its own). */
  preview: string;
}

export function isTruncatedDetails(details: unknown): details is TruncatedDetails {
  return typeof details === "object" && details !== null && (details as { truncated?: unknown }).truncated === true && "preview" in details;
}

export interface AuditQuery {
  /** Inclusive. */
  since?: Date | string;
  /** Exclusive. */
  until?: Date | string;
  /** Matched case-insensitively, as ARM ids are. */
  resourceId?: string;
  policy?: string;
  instanceId?: string;
  kind?: AuditKind;
  /** At most this many records, counted in `order`: with `newest-first`, the latest ones. */
  limit?: number;
  /** `oldest-first` (default, time order) or `newest-first`. Ties at the same millisecond go by id. */
  order?: "oldest-first" | "newest-first";
}

export interface AuditConflict {
  id: string;
  /** Fields where the refused record differs from the stored one. */
  fields: string[];
  /** The record stored first, which stays. */
  kept: AuditRecord;
  /** The later record with the same id, which was not stored. */
  refused: AuditRecord;
}

export interface AppendResult {
  /** Ids written by this append. */
  recorded: string[];
  /** Ids already in the trail with the same content: nothing written. */
  alreadyRecorded: string[];
  /** Ids already in the trail with different content: the first stays, the difference is reported here. */
  conflicts: AuditConflict[];
}

export interface AuditTrail {
  /**
   * Validates every record first: one bad record refuses the whole batch with an
   * `AuditRecordError` and nothing is written. Appending an id again is a no-op.
   */
  append(records: readonly AuditRecord[]): Promise<AppendResult>;
  /** Records in `[since, until)` that match every filter given, oldest first unless `order` says otherwise. */
  query(query?: AuditQuery): Promise<AuditRecord[]>;
}

export interface TableAuditTrailOptions {
  /** Table name (letters and digits, starting with a letter, 3 to 63); default `GovernorAudit`. */
  table?: string;
  /** Appends in flight at once. */
  concurrency?: number;
  /** The clock of queries without `until` (newest-first starts from today). */
  now?: () => Date;
}

const TABLE_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;
const FIRST_DAY = "1970-01-01";
const LAST_DAY = "9999-12-31";
const DAY_MS = 86_400_000;
/** Widest window of days a newest-first query reads at once (windows double from one day). */
const MAX_WINDOW_DAYS = 32;

type Properties = Record<string, string | number | boolean>;

const PROPERTY_FIELD: Record<string, string> = {
  resourceKey: "resourceId",
  triggerType: "trigger.type",
  triggerId: "trigger.id",
  actorType: "actor.type",
  actorId: "actor.id",
  actorName: "actor.name",
  detailsTruncated: "details",
  detailsBytes: "details",
};
const PROPERTIES = [
  "id",
  "at",
  "kind",
  "policy",
  "resourceId",
  "resourceKey",
  "action",
  "verdict",
  "reason",
  "instanceId",
  "triggerType",
  "triggerId",
  "actorType",
  "actorId",
  "actorName",
  "outcome",
  "details",
  "detailsTruncated",
  "detailsBytes",
];

export function checkTableName(table: string): string | undefined {
  return TABLE_NAME.test(table) ? undefined : `table name "${table}" must be 3-63 letters and digits, starting with a letter`;
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** The UTC day partition of a normalised `at`. */
function dayOf(at: string): string {
  return at.slice(0, 10);
}

function dayNumber(day: string): number {
  return Math.floor(Date.parse(`${day}T00:00:00.000Z`) / DAY_MS);
}

function dayString(dayNum: number): string {
  return new Date(dayNum * DAY_MS).toISOString().slice(0, 10);
}

function recordKeys(record: Pick<AuditRecord, "id" | "at">): { partitionKey: string; rowKey: string } {
  // encodeURIComponent leaves no `/ \ # ?` nor control characters, which keys must not hold, and only ASCII.
  const encoded = encodeURIComponent(record.id);
  const idPart = encoded.length <= 400 ? encoded : `${encoded.slice(0, 320)}~${sha256(record.id)}`;
  return { partitionKey: dayOf(record.at), rowKey: `${record.at}|${idPart}` };
}

function claimKeys(id: string): { partitionKey: string; rowKey: string } {
  const hash = sha256(id);
  return { partitionKey: `id-${hash.slice(0, 2)}`, rowKey: hash };
}

/** The longest start of `text` within `maxBytes` of UTF-8, never splitting a character. */
function utf8Prefix(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, "utf8");
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}

function encodeDetails(details: Json): { details: string; detailsTruncated?: true; detailsBytes?: number } {
  const text = JSON.stringify(details);
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes <= DETAILS_MAX_BYTES) return { details: text };
  const note = `details were ${bytes} bytes of JSON, over the audit trail's bound of ${DETAILS_MAX_BYTES}: only the start is kept, in preview`;
  // Escaping inside the preview string grows it: shrink until the whole marker fits.
  let budget = DETAILS_MAX_BYTES - 200;
  for (;;) {
    const marker: TruncatedDetails = { truncated: true, note, originalBytes: bytes, preview: utf8Prefix(text, budget) };
    const encoded = JSON.stringify(marker);
    const size = Buffer.byteLength(encoded, "utf8");
    if (size <= DETAILS_MAX_BYTES) return { details: encoded, detailsTruncated: true, detailsBytes: bytes };
    budget -= size - DETAILS_MAX_BYTES;
  }
}

function toProperties(record: AuditRecord): Properties {
  const properties: Properties = { id: record.id, at: record.at, kind: record.kind };
  if (record.policy !== undefined) properties.policy = record.policy;
  if (record.resourceId !== undefined) {
    properties.resourceId = record.resourceId;
    properties.resourceKey = record.resourceId.toLowerCase();
  }
  if (record.action !== undefined) properties.action = record.action;
  if (record.verdict !== undefined) properties.verdict = record.verdict;
  properties.reason = record.reason;
  if (record.instanceId !== undefined) properties.instanceId = record.instanceId;
  properties.triggerType = record.trigger.type;
  if (record.trigger.id !== undefined) properties.triggerId = record.trigger.id;
  properties.actorType = record.actor.type;
  properties.actorId = record.actor.id;
  if (record.actor.name !== undefined) properties.actorName = record.actor.name;
  if (record.outcome !== undefined) properties.outcome = record.outcome;
  if (record.details !== undefined) Object.assign(properties, encodeDetails(record.details));
  return properties;
}

function propertiesOf(entity: Record<string, unknown>): Properties {
  const properties: Properties = {};
  for (const name of PROPERTIES) {
    const value = entity[name];
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") properties[name] = value;
  }
  return properties;
}

function toRecord(properties: Properties): AuditRecord {
  const text = (name: string): string | undefined => (typeof properties[name] === "string" ? properties[name] : undefined);
  const record: Record<string, unknown> = { id: text("id"), at: text("at"), kind: text("kind") };
  for (const name of ["policy", "resourceId", "action", "verdict"]) if (text(name) !== undefined) record[name] = text(name);
  record.reason = text("reason");
  if (text("instanceId") !== undefined) record.instanceId = text("instanceId");
  record.trigger = { type: text("triggerType"), ...(text("triggerId") === undefined ? {} : { id: text("triggerId") }) };
  record.actor = {
    type: text("actorType"),
    id: text("actorId"),
    ...(text("actorName") === undefined ? {} : { name: text("actorName") }),
  };
  if (text("outcome") !== undefined) record.outcome = text("outcome");
  const details = text("details");
  if (details !== undefined) record.details = JSON.parse(details) as Json;
  return record as unknown as AuditRecord;
}

function differences(stored: Properties, candidate: Properties): string[] {
  const fields = new Set<string>();
  for (const name of new Set([...Object.keys(stored), ...Object.keys(candidate)]))
    if (stored[name] !== candidate[name]) fields.add(PROPERTY_FIELD[name] ?? name);
  return [...fields];
}

function odataCode(error: unknown): { status?: number; code?: string } {
  const restError = error as { statusCode?: number; details?: { odataError?: { code?: string } } };
  return { status: restError?.statusCode, code: restError?.details?.odataError?.code };
}

function isAlreadyExists(error: unknown): boolean {
  const { status, code } = odataCode(error);
  return status === 409 && (code === undefined || code === "EntityAlreadyExists");
}

function isNotFound(error: unknown): boolean {
  return odataCode(error).status === 404;
}

function toDate(value: Date | string, name: string): Date {
  const date = typeof value === "string" ? parseIsoDateTime(value) : value;
  if (date === undefined || Number.isNaN(date.getTime()))
    throw new RangeError(`${name}: ${String(value)} is not an ISO 8601 date-time with a zone`);
  return date;
}

export class TableAuditTrail implements AuditTrail {
  readonly client: TableClient;
  readonly #concurrency: number;
  readonly #now: () => Date;
  /** Creates the table if it is missing, once per trail object (again after a failure). */
  readonly ensureTable: () => Promise<void>;

  /** A client already made for the trail's table. */
  constructor(client: TableClient, options: Omit<TableAuditTrailOptions, "table"> = {}) {
    this.client = client;
    this.ensureTable = tableCreatedOnce(client);
    this.#concurrency = options.concurrency ?? 8;
    this.#now = options.now ?? (() => new Date());
  }

  /** From a storage connection string: Azurite's (plain HTTP on loopback is allowed) or a storage account's. */
  static fromConnectionString(connectionString: string, options: TableAuditTrailOptions = {}): TableAuditTrail {
    const table = options.table ?? DEFAULT_AUDIT_TABLE;
    const problem = checkTableName(table);
    if (problem) throw new RangeError(problem);
    return new TableAuditTrail(tableFromConnectionString(connectionString, table), options);
  }

  /** From the table endpoint (`https://<account>.table.core.windows.net`) and a credential: the managed identity in Azure. */
  static fromEndpoint(endpoint: string, credential: TokenCredential, options: TableAuditTrailOptions = {}): TableAuditTrail {
    const table = options.table ?? DEFAULT_AUDIT_TABLE;
    const problem = checkTableName(table);
    if (problem) throw new RangeError(problem);
    return new TableAuditTrail(tableFromEndpoint(endpoint, table, credential), options);
  }

  async append(records: readonly AuditRecord[]): Promise<AppendResult> {
    const normalised = normaliseAuditRecords(records);
    const result: AppendResult = { recorded: [], alreadyRecorded: [], conflicts: [] };
    if (normalised.length === 0) return result;

    // The same id twice in one batch: the first is the one appended, as across batches.
    const first = new Map<string, { record: AuditRecord; properties: Properties }>();
    const laterInBatch: Array<{ record: AuditRecord; properties: Properties }> = [];
    for (const record of normalised) {
      const entry = { record, properties: toProperties(record) };
      if (first.has(record.id)) laterInBatch.push(entry);
      else first.set(record.id, entry);
    }

    await this.ensureTable();
    const outcomes = await mapLimit([...first.values()], this.#concurrency, ({ record, properties }) =>
      this.#appendOne(record, properties),
    );
    for (const outcome of outcomes) {
      if (outcome.status === "recorded") result.recorded.push(outcome.id);
      else if (outcome.status === "already") result.alreadyRecorded.push(outcome.id);
      else if (outcome.status === "conflict") result.conflicts.push(outcome.conflict);
    }
    for (const { record, properties } of laterInBatch) {
      const kept = first.get(record.id) as { record: AuditRecord; properties: Properties };
      const fields = differences(kept.properties, properties);
      if (fields.length === 0) result.alreadyRecorded.push(record.id);
      else result.conflicts.push({ id: record.id, fields, kept: toRecord(kept.properties), refused: toRecord(properties) });
    }
    return result;
  }

  async #appendOne(
    record: AuditRecord,
    properties: Properties,
  ): Promise<{ status: "recorded" | "already"; id: string } | { status: "conflict"; conflict: AuditConflict }> {
    const claim = claimKeys(record.id);
    try {
      await this.client.createEntity({ ...claim, ...properties });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      const stored = propertiesOf(await this.client.getEntity<Record<string, unknown>>(claim.partitionKey, claim.rowKey));
      // The claim may have been written by an append that failed before its record: finish it.
      await this.#createRecordEntity(stored);
      const fields = differences(stored, properties);
      if (fields.length === 0) return { status: "already", id: record.id };
      return { status: "conflict", conflict: { id: record.id, fields, kept: toRecord(stored), refused: toRecord(properties) } };
    }
    await this.#createRecordEntity(properties);
    return { status: "recorded", id: record.id };
  }

  async #createRecordEntity(properties: Properties): Promise<void> {
    try {
      await this.client.createEntity({ ...recordKeys({ id: properties.id as string, at: properties.at as string }), ...properties });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }

  async query(query: AuditQuery = {}): Promise<AuditRecord[]> {
    const since = query.since === undefined ? undefined : toDate(query.since, "since");
    const until = query.until === undefined ? undefined : toDate(query.until, "until");
    const limit = query.limit ?? Number.POSITIVE_INFINITY;
    if (limit !== Number.POSITIVE_INFINITY && (!Number.isInteger(limit) || limit < 1))
      throw new RangeError(`limit: a whole number of at least 1, not ${limit}`);
    if (since && until && since.getTime() >= until.getTime()) return [];

    const conditions: string[] = [];
    if (since) conditions.push(odata`RowKey ge ${since.toISOString()}`);
    if (until) conditions.push(odata`RowKey lt ${until.toISOString()}`);
    if (query.resourceId !== undefined) conditions.push(odata`resourceKey eq ${query.resourceId.toLowerCase()}`);
    if (query.policy !== undefined) conditions.push(odata`policy eq ${query.policy}`);
    if (query.instanceId !== undefined) conditions.push(odata`instanceId eq ${query.instanceId}`);
    if (query.kind !== undefined) conditions.push(odata`kind eq ${query.kind}`);

    const firstDay = since ? dayOf(since.toISOString()) : FIRST_DAY;
    const lastDay = until ? dayOf(until.toISOString()) : LAST_DAY;
    try {
      if (query.order !== "newest-first") return await this.#read(firstDay, lastDay, conditions, limit);
      return await this.#readNewestFirst(
        since === undefined ? undefined : firstDay,
        until === undefined ? undefined : lastDay,
        conditions,
        limit,
      );
    } catch (error) {
      // No table yet: nothing was ever recorded. Reading does not create it.
      if (isNotFound(error)) return [];
      throw error;
    }
  }

  /** Day partitions `fromDay..toDay` in one range query: PartitionKey and RowKey both sort by time. */
  async #read(fromDay: string, toDay: string, conditions: string[], limit: number): Promise<AuditRecord[]> {
    const filter = [odata`PartitionKey ge ${fromDay}`, odata`PartitionKey le ${toDay}`, ...conditions].join(" and ");
    const records: AuditRecord[] = [];
    for await (const entity of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      records.push(toRecord(propertiesOf(entity)));
      if (records.length >= limit) break;
    }
    return records;
  }

  /**
   * Newest first, stopping once `limit` records are found: windows of days read backwards from
   * `until` (or from today, the first window open to any later day), one day wide then doubling.
   */
  async #readNewestFirst(
    fromDay: string | undefined,
    toDay: string | undefined,
    conditions: string[],
    limit: number,
  ): Promise<AuditRecord[]> {
    const lowest = fromDay ?? (await this.#oldestDay());
    if (lowest === undefined) return [];
    const lowestNumber = dayNumber(lowest);
    let high = toDay === undefined ? Math.max(dayNumber(dayOf(this.#now().toISOString())), lowestNumber) : dayNumber(toDay);
    let openTop = toDay === undefined;
    let width = 1;
    const records: AuditRecord[] = [];
    while (high >= lowestNumber && records.length < limit) {
      const low = Math.max(lowestNumber, high - width + 1);
      const window = await this.#read(dayString(low), openTop ? LAST_DAY : dayString(high), conditions, Number.POSITIVE_INFINITY);
      for (let index = window.length - 1; index >= 0 && records.length < limit; index -= 1) records.push(window[index] as AuditRecord);
      high = low - 1;
      openTop = false;
      width = Math.min(width * 2, MAX_WINDOW_DAYS);
    }
    return records;
  }

  async #oldestDay(): Promise<string | undefined> {
    const filter = [odata`PartitionKey ge ${FIRST_DAY}`, odata`PartitionKey le ${LAST_DAY}`].join(" and ");
    const pages = this.client
      .listEntities<Record<string, unknown>>({ queryOptions: { filter, select: ["at"] } })
      .byPage({ maxPageSize: 1 });
    // The service may answer a page with no entity and a continuation: read on until one comes.
    for await (const page of pages) {
      const at = page[0]?.at;
      if (typeof at === "string") return dayOf(at);
    }
    return undefined;
  }
}
