/** The end state of an emulated estate as the fault tests compare it: each resource's power and tags. */
import type { StoredResource } from "../../emulator/store.ts";
import { RESIZE_TAG } from "../../shared/actions/resize.ts";
import { STOPPED_BY_TAG } from "../../shared/remediation/stoppedBy.ts";

/**
 * Power and tags, with who stopped it read as "some policy": when two policies stop one resource
 * at once, each writes itself as the owner once its stop is done, and which is last depends on
 * timing alone. Either is a right owner; both keep the resource stopped. A resize's mark names
 * the workflow that made it, which differs between the runs compared.
 */
export function resourceEndState(resource: StoredResource): { power: string | undefined; tags: Record<string, string> } {
  const tags = { ...(resource.arm.tags ?? {}) };
  if (tags[STOPPED_BY_TAG] !== undefined) tags[STOPPED_BY_TAG] = "(a policy)";
  const resize = tags[RESIZE_TAG];
  if (resize !== undefined) tags[RESIZE_TAG] = resize.replace(/; [^;]*$/, "; (a workflow)");
  return { power: resource.sim.powerState, tags };
}
