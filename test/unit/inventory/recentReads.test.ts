/** A worker's recent reads (shared/inventory/recentReads.ts), on a fake clock. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { recentReads } from "../../../shared/inventory/recentReads.ts";

describe("recent reads", () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it("serves one read to every caller of a key within the time to live, and reads again after it", async () => {
    const recent = recentReads<number>(1_000);
    let reads = 0;
    const read = () => Promise.resolve(++reads);
    expect(await recent("a", read)).toBe(1);
    vi.advanceTimersByTime(999);
    expect(await recent("a", read)).toBe(1);
    expect(await recent("b", read)).toBe(2);
    vi.advanceTimersByTime(1);
    expect(await recent("a", read)).toBe(3);
  });

  it("reads now when asked fresh, and keeps that read for the callers after it", async () => {
    const recent = recentReads<number>(1_000);
    let reads = 0;
    const read = () => Promise.resolve(++reads);
    await recent("a", read);
    expect(await recent("a", read, { fresh: true })).toBe(2);
    expect(await recent("a", read)).toBe(2);
  });

  it("does not keep a failed read: the next caller reads again", async () => {
    const recent = recentReads<string>(1_000);
    await expect(recent("a", () => Promise.reject(new Error("throttled")))).rejects.toThrow("throttled");
    expect(await recent("a", () => Promise.resolve("listed"))).toBe("listed");
  });

  it("lets a read go once its time to live has passed, so keys never asked again hold nothing", async () => {
    const recent = recentReads<number>(1_000);
    await recent("slot 06:00", () => Promise.resolve(1));
    await recent("slot 06:30", () => Promise.resolve(2));
    expect(recent.size).toBe(2);
    vi.advanceTimersByTime(1_000);
    expect(recent.size).toBe(0);
  });

  it("keeps a read asked fresh for its own time to live, not the replaced one's", async () => {
    const recent = recentReads<number>(1_000);
    await recent("a", () => Promise.resolve(1));
    vi.advanceTimersByTime(600);
    await recent("a", () => Promise.resolve(2), { fresh: true });
    vi.advanceTimersByTime(400);
    expect(recent.size).toBe(1);
    expect(await recent("a", () => Promise.resolve(3))).toBe(2);
    vi.advanceTimersByTime(600);
    expect(recent.size).toBe(0);
  });
});
