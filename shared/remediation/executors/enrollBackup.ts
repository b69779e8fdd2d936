/**
 * `enroll-backup`: protect a VM with Azure Backup, in the Recovery Services vault of its region
 * with its tier's policy (`enrollmentTarget`, as the finding decided), by a PUT of the protected
 * item, followed through the operation URL Azure Backup answers with.
 *
 * A VM already protected (by any vault) is `done`: nothing is sent. The facts are read again
 * after the change, so the outcome says where the VM is protected now.
 */
import { backupClient } from "../../azure/clients.ts";
import { gatherBackupFactsOf, protectedItemNames } from "../../inventory/backup.ts";
import { parseResourceId } from "../../azure/resourceId.ts";
import { retryAfterMs } from "../../azure/retryAfter.ts";
import { readResource } from "../../inventory/readResource.ts";
import { enrollmentTarget, type EnrollBackupArgs } from "../../policy/actions/enrollBackup.ts";
import { resourceNameOf } from "../../azure/resourceId.ts";
import { normaliseRegion } from "../../policy/filters/location.ts";
import { azureFailure, backoffMs, type Executor, type ExecutorContext, isProgrammingError, sleep } from "./common.ts";
import { withResource } from "./refresh.ts";

/** Status polls of the enabling operation before giving up (the operation takes a minute or so in Azure). */
const MAX_POLLS = 360;
const DEFAULT_POLL_MS = 5_000;

function protectionOf(ctx: ExecutorContext) {
  return ctx.evaluation.facts.backup[ctx.resource.id.toLowerCase()];
}

function targetOf(ctx: ExecutorContext) {
  return enrollmentTarget(ctx.resource, ctx.args as unknown as EnrollBackupArgs, ctx.evaluation);
}

export { protectedItemNames };

export const enrollBackupExecutor: Executor = {
  action: "enroll-backup",
  kinds: ["virtual-machine"],
  effect: "modify",
  assess(ctx) {
    const protection = protectionOf(ctx);
    if (protection?.protected) {
      return {
        status: "done",
        reason: `${ctx.resource.name} is already protected${protection.vaultId ? ` in vault ${resourceNameOf(protection.vaultId)}` : ""}`,
      };
    }
    const target = targetOf(ctx);
    if ("problem" in target) return { status: "refused", reason: `cannot enrol in Azure Backup: ${target.problem}` };
    return { status: "todo" };
  },
  describe(ctx) {
    const target = targetOf(ctx);
    if ("problem" in target) return `enrolled ${ctx.resource.name} in Azure Backup`;
    return `enrolled ${ctx.resource.name} in Azure Backup: vault ${target.vault.name} (${normaliseRegion(target.vault.location)}), policy ${resourceNameOf(target.policy)}`;
  },
  async change(ctx, accepted) {
    const target = targetOf(ctx);
    if ("problem" in target) throw new Error(`cannot enrol in Azure Backup: ${target.problem}`);
    const vault = parseResourceId(target.vault.id);
    const { container, item } = protectedItemNames(ctx.resource.id);
    const client = await backupClient(ctx.target);
    let status = 0;
    let operationUrl: string | undefined;
    let waitMs: number | undefined;
    await client.protectedItems.createOrUpdate(
      vault.name,
      vault.resourceGroup,
      "Azure",
      container,
      item,
      {
        properties: { protectedItemType: "Microsoft.Compute/virtualMachines", sourceResourceId: ctx.resource.id, policyId: target.policy },
      },
      {
        onResponse: (response) => {
          status = response.status;
          operationUrl = response.headers.get("azure-asyncoperation") ?? response.headers.get("location") ?? undefined;
          waitMs = retryAfterMs(response.headers);
        },
      },
    );
    if (status >= 200 && status < 300) accepted();
    if (status !== 202) return;
    const operationId = operationUrl === undefined ? undefined : new URL(operationUrl).pathname.split("/").at(-1);
    if (operationId === undefined || operationId === "")
      throw new Error("Azure Backup accepted the protection without an operation to follow");
    let pollFailures = 0;
    for (let poll = 0; poll < MAX_POLLS; poll += 1) {
      await sleep(waitMs ?? ctx.options.pollIntervalMs ?? DEFAULT_POLL_MS);
      let operation: Awaited<ReturnType<typeof client.protectedItemOperationStatuses.get>>;
      try {
        operation = await client.protectedItemOperationStatuses.get(
          vault.name,
          vault.resourceGroup,
          "Azure",
          container,
          item,
          operationId,
          {
            onResponse: (response) => {
              waitMs = retryAfterMs(response.headers);
            },
          },
        );
      } catch (error) {
        // A status poll that failed is no failed operation: keep following the same one, never enable twice.
        const failure = azureFailure(error);
        pollFailures += 1;
        if (isProgrammingError(error) || !failure.transient || pollFailures >= ctx.options.maxAttempts) throw error;
        waitMs = backoffMs(pollFailures, ctx.options, failure.retryAfterMs);
        continue;
      }
      if (operation.status === "InProgress" || operation.status === undefined) continue;
      if (operation.status === "Succeeded") return;
      // As core-lro words it, so the failure is read the same way as any other operation's.
      throw new Error(
        `The long-running operation has failed. ${operation.error?.code ?? operation.status}. ${operation.error?.message ?? "no details"}`,
      );
    }
    throw new Error(
      `The long-running operation has failed. OperationTimedOut. protection of ${ctx.resource.name} still in progress after ${MAX_POLLS} polls`,
    );
  },
  async refresh(ctx) {
    const resource = await readResource(ctx.target, ctx.resource.id);
    if (!resource) return undefined;
    const facts = await gatherBackupFactsOf(ctx.target, resource, { vaults: ctx.evaluation.facts.vaults });
    const evaluation = withResource(ctx.evaluation, resource);
    return { ...ctx, resource, evaluation: { ...evaluation, facts: { ...evaluation.facts, ...facts } } };
  },
  async verify(ctx) {
    // The change is the protected item: read it, in the vault it was enrolled in, and nothing else.
    const target = targetOf(ctx);
    const facts = await gatherBackupFactsOf(ctx.target, ctx.resource, {
      vaults: ctx.evaluation.facts.vaults,
      ...("problem" in target ? {} : { only: target.vault.id }),
    });
    return { ...ctx, evaluation: { ...ctx.evaluation, facts: { ...ctx.evaluation.facts, ...facts } } };
  },
  state(ctx) {
    const protection = protectionOf(ctx);
    return {
      exists: true,
      protected: protection?.protected === true,
      ...(protection?.vaultId === undefined ? {} : { vaultId: protection.vaultId }),
      ...(protection?.policyId === undefined ? {} : { backupPolicyId: protection.policyId }),
    };
  },
};
