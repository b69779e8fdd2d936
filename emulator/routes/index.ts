/** Every route family and resource type the emulator serves. */
import type { ResourceTypeHandler } from "../core.ts";
import type { RouteDefinition } from "../router.ts";
import { operationRoutes } from "./operations.ts";
import { resourceManagerRoutes, resourceManagerTypes } from "./resources.ts";
import { computeRoutes, computeTypes } from "./compute.ts";
import { networkRoutes, networkTypes } from "./network.ts";
import { webRoutes, webTypes } from "./web.ts";
import { containerServiceRoutes, containerServiceTypes } from "./containerService.ts";
import { postgresRoutes, postgresTypes } from "./postgres.ts";
import { backupRoutes, backupTypes } from "./backup.ts";
import { resourceGraphRoutes } from "./resourceGraph.ts";
import { metricsRoutes } from "./metrics.ts";
import { consumptionRoutes, consumptionTypes } from "./consumption.ts";
import { communicationRoutes } from "./communication.ts";
import { costManagementRoutes } from "./costManagement.ts";
import { policyRoutes } from "./policy.ts";
import { policyInsightsRoutes } from "./policyInsights.ts";
import { remediationRoutes } from "./remediations.ts";
import { lockRoutes } from "./locks.ts";
import { diagnosticSettingsRoutes } from "./diagnosticSettings.ts";
import { managementGroupRoutes } from "./managementGroups.ts";

export function allRoutes(): RouteDefinition[] {
  return [
    ...operationRoutes(),
    // Before the generic resource routes: a policy object at a resource's scope matches both, and the first registered wins a tie.
    ...policyRoutes(),
    ...policyInsightsRoutes(),
    ...remediationRoutes(),
    // Extension resources at a resource's scope, like policy objects: before the generic resource routes.
    ...lockRoutes(),
    ...diagnosticSettingsRoutes(),
    ...resourceManagerRoutes(),
    ...computeRoutes(),
    ...networkRoutes(),
    ...webRoutes(),
    ...containerServiceRoutes(),
    ...postgresRoutes(),
    ...backupRoutes(),
    ...resourceGraphRoutes(),
    ...managementGroupRoutes(),
    ...metricsRoutes(),
    ...consumptionRoutes(),
    ...communicationRoutes(),
    ...costManagementRoutes(),
  ];
}

export function allResourceTypes(): ResourceTypeHandler[] {
  return [
    ...resourceManagerTypes(),
    ...computeTypes(),
    ...networkTypes(),
    ...webTypes(),
    ...containerServiceTypes(),
    ...postgresTypes(),
    ...backupTypes(),
    ...consumptionTypes(),
  ];
}
