/** Every request the emulator answers, readable by tests and benchmarks. */
export interface RequestLogEntry {
  seq: number;
  method: string;
  /** The route name (e.g. `virtualMachines.get`), or `unmatched`. */
  route: string;
  path: string;
  status: number;
  durationMs: number;
  /** When the request arrived, in real milliseconds since the emulator started (retry spacing). */
  atMs: number;
  /** What the emulator did besides answering: `fault:429`, `fault:503`, `fault:drop`, `throttled`. */
  fault?: string;
}

export class RequestLog {
  #entries: RequestLogEntry[] = [];
  #seq = 0;
  #limit: number;

  constructor(limit = 200_000) {
    this.#limit = limit;
  }

  record(entry: Omit<RequestLogEntry, "seq">): void {
    this.#seq += 1;
    this.#entries.push({ seq: this.#seq, ...entry });
    // Bounded so that long benchmarks do not grow memory without end; totals stay exact.
    if (this.#entries.length > this.#limit) this.#entries.splice(0, this.#entries.length - this.#limit);
  }

  entries(filter?: { route?: string; method?: string; since?: number }): RequestLogEntry[] {
    return this.#entries.filter(
      (entry) =>
        (filter?.route === undefined || entry.route === filter.route) &&
        (filter?.method === undefined || entry.method === filter.method) &&
        (filter?.since === undefined || entry.seq > filter.since),
    );
  }

  /** Counts by `METHOD route status`, e.g. `{"POST virtualMachines.deallocate 429": 2}`. */
  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const entry of this.#entries) {
      const key = `${entry.method} ${entry.route} ${entry.status}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }

  get total(): number {
    return this.#seq;
  }

  /** The sequence number of the newest entry: pass it as `since` to read only what follows. */
  get mark(): number {
    return this.#seq;
  }

  clear(): void {
    this.#entries = [];
  }
}
