/** The `hoursPerMonth` argument shared by the actions that stop compute. */
import type { JsonSchema } from "../registry.ts";
import { HOURS_PER_MONTH } from "../prices.ts";

export interface HoursArgs {
  /** Hours a month the resource would no longer run; an idle resource would otherwise run all month. */
  hoursPerMonth?: number;
}

export const hoursPerMonthSchema: JsonSchema = {
  type: "number",
  exclusiveMinimum: 0,
  maximum: 744,
  description: `Hours a month the resource stops running, for the savings estimate (default ${HOURS_PER_MONTH}: all month).`,
};

export function parseHours(args: Record<string, unknown>): HoursArgs {
  return typeof args.hoursPerMonth === "number" ? { hoursPerMonth: args.hoursPerMonth } : {};
}

export function hoursOf(args: HoursArgs): number {
  return args.hoursPerMonth ?? HOURS_PER_MONTH;
}
