/**
 * Management locks (Microsoft.Authorization/locks) at subscription, resource group and resource
 * scope, and what they refuse, as Azure Resource Manager does before any resource provider sees
 * the request: a `CanNotDelete` lock refuses the delete of its scope and of anything in it (and
 * the delete of a parent that would take the locked resource with it); a `ReadOnly` lock refuses
 * deletes and every write or action too. Both answer 409 `ScopeLocked`. Reads, and the locks and
 * other Microsoft.Authorization objects themselves, are never refused.
 */
import { ArmError } from "./errors.ts";
import { idKey } from "../shared/azure/resourceId.ts";
import type { OperationKind } from "./router.ts";

export type LockLevel = "CanNotDelete" | "ReadOnly";

export interface ManagementLock {
  /** The locked scope, as it was written: a subscription, a resource group or a resource id. */
  scope: string;
  name: string;
  level: LockLevel;
  notes?: string;
  owners?: Array<{ applicationId?: string }>;
}

export const LOCK_TYPE = "Microsoft.Authorization/locks";

export function lockId(lock: Pick<ManagementLock, "scope" | "name">): string {
  return `${lock.scope}/providers/${LOCK_TYPE}/${lock.name}`;
}

export function lockBody(lock: ManagementLock): Record<string, unknown> {
  const properties: Record<string, unknown> = { level: lock.level };
  if (lock.notes !== undefined) properties.notes = lock.notes;
  if (lock.owners !== undefined) properties.owners = lock.owners;
  return { properties, id: lockId(lock), type: LOCK_TYPE, name: lock.name };
}

/** `a` is `b` or contains it (ids compared case-insensitively, on segment boundaries). */
export function scopeContains(a: string, b: string): boolean {
  const outer = idKey(a).replace(/\/+$/, "");
  const inner = idKey(b).replace(/\/+$/, "");
  return inner === outer || inner.startsWith(`${outer}/`);
}

export class LockState {
  readonly #locks = new Map<string, ManagementLock>();

  put(lock: ManagementLock): { created: boolean } {
    const key = idKey(lockId(lock));
    const created = !this.#locks.has(key);
    this.#locks.set(key, lock);
    return { created };
  }

  get(scope: string, name: string): ManagementLock | undefined {
    return this.#locks.get(idKey(lockId({ scope, name })));
  }

  delete(scope: string, name: string): boolean {
    return this.#locks.delete(idKey(lockId({ scope, name })));
  }

  /** Locks that apply at a scope: on it or on a scope above it (inherited). */
  covering(scope: string): ManagementLock[] {
    return [...this.#locks.values()].filter((lock) => scopeContains(lock.scope, scope));
  }

  /** Locks on scopes strictly inside this one. */
  within(scope: string): ManagementLock[] {
    return [...this.#locks.values()].filter((lock) => scopeContains(scope, lock.scope) && !scopeContains(lock.scope, scope));
  }

  get size(): number {
    return this.#locks.size;
  }
}

/** The 409 ARM answers a request that a lock forbids, or undefined when none does. */
export function refusedByLock(locks: LockState, kind: OperationKind, path: string): ArmError | undefined {
  if (kind === "read" || locks.size === 0 || /\/providers\/Microsoft\.Authorization\//i.test(path)) return undefined;
  const target = path.replace(/\/+$/, "");
  const blocking =
    kind === "delete"
      ? [...locks.covering(target), ...locks.within(target)]
      : locks.covering(target).filter((lock) => lock.level === "ReadOnly");
  if (blocking.length === 0) return undefined;
  const operation = kind === "delete" ? "delete" : "write";
  const scopes = [...new Set(blocking.map((lock) => lock.scope))].map((scope) => `'${scope}'`).join(", ");
  return new ArmError(
    409,
    "ScopeLocked",
    `The scope '${target}' cannot perform ${operation} operation because following scope(s) are locked: ${scopes}. Please remove the lock and try again.`,
  );
}
