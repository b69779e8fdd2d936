/**
 * Azure Backup coverage of VMs: the subscription's Recovery Services vaults, each vault's VM
 * policies and protected items. A call per vault, not per VM: vaults are few (one per region and
 * tier), VMs many. A soft-deleted item (protection stopped with its data deleted, kept 14 days)
 * is its own state of the fact, never protection (shared/inventory/backupItem.ts).
 */
import type { RecoveryServicesClient } from "@azure/arm-recoveryservices";
import type { RecoveryServicesBackupClient } from "@azure/arm-recoveryservicesbackup";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { backupClient } from "../azure/clients.ts";
import { parseResourceId, parseTopLevelResourceId } from "../azure/resourceId.ts";
import type { AzureTarget } from "../azure/target.ts";
import type { BackupFact, Facts, InventoryResource } from "../policy/types.ts";
import { backupFactOfItem, preferredFact } from "./backupItem.ts";
import { createLimiter, type Limiter } from "./concurrency.ts";
import { recentReads } from "./recentReads.ts";

const VM_FILTER = "backupManagementType eq 'AzureIaasVM'";

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
  fact: BackupFact;
}

const normaliseLocation = (location: string | undefined): string => (location ?? "").replace(/\s+/g, "").toLowerCase();

const resourceGroupOf = (id: string): string => parseResourceId(id).resourceGroup;

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
        const sourceResourceId = item.properties?.sourceResourceId;
        return sourceResourceId === undefined ? [] : [{ sourceResourceId, fact: backupFactOfItem(vault.id, item) }];
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
      // about the estate; an item still backing up wins over a soft-deleted one, which wins over one stopped.
      const known = backupFacts[key];
      if (known === undefined) continue;
      backupFacts[key] = preferredFact(known, protection.fact);
    }
  }
  return { backup: backupFacts, vaults: perVault.map(({ vault }) => vault) };
}

// ---------------------------------------------------------------------------------------------
// One VM, just before acting on it

/** Azure Backup's names of a VM's container and item: `iaasvmcontainer;iaasvmcontainerv2;{rg};{vm}`, `vm;iaasvmcontainerv2;{rg};{vm}`. */
export function protectedItemNames(vmId: string): { container: string; item: string } {
  const parts = parseTopLevelResourceId(vmId.trim());
  if (parts?.type.toLowerCase() !== "microsoft.compute/virtualmachines") throw new Error(`not the id of a virtual machine: ${vmId}`);
  const suffix = `iaasvmcontainerv2;${parts.resourceGroup.toLowerCase()};${parts.name.toLowerCase()}`;
  return { container: `iaasvmcontainer;${suffix}`, item: `vm;${suffix}` };
}

/**
 * How long the vaults and their backup policies are reused before being listed again. They are
 * configuration, not state (a vault or a policy is created once and kept), and a choice made on
 * a stale list fails safely: Azure refuses a protection with a policy that no longer exists.
 */
export const VAULT_LIST_TTL_MS = 5 * 60_000;

const vaultLists = recentReads<Facts["vaults"]>(VAULT_LIST_TTL_MS);

/** The subscription's vaults with their VM backup policies, listed at most once per VAULT_LIST_TTL_MS per process. */
export function vaultsWithPolicies(target: AzureTarget, options: BackupOptions = {}): Promise<Facts["vaults"]> {
  return vaultLists(`${target.armEndpoint}|${target.subscriptionId.toLowerCase()}`, async (): Promise<Facts["vaults"]> => {
    const run = options.limiter ?? createLimiter();
    const policies = options.policies ?? [];
    const [vaultClient, backup] = await Promise.all([vaultsClient(target, policies), protectionClient(target, policies)]);
    const vaults = await run(() => collect(vaultClient.vaults.listBySubscriptionId()));
    return Promise.all(
      vaults.flatMap((vault) =>
        vault.id === undefined || vault.name === undefined
          ? []
          : [
              (async () => ({
                id: vault.id as string,
                name: vault.name as string,
                location: normaliseLocation(vault.location),
                policies: (
                  await run(() =>
                    collect(backup.backupPolicies.list(vault.name as string, resourceGroupOf(vault.id as string), { filter: VM_FILTER })),
                  )
                ).flatMap((policy) => policy.id ?? []),
              }))(),
            ],
      ),
    );
  });
}

/**
 * Backup facts of one VM, for a change about to be made: its own protected item, read by name
 * (`protectedItems.get`) in each vault of its region (a VM can be protected only there), never
 * the vaults' whole listings. With the vaults from `vaultsWithPolicies`, for enrolment.
 */
export async function gatherBackupFactsOf(
  target: AzureTarget,
  vm: InventoryResource,
  options: BackupOptions & { vaults?: Facts["vaults"]; only?: string } = {},
): Promise<Pick<Facts, "backup" | "vaults">> {
  const vaults = options.vaults ?? (await vaultsWithPolicies(target, options));
  const key = vm.id.toLowerCase();
  if (vm.kind !== "virtual-machine") return { backup: {}, vaults };
  const client = await protectionClient(target, options.policies ?? []);
  const { container, item } = protectedItemNames(vm.id);
  const region = normaliseLocation(vm.location);
  const candidates = vaults.filter((vault) =>
    options.only === undefined ? normaliseLocation(vault.location) === region : vault.id.toLowerCase() === options.only.toLowerCase(),
  );
  let fact: BackupFact = { protected: false };
  for (const vault of candidates) {
    let found: Awaited<ReturnType<typeof client.protectedItems.get>> | undefined;
    try {
      found = await client.protectedItems.get(vault.name, resourceGroupOf(vault.id), "Azure", container, item);
    } catch (error) {
      if ((error as { statusCode?: number } | null)?.statusCode === 404) continue;
      throw error;
    }
    fact = preferredFact(fact, backupFactOfItem(vault.id, found));
    if (fact.protected) break;
  }
  return { backup: { [key]: fact }, vaults };
}
