import type { ResourceTypeHandler } from "../core.ts";
import type { RouteDefinition } from "../router.ts";

export function consumptionRoutes(): RouteDefinition[] {
  return [];
}

export function consumptionTypes(): ResourceTypeHandler[] {
  return [];
}
