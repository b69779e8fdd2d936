/** What ships never imports local tools: the linter says so on every shipped folder. */
import { ESLint, type Linter } from "eslint";
import tseslint from "typescript-eslint";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../local/entries.ts";

const PLANTED = `import { startEmulator } from "../emulator/server.ts";
import { startLocalApp } from "../../local/localApp.ts";
import { planCommand } from "../cli/planCommand.ts";
import { clock } from "./clock.ts";
export const used = [startEmulator, startLocalApp, planCommand, clock];
`;

async function restrictedIn(filePath: string): Promise<string[]> {
  // The project's own configuration decides which rule holds for the file.
  const config = (await new ESLint({ cwd: REPO_ROOT }).calculateConfigForFile(filePath)) as { rules?: Record<string, Linter.RuleEntry> };
  const rule = config.rules?.["no-restricted-imports"];
  if (rule === undefined) return [];
  const eslint = new ESLint({
    cwd: REPO_ROOT,
    overrideConfigFile: true,
    overrideConfig: [{ files: ["**/*.ts"], languageOptions: { parser: tseslint.parser }, rules: { "no-restricted-imports": rule } }],
  });
  const [result] = await eslint.lintText(PLANTED, { filePath });
  return (result?.messages ?? []).map((message) => /'([^']+)'/.exec(message.message)?.[1] ?? message.message);
}

describe("the shipped code's import boundary", () => {
  it.each([
    "functions/planted.ts",
    "shared/planted.ts",
    "shared/policy/planted.ts",
    "orchestrations/planted.ts",
    "orchestrations/activities/planted.ts",
  ])("refuses imports of the emulator, the local runtime and the CLI in %s", async (file) => {
    const restricted = await restrictedIn(file);
    expect(restricted).toHaveLength(3);
    expect(restricted.every((specifier) => /(emulator|local|cli)\//.test(specifier))).toBe(true);
  });

  it("lets the local tools themselves import the emulator", async () => {
    expect(await restrictedIn("local/planted.ts")).toEqual([]);
    expect(await restrictedIn("cli/planted.ts")).toEqual([]);
  });
});
