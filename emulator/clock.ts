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

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses durations such as `90s`, `15m`, `72h`, `30d` (or a number of milliseconds). */
export function parseDuration(text: string | number): number {
  if (typeof text === "number") return text;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) throw new Error(`invalid duration "${text}": expected a number and a unit (ms, s, m, h, d)`);
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}
