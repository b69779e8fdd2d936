/**
 * `backup`: whether a VM is protected by Azure Backup.
 *
 * ```yaml
 * - backup: unprotected
 * ```
 *
 * Reads the backup facts inventory gathers for every VM when a policy asks. A VM without a fact
 * is `unknown`, never "unprotected": enrolling it again on a gap in our own data would be wrong.
 * A VM whose item is soft-deleted is unprotected (no backups are taken), and the reason says so
 * with its dates: Azure protects it again only once it is undeleted.
 */
import type { FilterDefinition } from "../registry.ts";
import type { BackupFact } from "../types.ts";
import { formatDay } from "./format.ts";
import { resourceNameOf } from "../../azure/resourceId.ts";

const dayOf = (iso: string | undefined): string => (iso === undefined ? "an unknown date" : formatDay(Date.parse(iso)));

/** Why a soft-deleted item blocks protection, with its dates: `soft-deleted on …, purged on …: undelete to protect again`. */
export function softDeletedReason(softDeleted: NonNullable<BackupFact["softDeleted"]>, vaultId?: string): string {
  const where = vaultId === undefined ? "" : ` in vault ${resourceNameOf(vaultId)}`;
  return `backup item soft-deleted${where} on ${dayOf(softDeleted.deletedAt)}, purged on ${dayOf(softDeleted.purgeAt)}: undelete to protect again`;
}

export interface BackupArgs {
  protected: boolean;
}

export const backupFilter: FilterDefinition<BackupArgs> = {
  key: "backup",
  summary: "Whether a VM is protected by Azure Backup (protected or unprotected).",
  example: "{ backup: unprotected }",
  appliesTo: ["virtual-machine"],
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["backup"],
    properties: { backup: { enum: ["protected", "unprotected"] } },
  },
  parse(condition) {
    return { protected: condition.backup === "protected" };
  },
  facts() {
    return [{ type: "backup" }];
  },
  evaluate(resource, args, ctx) {
    const fact = ctx.facts.backup[resource.id.toLowerCase()];
    if (fact === undefined) return { outcome: "unknown", reason: "backup status of this VM was not gathered" };
    const where = [fact.vaultId && `vault ${resourceNameOf(fact.vaultId)}`, fact.policyId && `policy ${resourceNameOf(fact.policyId)}`]
      .filter(Boolean)
      .join(", ");
    const reason = fact.protected
      ? `protected by Azure Backup${where ? ` (${where})` : ""}`
      : fact.softDeleted
        ? `not protected by Azure Backup: ${softDeletedReason(fact.softDeleted, fact.vaultId)}`
        : "not protected by Azure Backup";
    return { outcome: fact.protected === args.protected ? "match" : "no-match", reason };
  },
};
