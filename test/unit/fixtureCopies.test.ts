/**
 * The repository carries its own copies of Microsoft's reference payloads (test/fixtures), so a
 * fresh clone tests alone. Where the workplace's originals sit beside the repository, the copies
 * must be the same bytes: a copy edited by hand would let the emulator drift from Azure unseen.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const COPIES = fileURLToPath(new URL("../fixtures/azure-examples/", import.meta.url));
const ORIGINALS = fileURLToPath(new URL("../../../shared/azure-examples/", import.meta.url));

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

describe("reference payload copies", () => {
  it("keeps the copies' sources and licences beside them", () => {
    const sources = readFileSync(join(COPIES, "SOURCES.md"), "utf8");
    const listed = [...digests(COPIES).keys()].filter((file) => file.endsWith(".json"));
    const unlisted = listed.filter((file) => !sources.includes(`\`${file}\``));
    expect(listed.length).toBeGreaterThan(40);
    expect(unlisted).toEqual([]);
  });

  it.runIf(existsSync(ORIGINALS))("are byte for byte the payloads of ../shared/azure-examples", () => {
    const originals = digests(ORIGINALS);
    const copies = digests(COPIES);
    const differing = [...originals].filter(([file, digest]) => copies.get(file) !== digest).map(([file]) => file);
    const extra = [...copies.keys()].filter((file) => !originals.has(file));
    expect({ differing, extra }).toEqual({ differing: [], extra: [] });
  });
});
