/**
 * RTO and RPO of a drill and its outcome, as pure functions of what the drill saw. RTO: from the
 * restore request to the verified database. RPO: from the newest data found in the restored
 * database (Governor's heartbeat, or the newest write_date) to the restore point asked for.
 */
import type { CheckResult, RecoveryPointEvidence } from "./types.ts";

export interface Objectives {
  rtoMinutes?: number;
  rpoMinutes?: number;
}

export interface Measurement {
  rtoSeconds: number;
  /** Undefined when the restored database showed no sign of when it was last written. */
  rpoSeconds?: number;
  rtoMet?: boolean;
  rpoMet?: boolean;
}

export function measure(
  times: { requestedAt: string; verifiedAt: string; pointInTime: string },
  evidence: RecoveryPointEvidence,
  objectives: Objectives,
): Measurement {
  const rtoSeconds = Math.max(0, (Date.parse(times.verifiedAt) - Date.parse(times.requestedAt)) / 1000);
  const measurement: Measurement = { rtoSeconds };
  if (evidence.newestAt !== undefined)
    measurement.rpoSeconds = Math.max(0, (Date.parse(times.pointInTime) - Date.parse(evidence.newestAt)) / 1000);
  if (objectives.rtoMinutes !== undefined) measurement.rtoMet = rtoSeconds <= objectives.rtoMinutes * 60;
  if (objectives.rpoMinutes !== undefined)
    measurement.rpoMet = measurement.rpoSeconds !== undefined && measurement.rpoSeconds <= objectives.rpoMinutes * 60;
  return measurement;
}

function minutes(seconds: number): string {
  return seconds < 120 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 6) / 10} min`;
}

/** Why a drill failed (empty when it passed): failed checks by name, missed objectives, a restore or teardown that did not happen. */
export function failures(input: {
  restoreError?: string;
  checks: readonly CheckResult[];
  measurement?: Measurement;
  objectives: Objectives;
  teardownConfirmed: boolean;
}): string[] {
  const reasons: string[] = [];
  if (input.restoreError !== undefined) reasons.push(`restore failed: ${input.restoreError}`);
  for (const check of input.checks) if (check.status === "fail") reasons.push(`check ${check.name} failed: ${check.message}`);
  const m = input.measurement;
  if (m && m.rtoMet === false)
    reasons.push(`RTO missed: ${minutes(m.rtoSeconds)} against an objective of ${input.objectives.rtoMinutes} min`);
  if (m && m.rpoMet === false) {
    reasons.push(
      m.rpoSeconds === undefined
        ? `RPO unknown against an objective of ${input.objectives.rpoMinutes} min: no heartbeat or write_date in the restored database`
        : `RPO missed: ${minutes(m.rpoSeconds)} of data lost against an objective of ${input.objectives.rpoMinutes} min`,
    );
  }
  if (!input.teardownConfirmed) reasons.push("the drill server was not confirmed deleted (the sweeper deletes it when it expires)");
  return reasons;
}
