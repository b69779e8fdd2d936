/**
 * `governor export azure-policy [--policies FILE] [--out DIR] [--scope SCOPE] [--backup-policy REGION=ID]...`:
 * writes the custom definitions (`definitions/<name>.json`), the initiative (`initiative.json`)
 * and a summary (`export.json`: roles the assignment's identity needs, what stayed Governor's and
 * why), and prints the same. Without `--scope`, custom definitions are referred to as a
 * subscription-level ARM template does (`[subscriptionResourceId(...)]`).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { exportAzurePolicy, templateDefinitionId } from "../shared/azurePolicy/export.ts";
import { loadPoliciesOrReport } from "./policies.ts";
import { DEFAULT_POLICIES } from "./planCommand.ts";

const SCOPE = /^(\/subscriptions\/[0-9a-f-]{36}|\/providers\/Microsoft\.Management\/managementGroups\/[\w.()-]{1,90})$/i;

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

export async function exportCommand(args: string[]): Promise<number> {
  const [target, ...rest] = args;
  if (target !== "azure-policy") {
    console.error(`governor export: name what to export: azure-policy${target === undefined ? "" : ` (not "${target}")`}`);
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      policies: { type: "string", default: DEFAULT_POLICIES },
      out: { type: "string", default: "azure-policy" },
      scope: { type: "string" },
      "backup-policy": { type: "string", multiple: true, default: [] },
    },
  });
  if (values.scope !== undefined && !SCOPE.test(values.scope)) {
    console.error(
      `governor export: --scope must be /subscriptions/<id> or /providers/Microsoft.Management/managementGroups/<name>, not "${values.scope}"`,
    );
    return 2;
  }
  const backupPolicies: Record<string, string> = {};
  for (const entry of values["backup-policy"]) {
    const match = /^([a-z0-9]+)=(\/subscriptions\/.+\/backupPolicies\/[^/]+)$/i.exec(entry);
    if (!match) {
      console.error(`governor export: --backup-policy takes <region>=<backup policy id>, not "${entry}"`);
      return 2;
    }
    backupPolicies[(match[1] as string).toLowerCase()] = match[2] as string;
  }
  const set = await loadPoliciesOrReport(values.policies);
  if (!set) return 1;

  const scope = values.scope;
  const exported = exportAzurePolicy(set, {
    definitionId:
      scope === undefined ? templateDefinitionId : (name) => `${scope}/providers/Microsoft.Authorization/policyDefinitions/${name}`,
    backupPolicies,
  });
  await mkdir(join(values.out, "definitions"), { recursive: true });
  for (const definition of exported.definitions)
    await writeFile(join(values.out, "definitions", `${definition.name}.json`), json(definition));
  await writeFile(join(values.out, "initiative.json"), json(exported.initiative));
  const summary = { roleDefinitionIds: exported.roleDefinitionIds, notExported: exported.notExported, notes: exported.notes };
  await writeFile(join(values.out, "export.json"), json(summary));

  const references = exported.initiative.properties.policyDefinitions;
  console.log(
    `${values.out}: initiative ${exported.initiative.name} (${references.length} references, ${exported.definitions.length} custom definitions)`,
  );
  for (const reference of references)
    console.log(`  ${reference.groupNames[0]}: ${reference.policyDefinitionReferenceId} -> ${reference.policyDefinitionId}`);
  for (const note of exported.notes) console.log(`  note: ${note}`);
  if (exported.notExported.length > 0) console.log("Stay Governor's (no Azure Policy equivalent):");
  for (const entry of exported.notExported) console.log(`  ${entry.policy}: ${entry.reason}`);
  return 0;
}
