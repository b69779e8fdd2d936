/**
 * A resource's environment: its own tag, or its resource group's when it has none (how most
 * estates are tagged). Production is decided from the settings' list of production values.
 */
import type { EvaluationContext } from "./registry.ts";
import { tagValue } from "./settings.ts";
import type { InventoryResource } from "./types.ts";

export interface ResolvedTag {
  value: string | undefined;
  /** Where the value came from, for reasons: `tag` or `resource group`. */
  source: "tag" | "resource group" | "none";
}

/** A tag of the resource, falling back to its resource group's. */
export function inheritedTag(resource: InventoryResource, name: string, ctx: Pick<EvaluationContext, "inventory">): ResolvedTag {
  const own = tagValue(resource.tags, name);
  if (own !== undefined && own !== "") return { value: own, source: "tag" };
  const group = ctx.inventory.resourceGroups[resource.resourceGroup.toLowerCase()];
  const inherited = group ? tagValue(group.tags, name) : undefined;
  if (inherited !== undefined && inherited !== "") return { value: inherited, source: "resource group" };
  return { value: undefined, source: "none" };
}

export function environmentOf(resource: InventoryResource, ctx: Pick<EvaluationContext, "inventory" | "settings">): ResolvedTag {
  return inheritedTag(resource, ctx.settings.tags.environment, ctx);
}

/**
 * True when the resource is production, or when its environment is unknown: a resource nobody
 * tagged is treated as production by the guards, because stopping it could be stopping production.
 */
export function isProductionOrUnknown(resource: InventoryResource, ctx: Pick<EvaluationContext, "inventory" | "settings">): boolean {
  const environment = environmentOf(resource, ctx).value;
  if (environment === undefined) return true;
  return ctx.settings.productionEnvironments.some((value) => value.toLowerCase() === environment.toLowerCase());
}
