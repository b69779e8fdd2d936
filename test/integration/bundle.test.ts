/**
 * The deployable package (`npm run build`): built into a folder outside the repository (so
 * nothing resolves from the repository's node_modules), loaded in a fresh Node process the way the
 * Functions worker loads it (build/loadAsWorker.ts: package.json's `main`, `@azure/functions-core`
 * provided), and its functions listed: the same as the TypeScript entry files register.
 */
import { execFile } from "node:child_process";
import { builtinModules } from "node:module";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import {
  BUNDLE,
  buildPackage,
  localToolsIn,
  OPTIONAL_NATIVE,
  type PackageResult,
  REQUIRED_ON_FIRST_USE,
  WORKER_PROVIDED,
} from "../../build/package.ts";
import { REPO_ROOT } from "../../local/entries.ts";

const run = promisify(execFile);
const LOADER = join(REPO_ROOT, "build/loadAsWorker.ts");

interface Loaded {
  files: number;
  loadMs: number;
  functions: Array<{ name: string; triggerType: string }>;
}

async function loadAsWorker(mode: "package" | "chunks" | "sources", where: string, cwd: string): Promise<Loaded> {
  const { stdout } = await run(process.execPath, [LOADER, mode, where], { cwd });
  return JSON.parse(stdout) as Loaded;
}

/** The names of a zip's entries, from its central directory. */
function zipEntries(file: string): string[] {
  const zip = readFileSync(file);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error(`${file} is not a zip: no end of central directory`);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const names: string[] = [];
  for (let index = 0; index < count; index += 1) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: central directory entry ${index} is malformed`);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    names.push(zip.toString("utf8", at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

describe("the deployable package", () => {
  let work: string;
  let built: PackageResult;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "governor-package-"));
    built = await buildPackage({ outDir: join(work, "package"), zipFile: join(work, "governor.zip") });
  }, 120_000);

  it("loads as the worker loads it and registers the same functions as the entry files, outside the repository", async () => {
    const [bundled, sources] = await Promise.all([loadAsWorker("package", built.outDir, work), loadAsWorker("sources", REPO_ROOT, work)]);
    expect(bundled.files).toBe(1);
    expect(bundled.functions.length).toBeGreaterThan(0);
    const sorted = (loaded: Loaded) => loaded.functions.map((item) => `${item.name} ${item.triggerType}`).sort();
    expect(sorted(bundled)).toEqual(sorted(sources));
    expect(bundled.functions).toEqual(
      expect.arrayContaining([
        { name: "resourceEvents", triggerType: "eventGridTrigger" },
        { name: "budgetAlerts", triggerType: "httpTrigger" },
      ]),
    );
  }, 120_000);

  it("every lazily loaded chunk of the bundle loads too (the SDK clients, the policy loader: what the first event needs)", async () => {
    const loaded = await loadAsWorker("chunks", built.outDir, work);
    const chunks = readdirSync(join(built.outDir, "chunks")).filter((file) => file.endsWith(".js"));
    expect(chunks.length).toBeGreaterThan(0);
    expect(loaded.files).toBe(1 + chunks.length);
  }, 120_000);

  it("has a package.json whose main is the bundle, host.json and the policy pack", () => {
    const manifest = JSON.parse(readFileSync(join(built.outDir, "package.json"), "utf8")) as Record<string, unknown>;
    expect(manifest).toMatchObject({ type: "module", main: BUNDLE });
    expect(manifest.dependencies).toBeUndefined();
    expect(readdirSync(built.outDir)).toEqual(expect.arrayContaining([BUNDLE, "host.json", "package.json", "policies"]));
    expect(readFileSync(join(built.outDir, "host.json"), "utf8")).toBe(readFileSync(join(REPO_ROOT, "host.json"), "utf8"));
    expect(readdirSync(join(built.outDir, "policies"))).toContain("odoo-distribution.yaml");
  });

  it("imports nothing from outside the bundle but Node's built-ins and what the worker provides", () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);
    const outside = built.externalImports.filter(
      (specifier) => !builtins.has(specifier) && !WORKER_PROVIDED.includes(specifier) && !OPTIONAL_NATIVE.includes(specifier),
    );
    expect(built.externalImports).toEqual(expect.arrayContaining(WORKER_PROVIDED));
    expect(outside).toEqual([]);
  });

  it("holds the shipped code only: nothing of the emulator, the local runtime, the CLI, tests or benchmarks", () => {
    expect(built.sourceFiles).toEqual(
      expect.arrayContaining(["functions/resourceEvents.ts", "orchestrations/remediate.ts", "shared/clock.ts"]),
    );
    expect(localToolsIn(built.sourceFiles)).toEqual([]);
  });

  it("the same check finds a local tool that a planted import pulls into a bundle", async () => {
    const { build } = await import("esbuild");
    const planted = await build({
      stdin: { contents: 'import "./shared/clock.ts"; import "./emulator/clock.ts";', resolveDir: REPO_ROOT, loader: "ts" },
      absWorkingDir: REPO_ROOT,
      bundle: true,
      write: false,
      metafile: true,
      format: "esm",
      platform: "node",
      logLevel: "silent",
    });
    expect(localToolsIn(Object.keys(planted.metafile.inputs))).toEqual(["emulator/clock.ts"]);
  });

  it("carries date-holidays outside the bundle, where the require() of the first calendar it serves finds it", async () => {
    expect(REQUIRED_ON_FIRST_USE).toContain("date-holidays");
    // A word of date-holidays' Polish data (ASCII, as esbuild escapes the rest), which no cold start should parse.
    const marker = "Narodowe";
    const read = (file: string): string => readFileSync(file, "utf8");
    const scripts = [
      join(built.outDir, BUNDLE),
      ...readdirSync(join(built.outDir, "chunks")).map((file) => join(built.outDir, "chunks", file)),
    ];
    expect(scripts.filter((file) => file.endsWith(".js") && read(file).includes(marker))).toEqual([]);
    expect(read(join(built.outDir, "node_modules", "date-holidays", "index.js"))).toContain(marker);
    const probe = `const { createRequire } = require("node:module");
      const Holidays = createRequire(${JSON.stringify(join(built.outDir, "chunks", "probe.js"))})("date-holidays");
      process.stdout.write(new Holidays("PL", { types: ["public"] }).getHolidays(2026).find((day) => day.date.startsWith("2026-11-11")).name);`;
    const { stdout } = await run(process.execPath, ["-e", probe], { cwd: work });
    expect(stdout).toBe("Narodowe Święto Niepodległości");
  }, 120_000);

  it("zips the package with its files at the root, for one-deploy", () => {
    const names = zipEntries(built.zipFile);
    expect(names).toEqual(expect.arrayContaining(["package.json", "host.json", BUNDLE, "policies/odoo-distribution.yaml"]));
    expect(names.filter((name) => name.startsWith("dist/") || name.startsWith("/"))).toEqual([]);
    expect(names.length).toBe(readdirSync(built.outDir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length);
  });

  it("the worker-like loader refuses a package whose main is a glob, as the bundle must be named", async () => {
    const failure = (await loadAsWorker("package", REPO_ROOT, work).then(
      () => undefined,
      (error: unknown) => error,
    )) as { code?: number; stderr?: string } | undefined;
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain("main must name the bundle");
  });
});
