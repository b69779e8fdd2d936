import type { Linter } from "eslint";

/** The rules that keep orchestrators deterministic (see eslint.config.js). */
export declare const orchestratorRules: Linter.RulesRecord;
declare const config: Linter.Config[];
export default config;
