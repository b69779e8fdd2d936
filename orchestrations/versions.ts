/**
 * Orchestration versions, as Durable Functions keeps them: host.json's
 * `extensions.durableTask.defaultVersion` is stamped on every instance (and sub-orchestration)
 * when it starts, and `context.df.version` gives it back on every replay, so an orchestrator
 * whose code changed keeps the old steps for the instances that started before the change.
 * Instances started before Governor set a version have none: they ran `1.0`'s code.
 *
 * To change what an orchestrator schedules: add the next version here, set host.json's
 * `defaultVersion` to it (a test checks the two agree), and branch with `startedAtOrAfter` so
 * that an instance of an earlier version schedules exactly what it scheduled before.
 */
import type { OrchestrationContext } from "durable-functions";

/** Every version Governor's orchestrators have had, oldest first; the last is host.json's `defaultVersion`. */
export const ORCHESTRATION_VERSIONS = ["1.0"] as const;

export type OrchestrationVersion = (typeof ORCHESTRATION_VERSIONS)[number];

const NUMERIC = /^\d+(\.\d+){1,3}$/;
const MAX_INT32 = 2_147_483_647;

function numericParts(version: string): number[] | undefined {
  if (!NUMERIC.test(version)) return undefined;
  const parts = version.split(".").map(Number);
  return parts.every((part) => part <= MAX_INT32) ? parts : undefined;
}

/**
 * Orders two versions as the Durable extension does: no version (null, undefined or empty) is
 * older than any version; two versions of 2 to 4 numbers (`1.0`, `2.1.3`) compare as numbers,
 * a missing component before a zero (.NET's System.Version: `1.0` < `1.0.0`); anything else,
 * case-insensitively as text (so `10` < `9`: write versions as `major.minor`).
 */
export function compareVersions(a: string | null | undefined, b: string | null | undefined): number {
  const left = a ?? "";
  const right = b ?? "";
  if (left === "" || right === "") return left === right ? 0 : left === "" ? -1 : 1;
  const x = numericParts(left);
  const y = numericParts(right);
  if (x && y) {
    for (let index = 0; index < 4; index += 1) {
      const difference = (x[index] ?? -1) - (y[index] ?? -1);
      if (difference !== 0) return Math.sign(difference);
    }
    return 0;
  }
  const upperLeft = left.toUpperCase();
  const upperRight = right.toUpperCase();
  return upperLeft < upperRight ? -1 : upperLeft > upperRight ? 1 : 0;
}

/** True when the running instance started on `version` or later (an instance with no version started before any). */
export function startedAtOrAfter(context: OrchestrationContext, version: OrchestrationVersion): boolean {
  return compareVersions(context.df.version, version) >= 0;
}
