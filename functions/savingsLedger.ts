/**
 * `savingsLedgerRefresh`, a timer every six hours (the 06:15 run ahead of the 07:00 digest): starts the
 * `savingsLedger` workflow that refreshes the ledger from the audit trail and Cost Management.
 * The instance id names the slot: a timer firing twice finds its workflow already started.
 */
import type { InvocationContext, Timer } from "@azure/functions";
import { app } from "@azure/functions";
import * as df from "durable-functions";
import { ORCHESTRATIONS, slotInstanceId } from "../orchestrations/names.ts";
import { now } from "../shared/clock.ts";
import { startOrFind } from "../shared/triggers/workflows.ts";

export const SAVINGS_LEDGER_SCHEDULE = "0 15 0,6,12,18 * * *";

app.timer("savingsLedgerRefresh", {
  schedule: SAVINGS_LEDGER_SCHEDULE,
  extraInputs: [df.input.durableClient()],
  handler: async (_timer: Timer, context: InvocationContext) => {
    const instanceId = slotInstanceId("savings-ledger", now());
    const { started } = await startOrFind(df.getClient(context), ORCHESTRATIONS.savingsLedger, instanceId, {});
    if (started) context.log(`savings ledger: started ${instanceId}`);
  },
});
