/**
 * The read-only back-references ARM keeps on a resource that others point at: a public IP's
 * `ipConfiguration` and `natGateway`, a NIC's `virtualMachine` and `privateEndpoint`, an NSG's
 * `networkInterfaces` and `subnets`, a load balancer pool's `backendIPConfigurations`, an App
 * Service plan's `numberOfSites`. They are what makes an orphan visible.
 *
 * The pointing resource (VM, NIC, VNet, private endpoint, site…) declares its references when it
 * is materialised; the target's answer derives its back-references from them when it is read, so
 * an estate may list either side first and a deleted referrer lets go by itself.
 */
import type { EmulatorCore } from "./core.ts";
import { idKey } from "../shared/azure/resourceId.ts";

export type Relation =
  | "ipConfiguration"
  | "natGateway"
  | "virtualMachine"
  | "privateEndpoint"
  | "networkInterfaces"
  | "subnets"
  | "backendIPConfigurations"
  | "sites";

export interface Reference {
  /** The top-level resource pointed at (a pool's load balancer, for example). */
  targetId: string;
  relation: Relation;
  /** The id the back-reference shows: the referring IP configuration, subnet, VM… */
  via: string;
  /** The child of the target that is pointed at (a backend pool's id), when not the target itself. */
  targetPart?: string;
}

interface Claim extends Reference {
  sourceId: string;
  sourceType: string;
}

class ReferenceIndex {
  readonly byTarget = new Map<string, Claim[]>();
  readonly bySource = new Map<string, Claim[]>();
}

const indexes = new WeakMap<EmulatorCore, ReferenceIndex>();

function indexOf(core: EmulatorCore): ReferenceIndex {
  let index = indexes.get(core);
  if (!index) indexes.set(core, (index = new ReferenceIndex()));
  return index;
}

/** `/subscriptions/s/resourceGroups/rg/providers/ns/type/name` of any id below it (a pool, a subnet, an IP configuration). */
export function topLevelId(id: string): string {
  const parts = id.split("/").filter((part) => part.length > 0);
  const providers = parts.findIndex((part) => part.toLowerCase() === "providers");
  if (providers < 0) return id;
  return `/${parts.slice(0, providers + 4).join("/")}`;
}

/** Replaces what a resource points at with `references` (its materialised model says what they are). */
export function declareReferences(core: EmulatorCore, sourceId: string, sourceType: string, references: Reference[]): void {
  const index = indexOf(core);
  const sourceKey = idKey(sourceId);
  for (const old of index.bySource.get(sourceKey) ?? []) {
    const key = idKey(old.targetId);
    const kept = (index.byTarget.get(key) ?? []).filter((claim) => idKey(claim.sourceId) !== sourceKey);
    if (kept.length > 0) index.byTarget.set(key, kept);
    else index.byTarget.delete(key);
  }
  const claims = references.map((reference) => ({ ...reference, targetId: topLevelId(reference.targetId), sourceId, sourceType }));
  if (claims.length > 0) index.bySource.set(sourceKey, claims);
  else index.bySource.delete(sourceKey);
  for (const claim of claims) {
    const key = idKey(claim.targetId);
    index.byTarget.set(key, [...(index.byTarget.get(key) ?? []), claim]);
  }
}

/** The references to a resource whose referrer still exists, optionally of one relation. */
export function referencesTo(core: EmulatorCore, targetId: string, relation?: Relation): Claim[] {
  const claims = indexOf(core).byTarget.get(idKey(targetId)) ?? [];
  return claims.filter((claim) => {
    if (relation !== undefined && claim.relation !== relation) return false;
    const source = core.store.get(claim.sourceId);
    return source !== undefined && source.arm.type.toLowerCase() === claim.sourceType.toLowerCase();
  });
}

/** `[{ id }]` of the distinct `via` ids, as ARM lists back-references. */
export function idList(claims: Array<{ via: string }>): Array<{ id: string }> {
  const seen = new Set<string>();
  const list: Array<{ id: string }> = [];
  for (const claim of claims) {
    const key = idKey(claim.via);
    if (seen.has(key)) continue;
    seen.add(key);
    list.push({ id: claim.via });
  }
  return list;
}
