/**
 * What a Durable activity hands to `applyRemediation` and gets back: plain JSON both ways
 * (resource ids, names, small records), never SDK objects, so both cross the activity boundary
 * and go into the audit trail as they are.
 */
import type { ActionSpec, PowerState } from "../policy/types.ts";

export interface RemediationRequest {
  /** The policy that proposed the change; its action, conditions and guards are checked again. */
  policy: string;
  /**
   * The policy's action (`deallocate`, `stop`, `delete`, `tag`, `enroll-backup`), or `start` to
   * bring back what a schedule policy (one that deallocates or stops) took down. Its arguments
   * are the policy's as the policy file says now, not as they were when the plan was made.
   */
  action: ActionSpec;
  resourceId: string;
  /** The Durable instance carrying it out, for the record. */
  instanceId: string;
  trigger: {
    /** `timer`, `event`, `budget`, `manual`… */
    type: string;
    id?: string;
    /** The identity that created the resource (the event's claims), for `tag` with `creatorFromEvent`. */
    creator?: string;
  };
  /** Who approved it, when the policy requires approval; without it such a change is skipped. */
  approvedBy?: string;
}

export type OutcomeKind = "applied" | "already-done" | "skipped" | "failed";

/** The part of a resource's state the action is about, before and after. */
export interface ResourceState {
  exists: boolean;
  powerState?: PowerState;
  tags?: Record<string, string>;
  /** Azure Backup: whether the VM is protected, and where. */
  protected?: boolean;
  vaultId?: string;
  backupPolicyId?: string;
  /** A VM's size (resize). */
  size?: string;
}

export interface RemediationOutcome {
  resourceId: string;
  /** The request's policy (always set by `applyRemediation`). */
  policy?: string;
  /** The action's type, as requested. */
  action: string;
  outcome: OutcomeKind;
  /** Why, in words: the guard or condition that skipped it, what changed, or Azure's error. */
  reason: string;
  /** For `skipped`: the guard that stopped it (production, exemption, change-window, cap, dry-run, kill-switch, approval, conditions…). */
  guard?: string;
  /** For `failed`: Azure's error code (`AnotherOperationInProgress`, `TooManyRequests`…) or `Error`. */
  errorCode?: string;
  before?: ResourceState;
  after?: ResourceState;
  /** Attempts at the change (each re-reads the resource first); absent when nothing was attempted. */
  attempts?: number;
}
