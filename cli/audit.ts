/**
 * `governor audit`: who or what changed a resource, when, under which policy, why and with whose
 * approval, read from the audit trail in Table Storage. The storage is `--storage` (a connection
 * string, or a table endpoint URL signed in with the Azure CLI's or the environment's
 * credentials) or the app's own `AzureWebJobsStorage` setting; the table is
 * `GOVERNOR_AUDIT_TABLE` (default `GovernorAudit`).
 *
 * Shows the newest `--limit` records (default 200) that match, in time order, oldest first.
 */
import { resourceNameOf } from "../shared/azure/resourceId.ts";
import { parseArgs } from "node:util";
import { AUDIT_KINDS, type AuditKind, type AuditRecord, parseIsoDateTime } from "../shared/audit/record.ts";
import { checkTableName, DEFAULT_AUDIT_TABLE } from "../shared/audit/trail.ts";
import { AuditStorageError, openAuditTrail } from "../shared/audit/storage.ts";
import { parseDuration } from "../shared/time/duration.ts";

export const DEFAULT_LIMIT = 200;

class UsageError extends Error {}

/** `24h`, `7d`, `2w` back from now; an ISO date-time with a zone; or a day (`2024-05-01`, from midnight UTC). */
export function parseWhen(option: string, text: string, now: Date): Date {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?\s*(ms|s|m|h|d|w)$/.test(trimmed)) {
    const date = new Date(now.getTime() - parseDuration(trimmed));
    if (date.getUTCFullYear() >= 1970) return date;
    throw new UsageError(`--${option} ${text} reaches back before 1970`);
  }
  const date = parseIsoDateTime(/^\d{4}-\d{2}-\d{2}$/.test(trimmed) ? `${trimmed}T00:00:00Z` : trimmed);
  if (date) return date;
  throw new UsageError(
    `--${option} takes a duration back from now (24h, 7d, 2w), a day (2024-05-01) or an ISO date-time with a zone (2024-05-01T18:55:00Z), not "${text}"`,
  );
}

function positiveInteger(option: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1)
    throw new UsageError(`--${option} takes a whole number of at least 1, not "${text}"`);
  return value;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

function resourceName(resourceId: string | undefined): string {
  if (resourceId === undefined) return "-";
  return resourceNameOf(resourceId);
}

export function renderAudit(records: AuditRecord[]): string {
  const header = ["TIME (UTC)", "KIND", "POLICY", "RESOURCE", "ACTION", "OUTCOME", "ACTOR", "REASON"];
  const rows = records.map((record) => [
    `${record.at.slice(0, 10)} ${record.at.slice(11, 19)}`,
    record.kind,
    record.policy ?? "-",
    resourceName(record.resourceId),
    record.action ?? "-",
    record.outcome ?? "-",
    record.actor.type === "governor" ? "governor" : (record.actor.name ?? record.actor.id),
    record.reason.replace(/\s+/g, " "),
  ]);
  const widths = header.map((title, column) => Math.min(48, Math.max(title.length, ...rows.map((row) => (row[column] as string).length))));
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : pad(cell, widths[column] as number)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

export async function auditCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        since: { type: "string" },
        until: { type: "string" },
        resource: { type: "string" },
        policy: { type: "string" },
        instance: { type: "string" },
        kind: { type: "string" },
        json: { type: "boolean", default: false },
        limit: { type: "string" },
        storage: { type: "string" },
      },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const now = new Date();
    const since = values.since === undefined ? undefined : parseWhen("since", values.since, now);
    const until = values.until === undefined ? undefined : parseWhen("until", values.until, now);
    if (since && until && since.getTime() >= until.getTime())
      throw new UsageError(`--since (${since.toISOString()}) must be before --until (${until.toISOString()})`);
    const limit = values.limit === undefined ? DEFAULT_LIMIT : positiveInteger("limit", values.limit);
    if (values.kind !== undefined && !(AUDIT_KINDS as readonly string[]).includes(values.kind))
      throw new UsageError(`--kind takes one of ${AUDIT_KINDS.join(", ")}, not "${values.kind}"`);
    for (const option of ["resource", "policy", "instance"] as const)
      if (values[option] !== undefined && values[option].trim() === "") throw new UsageError(`--${option} must not be empty`);
    const table = env.GOVERNOR_AUDIT_TABLE?.trim() || DEFAULT_AUDIT_TABLE;
    const tableProblem = checkTableName(table);
    if (tableProblem) throw new UsageError(`GOVERNOR_AUDIT_TABLE: ${tableProblem}`);
    const trail = await openAuditTrail(env, { table, ...(values.storage === undefined ? {} : { storage: values.storage }) });

    // The newest `limit` (one more, to know whether more match), shown in time order.
    const newest = await trail.query({
      ...(since ? { since } : {}),
      ...(until ? { until } : {}),
      ...(values.resource === undefined ? {} : { resourceId: values.resource.trim() }),
      ...(values.policy === undefined ? {} : { policy: values.policy.trim() }),
      ...(values.instance === undefined ? {} : { instanceId: values.instance.trim() }),
      ...(values.kind === undefined ? {} : { kind: values.kind as AuditKind }),
      limit: limit + 1,
      order: "newest-first",
    });
    const more = newest.length > limit;
    const records = newest.slice(0, limit).reverse();
    const moreNote = `More records match: only the newest ${limit} are shown. Narrow with --since/--until or raise --limit.`;

    if (values.json) {
      process.stdout.write(`${JSON.stringify({ records }, null, 2)}\n`);
      if (more) console.error(moreNote);
      return 0;
    }
    if (records.length === 0) {
      console.log("No audit records match.");
      return 0;
    }
    console.log(renderAudit(records));
    console.log("");
    const first = records[0] as AuditRecord;
    const last = records[records.length - 1] as AuditRecord;
    console.log(`${records.length} record${records.length === 1 ? "" : "s"}, from ${first.at} to ${last.at}.`);
    if (more) console.log(moreNote);
    return 0;
  } catch (error) {
    const usage =
      error instanceof UsageError ||
      error instanceof AuditStorageError ||
      (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") === true;
    if (!usage) throw error;
    console.error(`governor audit: ${(error as Error).message}`);
    return 2;
  }
}
