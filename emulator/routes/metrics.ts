import type { RouteDefinition } from "../router.ts";

export function metricsRoutes(): RouteDefinition[] {
  return [];
}
