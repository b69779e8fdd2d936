import type { ResourceTypeHandler } from "../core.ts";
import type { RouteDefinition } from "../router.ts";

export function computeRoutes(): RouteDefinition[] {
  return [];
}

export function computeTypes(): ResourceTypeHandler[] {
  return [];
}
