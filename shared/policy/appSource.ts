/**
 * The policy source of the running app: one per process and setting, shared by every trigger and
 * activity (so one check of the blob a minute serves them all), recording refused versions in the
 * app's audit trail.
 */
import { appStorageSetting } from "../azure/storage.ts";
import type { GovernorConfig } from "../config.ts";
import { builtinRegistry } from "./builtins.ts";
import { isBlobLocation } from "./location.ts";
import { createPolicySource, type PolicySource } from "./source.ts";
import type { PolicySet } from "./types.ts";

const sources = new Map<string, PolicySource>();

export function appPolicySource(
  config: Pick<GovernorConfig, "policyFile" | "auditTable">,
  env: Record<string, string | undefined> = process.env,
): PolicySource {
  const storage = isBlobLocation(config.policyFile) ? appStorageSetting(env, "blob") : undefined;
  const key = JSON.stringify([config.policyFile, storage, config.auditTable, env.AzureWebJobsStorage]);
  let source = sources.get(key);
  if (!source) {
    source = createPolicySource({
      location: config.policyFile,
      registry: builtinRegistry(),
      ...(storage === undefined ? {} : { storage }),
      // Opened when a refusal is first recorded: most processes never need it.
      trail: async () => (await import("../audit/storage.ts")).openAuditTrail(env, { table: config.auditTable }),
    });
    sources.set(key, source);
  }
  return source;
}

/** The policy set in force for the app's settings. */
export const appPolicies = (
  config: Pick<GovernorConfig, "policyFile" | "auditTable">,
  env: Record<string, string | undefined> = process.env,
): Promise<PolicySet> => appPolicySource(config, env).current();
