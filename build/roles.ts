/**
 * `npm run infra:roles`: writes the actions of Governor's two custom roles in
 * infra/azuredeploy.json from the permission manifest (orchestrations/activities/permissions.ts,
 * which takes the executors' operations from their action modules). The template stays a plain
 * file that a "Deploy to Azure" button can point at; the template tests fail, naming this
 * command, when the file and the manifest disagree. infra/managementGroup.json, written from
 * infra/azuredeploy.json (build/managementGroupTemplate.ts), is written again with the same roles.
 */
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { requiredActionsByScope } from "../orchestrations/activities/permissions.ts";
import { managementGroupText } from "./managementGroupTemplate.ts";
import type { PermissionScope } from "../shared/azure/permissions.ts";

const TEMPLATE = fileURLToPath(new URL("../infra/azuredeploy.json", import.meta.url));
const MANAGEMENT_GROUP_TEMPLATE = fileURLToPath(new URL("../infra/managementGroup.json", import.meta.url));

/** How each role is recognised in the template: by the start of its roleName expression. */
const ROLES: ReadonlyArray<{ scope: PermissionScope; roleName: string }> = [
  { scope: "subscription", roleName: "[format('Governor operator (" },
  { scope: "drill-resource-group", roleName: "[format('Governor drill operator (" },
];

/**
 * The template's text with each role's `actions` list replaced by the manifest's, and nothing else
 * touched (the file is written by hand and reviewed as such); throws when a role is not found once.
 */
export function withRoleActions(text: string, required: Record<PermissionScope, readonly string[]>): string {
  let result = text;
  for (const role of ROLES) {
    const at = result.indexOf(`"roleName": "${role.roleName}`);
    if (at < 0 || result.indexOf(`"roleName": "${role.roleName}`, at + 1) >= 0)
      throw new Error(`infra/azuredeploy.json: the ${role.scope} role is not defined exactly once`);
    const open = /"actions": \[/g;
    open.lastIndex = at;
    const match = open.exec(result);
    if (!match) throw new Error(`infra/azuredeploy.json: the ${role.scope} role has no actions`);
    const start = match.index + match[0].length;
    const end = result.indexOf("]", start);
    const indent = /\n([ ]*)"actions"/.exec(result.slice(result.lastIndexOf("\n", match.index), match.index + 10))?.[1] ?? "";
    const items = required[role.scope].map((action) => `${indent}  ${JSON.stringify(action)}`).join(",\n");
    result = `${result.slice(0, start)}\n${items}\n${indent}${result.slice(end)}`;
  }
  return result;
}

async function main(): Promise<void> {
  const text = await readFile(TEMPLATE, "utf8");
  const written = withRoleActions(text, requiredActionsByScope());
  JSON.parse(written);
  await writeFile(TEMPLATE, written);
  const managementGroup = managementGroupText(written);
  const managementGroupBefore = await readFile(MANAGEMENT_GROUP_TEMPLATE, "utf8").catch(() => "");
  await writeFile(MANAGEMENT_GROUP_TEMPLATE, managementGroup);
  console.log(
    written === text && managementGroup === managementGroupBefore
      ? "infra/azuredeploy.json, infra/managementGroup.json: already the manifest's roles"
      : "infra/azuredeploy.json, infra/managementGroup.json: the roles' actions are now the manifest's",
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
