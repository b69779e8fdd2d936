/**
 * Azure Backup coverage of VMs: the subscription's Recovery Services vaults, each vault's VM
 * policies and protected items. A call per vault, not per VM: vaults are few (one per region and
 * tier), VMs many.
 */
import type { RecoveryServicesClient } from "@azure/arm-recoveryservices";
import type { RecoveryServicesBackupClient } from "@azure/arm-recoveryservicesbackup";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { backupClient } from "../azure/clients.ts";
import type { AzureTarget } from "../azure/target.ts";
import type { BackupFact, Facts, InventoryResource } from "../policy/types.ts";
import { createLimiter, type Limiter } from "./concurrency.ts";

const VM_FILTER = "backupManagementType eq 'AzureIaasVM'";

/** States of an item that keeps its recovery points but takes no new backups. */
const NOT_BACKING_UP = new Set(["protectionstopped", "protectionpaused"]);

export interface BackupOptions {
  /** Shared with the other readers of one gathering, so in-flight requests stay bounded. */
  limiter?: Limiter;
  /** Added to each client's pipeline once per attempt (request counting). */
  policies?: readonly PipelinePolicy[];
  onVault?: (progress: { vaults: number; totalVaults: number }) => void;
}

interface VaultRef {
  id: string;
  name: string;
  resourceGroup: string;
  location: string;
}

interface Protection {
  sourceResourceId: string;
  vaultId: string;
  policyId?: string;
  backingUp: boolean;
}

const normaliseLocation = (location: string | undefined): string => (location ?? "").replace(/\s+/g, "").toLowerCase();

function resourceGroupOf(id: string): string {
  const segments = id.split("/");
  const index = segments.findIndex((segment) => segment.toLowerCase() === "resourcegroups");
  const group = index >= 0 ? segments[index + 1] : undefined;
  if (group === undefined) throw new Error(`not a resource group scoped id: ${id}`);
  return group;
}

async function vaultsClient(target: AzureTarget, policies: readonly PipelinePolicy[]): Promise<RecoveryServicesClient> {
  // Not among the shared client factories: only backup facts list vaults.
  const { RecoveryServicesClient } = await import("@azure/arm-recoveryservices");
  const client = new RecoveryServicesClient(target.credential, target.subscriptionId, {
    endpoint: target.armEndpoint,
    ...target.clientOptions,
  });
  for (const policy of policies) client.pipeline.addPolicy(policy, { afterPhase: "Retry" });
  return client;
}

async function protectionClient(target: AzureTarget, policies: readonly PipelinePolicy[]): Promise<RecoveryServicesBackupClient> {
  const client = await backupClient(target);
  for (const policy of policies) client.pipeline.addPolicy(policy, { afterPhase: "Retry" });
  return client;
}

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of pages) items.push(item);
  return items;
}

/**
 * Backup facts for every VM of the inventory (by lower-case id), and the vaults with their VM
 * backup policies (ids), by region, for enrolment.
 */
export async function gatherBackupFacts(
  target: AzureTarget,
  resources: readonly InventoryResource[],
  options: BackupOptions = {},
): Promise<Pick<Facts, "backup" | "vaults">> {
  const run = options.limiter ?? createLimiter();
  const policies = options.policies ?? [];
  const [vaultClient, backup] = await Promise.all([vaultsClient(target, policies), protectionClient(target, policies)]);

  const vaults: VaultRef[] = (await run(() => collect(vaultClient.vaults.listBySubscriptionId()))).flatMap((vault) =>
    vault.id === undefined || vault.name === undefined
      ? []
      : [{ id: vault.id, name: vault.name, resourceGroup: resourceGroupOf(vault.id), location: normaliseLocation(vault.location) }],
  );

  let done = 0;
  // Not mapLimit over vaults: the two calls of a vault are the limiter's tasks, and a task of a
  // limiter must not wait on another of its tasks.
  const perVault = await Promise.all(
    vaults.map(async (vault) => {
      const [policyItems, protectedItems] = await Promise.all([
        run(() => collect(backup.backupPolicies.list(vault.name, vault.resourceGroup, { filter: VM_FILTER }))),
        run(() => collect(backup.backupProtectedItems.list(vault.name, vault.resourceGroup, { filter: VM_FILTER }))),
      ]);
      done += 1;
      options.onVault?.({ vaults: done, totalVaults: vaults.length });
      const protections: Protection[] = protectedItems.flatMap((item) => {
        const properties = item.properties;
        const sourceResourceId = properties?.sourceResourceId;
        if (sourceResourceId === undefined) return [];
        const state = (properties as { protectionState?: string } | undefined)?.protectionState ?? "";
        return [
          {
            sourceResourceId,
            vaultId: vault.id,
            ...(properties?.policyId ? { policyId: properties.policyId } : {}),
            backingUp: !NOT_BACKING_UP.has(state.toLowerCase()),
          },
        ];
      });
      return {
        vault: { id: vault.id, name: vault.name, location: vault.location, policies: policyItems.flatMap((policy) => policy.id ?? []) },
        protections,
      };
    }),
  );

  const backupFacts: Record<string, BackupFact> = {};
  for (const resource of resources) if (resource.kind === "virtual-machine") backupFacts[resource.id.toLowerCase()] = { protected: false };
  for (const { protections } of perVault) {
    for (const protection of protections) {
      const key = protection.sourceResourceId.toLowerCase();
      // Items of VMs outside the inventory (deleted VMs whose recovery points are kept) are no fact
      // about the estate; an item still backing up wins over one whose protection was stopped.
      const known = backupFacts[key];
      if (known === undefined || known.protected) continue;
      backupFacts[key] = {
        protected: protection.backingUp,
        vaultId: protection.vaultId,
        ...(protection.policyId === undefined ? {} : { policyId: protection.policyId }),
      };
    }
  }
  return { backup: backupFacts, vaults: perVault.map(({ vault }) => vault) };
}
