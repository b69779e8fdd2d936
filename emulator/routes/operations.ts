/** Status and result URLs of long-running operations (see lro.ts). */
import type { RouteDefinition } from "../router.ts";

export function operationRoutes(): RouteDefinition[] {
  return [
    {
      method: "GET",
      pattern: "/subscriptions/{subscriptionId}/providers/{provider}/locations/{location}/operations/{operationId}",
      name: "operations.status",
      handler: ({ core, params }) => core.lro.status(params.operationId as string),
    },
    {
      method: "GET",
      pattern: "/subscriptions/{subscriptionId}/providers/{provider}/locations/{location}/operationResults/{operationId}",
      name: "operations.result",
      handler: ({ core, params }) => core.lro.result(params.operationId as string),
    },
  ];
}
