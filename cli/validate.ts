/** `governor validate FILE...`: loads each file as `plan` would, and names every mistake. */
import { builtinRegistry } from "../shared/policy/builtins.ts";
import { loadPolicyFile, PolicyLoadError } from "../shared/policy/loader.ts";

export async function validateCommand(files: string[]): Promise<number> {
  if (files.length === 0) {
    console.error("governor validate: name one or more policy files");
    return 2;
  }
  let failed = 0;
  for (const file of files) {
    try {
      const set = await loadPolicyFile(file, builtinRegistry());
      const enforced = set.policies.filter((policy) => policy.mode === "enforce").length;
      console.log(`${file}: ${set.policies.length} policies (${enforced} enforce, ${set.policies.length - enforced} audit): valid`);
    } catch (error) {
      if (!(error instanceof PolicyLoadError)) throw error;
      failed += 1;
      console.error(error.message);
    }
  }
  return failed === 0 ? 0 : 1;
}
