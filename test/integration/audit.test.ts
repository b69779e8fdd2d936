/** The audit trail in real Table Storage (Azurite), and `governor audit` as a user runs it. */
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AuditRecord,
  AuditRecordError,
  DETAILS_MAX_BYTES,
  isTruncatedDetails,
  TableAuditTrail,
  validateAuditRecord,
} from "../../shared/audit/index.ts";
import { type Azurite, startAzurite } from "../../local/azurite.ts";

const CLI = fileURLToPath(new URL("../../cli/governor.ts", import.meta.url));
const SUBSCRIPTION = "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const VM_DEV = `${SUBSCRIPTION}/resourceGroups/rg-odoo-dev/providers/Microsoft.Compute/virtualMachines/vm-odoo-dev-01`;
const VM_TEST = `${SUBSCRIPTION}/resourceGroups/rg-odoo-test/providers/Microsoft.Compute/virtualMachines/vm-odoo-test-01`;
const SNAPSHOT = `${SUBSCRIPTION}/resourceGroups/rg-odoo-prod/providers/Microsoft.Compute/snapshots/snap-odoo-db-2024-01`;

let azurite: Azurite;
let tables = 0;

beforeAll(async () => {
  azurite = await startAzurite({ location: mkdtempSync(join(tmpdir(), "governor-audit-")) });
});

afterAll(async () => {
  await azurite?.close();
});

/** A fresh table per test, so tests do not see each other's records. */
function freshTable(): string {
  tables += 1;
  return `Audit${tables}T${process.pid}`;
}

function trailOn(table: string): TableAuditTrail {
  return TableAuditTrail.fromConnectionString(azurite.connectionString, { table });
}

/** Every entity of the table as stored, through the SDK directly: what the trail really wrote. */
async function storedEntities(table: string): Promise<Array<{ partitionKey: string; rowKey: string; id: string }>> {
  const client = TableClient.fromConnectionString(azurite.connectionString, table, { allowInsecureConnection: true });
  const entities: Array<{ partitionKey: string; rowKey: string; id: string }> = [];
  try {
    for await (const entity of client.listEntities<{ id: string }>())
      entities.push({ partitionKey: entity.partitionKey as string, rowKey: entity.rowKey as string, id: entity.id });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return [];
    throw error;
  }
  return entities;
}

/** Record entities only (day partitions), leaving out the id claims. */
async function storedRecords(table: string): Promise<Array<{ partitionKey: string; rowKey: string; id: string }>> {
  return (await storedEntities(table)).filter((entity) => /^\d{4}-\d{2}-\d{2}$/.test(entity.partitionKey));
}

function deallocation(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id: `stop-idle-nonprod-vms:${VM_DEV}:deallocate`,
    at: "2024-05-03T19:00:04.120Z",
    kind: "action",
    policy: "stop-idle-nonprod-vms",
    resourceId: VM_DEV,
    action: "deallocate",
    verdict: "needs-approval",
    reason: "CPU average 1.8% over 72h < 5%; environment dev; approved by maria@contoso",
    instanceId: "stop-idle-nonprod-vms@2024-05-03",
    trigger: { type: "timer", id: "sweep-idle-compute" },
    actor: { type: "governor", id: "governor-identity" },
    outcome: "applied",
    details: { powerStateBefore: "running", powerStateAfter: "deallocated", estimatedMonthlySavings: 68.5 },
    ...overrides,
  };
}

function governor(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { timeout: 60_000, env: { ...process.env, ...env }, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe("audit trail in Table Storage", () => {
  it("appends records and reads them back as they were written", async () => {
    const table = freshTable();
    const trail = trailOn(table);
    const finding = deallocation({
      id: "finding-1",
      kind: "finding",
      at: "2024-05-03T16:30:00+02:00",
      outcome: undefined,
      details: undefined,
      trigger: { type: "timer" },
    });
    const approval = deallocation({
      id: "approval-1",
      kind: "approval",
      at: "2024-05-03T16:55:12.5Z",
      reason: "Approved in Teams: load test finished",
      trigger: { type: "approval", id: "decision-7f3a" },
      actor: { type: "person", id: "0a1b2c3d-object-id", name: "maria@contoso" },
      outcome: undefined,
      details: undefined,
    });
    const action = deallocation();

    const result = await trailOn(table).append([action, finding, approval]);
    expect(result).toEqual({
      recorded: ["stop-idle-nonprod-vms:" + VM_DEV + ":deallocate", "finding-1", "approval-1"],
      alreadyRecorded: [],
      conflicts: [],
    });

    const records = await trail.query();
    // Time order, `at` in UTC to the millisecond, absent fields absent.
    expect(records).toEqual(
      [
        { ...finding, at: "2024-05-03T14:30:00.000Z", outcome: undefined, details: undefined },
        { ...approval, at: "2024-05-03T16:55:12.500Z" },
        action,
      ].map((record) => JSON.parse(JSON.stringify(record)) as AuditRecord),
    );
    expect(Object.keys(records[0] as object)).not.toContain("outcome");
    expect(await trail.query({ order: "newest-first" })).toEqual([...records].reverse());
    expect(await trail.query({ kind: "approval" })).toEqual([records[1]]);
  });

  it("stores the same record appended twice once, across batches, trails and concurrent deliveries", async () => {
    const table = freshTable();
    const record = deallocation();
    const first = await trailOn(table).append([record]);
    expect(first.recorded).toEqual([record.id]);

    const again = await trailOn(table).append([record, { ...record }]);
    expect(again).toEqual({ recorded: [], alreadyRecorded: [record.id, record.id], conflicts: [] });

    const other = deallocation({ id: "concurrent-delivery" });
    const results = await Promise.all(Array.from({ length: 6 }, () => trailOn(table).append([other])));
    expect(results.flatMap((result) => result.recorded)).toEqual(["concurrent-delivery"]);
    expect(results.flatMap((result) => result.alreadyRecorded)).toHaveLength(5);

    expect((await storedRecords(table)).map((entity) => entity.id).sort()).toEqual(["concurrent-delivery", record.id]);
    expect(await trailOn(table).query()).toHaveLength(2);
  });

  it("keeps the first record when a different one comes with the same id, and reports the difference", async () => {
    const table = freshTable();
    const trail = trailOn(table);
    const original = deallocation();
    await trail.append([original]);

    // A redelivered activity that read the clock again and saw a different result.
    const later = deallocation({ at: "2024-05-04T08:00:00.000Z", outcome: "already-done", reason: "VM was already deallocated" });
    const result = await trail.append([later]);
    expect(result.recorded).toEqual([]);
    expect(result.alreadyRecorded).toEqual([]);
    expect(result.conflicts).toHaveLength(1);
    expect(result.conflicts[0]?.id).toBe(original.id);
    expect(result.conflicts[0]?.fields.sort()).toEqual(["at", "outcome", "reason"]);
    expect(result.conflicts[0]?.kept).toEqual(original);
    expect(result.conflicts[0]?.refused).toEqual(later);

    expect(await trail.query()).toEqual([original]);
    // Not even in the later record's day partition.
    expect((await storedRecords(table)).map((entity) => entity.partitionKey)).toEqual(["2024-05-03"]);
  });

  it("finishes an append that stopped between the id claim and the record when the id comes again", async () => {
    const table = freshTable();
    const record = deallocation();
    await trailOn(table).append([record]);
    // Simulate a crash after the claim: remove the record entity behind the trail's back.
    const [written] = await storedRecords(table);
    const client = TableClient.fromConnectionString(azurite.connectionString, table, { allowInsecureConnection: true });
    await client.deleteEntity(written?.partitionKey as string, written?.rowKey as string);
    expect(await trailOn(table).query()).toEqual([]);

    const retry = await trailOn(table).append([record]);
    expect(retry.alreadyRecorded).toEqual([record.id]);
    expect(await trailOn(table).query()).toEqual([record]);
  });

  it("refuses a batch with a malformed record, naming each problem, and writes nothing of it", async () => {
    const table = freshTable();
    const trail = trailOn(table);
    const good = deallocation({ id: "good" });
    const { reason: _reason, ...missingReason } = deallocation({ id: "no-reason" });
    const badKind = deallocation({ id: "bad-kind", kind: "rumour" as AuditRecord["kind"] });
    const badDate = deallocation({ id: "bad-date", at: "2024-02-30T10:00:00Z" });
    const noZone = deallocation({ id: "no-zone", at: "2024-05-03 19:00" });

    const error = await trail.append([good, missingReason as AuditRecord, badKind, badDate, noZone]).then(
      () => undefined,
      (refusal: unknown) => refusal,
    );
    expect(error).toBeInstanceOf(AuditRecordError);
    const refusal = error as AuditRecordError;
    expect(refusal.refused.map(({ index, id }) => [index, id])).toEqual([
      [1, "no-reason"],
      [2, "bad-kind"],
      [3, "bad-date"],
      [4, "no-zone"],
    ]);
    expect(refusal.message).toContain('record 1 ("no-reason"): reason: required, a non-empty string');
    expect(refusal.message).toMatch(/record 2 \("bad-kind"\): kind: must be one of "finding", .* not "rumour"/);
    expect(refusal.message).toContain('record 3 ("bad-date"): at: "2024-02-30T10:00:00Z" is not an ISO 8601 date-time with a zone');
    expect(refusal.message).toContain('record 4 ("no-zone"): at: "2024-05-03 19:00" is not an ISO 8601 date-time');
    expect(refusal.message).toContain("nothing was written");

    expect(await storedEntities(table)).toEqual([]);
    expect(await trail.query()).toEqual([]);
  });

  it("names the field of every problem of a record", () => {
    expect(validateAuditRecord(deallocation())).toEqual([]);
    expect(
      validateAuditRecord({
        ...deallocation(),
        reason: "  ",
        verdict: "maybe",
        resourceId: "vm-odoo-dev-01",
        trigger: { type: "cron" },
        actor: { type: "person" },
        outcome: "done",
        details: { when: new Date(0), ratio: Number.NaN },
        reasn: "typo",
      }),
    ).toEqual([
      "reasn: not a field of an audit record",
      'resourceId: "vm-odoo-dev-01" is not an ARM resource id (/subscriptions/...)',
      'verdict: must be one of "remediate", "needs-approval", "audit", "blocked", not "maybe"',
      "reason: must not be empty",
      'trigger.type: must be one of "event", "timer", "budget-alert", "cli", "approval", "manual", not "cron"',
      "actor.id: required, a non-empty string",
      'outcome: must be one of "applied", "already-done", "skipped", "failed", not "done"',
      "details.when: a Date is not plain JSON",
      "details.ratio: NaN is not a JSON number",
    ]);
    expect(validateAuditRecord("record")).toEqual(['record: must be an object, not "record"']);
  });

  it("reads exactly the records in range across day partitions, in time order, querying only those days", async () => {
    const table = freshTable();
    const trail = trailOn(table);
    const times = [
      "2024-04-29T23:59:59.999Z",
      "2024-04-30T00:00:00.000Z",
      "2024-04-30T12:00:00.000Z",
      "2024-05-01T00:00:00.000Z",
      "2024-05-01T09:15:00.000Z",
      "2024-05-01T09:15:00.000Z",
      "2024-05-02T18:00:00.000Z",
      "2024-05-03T06:00:00.000Z",
      "2024-05-03T06:00:00.001Z",
      "2024-05-04T10:00:00.000Z",
    ];
    // Appended out of order: the trail orders them.
    const records = times.map((at, index) => deallocation({ id: `step-${String(index).padStart(2, "0")}`, at }));
    await trail.append([...records].reverse());
    expect(new Set((await storedRecords(table)).map((entity) => entity.partitionKey))).toEqual(
      new Set(["2024-04-29", "2024-04-30", "2024-05-01", "2024-05-02", "2024-05-03", "2024-05-04"]),
    );

    const filters: string[] = [];
    trail.client.pipeline.addPolicy({
      name: "record-filters",
      sendRequest: (request, next) => {
        const filter = new URL(request.url).searchParams.get("$filter");
        if (filter) filters.push(filter);
        return next(request);
      },
    });

    const inRange = await trail.query({ since: "2024-04-30T00:00:00Z", until: new Date("2024-05-03T06:00:00.001Z") });
    expect(inRange.map((record) => record.id)).toEqual(["step-01", "step-02", "step-03", "step-04", "step-05", "step-06", "step-07"]);
    expect(inRange.map((record) => record.at)).toEqual(times.slice(1, 8));
    expect(filters).toHaveLength(1);
    expect(filters[0]).toContain("PartitionKey ge '2024-04-30' and PartitionKey le '2024-05-03'");

    expect((await trail.query({ since: "2024-05-01T09:15:00Z", limit: 3 })).map((record) => record.id)).toEqual([
      "step-04",
      "step-05",
      "step-06",
    ]);
    expect((await trail.query({ order: "newest-first", limit: 4 })).map((record) => record.id)).toEqual([
      "step-09",
      "step-08",
      "step-07",
      "step-06",
    ]);
    expect(
      (await trail.query({ order: "newest-first", since: "2024-04-30T06:00:00Z", until: "2024-05-01T09:15:00Z" })).map(
        (record) => record.id,
      ),
    ).toEqual(["step-03", "step-02"]);
    expect(await trail.query({ since: "2024-06-01T00:00:00Z" })).toEqual([]);
    expect(await trail.query({ since: "2024-05-02T00:00:00Z", until: "2024-05-01T00:00:00Z" })).toEqual([]);
  });

  it("filters by resource whatever the case of its id, by policy and by instance", async () => {
    const table = freshTable();
    const trail = trailOn(table);
    await trail.append([
      deallocation({ id: "a", resourceId: VM_DEV, instanceId: "run-1" }),
      deallocation({ id: "b", resourceId: VM_TEST, instanceId: "run-1", at: "2024-05-03T19:00:05Z" }),
      deallocation({
        id: "c",
        resourceId: SNAPSHOT,
        policy: "delete-old-snapshots",
        action: "delete",
        instanceId: "run-2",
        at: "2024-05-03T19:00:06Z",
      }),
      deallocation({ id: "d", kind: "notice", resourceId: undefined, policy: undefined, instanceId: "run-2", at: "2024-05-03T19:00:07Z" }),
    ]);
    const ids = async (query: Parameters<TableAuditTrail["query"]>[0]): Promise<string[]> =>
      (await trail.query(query)).map((record) => record.id);

    expect(await ids({ resourceId: VM_DEV.toUpperCase() })).toEqual(["a"]);
    expect(await ids({ resourceId: VM_TEST.replace("rg-odoo-test", "RG-Odoo-Test") })).toEqual(["b"]);
    expect(await ids({ policy: "stop-idle-nonprod-vms" })).toEqual(["a", "b"]);
    expect(await ids({ policy: "delete-old-snapshots" })).toEqual(["c"]);
    expect(await ids({ instanceId: "run-2" })).toEqual(["c", "d"]);
    expect(await ids({ instanceId: "run-1", resourceId: VM_TEST })).toEqual(["b"]);
    expect(await ids({ policy: "it's-quoted" })).toEqual([]);
  });

  it("truncates large details with a marker and keeps the entity within Table Storage's limits", async () => {
    const table = freshTable();
    const trail = trailOn(table);
    const resources = Array.from({ length: 2000 }, (_, index) => ({
      id: `${VM_DEV}-${index}`,
      note: 'Entrepôt Liège 😀 "quoted"',
    }));
    const small = { resources: resources.slice(0, 3) };
    await trail.append([
      deallocation({ id: "large", details: { resources } }),
      deallocation({ id: "small", details: small, at: "2024-05-03T19:00:05Z" }),
    ]);

    const [large, kept] = await trail.query();
    expect(kept?.details).toEqual(small);
    const details = large?.details;
    expect(isTruncatedDetails(details)).toBe(true);
    if (!isTruncatedDetails(details)) return;
    const original = JSON.stringify({ resources });
    expect(details.originalBytes).toBe(Buffer.byteLength(original, "utf8"));
    expect(details.note).toContain(`over the audit trail's bound of ${DETAILS_MAX_BYTES}`);
    expect(original.startsWith(details.preview)).toBe(true);
    expect(details.preview.length).toBeGreaterThan(10_000);
    expect(Buffer.byteLength(JSON.stringify(details), "utf8")).toBeLessThanOrEqual(DETAILS_MAX_BYTES);
    // The rest of the record is whole.
    expect({ ...large, details: undefined }).toEqual({ ...deallocation({ id: "large" }), details: undefined });
  });
});

describe("governor audit", () => {
  let table: string;
  let env: Record<string, string>;
  const hoursAgo = (hours: number): string => new Date(Date.now() - hours * 3_600_000).toISOString();

  beforeAll(async () => {
    table = freshTable();
    env = { AzureWebJobsStorage: azurite.connectionString, GOVERNOR_AUDIT_TABLE: table };
    await trailOn(table).append([
      deallocation({ id: "old", at: hoursAgo(24 * 10), reason: "ten days ago" }),
      deallocation({ id: "finding", kind: "finding", at: hoursAgo(3), outcome: undefined, reason: "CPU average 1.8% over 72h < 5%" }),
      deallocation({
        id: "approval",
        kind: "approval",
        at: hoursAgo(2),
        outcome: undefined,
        reason: "Approved in Teams",
        actor: { type: "person", id: "0a1b2c3d", name: "maria@contoso" },
        trigger: { type: "approval" },
      }),
      deallocation({ id: "action", at: hoursAgo(1) }),
      deallocation({ id: "snapshot", resourceId: SNAPSHOT, policy: "delete-old-snapshots", action: "delete", at: hoursAgo(0.5) }),
    ]);
  });

  it("prints a table of who did what, when and why, in time order", async () => {
    const { code, stdout } = await governor(env, "audit", "--since", "7d", "--resource", VM_DEV.toUpperCase());
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^TIME \(UTC\) +KIND +POLICY +RESOURCE +ACTION +OUTCOME +ACTOR +REASON$/);
    expect(lines[1]).toMatch(
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} +finding +stop-idle-nonprod-vms +vm-odoo-dev-01 +deallocate +- +governor +CPU average 1\.8%/,
    );
    expect(lines[2]).toMatch(/ approval +stop-idle-nonprod-vms +vm-odoo-dev-01 +deallocate +- +maria@contoso +Approved in Teams$/);
    expect(lines[3]).toMatch(/ action +stop-idle-nonprod-vms +vm-odoo-dev-01 +deallocate +applied +governor +CPU average/);
    expect(stdout).not.toContain("ten days ago");
    expect(stdout).not.toContain("snap-odoo-db");
    expect(stdout).toMatch(/^3 records, from .* to .*\.$/m);
  });

  it("prints one JSON document with --json, the newest --limit records in time order", async () => {
    const { code, stdout, stderr } = await governor(env, "audit", "--json", "--limit", "2");
    expect(code).toBe(0);
    const document = JSON.parse(stdout) as { records: AuditRecord[] };
    expect(Object.keys(document)).toEqual(["records"]);
    expect(document.records.map((record) => record.id)).toEqual(["action", "snapshot"]);
    expect(document.records[0]).toEqual(deallocation({ id: "action", at: document.records[0]?.at as string }));
    expect(stderr).toContain("only the newest 2 are shown");

    const byPolicy = await governor(env, "audit", "--json", "--policy", "delete-old-snapshots");
    expect((JSON.parse(byPolicy.stdout) as { records: AuditRecord[] }).records.map((record) => record.id)).toEqual(["snapshot"]);
  });

  it("exits 2 with the reason on a bad option, and says where the storage is missing", async () => {
    const badSince = await governor(env, "audit", "--since", "yesterday");
    expect(badSince.code).toBe(2);
    expect(badSince.stderr).toContain("governor audit: --since takes a duration back from now (24h, 7d, 2w)");
    expect(badSince.stderr).toContain('not "yesterday"');

    const badLimit = await governor(env, "audit", "--limit", "0");
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain('--limit takes a whole number of at least 1, not "0"');

    const unknown = await governor(env, "audit", "--resources", VM_DEV);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--resources");

    const noStorage = await governor({ AzureWebJobsStorage: "" }, "audit");
    expect(noStorage.code).toBe(2);
    expect(noStorage.stderr).toContain("give --storage <connection string> or set AzureWebJobsStorage");
  });

  it("says so when nothing matches, and reads a storage given with --storage", async () => {
    const { code, stdout } = await governor({ GOVERNOR_AUDIT_TABLE: freshTable() }, "audit", "--storage", azurite.connectionString);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe("No audit records match.");
  });
});
