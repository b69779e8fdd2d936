/** The mapping of the emulator's virtual restore points onto the real time PostgreSQL stamps its WAL with. */
import { describe, expect, it } from "vitest";
import { Timeline } from "../../emulator/postgres/timeline.ts";

describe("Timeline.realFor", () => {
  it("maps an instant the clock showed to the last real moment it still showed that instant or earlier", () => {
    const timeline = new Timeline({ virtualMs: 1_000, realMs: 50 });
    timeline.record(1_600, 80); // the clock jumped 600 ms at real 80
    timeline.record(2_000, 95);
    expect(timeline.realFor(1_000, 200)).toBe(80);
    expect(timeline.realFor(1_300, 200)).toBe(80);
    expect(timeline.realFor(1_600, 200)).toBe(95);
    expect(timeline.realFor(5_000, 200)).toBe(200);
  });

  it("has no real instant for a time before its history began", () => {
    const timeline = new Timeline({ virtualMs: 1_000, realMs: 50 });
    expect(timeline.realFor(999, 200)).toBeUndefined();
  });

  it("after the clock was set back, uses the latest stretch that showed the instant", () => {
    const timeline = new Timeline({ virtualMs: 1_000, realMs: 0 });
    timeline.record(3_000, 10);
    timeline.record(1_500, 20);
    timeline.record(4_000, 30);
    expect(timeline.realFor(2_000, 100)).toBe(30);
  });
});
