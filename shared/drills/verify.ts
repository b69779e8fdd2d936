/**
 * Runs the verification suite's selected checks against a restored database, in order, each
 * timed; a check that throws fails with its error. Without a connection, `connection` fails
 * and every other check is skipped.
 */
import { CHECKS, type CheckContext } from "./checks.ts";
import type { CheckName, CheckResult } from "./types.ts";

export async function runChecks(
  context: CheckContext,
  selected: readonly CheckName[],
  clock: () => number = () => performance.now(),
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of CHECKS) {
    if (!selected.includes(check.name) && check.name !== "connection") continue;
    const started = clock();
    try {
      const judgement = await check.run(context);
      results.push({ name: check.name, ...judgement, durationMs: Math.round(clock() - started) });
    } catch (error) {
      results.push({
        name: check.name,
        status: "fail",
        message: `${check.name} failed: ${(error as Error).message}`,
        values: {},
        durationMs: Math.round(clock() - started),
      });
    }
  }
  return results;
}

/** The results when the restored database could not be reached at all. */
export function unreachable(selected: readonly CheckName[], error: string): CheckResult[] {
  return CHECKS.filter((check) => check.name === "connection" || selected.includes(check.name)).map((check): CheckResult =>
    check.name === "connection"
      ? { name: check.name, status: "fail", message: `cannot connect to the restored server: ${error}`, values: { error }, durationMs: 0 }
      : { name: check.name, status: "skipped", message: "not run: no connection to the restored server", values: {}, durationMs: 0 },
  );
}
