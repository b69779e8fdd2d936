/**
 * Alerts: what needs a person now, sent at once to the Teams channel and by email to the
 * escalation recipients. Each alert's id derives from what happened (the drill, the workflow, the
 * approval round, the kill switch's change), so a redelivered activity alerts once.
 */
import { resourceNameOf } from "../azure/resourceId.ts";
import type { DrillRecord } from "../drills/record.ts";
import type { RemediationOutcome } from "../remediation/types.ts";
import { drillLine } from "./digest.ts";
import type { Notification } from "./message.ts";

const escalation = { type: "escalation" } as const;

/** A failed drill or a missed RTO/RPO, naming the failed checks. */
export function drillAlert(instanceId: string, record: DrillRecord): Notification {
  const failedChecks = record.checks.filter((check) => check.status === "fail");
  const missed = [record.rtoMet === false ? "RTO" : undefined, record.rpoMet === false ? "RPO" : undefined].filter(Boolean);
  const what = [
    failedChecks.length > 0 ? `failed checks: ${failedChecks.map((check) => check.name).join(", ")}` : undefined,
    missed.length > 0 ? `${missed.join(" and ")} missed` : undefined,
  ].filter(Boolean);
  return {
    id: `alert:drill:${instanceId}`,
    kind: "alert",
    audience: escalation,
    severity: "attention",
    title: `Restore drill of ${record.server.name} failed`,
    summary: what.length > 0 ? `${what.join("; ")}.` : `${record.failures.join("; ") || "the drill failed"}.`,
    facts: [
      { title: "Server", value: record.server.name },
      { title: "Restore point", value: record.pointInTime },
      {
        title: "Result",
        value: drillLine({
          server: record.server.name,
          at: record.timings.verifiedAt ?? record.timings.requestedAt,
          outcome: record.outcome,
          ...(record.rtoSeconds === undefined ? {} : { rtoSeconds: record.rtoSeconds }),
          ...(record.rpoSeconds === undefined ? {} : { rpoSeconds: record.rpoSeconds }),
          ...(record.objectives.rtoMinutes === undefined ? {} : { rtoMinutes: record.objectives.rtoMinutes }),
          ...(record.objectives.rpoMinutes === undefined ? {} : { rpoMinutes: record.objectives.rpoMinutes }),
          ...(record.rtoMet === undefined ? {} : { rtoMet: record.rtoMet }),
          ...(record.rpoMet === undefined ? {} : { rpoMet: record.rpoMet }),
          failures: record.failures,
        }),
      },
      { title: "Drill server", value: record.teardown.confirmed ? "deleted" : `NOT confirmed deleted: ${record.teardown.note}` },
    ],
    sections: [
      {
        heading: "Failures",
        lines: [
          ...failedChecks.map((check) => `${check.name}: ${check.message}`),
          ...record.failures.filter((failure) => !failedChecks.some((check) => failure.includes(check.name))),
        ],
      },
    ],
  };
}

/** A remediation workflow whose changes failed: one alert per workflow, listing each failure. */
export function remediationAlert(instanceId: string, policy: string, action: string, failed: readonly RemediationOutcome[]): Notification {
  return {
    id: `alert:remediation:${instanceId}:${action}`,
    kind: "alert",
    audience: escalation,
    severity: "attention",
    title: `${failed.length} change${failed.length === 1 ? "" : "s"} failed: ${action} under ${policy}`,
    summary: `The workflow ${instanceId} could not ${action} ${failed.length === 1 ? "a resource" : `${failed.length} resources`}; nothing else was changed for them.`,
    sections: [
      {
        heading: "Failed",
        lines: failed.map(
          (outcome) => `${resourceNameOf(outcome.resourceId)}: ${outcome.errorCode ? `${outcome.errorCode}: ` : ""}${outcome.reason}`,
        ),
      },
    ],
  };
}

/** An approval request no channel could deliver: nobody was asked, so nothing will be done. */
export function undeliveredApprovalAlert(approvalId: string, round: number, policy: string, resources: number, why: string): Notification {
  return {
    id: `alert:approval-undelivered:${approvalId}:${round}`,
    kind: "alert",
    audience: escalation,
    severity: "attention",
    title: `Approval request for ${policy} could not be delivered`,
    summary: `Nobody was asked about ${resources} resource(s), so nothing is done: ${why}. Check the Teams webhook and the email settings.`,
    facts: [
      { title: "Approval", value: approvalId },
      { title: "Round", value: String(round) },
    ],
  };
}

/** The kill switch turned on or off, seen by the sweeps timer. */
export function killSwitchAlert(on: boolean, at: Date): Notification {
  return {
    id: `alert:kill-switch:${on ? "on" : "off"}:${at.toISOString()}`,
    kind: "alert",
    audience: escalation,
    severity: on ? "attention" : "default",
    title: on ? "Kill switch ON: Governor changes nothing" : "Kill switch OFF: Governor acts again",
    summary: on
      ? "GOVERNOR_KILL_SWITCH is on: every workflow still evaluates and records, and no change is made until it is turned off."
      : "GOVERNOR_KILL_SWITCH is off: enforced policies change resources again at their next sweep.",
    facts: [{ title: "Seen at", value: at.toISOString() }],
  };
}
