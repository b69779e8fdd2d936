import type { ResourceTypeHandler } from "../core.ts";
import type { RouteDefinition } from "../router.ts";

export function containerServiceRoutes(): RouteDefinition[] {
  return [];
}

export function containerServiceTypes(): ResourceTypeHandler[] {
  return [];
}
