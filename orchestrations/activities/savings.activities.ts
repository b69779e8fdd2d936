/**
 * The savings ledger's activity: reads the audit trail, queries Cost Management for the realised
 * savings, writes the ledger (shared/savings/ledger.ts). Its only Azure request is the cost query.
 */
import { now } from "../../shared/clock.ts";
import { costManagementSource } from "../../shared/savings/costQuery.ts";
import { refreshSavingsLedger, SavingsLedger } from "../../shared/savings/ledger.ts";
import { registerActivity } from "../calls.ts";
import { ACTIVITIES } from "../names.ts";
import type { SavingsLedgerResult } from "../savingsLedger.ts";
import { dependencies } from "./remediation.activities.ts";

/** The workflow passes its instance id; the ledger derives everything else from the audit trail. */
async function updateSavingsLedgerActivity(_request: { instanceId: string }): Promise<SavingsLedgerResult> {
  const { targets, policySet, trail } = await dependencies();
  const ledger = await SavingsLedger.fromEnv(process.env);
  if (!ledger) throw new Error("no storage for the savings ledger: set AzureWebJobsStorage");
  const result = await refreshSavingsLedger({
    trail,
    ledger,
    currency: policySet.settings.currency,
    now: now(),
    // Each changed resource's cost is read in its own governed subscription.
    costs: await costManagementSource(targets),
  });
  return { rows: result.rows.length, measured: result.measured, ...(result.costError ? { costError: result.costError } : {}) };
}

/** The handle the savings ledger's workflow calls this activity by. */
export const savingsActivities = {
  updateSavingsLedger: registerActivity(ACTIVITIES.updateSavingsLedger, updateSavingsLedgerActivity),
};
