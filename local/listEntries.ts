/**
 * Prints, as JSON, every function, orchestration and activity the entry files register, loaded
 * on plain Node the way the worker loads them (package.json `main`). Exits 1 naming the file that
 * fails to import. `node local/listEntries.ts [root]`.
 */
import { relative } from "node:path";
import { entryFiles, loadEntries, REPO_ROOT } from "./entries.ts";

const root = process.argv[2] ?? REPO_ROOT;
try {
  const files = entryFiles(root);
  const registrations = await loadEntries(files);
  const listing = {
    files: files.map((file) => relative(root, file)),
    functions: registrations.map((registration) => ({ name: registration.name, triggerType: registration.triggerType })),
  };
  process.stdout.write(`${JSON.stringify(listing, null, 2)}\n`);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
}
