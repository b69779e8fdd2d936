/**
 * The emulator's clock is virtual (it jumps when a test or the local host moves it) while
 * PostgreSQL stamps its WAL with real time. A restore point arrives in virtual time, so the
 * backend needs the real instant it stands for. The timeline records, in real time, each moment
 * the virtual clock changed; the data "as of virtual instant t" is then the data as it was at the
 * last real moment the clock still read t or earlier: the end of the stretch of real time during
 * which the clock showed a value <= t (or now, if it still does). A write made while the clock
 * read 09:00 belongs to 09:00; one made after it moved to 09:10 does not.
 */
export interface ClockSample {
  virtualMs: number;
  realMs: number;
}

export class Timeline {
  readonly #samples: ClockSample[] = [];

  constructor(first: ClockSample) {
    this.#samples.push(first);
  }

  /** The clock read `virtualMs` from real instant `realMs` on. */
  record(virtualMs: number, realMs: number): void {
    const last = this.#samples.at(-1);
    if (last && last.virtualMs === virtualMs) return;
    this.#samples.push({ virtualMs, realMs });
  }

  get earliest(): ClockSample {
    return this.#samples[0] as ClockSample;
  }

  /**
   * The real instant that virtual instant `virtualMs` stands for, given the real time now; before
   * the first sample there is no real history: undefined.
   */
  realFor(virtualMs: number, nowRealMs: number): number | undefined {
    for (let index = this.#samples.length - 1; index >= 0; index -= 1) {
      const sample = this.#samples[index] as ClockSample;
      if (sample.virtualMs <= virtualMs) return this.#samples[index + 1]?.realMs ?? nowRealMs;
    }
    return undefined;
  }
}
