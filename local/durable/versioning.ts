/**
 * Orchestration versioning as the Durable Functions extension applies it (host.json
 * `extensions.durableTask`): `defaultVersion` is the version every instance and sub-orchestration
 * this runtime starts is stamped with; `versionMatchStrategy` says which instances it may run
 * (`CurrentOrOlder`, the default: up to its own version; `Strict`: only its own; `None`: any);
 * `versionFailureStrategy` what becomes of one it may not (`Reject`, the default: left as it is
 * for a runtime of a matching version; `Fail`: failed). Versions compare as the extension
 * compares them (`compareVersions`).
 *
 * The host reads a setting from the app settings before host.json
 * (`AzureFunctionsJobHost__extensions__durableTask__defaultVersion`): so does `hostVersioning`.
 */
import { readFileSync } from "node:fs";
import { compareVersions } from "../../orchestrations/versions.ts";

export type VersionMatchStrategy = "None" | "Strict" | "CurrentOrOlder";
export type VersionFailureStrategy = "Reject" | "Fail";

export interface OrchestrationVersioning {
  defaultVersion?: string;
  matchStrategy?: VersionMatchStrategy;
  failureStrategy?: VersionFailureStrategy;
}

const MATCH: readonly VersionMatchStrategy[] = ["None", "Strict", "CurrentOrOlder"];
const FAILURE: readonly VersionFailureStrategy[] = ["Reject", "Fail"];
const OVERRIDE = "AzureFunctionsJobHost__extensions__durableTask__";

function oneOf<T extends string>(what: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  // The host binds enum settings case-insensitively.
  const found = allowed.find((item) => typeof value === "string" && item.toLowerCase() === value.toLowerCase());
  if (!found) throw new Error(`${what} must be one of ${allowed.join(", ")}, not ${JSON.stringify(value)}`);
  return found;
}

/** The versioning settings of a parsed host.json, app settings first; bad values are refused with the setting's name. */
export function versioningOf(hostJson: unknown, env: Record<string, string | undefined> = process.env): OrchestrationVersioning {
  const durableTask = (hostJson as { extensions?: { durableTask?: Record<string, unknown> } } | null)?.extensions?.durableTask ?? {};
  const setting = (name: string): unknown => env[`${OVERRIDE}${name}`] ?? durableTask[name];
  const defaultVersion = setting("defaultVersion");
  if (defaultVersion !== undefined && defaultVersion !== null && typeof defaultVersion !== "string")
    throw new Error(`durableTask.defaultVersion must be a string, not ${JSON.stringify(defaultVersion)}`);
  const result: OrchestrationVersioning = {};
  if (typeof defaultVersion === "string" && defaultVersion.trim() !== "") result.defaultVersion = defaultVersion.trim();
  const match = oneOf("durableTask.versionMatchStrategy", setting("versionMatchStrategy"), MATCH);
  const failure = oneOf("durableTask.versionFailureStrategy", setting("versionFailureStrategy"), FAILURE);
  if (match) result.matchStrategy = match;
  if (failure) result.failureStrategy = failure;
  return result;
}

/** The versioning settings of a host.json file. */
export function hostVersioning(file: string | URL, env: Record<string, string | undefined> = process.env): OrchestrationVersioning {
  return versioningOf(JSON.parse(readFileSync(file, "utf8")) as unknown, env);
}

/** Why a runtime with these settings may not run an instance of `version`; undefined when it may. */
export function versionRefusal(versioning: OrchestrationVersioning, version: string | undefined): string | undefined {
  const strategy = versioning.matchStrategy ?? "CurrentOrOlder";
  const own = versioning.defaultVersion;
  const order = compareVersions(version, own);
  const shown = (value: string | undefined): string => (value === undefined ? "no version" : `version ${value}`);
  if (strategy === "Strict" && order !== 0)
    return `it started with ${shown(version)} and this runtime runs only ${shown(own)} (versionMatchStrategy Strict)`;
  if (strategy === "CurrentOrOlder" && order > 0)
    return `it started with ${shown(version)}, newer than this runtime's ${shown(own)} (versionMatchStrategy CurrentOrOlder)`;
  return undefined;
}
