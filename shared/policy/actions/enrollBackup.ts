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
 */
import { environmentOf } from "../environment.ts";
import { normaliseRegion } from "../filters/location.ts";
import { resourceNameOf } from "../../azure/resourceId.ts";
import type { ActionDefinition, EvaluationContext } from "../registry.ts";
import type { Facts, InventoryResource } from "../types.ts";

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

export const enrollBackupAction: ActionDefinition<EnrollBackupArgs> = {
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
};
