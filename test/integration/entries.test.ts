/**
 * The app's entry files loaded as the Functions worker loads them: package.json's `main` glob,
 * each file imported on plain Node (not through vitest's module loader, which forgives imports
 * the worker would not), the registrations listed. A file that fails to import fails the load.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ACTIVITIES, ORCHESTRATIONS } from "../../orchestrations/names.ts";
import { REPO_ROOT } from "../../local/entries.ts";

const run = promisify(execFile);
const LISTER = join(REPO_ROOT, "local/listEntries.ts");

interface Listing {
  files: string[];
  functions: Array<{ name: string; triggerType: string }>;
}

async function list(root?: string): Promise<Listing> {
  const { stdout } = await run(process.execPath, [LISTER, ...(root === undefined ? [] : [root])], { cwd: REPO_ROOT });
  return JSON.parse(stdout) as Listing;
}

describe("the entry files of package.json's main", () => {
  it("load on plain Node and register every orchestration and activity the workflows call by name", async () => {
    const listing = await list();
    const byType = (type: string) =>
      listing.functions
        .filter((registration) => registration.triggerType === type)
        .map((registration) => registration.name)
        .sort();
    expect(byType("orchestrationTrigger")).toEqual(expect.arrayContaining(Object.values(ORCHESTRATIONS)));
    expect(byType("activityTrigger")).toEqual(expect.arrayContaining(Object.values(ACTIVITIES)));
    expect(byType("orchestrationTrigger").length + byType("activityTrigger").length).toBe(
      new Set([...Object.values(ORCHESTRATIONS), ...Object.values(ACTIVITIES)]).size,
    );
  }, 60_000);

  it("include every file of functions/, each registering at least one trigger", async () => {
    const listing = await list();
    const functionFiles = readdirSync(join(REPO_ROOT, "functions")).filter((file) => file.endsWith(".ts"));
    expect(listing.files.filter((file) => file.startsWith("functions/")).sort()).toEqual(
      functionFiles.map((file) => `functions/${file}`).sort(),
    );
    const triggers = listing.functions.filter((registration) => !/^(orchestration|activity|entity)Trigger$/.test(registration.triggerType));
    expect(triggers.length).toBeGreaterThanOrEqual(functionFiles.length);
    expect(triggers.map((registration) => registration.triggerType)).toEqual(
      expect.arrayContaining(["eventGridTrigger", "httpTrigger", "timerTrigger"]),
    );
  }, 60_000);

  it("fail as a whole, naming the file, when one entry file cannot be imported", async () => {
    const root = mkdtempSync(join(tmpdir(), "governor-entries-"));
    mkdirSync(join(root, "functions"));
    writeFileSync(join(root, "package.json"), JSON.stringify({ type: "module", main: "functions/*.ts" }));
    writeFileSync(join(root, "functions/fine.ts"), "export const fine = true;\n");
    writeFileSync(join(root, "functions/broken.ts"), 'import { missing } from "./missing.ts";\nexport const broken = missing;\n');
    const failure = (await list(root).then(
      () => undefined,
      (error: unknown) => error,
    )) as { code?: number; stderr?: string } | undefined;
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(`cannot load entry file ${join(root, "functions/broken.ts")}`);
  }, 60_000);
});
