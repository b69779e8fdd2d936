/**
 * The savings ledger's refresh: derives its rows from the audit trail's applied changes and
 * measures their realised savings through Cost Management (`updateSavingsLedger`). Started by the
 * `savingsLedgerRefresh` timer; one activity, decoupled from the remediation workflows, so a change is
 * counted however it was recorded and a refresh run twice writes the same rows.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import { ACTIVITIES, ORCHESTRATIONS } from "./names.ts";

export interface SavingsLedgerResult {
  rows: number;
  measured: number;
  costError?: string;
}

const RETRY = new df.RetryOptions(10_000, 3);

export const savingsLedgerOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  return (yield context.df.callActivityWithRetry(ACTIVITIES.updateSavingsLedger, RETRY, {
    instanceId: context.df.instanceId,
  })) as SavingsLedgerResult;
};

df.app.orchestration(ORCHESTRATIONS.savingsLedger, savingsLedgerOrchestrator);
