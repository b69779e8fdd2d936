/**
 * `npm run build`: the deployable package. The entry files (package.json's `main` glob, as the
 * worker finds them) are bundled with everything they import into `dist/main.js` (ES modules,
 * with the parts loaded lazily, such as the Azure SDK clients, split into chunks so a cold start
 * parses only what it runs), beside `host.json`, the policy pack and a package.json whose `main`
 * is the bundle. `out/governor.zip` holds the same files at its root, for one-deploy
 * (`az functionapp deployment source config-zip`, or the template's `packageUri`).
 *
 * The package needs no `npm install` on Azure: the only import left outside the bundle is
 * `@azure/functions-core`, which the Functions worker provides. The packages Governor require()s
 * on first use rather than imports (REQUIRED_ON_FIRST_USE) are each bundled into one CommonJS
 * file under the package's own node_modules, where that require() finds them.
 *
 *   node build/package.ts [--out <folder>] [--zip <file>]
 */
import { cpSync, createWriteStream, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { parseArgs } from "node:util";
import { entryFiles, REPO_ROOT } from "../local/entries.ts";

/** Provided by the Functions worker at run time; never bundled. */
export const WORKER_PROVIDED = ["@azure/functions-core"];
/** Optional native bindings some packages probe for; the pure JavaScript path is what runs. */
export const OPTIONAL_NATIVE = ["pg-native"];
export const BUNDLE = "main.js";
/**
 * Loaded synchronously by `createRequire(import.meta.url)` only when needed, which esbuild does
 * not follow: date-holidays' data of every country (shared/time/holidaysLibrary.ts) would
 * otherwise be parsed at every cold start.
 */
export const REQUIRED_ON_FIRST_USE = ["date-holidays"];

export interface PackageResult {
  outDir: string;
  zipFile: string;
  entries: string[];
  /** What the bundle imports from outside itself (esbuild's metafile): Node built-ins and what the worker provides. */
  externalImports: string[];
  /** The repository's files the bundle holds (esbuild's metafile inputs), relative to the root. */
  sourceFiles: string[];
  /** Bytes of the bundle and its chunks (JavaScript only). */
  bundleBytes: number;
  zipBytes: number;
}

/** Folders that never ship: the emulator, the local runtime and host, the CLI, tests and benchmarks. */
export const LOCAL_ONLY = ["emulator", "local", "cli", "test", "bench"];

/** The files of `sourceFiles` (metafile inputs, relative to the root) that belong to a local-only folder. */
export function localToolsIn(sourceFiles: readonly string[]): string[] {
  return sourceFiles.filter((file) => LOCAL_ONLY.includes(file.split("/")[0] ?? ""));
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

async function zip(folder: string, zipFile: string): Promise<void> {
  const { ZipFile } = await import("yazl");
  const archive = new ZipFile();
  // A fixed time: the same sources give the same zip.
  const mtime = new Date("2026-01-01T00:00:00Z");
  for (const file of filesUnder(folder)) archive.addFile(file, relative(folder, file).split(sep).join("/"), { mtime });
  mkdirSync(dirname(zipFile), { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const output = createWriteStream(zipFile);
    output.on("close", resolve);
    output.on("error", reject);
    archive.outputStream.on("error", reject).pipe(output);
    archive.end();
  });
}

export async function buildPackage(options: { root?: string; outDir?: string; zipFile?: string } = {}): Promise<PackageResult> {
  const root = options.root ?? REPO_ROOT;
  const outDir = options.outDir ?? join(root, "dist");
  const zipFile = options.zipFile ?? join(root, "out", "governor.zip");
  const entries = entryFiles(root);
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; version: string; description?: string };
  // esbuild's install script is denied: the JavaScript API finds the binary in its platform package.
  const { build } = await import("esbuild");

  rmSync(outDir, { recursive: true, force: true });
  const result = await build({
    metafile: true,
    stdin: {
      // The worker imports every entry file; so does the bundle, in the same order.
      contents: entries.map((file) => `import ${JSON.stringify(`./${relative(root, file).split(sep).join("/")}`)};`).join("\n"),
      resolveDir: root,
      sourcefile: "governor-entries.ts",
      loader: "ts",
    },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node22",
    outdir: outDir,
    entryNames: "main",
    chunkNames: "chunks/[name]-[hash]",
    external: [...WORKER_PROVIDED, ...OPTIONAL_NATIVE],
    // CommonJS packages inside an ES module bundle still call require() for Node built-ins.
    banner: { js: 'import { createRequire as __governorRequire } from "node:module"; const require = __governorRequire(import.meta.url);' },
    minify: true,
    // Readable names in stack traces; the linked source maps give the lines (NODE_OPTIONS=--enable-source-maps).
    keepNames: true,
    sourcemap: "linked",
    // Stack traces need the mappings, not the sources: the package stays small.
    sourcesContent: false,
    legalComments: "linked",
    logLevel: "warning",
  });
  for (const name of REQUIRED_ON_FIRST_USE) {
    const folder = join(outDir, "node_modules", name);
    await build({
      stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: root, sourcefile: `${name}.cjs`, loader: "js" },
      bundle: true,
      format: "cjs",
      platform: "node",
      target: "node22",
      outfile: join(folder, "index.js"),
      minify: true,
      legalComments: "linked",
      logLevel: "warning",
    });
    writeFileSync(join(folder, "package.json"), `${JSON.stringify({ name, private: true, main: "index.js" }, null, 2)}\n`);
  }
  cpSync(join(root, "host.json"), join(outDir, "host.json"));
  cpSync(join(root, "policies"), join(outDir, "policies"), { recursive: true });
  writeFileSync(
    join(outDir, "package.json"),
    `${JSON.stringify({ name: manifest.name, version: manifest.version, description: manifest.description, private: true, type: "module", main: BUNDLE }, null, 2)}\n`,
  );
  await zip(outDir, zipFile);
  const bundleBytes = filesUnder(outDir)
    .filter((file) => file.endsWith(".js"))
    .reduce((sum, file) => sum + statSync(file).size, 0);
  const externalImports = [
    ...new Set(
      Object.values(result.metafile.outputs).flatMap((output) => output.imports.filter((item) => item.external).map((item) => item.path)),
    ),
  ].sort();
  // esbuild names inputs relative to its working directory; the repository's own are what matter here.
  const sourceFiles = Object.keys(result.metafile.inputs)
    .map((input) => relative(root, join(process.cwd(), input)).split(sep).join("/"))
    .filter((file) => !file.startsWith("..") && !file.startsWith("node_modules/") && !file.includes("governor-entries.ts"))
    .sort();
  return {
    outDir,
    zipFile,
    entries: entries.map((file) => relative(root, file)),
    externalImports,
    sourceFiles,
    bundleBytes,
    zipBytes: statSync(zipFile).size,
  };
}

if (import.meta.filename === process.argv[1]) {
  const { values } = parseArgs({ options: { out: { type: "string" }, zip: { type: "string" } } });
  const result = await buildPackage({
    ...(values.out === undefined ? {} : { outDir: values.out }),
    ...(values.zip === undefined ? {} : { zipFile: values.zip }),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
