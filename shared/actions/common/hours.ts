/** The `hoursPerMonth` argument shared by the actions that stop compute. */
import { parseSchedule, hoursInSchedulePerWeek } from "../../time/schedule.ts";
import { inheritedTag } from "../../policy/environment.ts";
import type { EvaluationContext, JsonSchema } from "../../policy/registry.ts";
import { HOURS_PER_MONTH } from "../../policy/prices.ts";
import type { InventoryResource } from "../../policy/types.ts";

export interface HoursArgs {
  /**
   * Hours a month the resource would no longer run: a number, or `outside-schedule` for the hours
   * outside its governor-schedule tag. An idle resource would otherwise run all month.
   */
  hoursPerMonth?: number | "outside-schedule";
}

export const hoursPerMonthSchema: JsonSchema = {
  anyOf: [
    { type: "number", exclusiveMinimum: 0, maximum: 744 },
    { const: "outside-schedule", description: "The hours a month outside the resource's schedule tag (off-hours policies)." },
  ],
  description: `Hours a month the resource stops running, for the savings estimate (default ${HOURS_PER_MONTH}: all month).`,
};

export function parseHours(args: Record<string, unknown>): HoursArgs {
  const hours = args.hoursPerMonth;
  return typeof hours === "number" || hours === "outside-schedule" ? { hoursPerMonth: hours } : {};
}

const WEEKS_PER_MONTH = HOURS_PER_MONTH / 168;

export function hoursOf(args: HoursArgs, resource: InventoryResource, ctx: Pick<EvaluationContext, "inventory" | "settings">): number {
  if (typeof args.hoursPerMonth === "number") return args.hoursPerMonth;
  if (args.hoursPerMonth !== "outside-schedule") return HOURS_PER_MONTH;
  const tag = inheritedTag(resource, ctx.settings.tags.schedule, ctx).value;
  if (tag === undefined) return HOURS_PER_MONTH;
  try {
    return Math.round((168 - hoursInSchedulePerWeek(parseSchedule(tag))) * WEEKS_PER_MONTH);
  } catch {
    // An unreadable schedule never reaches an action (the off-hours filter answers unknown); all month is the bound.
    return HOURS_PER_MONTH;
  }
}
