/**
 * What one protected item of Azure Backup says about its VM, read from the item as Azure answers
 * it (pure: no I/O), and which of a VM's items speaks for it when there are several.
 */
import type { BackupFact } from "../policy/types.ts";

/** States of an item that keeps its recovery points but takes no new backups. */
const NOT_BACKING_UP = new Set(["protectionstopped", "protectionpaused"]);

const DAY_MS = 86_400_000;
/** Azure Backup's soft delete keeps an item 14 days unless the item says otherwise (`softDeleteRetentionPeriodInDays`). */
export const DEFAULT_SOFT_DELETE_DAYS = 14;

export interface ProtectedItemLike {
  id?: string;
  properties?: object;
}

interface ItemProperties {
  protectionState?: string;
  policyId?: string;
  isScheduledForDeferredDelete?: boolean;
  deferredDeleteTimeInUTC?: Date | string;
  softDeleteRetentionPeriodInDays?: number;
}

const isoOf = (value: Date | string): string | undefined => {
  const time = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
};

/**
 * The fact one item states about its VM. A soft-deleted item (`isScheduledForDeferredDelete`)
 * is not protection: `deferredDeleteTimeInUTC` is read as when it was deleted, and it is purged
 * its retention (14 days) later. An item without that time is still soft-deleted; its dates are
 * then unknown, never invented.
 */
export function backupFactOfItem(vaultId: string, item: ProtectedItemLike): BackupFact {
  const properties = (item.properties ?? {}) as ItemProperties;
  const state = (properties.protectionState ?? "").toLowerCase();
  const base: BackupFact = {
    protected: false,
    vaultId,
    ...(item.id === undefined ? {} : { itemId: item.id }),
  };
  if (properties.isScheduledForDeferredDelete === true) {
    const deletedAt = properties.deferredDeleteTimeInUTC === undefined ? undefined : isoOf(properties.deferredDeleteTimeInUTC);
    const days = properties.softDeleteRetentionPeriodInDays ?? DEFAULT_SOFT_DELETE_DAYS;
    return {
      ...base,
      softDeleted: deletedAt === undefined ? {} : { deletedAt, purgeAt: new Date(Date.parse(deletedAt) + days * DAY_MS).toISOString() },
    };
  }
  return { ...base, protected: !NOT_BACKING_UP.has(state), ...(properties.policyId ? { policyId: properties.policyId } : {}) };
}

/** How much a fact weighs when a VM has items in several vaults: backing up, then soft-deleted (it blocks protection), then stopped. */
const weight = (fact: BackupFact): number => (fact.protected ? 2 : fact.softDeleted ? 1 : 0);

/** The fact that speaks for the VM: the heavier one, the first seen on a tie. */
export function preferredFact(known: BackupFact | undefined, candidate: BackupFact): BackupFact {
  if (known === undefined || (known.vaultId === undefined && !known.protected)) return candidate;
  return weight(candidate) > weight(known) ? candidate : known;
}
