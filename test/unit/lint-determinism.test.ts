/** The determinism rules that Durable replay needs are enforced by the linter on orchestrators. */
import { readFileSync } from "node:fs";
import { ESLint } from "eslint";
import tseslint from "typescript-eslint";
import { describe, expect, it } from "vitest";
import { orchestratorRules } from "../../eslint.config.js";

function lintAsOrchestrator(file: string): Promise<ESLint.LintResult[]> {
  const eslint = new ESLint({
    overrideConfigFile: true,
    overrideConfig: [{ files: ["**/*.ts"], languageOptions: { parser: tseslint.parser }, rules: orchestratorRules }],
  });
  return eslint.lintText(readFileSync(new URL(`../fixtures/lint/${file}`, import.meta.url), "utf8"), {
    filePath: `orchestrations/${file}`,
  });
}

describe("orchestrator determinism lint", () => {
  it("rejects the clock, randomness, Node built-ins and network clients in an orchestrator", async () => {
    const [result] = await lintAsOrchestrator("nondeterministic.orchestrator.ts");
    const messages = (result?.messages ?? []).map((message) => `${message.ruleId}: ${message.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining("Date.now() breaks replay"),
        expect.stringContaining("new Date() breaks replay"),
        expect.stringContaining("Math.random() breaks replay"),
        expect.stringContaining("must not import Node built-ins"),
        expect.stringContaining("must not call the network: use an activity"),
        expect.stringMatching(/no-restricted-globals: .*fetch/),
      ]),
    );
  });

  it("accepts an orchestrator that takes time and ids from context.df", async () => {
    const [result] = await lintAsOrchestrator("deterministic.orchestrator.ts");
    expect(result?.messages).toEqual([]);
  });
});
