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
 * The executor finds the VM among the vault's protectable items first: a VM created since the
 * vault last looked is not there until its containers are refreshed, so Governor refreshes them,
 * follows that operation, and looks again; the names Azure gives the protectable item (container
 * and item) are the ones the protected item is written under. It then PUTs the protected item
 * (`enrollmentTarget`, as the finding decided) and follows it through the operation URL Azure
 * Backup answers with. A VM already protected (by any vault) is `done`: nothing is sent. The
 * facts are read again after the change, so the outcome says where the VM is protected now.
 *
 * A VM whose backup item is soft-deleted (protection stopped with its data deleted; Azure keeps
 * it 14 days and refuses to protect the VM until it is undeleted) is never enrolled blindly:
 * without `undeleteSoftDeleted: true` the finding is refused with the item's dates. With it,
 * which needs an approval that is required (it brings back data someone chose to delete), the
 * item is undeleted in its vault (a PUT with `isRehydrate: true`, as Microsoft documents the undo
 * of a deletion), then protected there with the tier's policy.
 */
import { backupClient } from "../azure/clients.ts";
import { parseResourceId, resourceNameOf } from "../azure/resourceId.ts";
import { gatherBackupFactsOf } from "../inventory/backup.ts";
import { readResource } from "../inventory/readResource.ts";
import { environmentOf } from "../policy/environment.ts";
import { softDeletedReason } from "../policy/filters/backup.ts";
import { normaliseRegion } from "../policy/filters/location.ts";
import type { EvaluationContext } from "../policy/registry.ts";
import type { BackupFact, Facts, InventoryResource } from "../policy/types.ts";
import type { ExecutorContext } from "../remediation/executor.ts";
import { withResource } from "../remediation/refresh.ts";
import { findProtectableItem, itemNamesOf, refreshContainers, writeProtectedItem } from "./common/backupItems.ts";
import { defineAction } from "./module.ts";

export interface EnrollBackupArgs {
  tier: string;
  policyByEnvironment: Record<string, string>;
  /** Consent to undelete a soft-deleted backup item before protecting its VM (needs an approval that is required). */
  undeleteSoftDeleted: boolean;
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
  // A soft-deleted item is undeleted and protected where it is: Azure refuses the VM to any other vault meanwhile.
  const fact = ctx.facts.backup[resource.id.toLowerCase()];
  const holding = fact?.softDeleted ? fact.vaultId : undefined;
  const vaults = ctx.facts.vaults
    .filter((vault) => normaliseRegion(vault.location) === region)
    .filter((vault) => holding === undefined || vault.id.toLowerCase() === holding.toLowerCase())
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

/** Why a soft-deleted item is not enrolled under these arguments, or undefined when it may be (or there is none). */
export function softDeletedRefusal(fact: BackupFact | undefined, args: Pick<EnrollBackupArgs, "undeleteSoftDeleted">): string | undefined {
  if (fact?.softDeleted === undefined || fact.protected || args.undeleteSoftDeleted) return undefined;
  return `${softDeletedReason(fact.softDeleted, fact.vaultId)} (the policy does not consent: undeleteSoftDeleted: true, with an approval, lets Governor undelete it)`;
}

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
      undeleteSoftDeleted: {
        type: "boolean",
        description:
          "Undelete a VM's soft-deleted backup item (protection stopped with its data deleted, kept 14 days) before protecting it again (default false: such a VM is refused). Needs an approval that is required.",
      },
    },
  },
  parse(args) {
    return {
      tier: typeof args.tier === "string" ? args.tier : "gold",
      policyByEnvironment: (args.policyByEnvironment as Record<string, string> | undefined) ?? {},
      undeleteSoftDeleted: args.undeleteSoftDeleted === true,
    };
  },
  needsApproval(args) {
    return args.undeleteSoftDeleted ? "undeleteSoftDeleted brings back backup data someone chose to delete" : undefined;
  },
  facts() {
    return [{ type: "backup" }];
  },
  refuses(resource, args, ctx) {
    return softDeletedRefusal(ctx.facts.backup[resource.id.toLowerCase()], args);
  },
  describe(resource, args, ctx) {
    const current = ctx.facts.backup[resource.id.toLowerCase()];
    if (current?.protected)
      return `already protected${current.vaultId ? ` in vault ${resourceNameOf(current.vaultId)}` : ""}: nothing to enrol`;
    const refusal = softDeletedRefusal(current, args);
    if (refusal !== undefined) return `cannot enrol in Azure Backup: ${refusal}`;
    const target = enrollmentTarget(resource, args, ctx);
    if ("problem" in target) return `cannot enrol in Azure Backup: ${target.problem}`;
    const enrol = `enrol in Azure Backup: vault ${target.vault.name} (${normaliseRegion(target.vault.location)}), policy ${resourceNameOf(target.policy)}`;
    return current?.softDeleted
      ? `undelete the soft-deleted backup item (${softDeletedReason(current.softDeleted)}), then ${enrol}`
      : enrol;
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
      const refusal = softDeletedRefusal(protection, ctx.args);
      if (refusal !== undefined) return { status: "refused", reason: `cannot enrol in Azure Backup: ${refusal}` };
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
      const protection = protectionOf(ctx);
      const refusal = softDeletedRefusal(protection, ctx.args);
      if (refusal !== undefined) throw new Error(`cannot enrol in Azure Backup: ${refusal}`);
      const vault = parseResourceId(target.vault.id);
      const vaultRef = { name: vault.name, resourceGroup: vault.resourceGroup };
      const client = await backupClient(ctx.target);
      const sourceResourceId = ctx.resource.id;
      // An item the VM already has in this vault (soft-deleted, or stopped with its data kept) is written where it is.
      const existing =
        protection?.itemId !== undefined && protection.vaultId?.toLowerCase() === target.vault.id.toLowerCase()
          ? itemNamesOf(protection.itemId)
          : undefined;
      let names = existing;
      if (protection?.softDeleted && names !== undefined) {
        await writeProtectedItem(
          client,
          vaultRef,
          names,
          {
            properties: {
              protectedItemType: "Microsoft.Compute/virtualMachines",
              protectionState: "ProtectionStopped",
              sourceResourceId,
              isRehydrate: true,
            },
          },
          ctx.options,
          `undelete of ${ctx.resource.name}'s backup item`,
          accepted,
        );
      }
      if (names === undefined) {
        names = await findProtectableItem(client, vaultRef, sourceResourceId);
        if (names === undefined) {
          await refreshContainers(client, vaultRef, ctx.options);
          names = await findProtectableItem(client, vaultRef, sourceResourceId);
        }
        if (names === undefined)
          throw new Error(
            `cannot enrol in Azure Backup: ${ctx.resource.name} is not among the protectable items of vault ${target.vault.name}, even after refreshing its containers`,
          );
      }
      await writeProtectedItem(
        client,
        vaultRef,
        names,
        { properties: { protectedItemType: "Microsoft.Compute/virtualMachines", sourceResourceId, policyId: target.policy } },
        ctx.options,
        `protection of ${ctx.resource.name}`,
        accepted,
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
      why: "enrol a VM in its region's Recovery Services vault, and undelete its soft-deleted item where a policy consents",
      evidence: "request",
    },
    {
      operation: "Microsoft.RecoveryServices/Vaults/backupFabrics/refreshContainers/action",
      why: "have the vault discover a VM created since it last looked, so that it can be protected",
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
