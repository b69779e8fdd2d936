/**
 * The repository carries its own copies of Microsoft's reference payloads (test/fixtures), so a
 * fresh clone tests alone. Where the workplace's originals sit beside the repository, the copies
 * must be the same bytes: a copy edited by hand would let the emulator drift from Azure unseen.
 * The same holds for Microsoft's built-in policy definitions (azure-policy-builtins) the export is checked against.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/** Each folder of copies, its originals beside the repository, and how many JSON files it holds at least. */
const FOLDERS = [
  { name: "azure-examples", minimum: 40 },
  { name: "azure-policy-builtins", minimum: 10 },
].map((folder) => ({
  ...folder,
  copies: fileURLToPath(new URL(`../fixtures/${folder.name}/`, import.meta.url)),
  originals: fileURLToPath(new URL(`../../../shared/${folder.name}/`, import.meta.url)),
}));

function digests(root: string): Map<string, string> {
  const files = readdirSync(root, { recursive: true, encoding: "utf8" }).filter((file) => statSync(join(root, file)).isFile());
  return new Map(
    files.map((file) => [
      file,
      createHash("sha256")
        .update(readFileSync(join(root, file)))
        .digest("hex"),
    ]),
  );
}

describe.each(FOLDERS)("reference copies of $name", ({ name, minimum, copies, originals }) => {
  it("keeps the copies' sources and licences beside them", () => {
    const sources = readFileSync(join(copies, "SOURCES.md"), "utf8");
    const listed = [...digests(copies).keys()].filter((file) => file.endsWith(".json"));
    const unlisted = listed.filter((file) => !sources.includes(`\`${file}\``));
    expect(listed.length).toBeGreaterThan(minimum);
    expect(unlisted).toEqual([]);
  });

  it.runIf(existsSync(originals))(`are byte for byte the files of ../shared/${name}`, () => {
    const original = digests(originals);
    const copied = digests(copies);
    const differing = [...original].filter(([file, digest]) => copied.get(file) !== digest).map(([file]) => file);
    const extra = [...copied.keys()].filter((file) => !original.has(file));
    expect({ differing, extra }).toEqual({ differing: [], extra: [] });
  });
});
