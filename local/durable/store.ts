/**
 * Where the local Durable runtime keeps its instances and their histories: Azure Table Storage
 * (Azurite locally), two tables per task hub, as the Durable Azure Storage provider does.
 *
 * `<TaskHub>Instances`: one entity per instance. PartitionKey: the instance id, encoded (below);
 * RowKey: "". Properties: InstanceId, Name, RuntimeStatus (Pending|Running|Completed|Failed|
 * Terminated), Input, Output, CustomStatus (JSON text, split as below), CreatedTime and
 * LastUpdatedTime (ISO 8601 text, from the runtime's clock), HistoryStart (sequence number of the
 * current execution's first history row: a restart of a finished id or a continue-as-new starts a
 * new execution further down the same partition), ParentInstanceId / ParentTaskId /
 * ParentHistoryStart (sub-orchestrations), PendingEvents (JSON array of the names of external
 * events received and not yet taken by a waitForExternalEvent), Version (the orchestration
 * version the instance started with, host.json's `defaultVersion` then; absent for an instance
 * started without one).
 *
 * `<TaskHub>History`: one entity per history event. PartitionKey: the encoded instance id;
 * RowKey: the sequence number zero-padded to 10 digits, so rows sort in order. Properties:
 * EventType (the package's number), EventName, EventId, Name / TaskScheduledId / TimerId when the
 * event has one (to read the table by eye), Origin ("retry" for the scheduling rows of a retry,
 * which the replay check skips), EventTime, and Event: the whole event as JSON text. The history
 * is append-only; a row written again with the same sequence number is the same row (upsert), so
 * retried writes are idempotent. The runtime discards an episode's rows only when the episode
 * never finished writing (a crash between transactions), before anything else is appended.
 *
 * Keys: the instance id percent-encoded (`encodeURIComponent`: `/`, `\`, `#`, `?` and control
 * characters are not allowed in keys); one longer than 400 characters keeps its first 320, `~` and
 * the SHA-256 of the id.
 *
 * Limits: a property holds 64 KiB, that is 32,768 UTF-16 code units, and an entity 1 MiB. JSON
 * text is split over `<Prop>`, `<Prop>_1`, ... of 32,000 code units each (never between the two
 * halves of a surrogate pair), with `<Prop>Parts` the count; an entity carries at most
 * MAX_ENTITY_TEXT code units of such text. More is refused with a PayloadTooLargeError naming the
 * instance, the field and the size: Durable would offload it to a blob, Governor keeps payloads
 * small (ids and small records, never SDK objects).
 */
import { createHash } from "node:crypto";
import { odata, RestError, TableClient, type TableEntity, type TableEntityResult, type TransactionAction } from "@azure/data-tables";
import { historyEventTypeName } from "./internals.ts";

export type RuntimeStatus = "Pending" | "Running" | "Completed" | "Failed" | "Terminated";

export const TERMINAL_STATUSES: ReadonlySet<RuntimeStatus> = new Set<RuntimeStatus>(["Completed", "Failed", "Terminated"]);

export function isTerminal(status: RuntimeStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** UTF-16 code units of text per property. */
export const PROPERTY_CHUNK = 32_000;
/** UTF-16 code units of split text per entity (14 properties: under 1 MiB with the rest). */
export const MAX_ENTITY_TEXT = 14 * PROPERTY_CHUNK;
const MAX_TRANSACTION_ACTIONS = 100;
/** Bytes of a transaction's entities we allow ourselves (the service takes 4 MiB). */
const MAX_TRANSACTION_BYTES = 3_500_000;

export class PayloadTooLargeError extends Error {
  readonly code = "PayloadTooLarge";
  constructor(message: string) {
    super(message);
    this.name = "PayloadTooLargeError";
  }
}

export interface InstanceRecord {
  instanceId: string;
  name: string;
  runtimeStatus: RuntimeStatus;
  /** JSON text; undefined when the instance has none. */
  input?: string;
  output?: string;
  customStatus?: string;
  /** ISO 8601. */
  createdTime: string;
  lastUpdatedTime: string;
  historyStart: number;
  parentInstanceId?: string;
  parentTaskId?: number;
  parentHistoryStart?: number;
  pendingEvents: string[];
  /** The orchestration version it started with (kept by every later execution); undefined: none. */
  version?: string;
}

/** A history event as stored: the package's fields, `Timestamp` (and `FireAt`) as ISO text. */
export interface StoredEvent {
  EventType: number;
  EventId: number;
  Timestamp: string;
  [field: string]: unknown;
}

export interface HistoryRow {
  seq: number;
  event: StoredEvent;
  /** "retry": a scheduling row made by a retry (its timer or a later attempt). */
  origin?: "retry";
}

export interface DurableStoreOptions {
  connectionString: string;
  /** Prefix of the two tables: letters and digits, starting with a letter. Default "Governor". */
  taskHub?: string;
}

export function instanceKey(instanceId: string): string {
  const encoded = encodeURIComponent(instanceId);
  if (encoded.length <= 400) return encoded;
  return `${encoded.slice(0, 320)}~${createHash("sha256").update(instanceId).digest("hex")}`;
}

export function sequenceKey(seq: number): string {
  if (!Number.isInteger(seq) || seq < 0 || seq > 9_999_999_999) throw new RangeError(`history sequence out of range: ${seq}`);
  return String(seq).padStart(10, "0");
}

function splitText(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + PROPERTY_CHUNK, text.length);
    // Never end a part on a high surrogate: each property must be valid UTF-16 on its own.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    parts.push(text.slice(start, end));
    start = end;
  }
  return parts;
}

function putText(entity: Record<string, unknown>, property: string, text: string | undefined): number {
  if (text === undefined) return 0;
  const parts = splitText(text);
  parts.forEach((part, index) => {
    entity[index === 0 ? property : `${property}_${index}`] = part;
  });
  entity[`${property}Parts`] = parts.length;
  return text.length;
}

function getText(entity: Record<string, unknown>, property: string): string | undefined {
  const count = entity[`${property}Parts`];
  // 0 parts: cleared by a merge (see `updateInstance`).
  if (typeof count !== "number" || count === 0) return undefined;
  let text = "";
  for (let index = 0; index < count; index += 1) {
    const part = entity[index === 0 ? property : `${property}_${index}`];
    if (typeof part !== "string") throw new Error(`stored entity is missing part ${index + 1} of ${count} of ${property}`);
    text += part;
  }
  return text;
}

function checkSize(what: string, fields: Record<string, string | undefined>): void {
  let total = 0;
  for (const text of Object.values(fields)) total += text?.length ?? 0;
  if (total <= MAX_ENTITY_TEXT) return;
  const sizes = Object.entries(fields)
    .filter(([, text]) => text !== undefined)
    .map(([name, text]) => `${name} ${(text ?? "").length.toLocaleString("en-US")}`)
    .join(", ");
  throw new PayloadTooLargeError(
    `${what}: ${total.toLocaleString("en-US")} characters of JSON (${sizes}); Table Storage keeps at most ` +
      `${MAX_ENTITY_TEXT.toLocaleString("en-US")} in one entity (1 MiB): pass ids and small records, not whole objects`,
  );
}

function isNotFound(error: unknown): boolean {
  return error instanceof RestError && error.statusCode === 404;
}

const STATUSES: readonly RuntimeStatus[] = ["Pending", "Running", "Completed", "Failed", "Terminated"];

function asStatus(value: unknown): RuntimeStatus {
  if (typeof value === "string" && (STATUSES as readonly string[]).includes(value)) return value as RuntimeStatus;
  throw new Error(`stored instance has an unknown RuntimeStatus ${JSON.stringify(value)}`);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function optionalNumber(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

function instanceEntity(record: InstanceRecord): TableEntity<Record<string, unknown>> {
  checkSize(`instance ${record.instanceId}`, { input: record.input, output: record.output, customStatus: record.customStatus });
  const entity: TableEntity<Record<string, unknown>> = {
    partitionKey: instanceKey(record.instanceId),
    rowKey: "",
    InstanceId: record.instanceId,
    Name: record.name,
    RuntimeStatus: record.runtimeStatus,
    CreatedTime: record.createdTime,
    LastUpdatedTime: record.lastUpdatedTime,
    HistoryStart: record.historyStart,
    PendingEvents: JSON.stringify(record.pendingEvents),
  };
  if (record.parentInstanceId !== undefined) entity.ParentInstanceId = record.parentInstanceId;
  if (record.parentTaskId !== undefined) entity.ParentTaskId = record.parentTaskId;
  if (record.parentHistoryStart !== undefined) entity.ParentHistoryStart = record.parentHistoryStart;
  if (record.version !== undefined) entity.Version = record.version;
  putText(entity, "Input", record.input);
  putText(entity, "Output", record.output);
  putText(entity, "CustomStatus", record.customStatus);
  return entity;
}

function instanceFromEntity(entity: Record<string, unknown>): InstanceRecord {
  const pending = optionalString(entity.PendingEvents);
  const record: InstanceRecord = {
    instanceId: String(entity.InstanceId),
    name: String(entity.Name),
    runtimeStatus: asStatus(entity.RuntimeStatus),
    createdTime: String(entity.CreatedTime),
    lastUpdatedTime: String(entity.LastUpdatedTime),
    historyStart: optionalNumber(entity.HistoryStart) ?? 0,
    pendingEvents: pending ? (JSON.parse(pending) as string[]) : [],
  };
  const input = getText(entity, "Input");
  const output = getText(entity, "Output");
  const customStatus = getText(entity, "CustomStatus");
  if (input !== undefined) record.input = input;
  if (output !== undefined) record.output = output;
  if (customStatus !== undefined) record.customStatus = customStatus;
  const parentInstanceId = optionalString(entity.ParentInstanceId);
  const parentTaskId = optionalNumber(entity.ParentTaskId);
  const parentHistoryStart = optionalNumber(entity.ParentHistoryStart);
  if (parentInstanceId !== undefined) record.parentInstanceId = parentInstanceId;
  if (parentTaskId !== undefined) record.parentTaskId = parentTaskId;
  if (parentHistoryStart !== undefined) record.parentHistoryStart = parentHistoryStart;
  const version = optionalString(entity.Version);
  if (version !== undefined) record.version = version;
  return record;
}

function historyEntity(instanceId: string, row: HistoryRow, eventName: string): TableEntity<Record<string, unknown>> {
  const text = JSON.stringify(row.event);
  checkSize(`instance ${instanceId}: history event ${row.seq} (${eventName})`, { event: text });
  const entity: TableEntity<Record<string, unknown>> = {
    partitionKey: instanceKey(instanceId),
    rowKey: sequenceKey(row.seq),
    EventType: row.event.EventType,
    EventName: eventName,
    EventId: row.event.EventId,
    EventTime: row.event.Timestamp,
  };
  for (const field of ["Name", "TaskScheduledId", "TimerId"] as const) {
    const value = row.event[field];
    if (typeof value === "string" || typeof value === "number") entity[field] = value;
  }
  if (row.origin) entity.Origin = row.origin;
  putText(entity, "Event", text);
  return entity;
}

function historyFromEntity(entity: TableEntityResult<Record<string, unknown>>): HistoryRow {
  const text = getText(entity, "Event");
  if (text === undefined) throw new Error(`history row ${entity.partitionKey}/${entity.rowKey} has no Event`);
  const row: HistoryRow = { seq: Number(entity.rowKey), event: JSON.parse(text) as StoredEvent };
  if (entity.Origin === "retry") row.origin = "retry";
  return row;
}

function estimatedBytes(entity: Record<string, unknown>): number {
  let bytes = 1024;
  for (const value of Object.values(entity)) bytes += typeof value === "string" ? value.length * 2 : 16;
  return bytes;
}

/** What the store wrote since it was opened: how much, and the largest single entity's JSON text. */
export interface StoreStats {
  instanceWrites: number;
  instanceChars: number;
  historyRows: number;
  historyChars: number;
  /** The most JSON text one entity (instance or history row) carried, in UTF-16 code units. */
  largestEntityChars: number;
  largestEntity: string;
}

function textOf(entity: Record<string, unknown>): number {
  let total = 0;
  for (const [key, value] of Object.entries(entity))
    if (/^(Input|Output|CustomStatus|Event)(_\d+)?$/.test(key) && typeof value === "string") total += value.length;
  return total;
}

export class DurableStore {
  readonly taskHub: string;
  readonly stats: StoreStats = {
    instanceWrites: 0,
    instanceChars: 0,
    historyRows: 0,
    historyChars: 0,
    largestEntityChars: 0,
    largestEntity: "",
  };
  readonly instances: TableClient;
  readonly history: TableClient;

  private constructor(taskHub: string, instances: TableClient, history: TableClient) {
    this.taskHub = taskHub;
    this.instances = instances;
    this.history = history;
  }

  /** Opens (and creates, when missing) the task hub's two tables. */
  static async open(options: DurableStoreOptions): Promise<DurableStore> {
    const taskHub = options.taskHub ?? "Governor";
    if (!/^[A-Za-z][A-Za-z0-9]{2,48}$/.test(taskHub)) {
      throw new Error(`task hub name ${JSON.stringify(taskHub)}: 3 to 49 letters and digits, starting with a letter`);
    }
    const client = (table: string): TableClient =>
      TableClient.fromConnectionString(options.connectionString, table, { allowInsecureConnection: true });
    const store = new DurableStore(taskHub, client(`${taskHub}Instances`), client(`${taskHub}History`));
    await Promise.all([store.instances.createTable(), store.history.createTable()]);
    return store;
  }

  async getInstance(instanceId: string): Promise<InstanceRecord | undefined> {
    try {
      const entity = await this.instances.getEntity<Record<string, unknown>>(instanceKey(instanceId), "");
      return instanceFromEntity(entity);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Writes the whole record (replace). Throws PayloadTooLargeError before writing anything too big. */
  async putInstance(record: InstanceRecord): Promise<void> {
    const entity = instanceEntity(record);
    this.#count("instance", `instance ${record.instanceId}`, entity);
    await this.instances.upsertEntity(entity, "Replace");
  }

  #count(kind: "instance" | "history", what: string, entity: Record<string, unknown>): void {
    const chars = textOf(entity);
    if (kind === "instance") {
      this.stats.instanceWrites += 1;
      this.stats.instanceChars += chars;
    } else {
      this.stats.historyRows += 1;
      this.stats.historyChars += chars;
    }
    if (chars > this.stats.largestEntityChars) {
      this.stats.largestEntityChars = chars;
      this.stats.largestEntity = what;
    }
  }

  /**
   * Writes the record's status, output, custom status and links, leaving its input as stored
   * (merge): an instance's input is written once, when it is created or continues as new, not
   * at every episode. Throws PayloadTooLargeError before writing anything too big.
   */
  async updateInstance(record: InstanceRecord): Promise<void> {
    const entity = instanceEntity(record);
    for (const key of Object.keys(entity)) if (key === "Input" || key === "InputParts" || /^Input_\d+$/.test(key)) delete entity[key];
    // A merge keeps properties it does not name: a cleared output or status is written as 0 parts.
    for (const property of ["Output", "CustomStatus"]) if (entity[`${property}Parts`] === undefined) entity[`${property}Parts`] = 0;
    this.#count("instance", `instance ${record.instanceId}`, entity);
    await this.instances.upsertEntity(entity, "Merge");
  }

  /** Checks that a record would fit, without writing it. */
  checkInstance(record: InstanceRecord): void {
    instanceEntity(record);
  }

  async listInstances(statuses?: readonly RuntimeStatus[]): Promise<InstanceRecord[]> {
    const filter = statuses?.length ? statuses.map((status) => odata`RuntimeStatus eq ${status}`).join(" or ") : undefined;
    const result: InstanceRecord[] = [];
    const iterator = this.instances.listEntities<Record<string, unknown>>(filter ? { queryOptions: { filter } } : {});
    for await (const entity of iterator) result.push(instanceFromEntity(entity));
    return result;
  }

  /** History rows of an instance from `fromSeq` on, in order. */
  async readHistory(instanceId: string, fromSeq = 0): Promise<HistoryRow[]> {
    const filter = odata`PartitionKey eq ${instanceKey(instanceId)} and RowKey ge ${sequenceKey(fromSeq)}`;
    const rows: HistoryRow[] = [];
    for await (const entity of this.history.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      rows.push(historyFromEntity(entity));
    }
    return rows.sort((a, b) => a.seq - b.seq);
  }

  /** Checks that rows would fit, without writing them. */
  checkHistory(instanceId: string, rows: readonly HistoryRow[]): void {
    for (const row of rows) historyEntity(instanceId, row, historyEventTypeName(row.event.EventType));
  }

  /**
   * Writes rows (upsert by sequence). All rows of one call go in one entity-group transaction when
   * they fit (100 entities, 4 MiB); more are written in several, in order.
   */
  async appendHistory(instanceId: string, rows: readonly HistoryRow[]): Promise<void> {
    const entities = rows.map((row) => historyEntity(instanceId, row, historyEventTypeName(row.event.EventType)));
    for (const [index, entity] of entities.entries())
      this.#count("history", `instance ${instanceId}: history event ${rows[index]?.seq}`, entity);
    if (entities.length === 1 && entities[0]) {
      await this.history.upsertEntity(entities[0], "Replace");
      return;
    }
    let batch: TransactionAction[] = [];
    let bytes = 0;
    for (const entity of entities) {
      const size = estimatedBytes(entity);
      if (batch.length > 0 && (batch.length >= MAX_TRANSACTION_ACTIONS || bytes + size > MAX_TRANSACTION_BYTES)) {
        await this.history.submitTransaction(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(["upsert", entity, "Replace"]);
      bytes += size;
    }
    if (batch.length > 0) await this.history.submitTransaction(batch);
  }

  /** Removes rows of an episode that never finished writing (see the runtime's recovery). */
  async deleteHistory(instanceId: string, seqs: readonly number[]): Promise<void> {
    const partitionKey = instanceKey(instanceId);
    for (let start = 0; start < seqs.length; start += MAX_TRANSACTION_ACTIONS) {
      const actions: TransactionAction[] = seqs
        .slice(start, start + MAX_TRANSACTION_ACTIONS)
        .map((seq) => ["delete", { partitionKey, rowKey: sequenceKey(seq) }]);
      await this.history.submitTransaction(actions);
    }
  }
}
