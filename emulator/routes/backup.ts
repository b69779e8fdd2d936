import type { ResourceTypeHandler } from "../core.ts";
import type { RouteDefinition } from "../router.ts";

export function backupRoutes(): RouteDefinition[] {
  return [];
}

export function backupTypes(): ResourceTypeHandler[] {
  return [];
}
