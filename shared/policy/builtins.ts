/** The registry of Governor's built-in filters and actions. */
import { POLICY_ACTIONS } from "../actions/index.ts";
import { builtinFilters } from "./filters/index.ts";
import { Registry } from "./registry.ts";

let builtin: Registry | undefined;

export function builtinRegistry(): Registry {
  if (!builtin) {
    const registry = new Registry();
    for (const filter of builtinFilters) registry.addFilter(filter);
    for (const action of POLICY_ACTIONS) registry.addAction(action);
    builtin = registry;
  }
  return builtin;
}
