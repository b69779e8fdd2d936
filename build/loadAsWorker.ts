/**
 * Loads Governor the way the Azure Functions Node.js worker does, and lists what registers: the
 * worker provides the `@azure/functions-core` module, imports the file package.json's `main`
 * names (or each file of its glob), and receives `registerFunction` calls. Here a stand-in core
 * records them. Prints JSON: the functions (name, trigger type) and how long the imports took.
 *
 *   node build/loadAsWorker.ts package <folder>   a built package (dist/): its package.json main
 *   node build/loadAsWorker.ts sources [root]     the TypeScript entry files of the main glob
 *   node build/loadAsWorker.ts chunks <folder>    a built package, then each of its lazily loaded chunks
 *
 * Exits 1 with the message when an import fails: the worker would start an app without them.
 */
import { readdirSync, readFileSync } from "node:fs";
import { registerHooks } from "node:module";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

interface Registered {
  name: string;
  triggerType: string;
}

const registered: Registered[] = [];
(globalThis as { __governorWorker?: unknown }).__governorWorker = {
  register(metadata: { name: string; bindings: Record<string, { type: string; direction: string }> }) {
    const trigger = Object.values(metadata.bindings).find((binding) => /trigger$/i.test(binding.type));
    registered.push({ name: metadata.name, triggerType: trigger?.type ?? "unknown" });
  },
};

const CORE_URL = "file:///governor-worker/functions-core.cjs";
const CORE_SOURCE = `
const worker = globalThis.__governorWorker;
module.exports = {
  version: "stand-in",
  hostVersion: "4",
  setProgrammingModel() {},
  getProgrammingModel() { return undefined; },
  registerHook() { return { dispose() {} }; },
  registerFunction(metadata, _handler) { worker.register(metadata); return { dispose() {} }; },
  log() {},
};`;

registerHooks({
  resolve(specifier, context, next) {
    if (specifier === "@azure/functions-core") return { url: CORE_URL, format: "commonjs", shortCircuit: true };
    return next(specifier, context);
  },
  load(url, context, next) {
    if (url === CORE_URL) return { format: "commonjs", source: CORE_SOURCE, shortCircuit: true };
    return next(url, context);
  },
});

const [mode, where] = process.argv.slice(2);
try {
  let files: string[];
  if (mode === "package" || mode === "chunks") {
    if (!where) throw new Error("package: name the folder of the built package");
    const folder = resolve(where);
    const main = (JSON.parse(readFileSync(join(folder, "package.json"), "utf8")) as { main?: unknown }).main;
    if (typeof main !== "string" || /[*{]/.test(main))
      throw new Error(`${folder}/package.json: main must name the bundle, not ${String(main)}`);
    files = [join(folder, main)];
    // What a cold start does not load but the first event, alert or activity does: a chunk that cannot load fails here, not in Azure.
    if (mode === "chunks")
      files.push(
        ...readdirSync(join(folder, "chunks"))
          .filter((file) => file.endsWith(".js"))
          .sort()
          .map((file) => join(folder, "chunks", file)),
      );
  } else if (mode === "sources") {
    const { entryFiles, REPO_ROOT } = await import("../local/entries.ts");
    files = entryFiles(where === undefined ? REPO_ROOT : resolve(where));
  } else throw new Error(`usage: loadAsWorker.ts package <folder> | chunks <folder> | sources [root], not ${String(mode)}`);
  const started = performance.now();
  for (const file of files) await import(pathToFileURL(file).href);
  const loadMs = performance.now() - started;
  process.stdout.write(`${JSON.stringify({ files: files.length, loadMs, functions: registered })}\n`);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
}
