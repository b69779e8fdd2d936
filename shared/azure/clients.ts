/**
 * The Azure SDK clients Governor uses, made for a target (Azure or the emulator). Each package is
 * imported when first needed: a function that only parses an event never loads them.
 */
import type { ComputeManagementClient } from "@azure/arm-compute";
import type { ContainerServiceClient } from "@azure/arm-containerservice";
import type { ManagementLockClient } from "@azure/arm-locks";
import type { MonitorClient } from "@azure/arm-monitor";
import type { PolicyClient } from "@azure/arm-policy";
import type { PolicyInsightsClient } from "@azure/arm-policyinsights";
import type { PolicyClient as PolicyExemptionsClient } from "arm-policy-exemptions";
import type { PostgreSQLManagementFlexibleServerClient } from "@azure/arm-postgresql-flexible";
import type { RecoveryServicesBackupClient } from "@azure/arm-recoveryservicesbackup";
import type { ResourceGraphClient } from "@azure/arm-resourcegraph";
import type { ResourceManagementClient } from "@azure/arm-resources";
import type { MetricsClient } from "@azure/monitor-query-metrics";
import type { AzureTarget } from "./target.ts";

const armOptions = (target: AzureTarget) => ({ endpoint: target.armEndpoint, ...target.clientOptions });

export async function resourcesClient(target: AzureTarget): Promise<ResourceManagementClient> {
  const { ResourceManagementClient } = await import("@azure/arm-resources");
  return new ResourceManagementClient(target.credential, target.subscriptionId, armOptions(target));
}

export async function computeClient(target: AzureTarget): Promise<ComputeManagementClient> {
  const { ComputeManagementClient } = await import("@azure/arm-compute");
  return new ComputeManagementClient(target.credential, target.subscriptionId, armOptions(target));
}

export async function containerServiceClient(target: AzureTarget): Promise<ContainerServiceClient> {
  const { ContainerServiceClient } = await import("@azure/arm-containerservice");
  return new ContainerServiceClient(target.credential, target.subscriptionId, armOptions(target));
}

/** Management locks (@azure/arm-locks). */
export async function locksClient(target: AzureTarget): Promise<ManagementLockClient> {
  const { ManagementLockClient } = await import("@azure/arm-locks");
  return new ManagementLockClient(target.credential, target.subscriptionId, armOptions(target));
}

/** Azure Monitor's ARM side: diagnostic settings (@azure/arm-monitor). */
export async function monitorClient(target: AzureTarget): Promise<MonitorClient> {
  const { MonitorClient } = await import("@azure/arm-monitor");
  return new MonitorClient(target.credential, target.subscriptionId, armOptions(target));
}

export async function postgresClient(target: AzureTarget): Promise<PostgreSQLManagementFlexibleServerClient> {
  const { PostgreSQLManagementFlexibleServerClient } = await import("@azure/arm-postgresql-flexible");
  return new PostgreSQLManagementFlexibleServerClient(target.credential, target.subscriptionId, armOptions(target));
}

export async function backupClient(target: AzureTarget): Promise<RecoveryServicesBackupClient> {
  const { RecoveryServicesBackupClient } = await import("@azure/arm-recoveryservicesbackup");
  return new RecoveryServicesBackupClient(target.credential, target.subscriptionId, armOptions(target));
}

export async function resourceGraphClient(target: AzureTarget): Promise<ResourceGraphClient> {
  const { ResourceGraphClient } = await import("@azure/arm-resourcegraph");
  return new ResourceGraphClient(target.credential, armOptions(target));
}

/** Batch metrics are regional: one client per region (the emulator serves every region). */
export async function metricsClient(target: AzureTarget, region: string): Promise<MetricsClient> {
  const { MetricsClient } = await import("@azure/monitor-query-metrics");
  return new MetricsClient(target.metricsEndpoint(region), target.credential, target.clientOptions);
}

/** Azure Policy definitions, initiatives and assignments (@azure/arm-policy). */
export async function policyClient(target: AzureTarget): Promise<PolicyClient> {
  const { PolicyClient } = await import("@azure/arm-policy");
  return new PolicyClient(target.credential, target.subscriptionId, armOptions(target));
}

/**
 * Azure Policy exemptions. @azure/arm-policy dropped its exemptions operations after 5.1.0, and no
 * newer package of Microsoft's has them; 5.1.0 is installed under the name `arm-policy-exemptions`
 * (an npm alias) for its `policyExemptions` alone.
 */
export async function policyExemptionsClient(target: AzureTarget): Promise<PolicyExemptionsClient> {
  const { PolicyClient } = await import("arm-policy-exemptions");
  return new PolicyClient(target.credential, target.subscriptionId, armOptions(target));
}

/** Policy Insights: compliance states and remediation tasks (@azure/arm-policyinsights). */
export async function policyInsightsClient(target: AzureTarget): Promise<PolicyInsightsClient> {
  const { PolicyInsightsClient } = await import("@azure/arm-policyinsights");
  return new PolicyInsightsClient(target.credential, target.subscriptionId, armOptions(target));
}
