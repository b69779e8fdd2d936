/**
 * Azure Policy compliance for the report and the digest: Governor's assignment read from Policy
 * Insights (one summarize request), recorded as the day's snapshot, with the snapshots of the days
 * before. Never throws: a failure to read Policy Insights is a reading with its error code, shown
 * as "Azure Policy compliance unavailable: <code>", and the snapshots recorded before still make
 * the trend; a failure of the snapshots' table leaves today's figures without a trend.
 */
import type { AzureTarget } from "../azure/target.ts";
import { platformOf } from "../platform.ts";
import type { GovernorConfig } from "../config.ts";
import { type PolicyCompliance, policyCompliance } from "./compliance.ts";
import { complianceAcross, type SubscriptionReading } from "./complianceAcross.ts";
import { appComplianceSnapshots, type ComplianceSnapshot, type ComplianceSnapshots, dayOf } from "./snapshots.ts";

const DAY_MS = 86_400_000;

export type ComplianceReading =
  | { status: "ok"; snapshot: ComplianceSnapshot; history: ComplianceSnapshot[]; notes: string[] }
  /** Policy Insights answered, without Governor's assignment: the baseline is not deployed in the subscription. */
  | { status: "not-assigned"; history: ComplianceSnapshot[]; notes: string[] }
  | { status: "unavailable"; code: string; message: string; history: ComplianceSnapshot[]; notes: string[] };

/** Where the report and the digest get their reading: Governor's own (`governorCompliance`) or a test's. */
export type ComplianceSource = (now: Date, days: number) => Promise<ComplianceReading>;

export interface ComplianceDependencies {
  subscriptionId: string;
  /** Policy Insights' summary of Governor's assignment. */
  read: () => Promise<PolicyCompliance>;
  /** Where snapshots are kept; without it, today's figures only. */
  snapshots?: ComplianceSnapshots;
}

/** The code an Azure SDK error carries (`AuthorizationFailed`), else its HTTP status or its name. */
export function errorCode(error: unknown): string {
  const { code, statusCode, name } = (error ?? {}) as { code?: unknown; statusCode?: unknown; name?: unknown };
  if (typeof code === "string" && code !== "") return code;
  if (typeof statusCode === "number") return `HTTP ${statusCode}`;
  return typeof name === "string" && name !== "" ? name : "Error";
}

/** An error's message, its first line only (an SDK error's message may carry the whole response). */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";

/** Reads today's compliance, records it, and returns it with the snapshots of the last `days` days (today's included). */
export async function readCompliance(deps: ComplianceDependencies, now: Date, days: number): Promise<ComplianceReading> {
  const notes: string[] = [];
  const fromDay = dayOf(new Date(now.getTime() - (days - 1) * DAY_MS));
  const history = async (): Promise<ComplianceSnapshot[]> => {
    if (!deps.snapshots) return [];
    try {
      return await deps.snapshots.since(deps.subscriptionId, fromDay);
    } catch (error) {
      notes.push(`the compliance snapshots could not be read (${errorCode(error)}): no trend`);
      return [];
    }
  };
  let summary: PolicyCompliance;
  try {
    summary = await deps.read();
  } catch (error) {
    return { status: "unavailable", code: errorCode(error), message: messageOf(error), history: await history(), notes };
  }
  const [assignment] = summary.assignments.filter((candidate) => candidate.governor);
  if (!assignment) return { status: "not-assigned", history: await history(), notes };
  const snapshot: ComplianceSnapshot = { subscriptionId: deps.subscriptionId, day: dayOf(now), at: now.toISOString(), assignment };
  if (deps.snapshots) {
    try {
      await deps.snapshots.record(snapshot);
    } catch (error) {
      notes.push(`today's compliance snapshot could not be recorded (${errorCode(error)})`);
    }
  }
  // Today's row is this reading, whatever the table holds.
  const earlier = (await history()).filter((recorded) => recorded.day !== snapshot.day);
  return { status: "ok", snapshot, history: [...earlier, snapshot], notes };
}

/** Governor's source: its assignment in the target's subscription, the snapshots where given. */
export function governorCompliance(target: AzureTarget, snapshots?: ComplianceSnapshots): ComplianceSource {
  return (now, days) =>
    readCompliance(
      {
        subscriptionId: target.subscriptionId,
        read: () => policyCompliance(target, { governorOnly: true }),
        ...(snapshots ? { snapshots } : {}),
      },
      now,
      days,
    );
}

/**
 * The app's source: every governed subscription's Governor assignment (each read and recorded on
 * its own, then summed: `complianceAcross`), the snapshots on the app's storage (today's figures
 * alone without it).
 */
export function appComplianceSource(
  config: Pick<GovernorConfig, "subscriptionId" | "emulator"> & Partial<Pick<GovernorConfig, "subscriptions">>,
  env: Record<string, string | undefined> = process.env,
): ComplianceSource {
  return async (now, days) => {
    if (config.subscriptionId.trim() === "")
      return {
        status: "unavailable",
        code: "SubscriptionNotConfigured",
        message: "GOVERNOR_SUBSCRIPTION_ID is not set",
        history: [],
        notes: [],
      };
    const snapshots = await appComplianceSnapshots(env).catch(() => undefined);
    const subscriptions = config.subscriptions && config.subscriptions.length > 0 ? config.subscriptions : [config.subscriptionId];
    const readings = await Promise.all(
      subscriptions.map(async (subscriptionId): Promise<SubscriptionReading> => {
        let target: AzureTarget;
        try {
          target = await platformOf(config).target(subscriptionId);
        } catch (error) {
          return {
            subscriptionId,
            reading: { status: "unavailable", code: errorCode(error), message: messageOf(error), history: [], notes: [] },
          };
        }
        return { subscriptionId, reading: await governorCompliance(target, snapshots)(now, days) };
      }),
    );
    const reading = complianceAcross(readings);
    if (!snapshots) reading.notes.push("no storage for the compliance snapshots (AzureWebJobsStorage): no trend");
    return reading;
  };
}
