/** Azurite as the runtime starts it: real Table Storage through the real Tables SDK, kept across a restart. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TableClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { startAzurite } from "../../local/azurite.ts";

describe("Azurite table storage", () => {
  it("stores entities that survive a restart on the same folder, and stops its own process", async () => {
    const location = mkdtempSync(join(tmpdir(), "governor-azurite-"));
    const first = await startAzurite({ location });
    const client = TableClient.fromConnectionString(first.connectionString, "probe", { allowInsecureConnection: true });
    await client.createTable();
    await client.createEntity({ partitionKey: "p", rowKey: "r", value: 42 });
    await first.close();
    expect(() => process.kill(first.pid, 0)).toThrow();

    const second = await startAzurite({ location });
    try {
      const again = TableClient.fromConnectionString(second.connectionString, "probe", { allowInsecureConnection: true });
      const entity = await again.getEntity<{ value: number }>("p", "r");
      expect(entity.value).toBe(42);
    } finally {
      await second.close();
    }
  });
});
