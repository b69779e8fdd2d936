/**
 * The policies the running app uses, from where GOVERNOR_POLICY_FILE says (location.ts): a file,
 * or a blob in Governor's storage account that `governor policies push` replaces without a
 * rebuild. Every trigger and activity asks one source per process, which keeps the parsed set
 * with its version (the blob's ETag; a file's modification time and size) and reads again only
 * when the version changes. A blob's version is checked at most once per `refreshMs` (60 s), so
 * the app makes at most one request a minute for its policies whatever its load.
 *
 * The app never runs a set that fails validation: a new version that does not load leaves the
 * last good set in force, and is logged and recorded in the audit trail (a notice) once per
 * version. Only the first load fails with the mistakes, as there is nothing to keep.
 */
import { readFile, stat } from "node:fs/promises";
import type { BlobClient as Client } from "@azure/storage-blob";
import { type AuditRecord, GOVERNOR_ACTOR } from "../audit/record.ts";
import type { AuditTrail } from "../audit/trail.ts";
import { now as clockNow } from "../clock.ts";
import { formatPolicyLocation, parsePolicyLocation, type PolicyLocation } from "./location.ts";
import { parsePolicyText, PolicyLoadError } from "./loader.ts";
import type { Registry } from "./registry.ts";
import type { PolicySet } from "./types.ts";

export const DEFAULT_REFRESH_MS = 60_000;
/** Mistakes kept in a refusal's audit record: enough to fix the file, bounded for the record. */
const RECORDED_ISSUES = 50;

export type SourceLog = (level: "info" | "warn" | "error", line: string) => void;

export interface PolicySourceOptions {
  /** GOVERNOR_POLICY_FILE: a path or `blob:<container>/<blob name>`. */
  location: string;
  registry: Registry;
  /** For a blob: the storage setting (connection string, blob endpoint or account name); the app's by default. */
  storage?: string;
  /** A blob's version is checked at most this often; 0 checks at every call. A file is checked at every call. */
  refreshMs?: number;
  /** Where refused versions are recorded; opened when the first one is. */
  trail?: () => Promise<AuditTrail> | AuditTrail;
  log?: SourceLog;
  now?: () => Date;
}

export interface PolicySource {
  readonly location: string;
  /** The set in force: the newest version that loaded. */
  current(): Promise<PolicySet>;
  /** The version of the set in force (an ETag for a blob), once one has loaded. */
  version(): string | undefined;
}

/** A version of the policies that cannot be read because it is not there (a deleted blob or file). */
class Gone extends Error {}

interface Reader {
  /** The current version, without reading the content where the store allows it. */
  version(): Promise<string>;
  read(): Promise<{ text: string; version: string }>;
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function fileReader(path: string): Reader {
  const version = async (): Promise<string> => {
    try {
      const info = await stat(path);
      return `${info.mtimeMs}:${info.size}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new Gone(`${path} does not exist`);
      throw error;
    }
  };
  return {
    version,
    read: async () => {
      // The version before the text: a change in between shows as a newer version at the next check.
      const before = await version();
      return { text: await readFile(path, "utf8"), version: before };
    },
  };
}

function blobReader(location: Extract<PolicyLocation, { kind: "blob" }>, storage: string | undefined): Reader {
  let client: Promise<Client> | undefined;
  const blobClient = (): Promise<Client> => {
    client ??= (async () => {
      if (storage === undefined)
        throw new Error(
          `${formatPolicyLocation(location)} needs the app's storage: set AzureWebJobsStorage (or its identity-based settings)`,
        );
      const { blobServiceFor } = await import("../azure/blobs.ts");
      return (await blobServiceFor(storage)).getContainerClient(location.container).getBlobClient(location.blob);
    })();
    client.catch(() => (client = undefined));
    return client;
  };
  const gone = (error: unknown): never => {
    if ((error as { statusCode?: number }).statusCode === 404)
      throw new Gone(`${formatPolicyLocation(location)} does not exist (${(error as { code?: string }).code ?? "404"})`);
    throw error;
  };
  return {
    version: async () => {
      const properties = await (await blobClient()).getProperties().catch(gone);
      return properties.etag ?? "";
    },
    read: async () => {
      const response = await (await blobClient()).download().catch(gone);
      const chunks: Buffer[] = [];
      for await (const chunk of response.readableStreamBody ?? []) chunks.push(Buffer.from(chunk as Buffer));
      return { text: Buffer.concat(chunks).toString("utf8"), version: response.etag ?? "" };
    },
  };
}

const consoleLog: SourceLog = (level, line) =>
  level === "error" ? console.error(line) : level === "warn" ? console.warn(line) : console.log(line);

export function createPolicySource(options: PolicySourceOptions): PolicySource {
  const location = parsePolicyLocation(options.location);
  const name = formatPolicyLocation(location);
  const reader = location.kind === "file" ? fileReader(location.path) : blobReader(location, options.storage);
  const refreshMs = location.kind === "file" ? 0 : (options.refreshMs ?? DEFAULT_REFRESH_MS);
  const log = options.log ?? consoleLog;
  const now = options.now ?? clockNow;
  let good: { set: PolicySet; version: string; since: string } | undefined;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let checking: Promise<PolicySet> | undefined;
  /** Versions refused, and whether their refusal is recorded (a failed append is tried again at the next check). */
  const refused = new Map<string, { recorded: boolean; record: AuditRecord }>();
  let trail: Promise<AuditTrail> | undefined;

  const record = async (version: string, entry: { recorded: boolean; record: AuditRecord }): Promise<void> => {
    if (entry.recorded || !options.trail) return;
    try {
      trail ??= Promise.resolve(options.trail());
      await (await trail).append([entry.record]);
      entry.recorded = true;
    } catch (error) {
      trail = undefined;
      log("error", `policies: the refusal of ${name} version ${version} could not be recorded in the audit trail: ${describe(error)}`);
    }
  };

  const refuse = async (version: string, why: string, issues: string[]): Promise<void> => {
    const kept = good as NonNullable<typeof good>;
    let entry = refused.get(version);
    if (!entry) {
      const reason = `${name} version ${version} was not loaded: ${why}; the policies of version ${kept.version} (loaded ${kept.since}) stay in force`;
      entry = {
        recorded: false,
        record: {
          // One record per refused version, whichever instance of the app saw it first.
          id: `policies:${name}:refused:${version}`,
          at: now().toISOString(),
          kind: "notice",
          action: "load-policies",
          reason: reason.length > 8000 ? `${reason.slice(0, 7997)}...` : reason,
          trigger: { type: "manual", id: "policy-change" },
          actor: GOVERNOR_ACTOR,
          details: {
            location: name,
            refusedVersion: version,
            keptVersion: kept.version,
            keptSince: kept.since,
            issues: issues.slice(0, RECORDED_ISSUES),
            issueCount: issues.length,
          },
        },
      };
      refused.set(version, entry);
      log("warn", `policies: ${reason}${issues.length > 0 ? `:\n${issues.join("\n")}` : ""}`);
    }
    await record(version, entry);
  };

  const load = async (): Promise<PolicySet> => {
    let version: string;
    try {
      version = await reader.version();
    } catch (error) {
      if (!good) throw unreadable(error);
      // A deletion is recorded once per version it took away.
      if (error instanceof Gone) await refuse(`missing-after-${good.version}`, error.message, []);
      else log("warn", `policies: cannot check ${name} (${describe(error)}); version ${good.version} stays in force`);
      return good.set;
    }
    if (good?.version === version) return good.set;
    const known = refused.get(version);
    if (known) {
      await record(version, known);
      return (good as NonNullable<typeof good>).set;
    }
    let text: string;
    try {
      ({ text, version } = await reader.read());
    } catch (error) {
      if (!good) throw unreadable(error);
      log("warn", `policies: cannot read ${name} (${describe(error)}); version ${good.version} stays in force`);
      return good.set;
    }
    try {
      const set = parsePolicyText(text, name, options.registry);
      const enforced = set.policies.filter((policy) => policy.mode === "enforce").length;
      // A first load is the ordinary start and says nothing (a CLI's --json output stays JSON); a
      // new version taking over is news.
      if (good) log("info", `policies: ${name} version ${version} loaded: ${set.policies.length} policies (${enforced} enforce)`);
      good = { set, version, since: now().toISOString() };
      return set;
    } catch (error) {
      if (!(error instanceof PolicyLoadError) || !good) throw error;
      const issues = error.message.split("\n");
      await refuse(version, `${issues.length} mistake${issues.length === 1 ? "" : "s"}`, issues);
      return good.set;
    }
  };

  const unreadable = (error: unknown): PolicyLoadError =>
    new PolicyLoadError([{ file: name, line: 1, column: 1, path: "", message: `cannot read the ${location.kind}: ${describe(error)}` }]);

  return {
    location: name,
    version: () => good?.version,
    current: () => {
      const at = now().getTime();
      if (good && !checking && at - checkedAt < refreshMs) return Promise.resolve(good.set);
      // Callers at the same moment share one check.
      checking ??= (async () => {
        try {
          const set = await load();
          checkedAt = at;
          return set;
        } finally {
          // Before the callers resume: a caller after them starts a check of its own.
          checking = undefined;
        }
      })();
      return checking;
    },
  };
}
