/**
 * Sweeps of one slot plan side by side in one worker (Monday's baselines all run at 06:30), each
 * reading facts resource by resource from the same subscription's ARM read bucket. They read
 * through the subscription's one pacer, so together they send at ARM's refill rate: none is
 * throttled and no fact is left unread. Each with a pacer of its own, they sent three times the
 * refill rate into 429s.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VirtualClock } from "../../emulator/clock.ts";
import { generateEstate } from "../../emulator/estate/generate.ts";
import { type Emulator, startEmulator } from "../../emulator/server.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { type FactRequestsByKind, gatherFacts, gatherInventory } from "../../shared/inventory/gather.ts";

const estate = generateEstate({ resources: 1000 });
const DIAGNOSTICS: FactRequestsByKind = { "storage-account": [{ type: "diagnostic-settings" }] };

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({
    estate: estate.estate,
    subscriptionId: estate.subscriptionId,
    clock: new VirtualClock(estate.now),
    // ARM's refill rate, with a small bucket: the plans outrun it within a second.
    throttle: {
      read: { capacity: 20, refillPerSecond: 25 },
      write: { capacity: 200, refillPerSecond: 10 },
      delete: { capacity: 200, refillPerSecond: 10 },
    },
  });
});
afterAll(async () => emulator.close());

describe("plans side by side in one process", () => {
  it("share the subscription's read bucket: none is throttled and every fact is read", async () => {
    const target = emulatorTarget(emulator, estate.subscriptionId);
    const inventory = await gatherInventory(target);
    const accounts = inventory.resources.filter((resource) => resource.kind === "storage-account").length;
    expect(accounts).toBeGreaterThan(30);
    const since = emulator.core.log.entries().length;
    const plans = await Promise.all([1, 2, 3].map(() => gatherFacts(target, inventory, DIAGNOSTICS, estate.now, { concurrency: 2 })));
    for (const facts of plans) {
      const read = Object.values(facts.diagnosticSettings ?? {});
      expect(read).toHaveLength(accounts);
      expect(read.filter((fact) => "error" in fact)).toEqual([]);
    }
    const requests = emulator.core.log.entries().slice(since);
    expect(requests.filter((entry) => entry.status === 429)).toEqual([]);
    expect(requests).toHaveLength(3 * accounts);
  }, 60_000);
});
