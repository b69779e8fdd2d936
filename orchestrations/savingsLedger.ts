/**
 * The savings ledger's refresh: derives its rows from the audit trail's applied changes and
 * measures their realised savings through Cost Management (`updateSavingsLedger`). Started by the
 * `savingsLedgerRefresh` timer; one activity, decoupled from the remediation workflows, so a change is
 * counted however it was recorded and a refresh run twice writes the same rows.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import { savingsActivities } from "./activities/savings.activities.ts";
import { call, registerOrchestration } from "./calls.ts";
import { ORCHESTRATIONS } from "./names.ts";

export interface SavingsLedgerResult {
  rows: number;
  measured: number;
  costError?: string;
}

const RETRY = new df.RetryOptions(10_000, 3);

function* savingsLedgerOrchestrator(context: OrchestrationContext): Generator<Task, SavingsLedgerResult, unknown> {
  return yield* call(context, savingsActivities.updateSavingsLedger, { instanceId: context.df.instanceId }, RETRY);
}

export const savingsLedger = registerOrchestration(ORCHESTRATIONS.savingsLedger, savingsLedgerOrchestrator);
