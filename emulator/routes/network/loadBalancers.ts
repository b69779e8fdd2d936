/**
 * Microsoft.Network/loadBalancers. A backend pool's members show on it, read-only, as
 * `backendIPConfigurations` (the NIC IP configurations that name the pool) beside the
 * `loadBalancerBackendAddresses` given by address; a load balancer whose pools have neither has
 * no backends and serves nothing. Its frontends' public IPs show the frontend as their
 * `ipConfiguration`.
 */
import type { EmulatorCore, MaterialiseInput, ResourceTypeHandler } from "../../core.ts";
import { asObject, asString, type Json, stableGuid } from "../../json.ts";
import { declareReferences, idList, type Reference, referencesTo } from "../../references.ts";
import { idKey } from "../../../shared/azure/resourceId.ts";
import type { StoredResource } from "../../store.ts";
import { baseResource, type FamilySpec } from "../family.ts";
import { LOAD_BALANCER_TYPE, privateAddressOf, refId, subResources, weakEtag } from "./common.ts";

/**
 * Inside one load balancer Azure shows both sides of each link: a rule names its frontend, pool and
 * probe, and each of those lists the rules that use it (`loadBalancingRules`, `inboundNatRules`).
 */
function linkWithin(users: Json[], listName: string, targets: Record<string, Json[]>): void {
  for (const [field, candidates] of Object.entries(targets)) {
    for (const candidate of candidates) {
      const using = users.filter((user) => {
        const target = refId(asObject(user.properties)?.[field]);
        return target !== undefined && idKey(target) === idKey(candidate.id as string);
      });
      if (using.length > 0) ((candidate.properties ??= {}) as Json)[listName] = using.map((user) => ({ id: user.id }));
    }
  }
}

function materialise(input: MaterialiseInput): StoredResource {
  const { id, body, existing, core } = input;
  const arm = baseResource(input, LOAD_BALANCER_TYPE);
  const given: Json = { ...(existing?.arm.properties ?? {}), ...(asObject(body.properties) ?? {}) };
  const sub = (collection: string, fallback: string, build?: (properties: Json, childId: string) => Json): Json[] =>
    subResources(id, given[collection], collection, LOAD_BALANCER_TYPE, fallback, build);
  const frontends = sub("frontendIPConfigurations", "frontend", (properties, childId) =>
    refId(properties.publicIPAddress) !== undefined
      ? properties
      : {
          ...properties,
          privateIPAddress: asString(properties.privateIPAddress) ?? privateAddressOf(childId),
          privateIPAllocationMethod: asString(properties.privateIPAllocationMethod) ?? "Dynamic",
          privateIPAddressVersion: asString(properties.privateIPAddressVersion) ?? "IPv4",
        },
  );
  const pools = sub("backendAddressPools", "pool", (properties) => {
    const { backendIPConfigurations: _members, ...rest } = properties;
    return rest;
  });
  const rules = sub("loadBalancingRules", "rule");
  const natRules = sub("inboundNatRules", "natrule");
  const probes = sub("probes", "probe");
  linkWithin(rules, "loadBalancingRules", { frontendIPConfiguration: frontends, backendAddressPool: pools, probe: probes });
  linkWithin(natRules, "inboundNatRules", { frontendIPConfiguration: frontends });
  const {
    frontendIPConfigurations: _f,
    backendAddressPools: _b,
    loadBalancingRules: _l,
    probes: _p,
    inboundNatRules: _n,
    inboundNatPools: _np,
    outboundRules: _o,
    provisioningState: _state,
    resourceGuid: _guid,
    ...rest
  } = given;
  const properties: Json = {
    ...rest,
    provisioningState: "Succeeded",
    resourceGuid: stableGuid(id),
    frontendIPConfigurations: frontends,
    backendAddressPools: pools,
    loadBalancingRules: rules,
    probes,
    inboundNatRules: natRules,
    inboundNatPools: sub("inboundNatPools", "natpool"),
  };
  if (given.outboundRules !== undefined) properties.outboundRules = sub("outboundRules", "outbound");
  const references: Reference[] = frontends
    .map((frontend) => ({ frontend, publicIp: refId(asObject(frontend.properties)?.publicIPAddress) }))
    .filter((entry): entry is { frontend: Json; publicIp: string } => entry.publicIp !== undefined)
    .map(({ frontend, publicIp }) => ({ targetId: publicIp, relation: "ipConfiguration", via: frontend.id as string }));
  declareReferences(core, id, LOAD_BALANCER_TYPE, references);
  return {
    arm: {
      ...arm,
      etag: weakEtag(`${id}/${JSON.stringify(properties)}`),
      sku: asObject(body.sku) ?? asObject(existing?.arm.sku) ?? { name: "Standard", tier: "Regional" },
      properties,
    },
    sim: { ...(existing?.sim ?? {}), ...(input.sim ?? {}) },
  };
}

function view(core: EmulatorCore, resource: StoredResource): StoredResource["arm"] {
  const arm = structuredClone(resource.arm);
  const members = referencesTo(core, arm.id, "backendIPConfigurations");
  const pools = Array.isArray(arm.properties?.backendAddressPools) ? (arm.properties.backendAddressPools as Json[]) : [];
  for (const pool of pools) {
    const inPool = members.filter((member) => member.targetPart !== undefined && idKey(member.targetPart) === idKey(pool.id as string));
    if (inPool.length > 0) ((pool.properties ??= {}) as Json).backendIPConfigurations = idList(inPool);
  }
  return arm;
}

function afterDelete(core: EmulatorCore, resource: StoredResource): void {
  declareReferences(core, resource.arm.id, LOAD_BALANCER_TYPE, []);
}

export const loadBalancerType: ResourceTypeHandler = { type: LOAD_BALANCER_TYPE, materialise, view };
export const loadBalancerFamily: FamilySpec = { type: LOAD_BALANCER_TYPE, routes: "loadBalancers", style: "long-running", afterDelete };
