/** The local runtime's activity slots: bounded, and the waiting ones served round-robin by instance (local/durable/fairLimiter.ts). */
import { describe, expect, it } from "vitest";
import { createFairLimiter } from "../../../local/durable/fairLimiter.ts";

/** A task that runs until `release` is called, noting when it started. */
function gate(started: string[], name: string) {
  let open: () => void = () => {};
  const done = new Promise<void>((resolve) => (open = resolve));
  const task = async (): Promise<void> => {
    started.push(name);
    await done;
  };
  return { task, release: () => open() };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("the fair activity limiter", () => {
  it("runs at most its limit at once", async () => {
    const limit = createFairLimiter(2);
    const started: string[] = [];
    const gates = ["a1", "a2", "a3"].map((name) => gate(started, name));
    const runs = gates.map((each) => limit("a", each.task));
    await settle();
    expect(started).toEqual(["a1", "a2"]);
    gates[0]?.release();
    await settle();
    expect(started).toEqual(["a1", "a2", "a3"]);
    for (const each of gates) each.release();
    await Promise.all(runs);
  });

  it("serves the waiting round-robin by instance: one instance's long queue does not keep another's behind it", async () => {
    const limit = createFairLimiter(1);
    const started: string[] = [];
    const first = gate(started, "busy");
    const blocker = limit("tags", first.task);
    // The tag workflow queues four, then the enrolment workflow two.
    const queued = [
      ...["t1", "t2", "t3", "t4"].map((name) => ({ key: "tags", name })),
      ...["e1", "e2"].map((name) => ({ key: "backup", name })),
    ].map(({ key, name }) => limit(key, async () => void started.push(name)));
    await settle();
    first.release();
    await Promise.all([blocker, ...queued]);
    expect(started).toEqual(["busy", "t1", "e1", "t2", "e2", "t3", "t4"]);
  });

  it("gives a slot back when a task fails, and passes the failure on", async () => {
    const limit = createFairLimiter(1);
    await expect(limit("a", () => Promise.reject(new Error("throttled")))).rejects.toThrow("throttled");
    await expect(limit("a", () => Promise.resolve(7))).resolves.toBe(7);
  });

  it("refuses a limit that is not a whole number of at least 1", () => {
    expect(() => createFairLimiter(0)).toThrow(RangeError);
    expect(() => createFairLimiter(1.5)).toThrow(RangeError);
  });
});
