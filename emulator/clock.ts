/**
 * The virtual clock shared by the emulator and the local runtime. Tests and demos set and
 * advance it instead of waiting; snapshot ages, metric windows and timers read it.
 */
export interface ClockListener {
  (now: Date): void;
}

export class VirtualClock {
  #nowMs: number;
  #listeners = new Set<ClockListener>();

  constructor(start: Date | string | number = Date.UTC(2026, 10, 23, 9, 0, 0)) {
    this.#nowMs = new Date(start).getTime();
    if (Number.isNaN(this.#nowMs)) throw new Error(`VirtualClock: invalid start time ${String(start)}`);
  }

  now(): Date {
    return new Date(this.#nowMs);
  }

  nowMs(): number {
    return this.#nowMs;
  }

  set(time: Date | string | number): void {
    const ms = new Date(time).getTime();
    if (Number.isNaN(ms)) throw new Error(`VirtualClock: invalid time ${String(time)}`);
    this.#nowMs = ms;
    this.#notify();
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`VirtualClock: cannot advance by ${ms} ms`);
    this.#nowMs += ms;
    this.#notify();
  }

  onChange(listener: ClockListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    const now = this.now();
    for (const listener of this.#listeners) listener(now);
  }
}

export { parseDuration } from "../shared/time/duration.ts";
