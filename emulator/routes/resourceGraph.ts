import type { RouteDefinition } from "../router.ts";

export function resourceGraphRoutes(): RouteDefinition[] {
  return [];
}
