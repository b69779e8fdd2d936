/**
 * The seen-events store in memory, for unit tests and for measuring the trigger's path without
 * I/O (bench:events). Production uses TableSeenEvents (shared/triggers/seenEvents.ts); this one
 * keeps its keys and its answers.
 */
import { now } from "../../shared/clock.ts";
import { type ClaimResult, type SeenEvent, type SeenEvents, seenPartition, seenRowKey } from "../../shared/triggers/seenEvents.ts";

export class MemorySeenEvents implements SeenEvents {
  readonly entries = new Map<string, SeenEvent & { seenAt: string }>();

  async claimAll(events: readonly SeenEvent[]): Promise<ClaimResult[]> {
    return events.map((event) => {
      const key = `${seenPartition(event)}|${seenRowKey(event.eventId)}`;
      if (this.entries.has(key)) return "seen";
      this.entries.set(key, { ...event, seenAt: now().toISOString() });
      return "claimed";
    });
  }

  async release(event: SeenEvent): Promise<void> {
    this.entries.delete(`${seenPartition(event)}|${seenRowKey(event.eventId)}`);
  }

  async purge(before: Date): Promise<number> {
    const day = before.toISOString().slice(0, 10);
    let removed = 0;
    for (const key of this.entries.keys()) {
      if (key.slice(0, 10) < day) {
        this.entries.delete(key);
        removed += 1;
      }
    }
    return removed;
  }
}
