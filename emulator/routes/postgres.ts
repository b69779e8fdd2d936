import type { ResourceTypeHandler } from "../core.ts";
import type { RouteDefinition } from "../router.ts";

export function postgresRoutes(): RouteDefinition[] {
  return [];
}

export function postgresTypes(): ResourceTypeHandler[] {
  return [];
}
