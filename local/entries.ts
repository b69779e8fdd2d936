/**
 * Governor's entry files, found the way the Functions worker finds them: package.json's `main`,
 * a glob (the worker accepts brace patterns such as `{functions,orchestrations}/**\/*.ts`). One
 * source of truth for the local host, the local runtime, the listing test and the bundle.
 */
import { globSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { captureRegistrations, type Registration } from "./durable/index.ts";

export const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));

/** The `main` glob of a package.json, refused with a reason when it is missing or not a string. */
export function mainGlob(root: string = REPO_ROOT): string {
  const file = join(root, "package.json");
  const main = (JSON.parse(readFileSync(file, "utf8")) as { main?: unknown }).main;
  if (typeof main !== "string" || main.trim() === "") throw new Error(`${file}: "main" must name the entry files (a path or a glob)`);
  return main;
}

/** Entry files under `root` matching its `main` glob, sorted, as absolute paths; none found is an error. */
export function entryFiles(root: string = REPO_ROOT): string[] {
  const pattern = mainGlob(root);
  const files = globSync(pattern, { cwd: root })
    .map((file) => join(root, file))
    .sort();
  if (files.length === 0) throw new Error(`${join(root, "package.json")}: "main" (${pattern}) matches no file`);
  return files;
}

/** Entry files in one top-level folder of the app (`functions` or `orchestrations`). */
export function entryFilesIn(folder: "functions" | "orchestrations", root: string = REPO_ROOT): string[] {
  return entryFiles(root).filter((file) => relative(root, file).split(sep)[0] === folder);
}

/**
 * Imports the files and returns what they register. A file that fails to import fails the whole
 * load with its path in the message: the worker would refuse to start the app the same way.
 */
export async function loadEntries(files: string[]): Promise<Registration[]> {
  return captureRegistrations(async () => {
    for (const file of files) {
      try {
        await import(pathToFileURL(file).href);
      } catch (error) {
        throw new Error(`cannot load entry file ${file}: ${(error as Error).message}`, { cause: error });
      }
    }
  });
}
