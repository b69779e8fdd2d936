/**
 * `npm run bench:cold-start`: how long the worker's load of the app takes, bundled against
 * unbundled. Builds the package into a temporary folder, then alternates fresh Node processes
 * that load it as the worker does (build/loadAsWorker.ts): the bundle (`package`), and the
 * TypeScript entry files of package.json's main glob (`sources`, Node's type stripping). Each run
 * is a new process, so every load is cold for V8 (the disk cache is warm for both alike).
 *
 * Prints JSON: bundle and zip sizes, and per variant the median, minimum and maximum of the
 * import time (`loadMs`) and of the whole process (`processMs`, Node's own start included).
 *
 * Usage: node bench/coldStart.ts [--runs 15]
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { parseArgs } from "node:util";
import { buildPackage } from "../build/package.ts";
import { REPO_ROOT } from "../local/entries.ts";

const run = promisify(execFile);
const LOADER = join(REPO_ROOT, "build/loadAsWorker.ts");

const { values } = parseArgs({ options: { runs: { type: "string", default: "15" } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 1000)
  throw new Error(`--runs must be a whole number from 1 to 1000, not "${values.runs}"`);

function stats(samples: number[]): { median: number; min: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median =
    sorted.length % 2 === 1 ? (sorted[Math.floor(middle)] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  const round = (value: number) => Math.round(value * 10) / 10;
  return { median: round(median), min: round(sorted[0] as number), max: round(sorted.at(-1) as number) };
}

const work = mkdtempSync(join(tmpdir(), "governor-cold-start-"));
try {
  const built = await buildPackage({ outDir: join(work, "package"), zipFile: join(work, "governor.zip") });
  const variants = { package: [built.outDir], sources: [REPO_ROOT] } as const;
  const samples: Record<keyof typeof variants, { loadMs: number[]; processMs: number[]; functions: number }> = {
    package: { loadMs: [], processMs: [], functions: 0 },
    sources: { loadMs: [], processMs: [], functions: 0 },
  };
  for (let index = 0; index < runs; index += 1) {
    for (const variant of Object.keys(variants) as Array<keyof typeof variants>) {
      const started = performance.now();
      // From a folder outside the repository, as the worker runs from the package's own folder.
      const { stdout } = await run(process.execPath, [LOADER, variant, ...variants[variant]], { cwd: work });
      const processMs = performance.now() - started;
      const result = JSON.parse(stdout) as { loadMs: number; functions: unknown[] };
      samples[variant].loadMs.push(result.loadMs);
      samples[variant].processMs.push(processMs);
      samples[variant].functions = result.functions.length;
    }
  }
  process.stdout.write(
    `${JSON.stringify({
      runs,
      bundleBytes: built.bundleBytes,
      zipBytes: built.zipBytes,
      package: { functions: samples.package.functions, loadMs: stats(samples.package.loadMs), processMs: stats(samples.package.processMs) },
      sources: { functions: samples.sources.functions, loadMs: stats(samples.sources.loadMs), processMs: stats(samples.sources.processMs) },
    })}\n`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
