/**
 * Azure Backup's steps for enrolling a VM, through the real RecoveryServicesBackupClient: writing
 * a protected item and following the operation Azure Backup answers with, refreshing a vault's
 * containers (discovery) and following that operation, and finding a VM among a vault's
 * protectable items by its id. Each is safe to repeat: an activity is delivered at least once.
 */
import type { ProtectedItemResource, RecoveryServicesBackupClient } from "@azure/arm-recoveryservicesbackup";
import { retryAfterMs } from "../../azure/retryAfter.ts";
import { azureFailure, backoffMs, isProgrammingError, type ResolvedOptions, sleep } from "../../remediation/executor.ts";

const VM_FILTER = "backupManagementType eq 'AzureIaasVM'";
/** Status polls before giving up (protection takes a minute or so in Azure, a refresh a few). */
const MAX_POLLS = 360;
const DEFAULT_POLL_MS = 5_000;

export interface VaultRef {
  name: string;
  resourceGroup: string;
}

/** A protected item's container and item names, as Azure spells them. */
export interface ItemNames {
  container: string;
  item: string;
}

/** The container and item names in an item's id (`.../protectionContainers/{container}/protectedItems|protectableItems/{item}`). */
export function itemNamesOf(id: string): ItemNames | undefined {
  const match = /\/protectionContainers\/([^/]+)\/(?:protectedItems|protectableItems)\/([^/]+)$/i.exec(id);
  return match ? { container: match[1] as string, item: match[2] as string } : undefined;
}

const operationIdOf = (url: string | undefined): string | undefined => {
  if (url === undefined) return undefined;
  const id = new URL(url).pathname.split("/").at(-1);
  return id === "" ? undefined : id;
};

/** Sleeps, then polls; a poll that failed transiently is no failed operation: the same one is polled again. */
async function pollUntilDone(poll: () => Promise<"running" | "done">, options: ResolvedOptions, firstWaitMs?: number): Promise<boolean> {
  let waitMs = firstWaitMs;
  let failures = 0;
  for (let attempt = 0; attempt < MAX_POLLS; attempt += 1) {
    await sleep(waitMs ?? options.pollIntervalMs ?? DEFAULT_POLL_MS);
    waitMs = undefined;
    try {
      if ((await poll()) === "done") return true;
    } catch (error) {
      const failure = azureFailure(error);
      failures += 1;
      if (isProgrammingError(error) || !failure.transient || failures >= options.maxAttempts) throw error;
      waitMs = backoffMs(failures, options, failure.retryAfterMs);
    }
  }
  return false;
}

/**
 * PUTs the protected item and follows its operation to the end. `what` names the change in the
 * error of an operation that never ends. Calls `accepted` once Azure took the request.
 */
export async function writeProtectedItem(
  client: RecoveryServicesBackupClient,
  vault: VaultRef,
  names: ItemNames,
  body: ProtectedItemResource,
  options: ResolvedOptions,
  what: string,
  accepted: () => void = () => {},
): Promise<void> {
  let status = 0;
  let operationUrl: string | undefined;
  let waitMs: number | undefined;
  await client.protectedItems.createOrUpdate(vault.name, vault.resourceGroup, "Azure", names.container, names.item, body, {
    onResponse: (response) => {
      status = response.status;
      operationUrl = response.headers.get("azure-asyncoperation") ?? response.headers.get("location") ?? undefined;
      waitMs = retryAfterMs(response.headers);
    },
  });
  if (status >= 200 && status < 300) accepted();
  if (status !== 202) return;
  const operationId = operationIdOf(operationUrl);
  if (operationId === undefined) throw new Error("Azure Backup accepted the request without an operation to follow");
  let failed: { code?: string; message?: string; status?: string } | undefined;
  const done = await pollUntilDone(
    async () => {
      const operation = await client.protectedItemOperationStatuses.get(
        vault.name,
        vault.resourceGroup,
        "Azure",
        names.container,
        names.item,
        operationId,
        { onResponse: (response) => void (waitMs = retryAfterMs(response.headers)) },
      );
      if (operation.status === "InProgress" || operation.status === undefined) return "running";
      if (operation.status !== "Succeeded") failed = { ...operation.error, status: operation.status };
      return "done";
    },
    options,
    waitMs,
  );
  // As core-lro words it, so the failure is read the same way as any other operation's.
  if (failed) throw new Error(`The long-running operation has failed. ${failed.code ?? failed.status}. ${failed.message ?? "no details"}`);
  if (!done)
    throw new Error(`The long-running operation has failed. OperationTimedOut. ${what} still in progress after ${MAX_POLLS} polls`);
}

/**
 * Refreshes the vault's containers (discovery of the subscription's VMs) and follows the
 * operation's Location until it answers 200 or 204. Repeating a refresh is harmless.
 */
export async function refreshContainers(client: RecoveryServicesBackupClient, vault: VaultRef, options: ResolvedOptions): Promise<void> {
  let location: string | undefined;
  let waitMs: number | undefined;
  await client.protectionContainers.refresh(vault.name, vault.resourceGroup, "Azure", {
    onResponse: (response) => {
      location = response.headers.get("location") ?? response.headers.get("azure-asyncoperation") ?? undefined;
      waitMs = retryAfterMs(response.headers);
    },
  });
  const operationId = operationIdOf(location);
  if (operationId === undefined) throw new Error("Azure Backup accepted the refresh of the containers without an operation to follow");
  const done = await pollUntilDone(
    async () => {
      let status = 0;
      await client.protectionContainerRefreshOperationResults.get(vault.name, vault.resourceGroup, "Azure", operationId, {
        onResponse: (response) => {
          status = response.status;
          waitMs = retryAfterMs(response.headers);
        },
      });
      return status === 202 ? "running" : "done";
    },
    options,
    waitMs,
  );
  if (!done) throw new Error(`The long-running operation has failed. OperationTimedOut. refresh of vault ${vault.name}'s containers`);
}

/** The VM's protectable item in the vault (its names as Azure returns them), or undefined when the vault does not know it. */
export async function findProtectableItem(
  client: RecoveryServicesBackupClient,
  vault: VaultRef,
  vmId: string,
): Promise<ItemNames | undefined> {
  const wanted = vmId.toLowerCase();
  for await (const item of client.backupProtectableItems.list(vault.name, vault.resourceGroup, { filter: VM_FILTER })) {
    const virtualMachineId = (item.properties as { virtualMachineId?: string } | undefined)?.virtualMachineId;
    if (virtualMachineId?.toLowerCase() !== wanted || item.id === undefined) continue;
    const names = itemNamesOf(item.id);
    if (names) return names;
  }
  return undefined;
}
