/**
 * Rightsizing's target choice, pure: from what a VM used over the lookback (Advisor's criteria:
 * P95 of the 30-minute CPU maxima, P100 of memory used, i.e. the lowest `Available Memory Bytes`)
 * and the sizes its region offers (Resource SKUs), the cheapest size that
 *
 * - keeps the headroom: the CPU P95 projected onto the target's vCPUs at most 40 % for
 *   user-facing workloads (80 % for others), the memory used at most 60 % of the target's memory
 *   (80 %), as Advisor targets them;
 * - keeps the capabilities: premium storage and accelerated networking where the current size has
 *   them, room for the VM's data disks and NICs, the same CPU architecture;
 * - is in one of the policy's families (`D`, `E`, `B`: the letters a size's name starts with after
 *   `Standard_`, so `D` holds D4s_v5, D2as_v5 and DS2_v2);
 * - is a burstable (B) size only where Advisor would take one: the average CPU projected onto it
 *   at most its baseline, its P95 at most twice the baseline;
 * - and costs less per hour than the current size (the price table).
 *
 * Outbound network is not compared: the Resource SKUs API says nothing of a size's bandwidth,
 * and Governor does not guess it. Its P95 is reported in the finding.
 */
import type { VmSizeFact } from "../../policy/types.ts";

export interface Headroom {
  /** Highest projected P95 CPU on the target, percent. */
  cpu: number;
  /** Highest share of the target's memory in use, percent. */
  memory: number;
}

/** Advisor's targets for user-facing workloads and for the others. */
export const USER_FACING_HEADROOM: Headroom = Object.freeze({ cpu: 40, memory: 60 });
export const BACKGROUND_HEADROOM: Headroom = Object.freeze({ cpu: 80, memory: 80 });

/**
 * Baseline CPU of the B-series sizes, percent of the whole VM (Microsoft's B-series page gives it
 * per vCPU: B8ms 135 % of 800 %). Resource SKUs do not report it; a B size not listed here is
 * never a target.
 */
export const BURSTABLE_BASELINE: Readonly<Record<string, number>> = Object.freeze({
  standard_b1s: 10,
  standard_b1ms: 20,
  standard_b2s: 20,
  standard_b2ms: 30,
  standard_b4ms: 22.5,
  standard_b8ms: 16.875,
  standard_b12ms: 16.833,
  standard_b16ms: 16.875,
});

/** What the VM used over the lookback, on its current size. */
export interface Usage {
  /** P95 of the 30-minute maxima of `Percentage CPU`. */
  cpuP95: number;
  /** Average `Percentage CPU` (for burstable sizes); unknown sizes the B-series out. */
  cpuAverage?: number;
  /** The current size's memory less the lowest `Available Memory Bytes`, GiB. */
  memoryUsedGb: number;
}

/** What the target must hold besides the load: the VM's data disks and NICs. */
export interface Attached {
  dataDisks: number;
  nics: number;
}

export interface TargetInput {
  current: VmSizeFact;
  usage: Usage;
  headroom: Headroom;
  attached: Attached;
  /** Allowed families, as letters: `D`, `E`, `B`. */
  families: readonly string[];
  /** The sizes the VM's region offers. */
  sizes: readonly VmSizeFact[];
  /** Hourly price of a size; `undefined` when it has none (never a target). */
  price: (size: string) => number | undefined;
}

export interface Candidate {
  size: VmSizeFact;
  hourly: number;
  /** Projected P95 CPU and memory use on it, percent. */
  cpu: number;
  memory: number;
}

export type TargetChoice =
  | { fits: true; target: Candidate; currentHourly: number; considered: number }
  | {
      fits: false;
      /** Why nothing fits, with the values: `no cheaper size fits: Standard_D2s_v5 CPU 77.3% > 40%; ...`. */
      reason: string;
      considered: number;
    };

/** The letters a size's name starts with after `Standard_` (`Standard_D4s_v5` → `D`, `Standard_DS2_v2` → `DS`). */
export function seriesOf(size: string): string {
  return /^(?:standard_)?([a-z]+)/i.exec(size)?.[1]?.toUpperCase() ?? "";
}

/** Whether a size is in one of the families: its series starts with one of them (`DS` is in `D`). */
export function inFamilies(size: string, families: readonly string[]): boolean {
  const series = seriesOf(size);
  return families.some((family) => series.startsWith(family.toUpperCase()));
}

const round1 = (value: number): number => Math.round(value * 10) / 10;
const pct = (value: number): string => `${round1(value)}%`;

/** The first reason a size is not a target, or `undefined` when it is one. */
function unfit(size: VmSizeFact, input: TargetInput): string | undefined {
  const { current, usage, headroom, attached } = input;
  if (current.premiumIO && !size.premiumIO) return "no premium storage";
  if (current.acceleratedNetworking && !size.acceleratedNetworking) return "no accelerated networking";
  if (size.architecture.toLowerCase() !== current.architecture.toLowerCase()) return `${size.architecture}, not ${current.architecture}`;
  if (size.maxDataDisks < attached.dataDisks) return `${size.maxDataDisks} data disks < ${attached.dataDisks} attached`;
  if (size.maxNics < attached.nics) return `${size.maxNics} NICs < ${attached.nics} attached`;
  const cpu = (usage.cpuP95 * current.vCPUs) / size.vCPUs;
  if (cpu > headroom.cpu) return `CPU ${pct(cpu)} > ${headroom.cpu}%`;
  const memory = (usage.memoryUsedGb / size.memoryGb) * 100;
  if (memory > headroom.memory) return `memory ${pct(memory)} of ${size.memoryGb} GiB > ${headroom.memory}%`;
  if (seriesOf(size.name) === "B") {
    const baseline = BURSTABLE_BASELINE[size.name.toLowerCase()];
    if (baseline === undefined) return "burstable baseline not known";
    if (usage.cpuAverage === undefined) return "burstable: average CPU not known";
    const average = (usage.cpuAverage * current.vCPUs) / size.vCPUs;
    if (average > baseline) return `burstable: average CPU ${pct(average)} > baseline ${pct(baseline)}`;
    if (cpu > 2 * baseline) return `burstable: CPU ${pct(cpu)} > twice the baseline ${pct(baseline)}`;
  }
  return undefined;
}

/** The cheapest size that fits (ties: more headroom, then the name), or why none does. */
export function chooseTarget(input: TargetInput): TargetChoice {
  const currentHourly = input.price(input.current.name);
  if (currentHourly === undefined)
    return { fits: false, reason: `no price for ${input.current.name}: nothing to compare with`, considered: 0 };
  const cheaper = input.sizes
    .filter((size) => size.name.toLowerCase() !== input.current.name.toLowerCase() && inFamilies(size.name, input.families))
    .map((size) => ({ size, hourly: input.price(size.name) }))
    .filter((entry): entry is { size: VmSizeFact; hourly: number } => entry.hourly !== undefined && entry.hourly < currentHourly)
    .sort((a, b) => a.hourly - b.hourly || b.size.vCPUs - a.size.vCPUs || a.size.name.localeCompare(b.size.name));
  const refusals: string[] = [];
  const fitting: Candidate[] = [];
  for (const { size, hourly } of cheaper) {
    const why = unfit(size, input);
    if (why !== undefined) {
      refusals.push(`${size.name} ${why}`);
      continue;
    }
    fitting.push({
      size,
      hourly,
      cpu: (input.usage.cpuP95 * input.current.vCPUs) / size.vCPUs,
      memory: (input.usage.memoryUsedGb / size.memoryGb) * 100,
    });
  }
  const [best] = fitting.sort((a, b) => a.hourly - b.hourly || a.cpu - b.cpu || a.size.name.localeCompare(b.size.name));
  if (best) return { fits: true, target: best, currentHourly, considered: cheaper.length };
  if (cheaper.length === 0)
    return {
      fits: false,
      reason: `no cheaper size than ${input.current.name} in families ${input.families.join(", ")} in the region`,
      considered: 0,
    };
  const shown = refusals.slice(0, 4).join("; ");
  const more = refusals.length > 4 ? `; and ${refusals.length - 4} more` : "";
  return { fits: false, reason: `no cheaper size fits: ${shown}${more}`, considered: cheaper.length };
}
