/** Loads a policy file for a command: a bad file is reported with every mistake, and the command exits 1. */
import { builtinRegistry } from "../shared/policy/builtins.ts";
import { loadPolicyFile, PolicyLoadError } from "../shared/policy/loader.ts";
import type { PolicySet } from "../shared/policy/types.ts";

export async function loadPoliciesOrReport(file: string): Promise<PolicySet | undefined> {
  try {
    return await loadPolicyFile(file, builtinRegistry());
  } catch (error) {
    if (!(error instanceof PolicyLoadError)) throw error;
    console.error(error.message);
    return undefined;
  }
}
