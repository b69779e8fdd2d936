/**
 * A drill's record: the evidence an auditor reads (which server, which restore point, how long,
 * every check with what it saw, the outcome and whether the drill server was confirmed deleted),
 * built as a pure function of what the workflow collected, and its entry in the audit trail.
 */
import { type AuditRecord, GOVERNOR_ACTOR, type Json, type TriggerType } from "../audit/record.ts";
import { failures, measure, type Measurement, type Objectives } from "./measure.ts";
import type { CheckResult, RecoveryPointEvidence } from "./types.ts";

export type DrillOutcome = "passed" | "failed" | "cancelled" | "skipped";

export interface DrillRecord {
  runId: string;
  policy?: string;
  server: { id: string; name: string };
  drillServer: { id: string; name: string; resourceGroup: string };
  restorePoint: string;
  pointInTime: string;
  objectives: Objectives;
  timings: {
    requestedAt: string;
    readyAt?: string;
    verifiedAt?: string;
    tornDownAt?: string;
    /** From the restore request to the restored server ready, on Governor's clock. */
    restoreSeconds?: number;
    /** Measured by the activities themselves: the restore request (in the emulator, the restore itself) and the verification. */
    requestSeconds?: number;
    verifySeconds?: number;
  };
  rtoSeconds?: number;
  rpoSeconds?: number;
  rtoMet?: boolean;
  rpoMet?: boolean;
  recoveryPoint?: RecoveryPointEvidence;
  access?: string;
  /** Why the drill did not run (kill switch, dry run). */
  skipped?: string;
  checks: CheckResult[];
  outcome: DrillOutcome;
  failures: string[];
  teardown: { confirmed: boolean; note: string };
}

export interface DrillFacts {
  runId: string;
  policy?: string;
  server: { id: string; name: string };
  drillServer: { id: string; name: string; resourceGroup: string };
  restorePoint: string;
  pointInTime: string;
  objectives: Objectives;
  requestedAt: string;
  readyAt?: string;
  requestSeconds?: number;
  restoreError?: string;
  cancelled?: boolean;
  /** Why the drill did not run at all (kill switch, dry run). */
  skipped?: string;
  access?: string;
  verification?: { checks: CheckResult[]; evidence: RecoveryPointEvidence; verifiedAt: string; verifySeconds: number };
  teardown: { confirmed: boolean; note: string; at?: string };
}

export function drillRecord(facts: DrillFacts): DrillRecord {
  const checks = facts.verification?.checks ?? [];
  let measurement: Measurement | undefined;
  if (facts.verification && !facts.cancelled) {
    measurement = measure(
      { requestedAt: facts.requestedAt, verifiedAt: facts.verification.verifiedAt, pointInTime: facts.pointInTime },
      facts.verification.evidence,
      facts.objectives,
    );
  }
  const reasons = failures({
    ...(facts.restoreError === undefined ? {} : { restoreError: facts.restoreError }),
    checks,
    ...(measurement ? { measurement } : {}),
    objectives: facts.objectives,
    teardownConfirmed: facts.teardown.confirmed,
  });
  if (!facts.verification && facts.restoreError === undefined && !facts.cancelled && facts.skipped === undefined)
    reasons.push("the restored database was not verified");
  const record: DrillRecord = {
    runId: facts.runId,
    ...(facts.policy === undefined ? {} : { policy: facts.policy }),
    server: facts.server,
    drillServer: facts.drillServer,
    restorePoint: facts.restorePoint,
    pointInTime: facts.pointInTime,
    objectives: facts.objectives,
    timings: {
      requestedAt: facts.requestedAt,
      ...(facts.readyAt === undefined ? {} : { readyAt: facts.readyAt }),
      ...(facts.verification ? { verifiedAt: facts.verification.verifiedAt, verifySeconds: facts.verification.verifySeconds } : {}),
      ...(facts.teardown.at === undefined ? {} : { tornDownAt: facts.teardown.at }),
      ...(facts.readyAt === undefined ? {} : { restoreSeconds: (Date.parse(facts.readyAt) - Date.parse(facts.requestedAt)) / 1000 }),
      ...(facts.requestSeconds === undefined ? {} : { requestSeconds: facts.requestSeconds }),
    },
    ...(measurement ?? {}),
    ...(facts.verification ? { recoveryPoint: facts.verification.evidence } : {}),
    ...(facts.access === undefined ? {} : { access: facts.access }),
    ...(facts.skipped === undefined ? {} : { skipped: facts.skipped }),
    checks,
    outcome: facts.skipped !== undefined ? "skipped" : facts.cancelled ? "cancelled" : reasons.length === 0 ? "passed" : "failed",
    failures: reasons,
    teardown: { confirmed: facts.teardown.confirmed, note: facts.teardown.note },
  };
  return record;
}

function duration(seconds: number | undefined): string {
  if (seconds === undefined) return "unknown";
  if (seconds < 10) return `${Math.round(seconds * 10) / 10} s`;
  return seconds < 120 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 6) / 10} min`;
}

/** One line for people: what was restored, how long it took, what it lost, and how it ended. */
export function drillSummary(record: DrillRecord): string {
  const rto = `RTO ${duration(record.rtoSeconds)}${record.objectives.rtoMinutes === undefined ? "" : ` (objective ${record.objectives.rtoMinutes} min)`}`;
  const rpo = `RPO ${duration(record.rpoSeconds)}${record.objectives.rpoMinutes === undefined ? "" : ` (objective ${record.objectives.rpoMinutes} min)`}`;
  const passed = record.checks.filter((check) => check.status === "pass").length;
  if (record.skipped !== undefined) return `restore drill of ${record.server.name} skipped: ${record.skipped}`;
  const head = `restore drill of ${record.server.name} to ${record.pointInTime}: ${record.outcome}; ${rto}, ${rpo}; ${passed}/${record.checks.length} checks passed; drill server ${record.teardown.confirmed ? "deleted" : "NOT confirmed deleted"}`;
  return record.failures.length === 0 ? head : `${head}; ${record.failures.join("; ")}`;
}

export function drillAuditRecord(
  record: DrillRecord,
  input: { instanceId: string; trigger: { type: TriggerType; id?: string }; at: string },
): AuditRecord {
  const summary = drillSummary(record);
  return {
    id: `${input.instanceId}:drill`,
    at: input.at,
    kind: "drill",
    ...(record.policy === undefined ? {} : { policy: record.policy }),
    resourceId: record.server.id,
    action: "restore-drill",
    reason: summary.length > 8000 ? `${summary.slice(0, 7997)}...` : summary,
    instanceId: input.instanceId,
    trigger: input.trigger,
    actor: GOVERNOR_ACTOR,
    outcome: record.outcome === "passed" ? "applied" : record.outcome === "failed" ? "failed" : "skipped",
    details: record as unknown as Json,
  };
}
