/**
 * `resize`: move a VM to the cheapest size that still fits what it used (rightsizing), on
 * platform metrics only (no guest agent), by Azure Advisor's criteria.
 *
 * ```yaml
 * action:
 *   type: resize
 *   lookback: 7d                  # 7d to 90d (Advisor offers 7, 14, 21, 30, 60, 90 days)
 *   families: [D, E, B]           # the sizes it may move to, by the letters after Standard_
 *   consecutive: 3                # sweeps in a row that must recommend the same target
 *   nonUserFacing: { tag: workload, in: [batch, reporting, build, background] }
 * ```
 *
 * What it reads, through the batch metrics API at 30-minute buckets over the lookback: the P95
 * of the maxima of `Percentage CPU`, its average (burstable sizes), the lowest `Available Memory
 * Bytes` (P100 of memory used) and the P95 of `Network Out Total` a minute (the buckets' averages,
 * so that the call asks for no aggregation beyond CPU's average and maximum and memory's
 * minimum; reported, not compared: Resource SKUs say
 * nothing of a size's bandwidth); and the region's sizes through Resource SKUs, one list per
 * region. The target choice is `chooseTarget` (./common/rightsizing.ts): headroom, capabilities,
 * families, cheaper. A VM whose data covers less than 80 % of the half-hours is undecided (it was
 * started recently, or stopped part of the time); one whose lowest available memory exceeds its
 * size's memory holds data from a larger size (a resize inside the lookback): undecided too.
 *
 * User-facing: a VM is treated as user-facing (CPU ≤ 40 %, memory ≤ 60 % on the target) unless
 * its `nonUserFacing.tag` (on the VM or its resource group) is one of `nonUserFacing.in` (80 %,
 * 80 %). Advisor guesses from the CPU's shape; Governor asks the owner, and an untagged VM gets
 * the stricter headroom.
 *
 * Consecutive: the finding is proposed only when this sweep and the `consecutive − 1` sweeps
 * before it recommended the same target; until then it is blocked (guard `consecutive`). The
 * memory is the audit trail the sweeps already write (./../inventory/sweepHistory.ts): each
 * finding records its target, each sweep a mark. A plan outside the sweeps (the CLI) reads no
 * trail, so with `consecutive` above 1 it shows the recommendation held.
 *
 * Disruptive, always: Azure restarts a VM it resizes, and one whose hardware cluster lacks the
 * target must be deallocated first. So approvals, change windows and the production guard apply.
 *
 * The executor writes `governor-resize` (`<target> from <size>; running; <workflow>`) on the VM,
 * deallocates it when `listAvailableSizes` does not offer the target in place, PATCHes
 * `hardwareProfile.vmSize`, starts it again if it was running, and verifies size and power
 * state. The tag is what makes it resumable: a VM found at the target size, deallocated, whose
 * tag says it was running is started (a crash between the resize and the start); a VM already at
 * its tag's target and power state is done. The tag stays as the record of what Governor did (a
 * later resize writes its own).
 *
 * Undone by nothing: making a VM larger again is a person's decision, not a schedule's or a
 * budget's (so no budget containment takes a resize either); `leaves` is absent: the executor's
 * own re-read (size and power state) is the evidence. Savings: (current − target hourly price) ×
 * 730 h.
 */
import { computeClient } from "../azure/clients.ts";
import { parseResourceId } from "../azure/resourceId.ts";
import { normaliseRegion } from "../inventory/vmSizes.ts";
import { inheritedTag } from "../policy/environment.ts";
import { formatMoney, hourlyPrice, HOURS_PER_MONTH } from "../policy/prices.ts";
import type { ActionRequirement, EvaluationContext, JsonSchema } from "../policy/registry.ts";
import { tagValue } from "../policy/settings.ts";
import type { FactRequest, InventoryResource, MetricAggregation, MetricFact, Settings, VmSizeFact } from "../policy/types.ts";
import { metricKey } from "../policy/types.ts";
import { type ExecutorContext, followOperation, lroOptions } from "../remediation/executor.ts";
import { refreshResource } from "../remediation/refresh.ts";
import { STOPPED_BY_TAG } from "../remediation/stoppedBy.ts";
import { updateTags } from "../remediation/tags.ts";
import { parseDuration } from "../time/duration.ts";
import {
  BACKGROUND_HEADROOM,
  chooseTarget,
  type Headroom,
  type TargetChoice,
  type Usage,
  USER_FACING_HEADROOM,
} from "./common/rightsizing.ts";
import { defineAction } from "./module.ts";

export interface ResizeArgs {
  /** As written (`7d`), and in ms. */
  lookback: string;
  lookbackMs: number;
  families: string[];
  consecutive: number;
  nonUserFacing: { tag: string; in: string[] };
}

export const RESIZE_TAG = "governor-resize";
const DAY_MS = 86_400_000;
/** Advisor's buckets: 30 minutes. */
export const RIGHTSIZING_GRAIN_MS = 30 * 60_000;
const MIN_COVERAGE = 0.8;
const GIB = 1024 ** 3;
const DEFAULT_FAMILIES = ["D", "E", "B"];
const DEFAULT_NON_USER_FACING = { tag: "workload", in: ["batch", "reporting", "build", "background"] };

const METRICS = {
  cpuP95: { metric: "Percentage CPU", aggregation: "p95-of-max" },
  cpuAverage: { metric: "Percentage CPU", aggregation: "average" },
  memoryMin: { metric: "Available Memory Bytes", aggregation: "minimum" },
  networkP95: { metric: "Network Out Total", aggregation: "p95-of-average" },
} as const satisfies Record<string, { metric: string; aggregation: MetricAggregation }>;

const argsSchema: { properties: Record<string, JsonSchema> } = {
  properties: {
    lookback: {
      type: "string",
      pattern: "^\\d+d$",
      description: "Days of metrics each sweep looks back over, 7d to 90d (default 7d, as Advisor).",
    },
    families: {
      type: "array",
      minItems: 1,
      uniqueItems: true,
      items: { type: "string", pattern: "^[A-Za-z]{1,4}$" },
      description: "Size families it may move to, by the letters after Standard_ (default [D, E, B]).",
    },
    consecutive: {
      type: "integer",
      minimum: 1,
      maximum: 12,
      description: "Sweeps in a row that must recommend the same target before it is proposed (default 1).",
    },
    nonUserFacing: {
      type: "object",
      additionalProperties: false,
      properties: {
        tag: { type: "string", minLength: 1 },
        in: { type: "array", items: { type: "string" } },
      },
      description:
        "The tag (on the VM or its group) and values that mark a workload as not user-facing: 80 % CPU and memory headroom instead of 40 % and 60 % (default workload in [batch, reporting, build, background]).",
    },
  },
};

export function parseResizeArgs(args: Record<string, unknown>): ResizeArgs {
  const lookback = typeof args.lookback === "string" ? args.lookback.trim() : "7d";
  const lookbackMs = parseDuration(lookback);
  if (!/^\d+d$/.test(lookback) || lookbackMs < 7 * DAY_MS || lookbackMs > 90 * DAY_MS)
    throw new Error(`resize: lookback ${lookback} must be whole days from 7d to 90d (Azure Monitor keeps platform metrics 93 days)`);
  const families = Array.isArray(args.families) ? args.families.map((family) => String(family).toUpperCase()) : DEFAULT_FAMILIES;
  const consecutive = typeof args.consecutive === "number" ? args.consecutive : 1;
  if (!Number.isInteger(consecutive) || consecutive < 1)
    throw new Error(`resize: consecutive ${consecutive} must be a whole number of at least 1`);
  const given = (args.nonUserFacing ?? {}) as { tag?: unknown; in?: unknown };
  const nonUserFacing = {
    tag: typeof given.tag === "string" && given.tag !== "" ? given.tag : DEFAULT_NON_USER_FACING.tag,
    in: Array.isArray(given.in) ? given.in.map(String) : DEFAULT_NON_USER_FACING.in,
  };
  return { lookback, lookbackMs, families, consecutive, nonUserFacing };
}

const request = (args: ResizeArgs, which: keyof typeof METRICS) => ({
  ...METRICS[which],
  windowMs: args.lookbackMs,
  grainMs: RIGHTSIZING_GRAIN_MS,
});

function factOf(
  resource: InventoryResource,
  args: ResizeArgs,
  which: keyof typeof METRICS,
  ctx: EvaluationContext,
): MetricFact | undefined {
  return ctx.facts.metrics[resource.id.toLowerCase()]?.[metricKey(request(args, which))];
}

const vmSizeOfResource = (resource: InventoryResource): string | undefined =>
  resource.sku ?? ((resource.properties.hardwareProfile as { vmSize?: unknown } | undefined)?.vmSize as string | undefined);

const countOf = (value: unknown): number => (Array.isArray(value) ? value.length : 0);

/** Data disks and NICs the VM has: the target must hold them. */
function attachedOf(resource: InventoryResource): { dataDisks: number; nics: number } {
  const storage = resource.properties.storageProfile as { dataDisks?: unknown } | undefined;
  const network = resource.properties.networkProfile as { networkInterfaces?: unknown } | undefined;
  return { dataDisks: countOf(storage?.dataDisks), nics: Math.max(1, countOf(network?.networkInterfaces)) };
}

function headroomOf(
  resource: InventoryResource,
  args: ResizeArgs,
  ctx: Pick<EvaluationContext, "inventory">,
): { headroom: Headroom; why: string } {
  const value = inheritedTag(resource, args.nonUserFacing.tag, ctx).value;
  const background = value !== undefined && args.nonUserFacing.in.some((candidate) => candidate.toLowerCase() === value.toLowerCase());
  return background
    ? { headroom: BACKGROUND_HEADROOM, why: `not user-facing (${args.nonUserFacing.tag}=${value})` }
    : {
        headroom: USER_FACING_HEADROOM,
        why: `user-facing (${args.nonUserFacing.tag}${value === undefined ? " not set" : `=${value}`}, not one of ${args.nonUserFacing.in.join(", ")})`,
      };
}

const round1 = (value: number): string => String(Math.round(value * 10) / 10);

export interface Recommendation {
  current: VmSizeFact;
  usage: Usage;
  /** P95 of the 30-minute network out totals, as Mbit/s. */
  networkMbps?: number;
  headroom: Headroom;
  audience: string;
  choice: TargetChoice;
  /** What was seen, for the reason. */
  seen: string;
}

type Assessed = { ok: true; recommendation: Recommendation } | { ok: false; outcome: "unknown" | "no-match"; reason: string };

const priceOf = (settings: Pick<Settings, "prices" | "currency">) => (size: string) => {
  const price = hourlyPrice(size, settings);
  return price.found ? price.price : undefined;
};

/** What the VM used and the size that fits it, from the gathered facts; or why that cannot be said. */
export function recommend(resource: InventoryResource, args: ResizeArgs, ctx: EvaluationContext): Assessed {
  const size = vmSizeOfResource(resource);
  if (size === undefined) return { ok: false, outcome: "unknown", reason: "the VM's size is not known" };
  const region = normaliseRegion(resource.location);
  const sizes = ctx.facts.vmSizes?.[region];
  if (sizes === undefined) return { ok: false, outcome: "unknown", reason: `the VM sizes of ${region} were not read (Resource SKUs)` };
  const current = sizes.find((candidate) => candidate.name.toLowerCase() === size.toLowerCase());
  if (!current) return { ok: false, outcome: "unknown", reason: `${size} is not among the sizes Resource SKUs list for ${region}` };
  const over = `over ${args.lookback}`;
  const cpu = factOf(resource, args, "cpuP95", ctx);
  const memory = factOf(resource, args, "memoryMin", ctx);
  for (const [name, fact] of [
    ["Percentage CPU", cpu],
    ["Available Memory Bytes", memory],
  ] as const) {
    if (fact === undefined || fact.value === null)
      return { ok: false, outcome: "unknown", reason: `no ${name} data ${over}: a VM that did not run is not rightsized` };
    if (fact.expectedPoints > 0 && fact.points / fact.expectedPoints < MIN_COVERAGE)
      return {
        ok: false,
        outcome: "unknown",
        reason: `${name} ${over}: only ${fact.points} of ${fact.expectedPoints} half-hours have data (needs ${MIN_COVERAGE * 100}%)`,
      };
  }
  const cpuP95 = cpu?.value as number;
  const minAvailableGb = (memory?.value as number) / GIB;
  if (minAvailableGb > current.memoryGb)
    return {
      ok: false,
      outcome: "unknown",
      reason: `lowest Available Memory ${round1(minAvailableGb)} GiB ${over} is more than ${size}'s ${current.memoryGb} GiB: the lookback holds data from a larger size`,
    };
  const average = factOf(resource, args, "cpuAverage", ctx)?.value;
  const usage: Usage = {
    cpuP95,
    memoryUsedGb: current.memoryGb - minAvailableGb,
    ...(typeof average === "number" ? { cpuAverage: average } : {}),
  };
  const network = factOf(resource, args, "networkP95", ctx)?.value;
  // Network Out Total is emitted a minute at a time: the buckets' average is bytes a minute.
  const networkMbps = typeof network === "number" ? (network * 8) / 60 / 1e6 : undefined;
  const { headroom, why } = headroomOf(resource, args, ctx);
  const choice = chooseTarget({
    current,
    usage,
    headroom,
    attached: attachedOf(resource),
    families: args.families,
    sizes,
    price: priceOf(ctx.settings),
  });
  const seen =
    `${size} (${current.vCPUs} vCPU, ${current.memoryGb} GiB) ${over}: P95 of 30-minute CPU maxima ${round1(cpuP95)}%, ` +
    `memory used at most ${round1(usage.memoryUsedGb)} GiB (lowest available ${round1(minAvailableGb)} GiB)` +
    `${networkMbps === undefined ? "" : `, P95 network out ${round1(networkMbps)} Mbit/s (not compared: Resource SKUs give no bandwidth)`}; ` +
    `${why}: CPU ≤ ${headroom.cpu}%, memory ≤ ${headroom.memory}% on the target`;
  return {
    ok: true,
    recommendation: {
      current,
      usage,
      ...(networkMbps === undefined ? {} : { networkMbps }),
      headroom,
      audience: why,
      choice,
      seen,
    },
  };
}

/** The target a recommendation names, if any. */
export function targetOf(resource: InventoryResource, args: ResizeArgs, ctx: EvaluationContext): string | undefined {
  const assessed = recommend(resource, args, ctx);
  return assessed.ok && assessed.recommendation.choice.fits ? assessed.recommendation.choice.target.size.name : undefined;
}

interface Saving {
  monthly: number;
  explanation: string;
}

function savingOf(recommendation: Recommendation, settings: Pick<Settings, "currency">): Saving | undefined {
  const { choice, current } = recommendation;
  if (!choice.fits) return undefined;
  const hourly = choice.currentHourly - choice.target.hourly;
  const monthly = hourly * HOURS_PER_MONTH;
  const currency = settings.currency;
  return {
    monthly,
    explanation: `${current.name} at ${choice.currentHourly} ${currency}/h − ${choice.target.size.name} at ${choice.target.hourly} ${currency}/h = ${Math.round(hourly * 1000) / 1000} ${currency}/h × ${HOURS_PER_MONTH} h = ${formatMoney(monthly, currency)}/month`,
  };
}

/** How many sweeps in a row, this one included, recommended `target` (the history is newest first). */
function runLength(history: ReadonlyArray<string | null> | undefined, target: string): number {
  let run = 1;
  for (const previous of history ?? []) {
    if (previous === null || previous.toLowerCase() !== target.toLowerCase()) break;
    run += 1;
  }
  return run;
}

function requires(resource: InventoryResource, args: ResizeArgs, ctx: EvaluationContext, policy: string): ActionRequirement {
  const assessed = recommend(resource, args, ctx);
  if (!assessed.ok) return { outcome: assessed.outcome, reason: assessed.reason };
  const { recommendation } = assessed;
  const { choice } = recommendation;
  if (!choice.fits) return { outcome: "no-match", reason: `${recommendation.seen}; ${choice.reason}` };
  const target = choice.target;
  const fits =
    `${target.size.name} fits (${target.size.vCPUs} vCPU, ${target.size.memoryGb} GiB): projected CPU ${round1(target.cpu)}%, ` +
    `memory ${round1(target.memory)}%, the same premium storage, accelerated networking and ${target.size.architecture}`;
  const reason = `${recommendation.seen}; ${fits}`;
  if (args.consecutive <= 1) return { outcome: "match", reason };
  const history = ctx.facts.sweepHistory?.[policy];
  const run = runLength(history?.targets[resource.id.toLowerCase()], target.size.name);
  if (run >= args.consecutive) return { outcome: "match", reason: `${reason}; recommended by ${run} sweeps in a row` };
  const read =
    history === undefined
      ? "no earlier sweep was read (a plan outside the sweeps reads no audit trail)"
      : `${history.sweeps.length} earlier sweep(s) read`;
  return {
    outcome: "match",
    reason,
    hold: {
      guard: "consecutive",
      reason: `held: ${target.size.name} recommended by ${run} of the ${args.consecutive} sweeps in a row the policy asks for (${read})`,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The executor

interface ResizeMark {
  target: string;
  from: string;
  wasRunning: boolean;
  /** The workflow that wrote it. */
  job: string;
}

const MARK = /^(\S+) from (\S+); (running|deallocated|stopped); (.*)$/;

export function formatResizeMark(mark: ResizeMark): string {
  const text = `${mark.target} from ${mark.from}; ${mark.wasRunning ? "running" : "deallocated"}; ${mark.job}`;
  // ARM tag values hold 256 characters.
  return text.slice(0, 256);
}

export function parseResizeMark(value: string | undefined): ResizeMark | undefined {
  const match = value === undefined ? null : MARK.exec(value.trim());
  if (!match) return undefined;
  return { target: match[1] as string, from: match[2] as string, wasRunning: match[3] === "running", job: match[4] as string };
}

const TRANSITIONAL = new Set(["deallocating", "starting", "stopping"]);

const same = (a: string | undefined, b: string): boolean => a?.toLowerCase() === b.toLowerCase();

/** The mark's job, as it fits in the tag: the workflow's instance id. */
const jobOf = (ctx: ExecutorContext<ResizeArgs>): string => ctx.request.instanceId.slice(0, 200);

/**
 * The resize a mark describes has finished: at the target, and running again if it ran, unless a
 * stop policy deallocated it since (its `governor-stopped-by`): starting it is not the resize's to do.
 */
function finished(mark: ResizeMark, resource: InventoryResource): boolean {
  if (!same(vmSizeOfResource(resource), mark.target)) return false;
  if (!mark.wasRunning || resource.powerState === "running") return true;
  return resource.powerState === "deallocated" && tagValue(resource.tags, STOPPED_BY_TAG) !== undefined;
}

/**
 * The resize to carry out: the one a mark left unfinished (whoever began it), this workflow's own
 * (already written), or a new one from the fresh evaluation (a finished mark of another workflow
 * is only its record).
 */
function planOf(ctx: ExecutorContext<ResizeArgs>): { plan: ResizeMark; begun: boolean } | { refused: string } {
  const mark = parseResizeMark(tagValue(ctx.resource.tags, RESIZE_TAG));
  if (mark && (!finished(mark, ctx.resource) || mark.job === jobOf(ctx))) return { plan: mark, begun: true };
  const size = vmSizeOfResource(ctx.resource);
  if (size === undefined) return { refused: `${ctx.resource.name}'s size is not known` };
  const assessed = recommend(ctx.resource, ctx.args, ctx.evaluation);
  if (!assessed.ok) return { refused: `${ctx.resource.name}: ${assessed.reason}` };
  if (!assessed.recommendation.choice.fits) return { refused: `${ctx.resource.name}: ${assessed.recommendation.choice.reason}` };
  return {
    plan: {
      target: assessed.recommendation.choice.target.size.name,
      from: size,
      wasRunning: ctx.resource.powerState === "running",
      job: jobOf(ctx),
    },
    begun: false,
  };
}

async function availableInPlace(ctx: ExecutorContext<ResizeArgs>, target: string): Promise<boolean> {
  const { resourceGroup, name } = parseResourceId(ctx.resource.id);
  const client = await computeClient(ctx.target);
  for await (const size of client.virtualMachines.listAvailableSizes(resourceGroup, name)) if (same(size.name, target)) return true;
  return false;
}

export const resizeAction = defineAction<ResizeArgs>({
  name: "resize",
  summary:
    "Resize a VM to the cheapest size that keeps Advisor's headroom and its capabilities, within the policy's families (platform metrics: CPU P95, memory, network).",
  example: "action: { type: resize, lookback: 7d, families: [D, E, B], consecutive: 3 }",
  effect: "disruptive",
  appliesTo: ["virtual-machine"],
  argsSchema,
  parse: parseResizeArgs,
  facts(args): FactRequest[] {
    return [
      ...(["cpuP95", "cpuAverage", "memoryMin", "networkP95"] as const).map((which) => ({
        type: "metric" as const,
        ...request(args, which),
      })),
      { type: "vm-sizes" },
    ];
  },
  reads: () => ["properties.storageProfile.dataDisks", "properties.networkProfile.networkInterfaces"],
  remembers: (args) => args.consecutive - 1,
  requires,
  details(resource, args, ctx) {
    const target = targetOf(resource, args, ctx);
    const from = vmSizeOfResource(resource);
    return { ...(target === undefined ? {} : { target }), ...(from === undefined ? {} : { from }) };
  },
  savings(resource, args, ctx) {
    const assessed = recommend(resource, args, ctx);
    return assessed.ok ? (savingOf(assessed.recommendation, ctx.settings)?.monthly ?? 0) : 0;
  },
  describe(resource, args, ctx) {
    const assessed = recommend(resource, args, ctx);
    const saving = assessed.ok ? savingOf(assessed.recommendation, ctx.settings) : undefined;
    if (!assessed.ok || !saving || !assessed.recommendation.choice.fits) return `resize ${resource.name}: no target`;
    return `resize ${resource.name} from ${assessed.recommendation.current.name} to ${assessed.recommendation.choice.target.size.name} (Azure restarts it; deallocated first if its hardware cluster lacks the size): ${saving.explanation}`;
  },
  executor: {
    assess(ctx) {
      const planned = planOf(ctx);
      if ("refused" in planned) return { status: "refused", reason: planned.refused };
      const { plan, begun } = planned;
      const power = ctx.resource.powerState;
      if (finished(plan, ctx.resource))
        return { status: "done", reason: `${ctx.resource.name} is ${plan.target}${plan.wasRunning ? ", running" : ""}` };
      if (TRANSITIONAL.has(power ?? ""))
        return { status: "in-progress", reason: `${ctx.resource.name} is ${power} during its resize to ${plan.target}` };
      // A mark is a resize begun: it is finished from where it stands, whoever began it.
      if (begun)
        return {
          status: "in-progress",
          reason: `the resize of ${ctx.resource.name} from ${plan.from} to ${plan.target} is not finished (${vmSizeOfResource(ctx.resource) ?? "size unknown"}, ${power ?? "power state unknown"})`,
        };
      return { status: "todo" };
    },
    describe(ctx) {
      const planned = planOf(ctx);
      return "refused" in planned
        ? `resized ${ctx.resource.name}`
        : `resized ${ctx.resource.name} from ${planned.plan.from} to ${planned.plan.target}`;
    },
    async change(ctx, accepted) {
      const planned = planOf(ctx);
      if ("refused" in planned) throw new Error(planned.refused);
      const { plan, begun } = planned;
      if (TRANSITIONAL.has(ctx.resource.powerState ?? ""))
        // What Azure answers a change sent while the VM is on its way somewhere: waited for, not an attempt spent.
        throw Object.assign(new Error(`${ctx.resource.name} is ${ctx.resource.powerState}: waiting before its resize goes on`), {
          statusCode: 409,
          code: "AnotherOperationInProgress",
        });
      const { resourceGroup, name } = parseResourceId(ctx.resource.id);
      const client = await computeClient(ctx.target);
      const { restorePoller } = await import("@azure/arm-compute");
      const follow = async (start: () => ReturnType<typeof client.virtualMachines.start>): Promise<void> => {
        await followOperation(start, (state) => restorePoller(client, state, start, lroOptions(ctx)), accepted, ctx.options);
      };
      // The mark first: a resize interrupted after it is finished by the next run, from where it stands.
      if (!begun) await updateTags(ctx, "Merge", { [RESIZE_TAG]: formatResizeMark(plan) });
      let power = ctx.resource.powerState;
      if (!same(vmSizeOfResource(ctx.resource), plan.target)) {
        if (power !== "deallocated" && !(await availableInPlace(ctx, plan.target))) {
          await follow(() => client.virtualMachines.deallocate(resourceGroup, name, lroOptions(ctx)));
          power = "deallocated";
        }
        const patch = () =>
          client.virtualMachines.update(resourceGroup, name, { hardwareProfile: { vmSize: plan.target } }, lroOptions(ctx));
        await followOperation(patch, (state) => restorePoller(client, state, patch, lroOptions(ctx)), accepted, ctx.options);
      }
      if (plan.wasRunning && power !== "running") await follow(() => client.virtualMachines.start(resourceGroup, name, lroOptions(ctx)));
    },
    refresh: refreshResource,
    state(ctx) {
      const size = vmSizeOfResource(ctx.resource);
      return {
        exists: true,
        ...(ctx.resource.powerState === undefined ? {} : { powerState: ctx.resource.powerState }),
        ...(size === undefined ? {} : { size }),
      };
    },
  },
  permissions: [
    {
      operation: "Microsoft.Resources/tags/write",
      why: "mark a VM with the resize under way (governor-resize), so an interrupted one is finished",
      evidence: "request",
    },
    { operation: "Microsoft.Compute/virtualMachines/write", why: "resize a VM (PATCH hardwareProfile.vmSize)", evidence: "request" },
    {
      operation: "Microsoft.Compute/virtualMachines/deallocate/action",
      why: "deallocate a VM whose hardware cluster lacks the target size",
      evidence: "request",
    },
    {
      operation: "Microsoft.Compute/virtualMachines/start/action",
      why: "start a resized VM again when it was running",
      evidence: "request",
    },
  ],
  saves: true,
});
