/**
 * `enroll-backup`: protect a VM with Azure Backup, in the Recovery Services vault of its region,
 * with the backup policy of its tier.
 *
 * ```yaml
 * action: { type: enroll-backup, tier: gold }
 * action: { type: enroll-backup, policyByEnvironment: { prod: gold, staging: silver } }
 * ```
 *
 * A VM can only be backed up to a vault in its own region, so the vault is chosen by region,
 * never created: when the region has none the finding says so and nothing is enrolled. The
 * policy is found by name in that vault: the tier itself (`gold`) or `policy-<tier>`.
 * `policyByEnvironment` picks the tier by the VM's environment; `tier` (default gold) is the rest.
 *
 * The executor PUTs the protected item (`enrollmentTarget`, as the finding decided) and follows
 * it through the operation URL Azure Backup answers with. A VM already protected (by any vault)
 * is `done`: nothing is sent. The facts are read again after the change, so the outcome says
 * where the VM is protected now.
 */
import { backupClient } from "../azure/clients.ts";
import { parseResourceId, resourceNameOf } from "../azure/resourceId.ts";
import { retryAfterMs } from "../azure/retryAfter.ts";
import { gatherBackupFactsOf, protectedItemNames } from "../inventory/backup.ts";
import { readResource } from "../inventory/readResource.ts";
import { environmentOf } from "../policy/environment.ts";
import { normaliseRegion } from "../policy/filters/location.ts";
import type { EvaluationContext } from "../policy/registry.ts";
import type { Facts, InventoryResource } from "../policy/types.ts";
import { azureFailure, backoffMs, type ExecutorContext, isProgrammingError, sleep } from "../remediation/executor.ts";
import { withResource } from "../remediation/refresh.ts";
import { defineAction } from "./module.ts";

export interface EnrollBackupArgs {
  tier: string;
  policyByEnvironment: Record<string, string>;
}

type Vault = Facts["vaults"][number];

export type EnrollmentTarget = { vault: Vault; policy: string } | { problem: string };

/** The tier (or policy name) that applies to the VM. */
function tierFor(resource: InventoryResource, args: EnrollBackupArgs, ctx: Pick<EvaluationContext, "inventory" | "settings">): string {
  const environment = environmentOf(resource, ctx).value?.toLowerCase();
  const byEnvironment = Object.entries(args.policyByEnvironment).find(([name]) => name.toLowerCase() === environment);
  return byEnvironment?.[1] ?? args.tier;
}

function findPolicy(vault: Vault, tier: string): string | undefined {
  const wanted = [tier.toLowerCase(), `policy-${tier.toLowerCase()}`];
  return vault.policies.find((policy) => wanted.includes(resourceNameOf(policy).toLowerCase()));
}

/** The vault and policy a VM is to be enrolled with, or why there is none. */
export function enrollmentTarget(
  resource: InventoryResource,
  args: EnrollBackupArgs,
  ctx: Pick<EvaluationContext, "inventory" | "settings" | "facts">,
): EnrollmentTarget {
  const region = normaliseRegion(resource.location);
  const tier = tierFor(resource, args, ctx);
  const vaults = ctx.facts.vaults
    .filter((vault) => normaliseRegion(vault.location) === region)
    .sort((a, b) => a.name.localeCompare(b.name));
  if (vaults.length === 0) {
    return {
      problem: `no Recovery Services vault in ${region}: a VM is backed up only to a vault in its own region, so one has to be created there first`,
    };
  }
  for (const vault of vaults) {
    const policy = findPolicy(vault, tier);
    if (policy !== undefined) return { vault, policy };
  }
  const available = vaults.map((vault) => `${vault.name}: ${vault.policies.map(resourceNameOf).join(", ") || "no policies"}`).join("; ");
  return { problem: `no ${tier} backup policy in the vaults of ${region} (${available})` };
}

/** Status polls of the enabling operation before giving up (the operation takes a minute or so in Azure). */
const MAX_POLLS = 360;
const DEFAULT_POLL_MS = 5_000;

function protectionOf(ctx: ExecutorContext<EnrollBackupArgs>) {
  return ctx.evaluation.facts.backup[ctx.resource.id.toLowerCase()];
}

function targetOf(ctx: ExecutorContext<EnrollBackupArgs>) {
  return enrollmentTarget(ctx.resource, ctx.args, ctx.evaluation);
}

export const enrollBackupAction = defineAction<EnrollBackupArgs>({
  name: "enroll-backup",
  summary: "Protect a VM with Azure Backup in the vault of its region, with the policy of its tier (gold by default).",
  example: "action: { type: enroll-backup, tier: gold }",
  effect: "modify",
  appliesTo: ["virtual-machine"],
  argsSchema: {
    properties: {
      tier: { enum: ["gold", "silver"], description: "Backup policy tier (default gold): the vault's policy named gold or policy-gold." },
      policyByEnvironment: {
        type: "object",
        minProperties: 1,
        additionalProperties: { type: "string", minLength: 1 },
        description: "Tier or policy name by environment, e.g. { prod: gold, staging: silver }.",
      },
    },
  },
  parse(args) {
    return {
      tier: typeof args.tier === "string" ? args.tier : "gold",
      policyByEnvironment: (args.policyByEnvironment as Record<string, string> | undefined) ?? {},
    };
  },
  facts() {
    return [{ type: "backup" }];
  },
  describe(resource, args, ctx) {
    const current = ctx.facts.backup[resource.id.toLowerCase()];
    if (current?.protected)
      return `already protected${current.vaultId ? ` in vault ${resourceNameOf(current.vaultId)}` : ""}: nothing to enrol`;
    const target = enrollmentTarget(resource, args, ctx);
    if ("problem" in target) return `cannot enrol in Azure Backup: ${target.problem}`;
    return `enrol in Azure Backup: vault ${target.vault.name} (${normaliseRegion(target.vault.location)}), policy ${resourceNameOf(target.policy)}`;
  },
  executor: {
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
          properties: {
            protectedItemType: "Microsoft.Compute/virtualMachines",
            sourceResourceId: ctx.resource.id,
            policyId: target.policy,
          },
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
  },
  permissions: [
    {
      operation: "Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/write",
      why: "enrol a VM in its region's Recovery Services vault",
      evidence: "request",
    },
    {
      operation: "Microsoft.Compute/virtualMachines/write",
      why: "Azure Backup checks that whoever enables protection of a VM may write the VM (no request of ours writes it)",
      evidence: "linked",
      source:
        "https://learn.microsoft.com/azure/backup/backup-rbac-rs-vault (minimum role requirements for Azure VM backup: Virtual Machine Contributor on the VM)",
    },
  ],
});
