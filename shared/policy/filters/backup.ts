/**
 * `backup`: whether a VM is protected by Azure Backup.
 *
 * ```yaml
 * - backup: unprotected
 * ```
 *
 * Reads the backup facts inventory gathers for every VM when a policy asks. A VM without a fact
 * is `unknown`, never "unprotected": enrolling it again on a gap in our own data would be wrong.
 */
import type { FilterDefinition } from "../registry.ts";
import { resourceNameOf } from "../../azure/resourceId.ts";

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
    const reason = fact.protected ? `protected by Azure Backup${where ? ` (${where})` : ""}` : "not protected by Azure Backup";
    return { outcome: fact.protected === args.protected ? "match" : "no-match", reason };
  },
};
