/**
 * `off-hours`: the resource is outside its office-hours schedule, or it is a public holiday.
 *
 * ```yaml
 * - off-hours: { tag: governor-schedule }
 * - off-hours: { tag: governor-schedule, default: "Mon-Fri 07:00-19:00 Europe/Brussels", holidays: BE }
 * ```
 *
 * The schedule is the resource's tag (by default `settings.tags.schedule`), or its resource
 * group's, written as `Mon-Fri 07:00-19:00 Europe/Brussels` (see shared/time/schedule.ts for the
 * syntax). Holidays come from the schedule's own `holidays=`, else this condition's `holidays`,
 * else `settings.holidays`; `none` switches them off.
 *
 * A resource without a schedule and no `default` is not applicable: nobody said when it may be
 * off. A schedule that cannot be read is unknown, never a match: the owner made a typo, and
 * stopping their VM on a guess would punish them for it.
 */
import { inheritedTag } from "../environment.ts";
import type { FilterDefinition } from "../registry.ts";
import type { ConditionResult } from "../types.ts";
import { HOLIDAY_CODE_DESCRIPTION, HOLIDAY_CODE_PATTERN, holidayCountry } from "../../time/holidays.ts";
import { localTimeLabel, parseSchedule, scheduleState } from "../../time/schedule.ts";
import type { Schedule } from "../../time/schedule.ts";

export interface OffHoursArgs {
  /** Tag holding the schedule; `settings.tags.schedule` when absent. */
  tag?: string;
  /** Schedule of resources that have no tag. */
  default?: string;
  /** Code of the holiday calendar (`BE`, `PL`, `DE-BY`), or `none`; `settings.holidays` when absent. */
  holidays?: string;
}

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export const offHoursFilter: FilterDefinition<OffHoursArgs> = {
  key: "off-hours",
  summary:
    "Outside the resource's office-hours schedule (its governor-schedule tag, e.g. 'Mon-Fri 07:00-19:00 Europe/Brussels') or on a public holiday.",
  example: '{ off-hours: { tag: governor-schedule, default: "Mon-Fri 07:00-19:00 Europe/Brussels", holidays: BE } }',
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["off-hours"],
    properties: {
      "off-hours": {
        type: "object",
        additionalProperties: false,
        properties: {
          tag: { type: "string", minLength: 1, description: "Tag holding the schedule (default: settings.tags.schedule)." },
          default: {
            type: "string",
            minLength: 1,
            description: "Schedule of resources without the tag, e.g. 'Mon-Fri 07:00-19:00 Europe/Brussels'.",
          },
          holidays: {
            type: "string",
            anyOf: [{ pattern: HOLIDAY_CODE_PATTERN }, { enum: ["none"] }],
            description: `Public holidays count as off-hours (default: settings.holidays), or none. ${HOLIDAY_CODE_DESCRIPTION}`,
          },
        },
      },
    },
  },
  parse(condition) {
    const raw = (condition["off-hours"] ?? {}) as Record<string, unknown>;
    const args: OffHoursArgs = {};
    if (typeof raw.tag === "string") args.tag = raw.tag;
    if (typeof raw.default === "string") {
      // A policy author's mistake is reported when the file loads, not discovered at night.
      parseSchedule(raw.default);
      args.default = raw.default;
    }
    if (typeof raw.holidays === "string") args.holidays = raw.holidays.toLowerCase() === "none" ? "none" : holidayCountry(raw.holidays);
    return args;
  },
  evaluate(resource, args, ctx): ConditionResult {
    const tag = args.tag ?? ctx.settings.tags.schedule;
    const resolved = inheritedTag(resource, tag, ctx);
    const written = resolved.value ?? args.default;
    if (written === undefined) {
      return { outcome: "not-applicable", reason: `no ${tag} tag on the resource or its resource group, and no default schedule` };
    }
    let schedule: Schedule;
    try {
      schedule = parseSchedule(written);
    } catch (error) {
      return { outcome: "unknown", reason: `${tag} tag cannot be read, nothing is done until its owner fixes it: ${errorMessage(error)}` };
    }
    const holidays = args.holidays ?? ctx.settings.holidays;
    let state: ReturnType<typeof scheduleState>;
    try {
      state = scheduleState(schedule, ctx.now, holidays === "none" ? undefined : holidays);
    } catch (error) {
      return { outcome: "unknown", reason: `holiday calendar for schedule ${schedule.text}: ${errorMessage(error)}` };
    }
    const which = resolved.value === undefined ? "default schedule" : "schedule";
    const notes = [`${localTimeLabel(ctx.now, schedule.timeZone ?? ctx.settings.timeZone)} local`];
    if (resolved.source === "resource group") notes.push(`${tag} tag of the resource group`);
    if (resolved.value === undefined) notes.push(`no ${tag} tag`);
    const described = `${which} ${schedule.text} (${notes.join("; ")})`;
    if (state.within) return { outcome: "no-match", reason: `within ${described}` };
    const country = schedule.holidays ?? holidays;
    const holiday = state.holiday ? `public holiday ${state.holiday.name}${country ? ` (${country})` : ""}: ` : "";
    return { outcome: "match", reason: `${holiday}outside ${described}` };
  },
};
