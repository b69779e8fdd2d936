/**
 * Microsoft.ContainerService: AKS managed clusters and their agent pools.
 *
 * A cluster's agent pools are child resources in the store (`.../managedClusters/{name}/agentPools/{pool}`);
 * the cluster's `properties.agentPoolProfiles` is rendered from them. A cluster written with
 * `agentPoolProfiles` and no agent pool children (an estate entry, a PUT) gets one pool per profile
 * the first time a route touches it, as AKS creates the pools with the cluster.
 *
 * Stop and start are long-running: the cluster and its pools show `provisioningState` `Stopping` or
 * `Starting` until the operation completes, then `powerState.code` `Stopped` or `Running`. Stopping
 * a stopped cluster (or starting a running one) changes nothing and answers 204.
 */
import { randomUUID } from "node:crypto";
import type { EmulatorCore, MaterialiseInput, ResourceTypeHandler } from "../core.ts";
import { ArmError, badRequest } from "../errors.ts";
import { pagedList } from "../paging.ts";
import { idKey, parseArmId, resourceGroupId } from "../../shared/azure/resourceId.ts";
import type { RouteContext, RouteDefinition, RouteResult } from "../router.ts";
import type { ArmResource, StoredResource } from "../store.ts";
import { asNumber, asObject, asString, stableGuid, stableHex, type Json } from "../json.ts";

export const CLUSTER_TYPE = "Microsoft.ContainerService/managedClusters";
export const AGENT_POOL_TYPE = "Microsoft.ContainerService/managedClusters/agentPools";
/** How ARM spells the type in a cluster's body; the store keeps the canonical spelling. */
const CLUSTER_TYPE_IN_BODY = "Microsoft.ContainerService/ManagedClusters";
const PROVIDER = "Microsoft.ContainerService";

const DEFAULT_KUBERNETES_VERSION = "1.33.2";
const DEFAULT_NODE_IMAGE = "AKSUbuntu-2204gen2containerd-202509.23.0";
const DEFAULT_VM_SIZE = "Standard_DS2_v2";
/** Provisioning states during which AKS refuses another operation on the cluster. */
const BUSY_STATES = new Set(["creating", "updating", "upgrading", "scaling", "stopping", "starting", "deleting"]);

type PowerCode = "Running" | "Stopped";

const newETag = (): string => randomUUID();

/** `Running`/`Stopped` from `{ code }`, a code, or a simulation power state (`running`, `stopped`). */
function powerCode(value: unknown): PowerCode | undefined {
  const code = asString(asObject(value)?.code) ?? asString(value);
  if (code === undefined) return undefined;
  if (code.toLowerCase() === "running") return "Running";
  if (code.toLowerCase() === "stopped" || code.toLowerCase() === "deallocated") return "Stopped";
  return undefined;
}

function propertiesOf(resource: { arm: ArmResource }): Json {
  resource.arm.properties ??= {};
  return resource.arm.properties;
}

function clusterPower(cluster: StoredResource): PowerCode {
  return powerCode(propertiesOf(cluster).powerState) ?? "Running";
}

function provisioningState(resource: StoredResource): string {
  return asString(propertiesOf(resource).provisioningState) ?? "Succeeded";
}

function normaliseLocation(location: string): string {
  return location.replace(/\s+/g, "").toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Materialising clusters and pools

interface PoolContext {
  kubernetesVersion: string;
  power: PowerCode;
  /** The first pool of a cluster is its system pool unless it says otherwise. */
  first: boolean;
  maxPodsDefault: number;
}

/** An agent pool's properties from what was sent (a pool body or a profile) over what it was. */
function poolProperties(source: Json, previous: Json | undefined, context: PoolContext, power?: PowerCode): Json {
  const prev = previous ?? {};
  const { name: _name, ...sent } = source;
  const merged: Json = { ...prev, ...sent };
  const orchestratorVersion = asString(sent.orchestratorVersion) ?? asString(prev.orchestratorVersion) ?? context.kubernetesVersion;
  const enableAutoScaling = typeof merged.enableAutoScaling === "boolean" ? merged.enableAutoScaling : false;
  const properties: Json = {
    ...merged,
    provisioningState: "Succeeded",
    count: asNumber(merged.count) ?? 1,
    vmSize: asString(merged.vmSize) ?? DEFAULT_VM_SIZE,
    maxPods: asNumber(merged.maxPods) ?? context.maxPodsDefault,
    osDiskSizeGB: asNumber(merged.osDiskSizeGB) ?? 128,
    osDiskType: asString(merged.osDiskType) ?? "Managed",
    kubeletDiskType: "OS",
    osType: asString(merged.osType) ?? "Linux",
    osSKU: asString(merged.osSKU) ?? "Ubuntu",
    type: asString(merged.type) ?? "VirtualMachineScaleSets",
    mode: asString(merged.mode) ?? (context.first ? "System" : "User"),
    enableAutoScaling,
    enableNodePublicIP: typeof merged.enableNodePublicIP === "boolean" ? merged.enableNodePublicIP : false,
    orchestratorVersion,
    currentOrchestratorVersion: orchestratorVersion,
    nodeImageVersion: asString(merged.nodeImageVersion) ?? DEFAULT_NODE_IMAGE,
    upgradeSettings: asObject(merged.upgradeSettings) ?? { maxSurge: "10%" },
    powerState: { code: power ?? powerCode(sent.powerState) ?? powerCode(prev.powerState) ?? context.power },
    eTag: newETag(),
  };
  if (!enableAutoScaling) {
    delete properties.minCount;
    delete properties.maxCount;
  }
  return properties;
}

function poolResource(id: string, name: string, properties: Json): ArmResource {
  return { id, name, type: AGENT_POOL_TYPE, properties };
}

function clusterIdOfPool(poolId: string): string {
  return poolId.replace(/\/agentPools\/[^/]+\/?$/i, "");
}

function poolContextOf(cluster: StoredResource | undefined, first: boolean): PoolContext {
  const properties = cluster ? propertiesOf(cluster) : {};
  const plugin = asString(asObject(properties.networkProfile)?.networkPlugin) ?? "kubenet";
  const overlay = asString(asObject(properties.networkProfile)?.networkPluginMode) === "overlay";
  return {
    kubernetesVersion: asString(properties.kubernetesVersion) ?? DEFAULT_KUBERNETES_VERSION,
    power: cluster ? clusterPower(cluster) : "Running",
    first,
    maxPodsDefault: plugin === "azure" && !overlay ? 30 : 110,
  };
}

function materialisePool(input: MaterialiseInput): StoredResource {
  const { id, name, body, existing, core } = input;
  const cluster = core.store.get(clusterIdOfPool(id));
  const context = poolContextOf(cluster, false);
  const simPower = powerCode(input.sim?.powerState);
  const properties = poolProperties(asObject(body.properties) ?? {}, existing ? propertiesOf(existing) : undefined, context, simPower);
  const power = powerCode(properties.powerState) ?? "Running";
  return {
    arm: poolResource(existing?.arm.id ?? id, existing?.arm.name ?? name, properties),
    sim: { ...(existing?.sim ?? {}), ...(input.sim ?? {}), powerState: power.toLowerCase() },
  };
}

function defaultNetworkProfile(sent: Json | undefined, previous: Json | undefined, id: string, nodeResourceGroup: string): Json {
  const merged: Json = { ...(previous ?? {}), ...(sent ?? {}) };
  const networkPlugin = asString(merged.networkPlugin) ?? "kubenet";
  const overlay = asString(merged.networkPluginMode) === "overlay";
  const serviceCidr = asString(merged.serviceCidr) ?? "10.0.0.0/16";
  const profile: Json = {
    ...merged,
    networkPlugin,
    serviceCidr,
    dnsServiceIP: asString(merged.dnsServiceIP) ?? "10.0.0.10",
    loadBalancerSku: asString(merged.loadBalancerSku) ?? "standard",
    outboundType: asString(merged.outboundType) ?? "loadBalancer",
    serviceCidrs: Array.isArray(merged.serviceCidrs) ? merged.serviceCidrs : [serviceCidr],
    ipFamilies: Array.isArray(merged.ipFamilies) ? merged.ipFamilies : ["IPv4"],
  };
  if (networkPlugin === "kubenet" || overlay) {
    const podCidr = asString(merged.podCidr) ?? "10.244.0.0/16";
    profile.podCidr = podCidr;
    profile.podCidrs = Array.isArray(merged.podCidrs) ? merged.podCidrs : [podCidr];
  }
  if (profile.outboundType === "loadBalancer") {
    const lb: Json = { ...(asObject(merged.loadBalancerProfile) ?? {}) };
    const sentPublicIPs = asObject(lb.outboundIPs)?.publicIPs;
    const publicIPs = Array.isArray(sentPublicIPs) ? (sentPublicIPs as unknown[]) : undefined;
    if (publicIPs === undefined && asObject(lb.managedOutboundIPs) === undefined) lb.managedOutboundIPs = { count: 1 };
    const managedCount = asNumber(asObject(lb.managedOutboundIPs)?.count) ?? 1;
    const subscriptionId = parseArmId(id).subscriptionId;
    lb.effectiveOutboundIPs =
      publicIPs ??
      Array.from({ length: managedCount }, (_, index) => ({
        id: `${resourceGroupId(subscriptionId, nodeResourceGroup)}/providers/Microsoft.Network/publicIPAddresses/${stableGuid(`${id}/outbound/${index}`)}`,
      }));
    lb.allocatedOutboundPorts = asNumber(lb.allocatedOutboundPorts) ?? 0;
    lb.idleTimeoutInMinutes = asNumber(lb.idleTimeoutInMinutes) ?? 30;
    profile.loadBalancerProfile = lb;
  }
  return profile;
}

/** A cluster's profiles normalised as pools would be (profiles sent over the profiles it had, by name). */
function clusterProfiles(sent: unknown, previous: unknown, context: Omit<PoolContext, "first">): Json[] {
  const previousByName = new Map<string, Json>();
  for (const profile of Array.isArray(previous) ? previous : []) {
    const object = asObject(profile);
    const name = asString(object?.name);
    if (object && name) previousByName.set(name.toLowerCase(), object);
  }
  const source = Array.isArray(sent) ? sent : Array.isArray(previous) ? previous : [];
  return source.flatMap((profile, index) => {
    const object = asObject(profile);
    const name = asString(object?.name);
    if (!object || !name) return [];
    return [{ name, ...poolProperties(object, previousByName.get(name.toLowerCase()), { ...context, first: index === 0 }) }];
  });
}

function materialiseCluster(input: MaterialiseInput): StoredResource {
  const { id, name, body, existing, core } = input;
  const previous = existing ? propertiesOf(existing) : {};
  const sent = asObject(body.properties) ?? {};
  const { subscriptionId, resourceGroup } = parseArmId(id);
  const location = normaliseLocation(asString(body.location) ?? existing?.arm.location ?? "westeurope");
  const kubernetesVersion = asString(sent.kubernetesVersion) ?? asString(previous.kubernetesVersion) ?? DEFAULT_KUBERNETES_VERSION;
  const dnsPrefix =
    asString(sent.dnsPrefix) ??
    asString(previous.dnsPrefix) ??
    `${name}-${resourceGroup ?? "rg"}-${subscriptionId.slice(0, 6)}`.slice(0, 54);
  const hash = stableHex(id, 8);
  const nodeResourceGroup =
    asString(sent.nodeResourceGroup) ?? asString(previous.nodeResourceGroup) ?? `MC_${resourceGroup}_${name}_${location}`;
  const power = powerCode(input.sim?.powerState) ?? powerCode(sent.powerState) ?? powerCode(previous.powerState) ?? "Running";
  const networkProfile = defaultNetworkProfile(asObject(sent.networkProfile), asObject(previous.networkProfile), id, nodeResourceGroup);
  const plugin = asString(networkProfile.networkPlugin);
  const maxPodsDefault = plugin === "azure" && networkProfile.networkPluginMode !== "overlay" ? 30 : 110;

  const properties: Json = {
    ...previous,
    ...sent,
    provisioningState: "Succeeded",
    powerState: { code: power },
    maxAgentPools: 100,
    kubernetesVersion,
    currentKubernetesVersion: kubernetesVersion,
    dnsPrefix,
    fqdn: `${dnsPrefix}-${hash}.hcp.${location}.azmk8s.io`,
    azurePortalFQDN: `${dnsPrefix}-${hash}.portal.hcp.${location}.azmk8s.io`,
    agentPoolProfiles: clusterProfiles(sent.agentPoolProfiles, previous.agentPoolProfiles, { kubernetesVersion, power, maxPodsDefault }),
    servicePrincipalProfile: asObject(sent.servicePrincipalProfile) ?? asObject(previous.servicePrincipalProfile) ?? { clientId: "msi" },
    nodeResourceGroup,
    enableRBAC:
      typeof sent.enableRBAC === "boolean" ? sent.enableRBAC : typeof previous.enableRBAC === "boolean" ? previous.enableRBAC : true,
    networkProfile,
    supportPlan: asString(sent.supportPlan) ?? asString(previous.supportPlan) ?? "KubernetesOfficial",
  };
  const arm: ArmResource = {
    id: existing?.arm.id ?? id,
    name: existing?.arm.name ?? name,
    type: CLUSTER_TYPE,
    location,
    tags: asObject(body.tags) ? (body.tags as Record<string, string>) : (existing?.arm.tags ?? {}),
    sku: asObject(body.sku) ?? asObject(existing?.arm.sku) ?? { name: "Base", tier: "Free" },
    eTag: newETag(),
    properties,
  };
  const identity = asObject(body.identity) ?? asObject(existing?.arm.identity);
  const usesServicePrincipal = asString(asObject(properties.servicePrincipalProfile)?.clientId) !== "msi";
  if (identity || !usesServicePrincipal) {
    const type = asString(identity?.type) ?? "SystemAssigned";
    arm.identity = {
      ...(identity ?? {}),
      type,
      ...(type.includes("SystemAssigned") ? { principalId: stableGuid(`${id}/principal`), tenantId: core.tenantId } : {}),
    };
  }
  return { arm, sim: { ...(existing?.sim ?? {}), ...(input.sim ?? {}), powerState: power.toLowerCase() } };
}

export function containerServiceTypes(): ResourceTypeHandler[] {
  return [
    { type: CLUSTER_TYPE, materialise: materialiseCluster },
    { type: AGENT_POOL_TYPE, materialise: materialisePool },
  ];
}

// ---------------------------------------------------------------------------------------------
// Pools as children of their cluster

/** The cluster's pools; pools its profiles name that do not exist yet are created first. */
function poolsOf(core: EmulatorCore, cluster: StoredResource, known?: StoredResource[]): StoredResource[] {
  const pools = known ?? core.store.children(cluster.arm.id, AGENT_POOL_TYPE);
  const names = new Set(pools.map((pool) => pool.arm.name.toLowerCase()));
  const profiles = Array.isArray(propertiesOf(cluster).agentPoolProfiles) ? (propertiesOf(cluster).agentPoolProfiles as unknown[]) : [];
  const context = poolContextOf(cluster, false);
  profiles.forEach((profile, index) => {
    const object = asObject(profile);
    const name = asString(object?.name);
    if (!object || !name || names.has(name.toLowerCase())) return;
    const properties = poolProperties(object, undefined, { ...context, first: index === 0 });
    const pool: StoredResource = { arm: poolResource(`${cluster.arm.id}/agentPools/${name}`, name, properties), sim: {} };
    pool.sim.powerState = (powerCode(properties.powerState) ?? "Running").toLowerCase();
    core.store.put(pool);
    pools.push(pool);
    names.add(name.toLowerCase());
  });
  return pools;
}

function toProfile(pool: StoredResource): Json {
  return { name: pool.arm.name, ...propertiesOf(pool) };
}

/** The cluster as ARM returns it, its profiles rendered from its pools (and written back). */
function clusterBody(core: EmulatorCore, cluster: StoredResource, known?: StoredResource[]): ArmResource {
  const pools = poolsOf(core, cluster, known);
  propertiesOf(cluster).agentPoolProfiles = pools.map(toProfile);
  return { ...cluster.arm, type: CLUSTER_TYPE_IN_BODY };
}

/** Every pool of the subscription grouped by cluster id, in one pass over the store. */
function poolsByCluster(core: EmulatorCore, subscriptionId: string): Map<string, StoredResource[]> {
  const byCluster = new Map<string, StoredResource[]>();
  for (const pool of core.store.list({ subscriptionId, type: AGENT_POOL_TYPE })) {
    const key = idKey(clusterIdOfPool(pool.arm.id));
    const list = byCluster.get(key);
    if (list) list.push(pool);
    else byCluster.set(key, [pool]);
  }
  return byCluster;
}

// ---------------------------------------------------------------------------------------------
// Routes

const RG_PATH = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}";
const CLUSTER_PATH = `${RG_PATH}/providers/Microsoft.ContainerService/managedClusters/{resourceName}`;
const POOL_PATH = `${CLUSTER_PATH}/agentPools/{agentPoolName}`;

function clusterId(ctx: RouteContext): string {
  return `${resourceGroupId(ctx.params.subscriptionId as string, ctx.params.resourceGroupName as string)}/providers/${CLUSTER_TYPE}/${ctx.params.resourceName}`;
}

function requireCluster(ctx: RouteContext): StoredResource {
  return ctx.core.store.require(clusterId(ctx), CLUSTER_TYPE);
}

function refuseWhileBusy(cluster: StoredResource, operation: string): void {
  const state = provisioningState(cluster);
  if (BUSY_STATES.has(state.toLowerCase())) {
    throw new ArmError(
      409,
      "AnotherOperationInProgress",
      `Operation '${operation}' is not allowed: another operation is in progress on managed cluster '${cluster.arm.name}' (provisioningState '${state}'). Please retry after it completes.`,
    );
  }
}

function requireObjectBody(body: unknown): Json {
  const object = asObject(body);
  if (!object) throw badRequest("The request content was invalid and could not be deserialized: the body must be a JSON object.");
  if (object.properties !== undefined && !asObject(object.properties)) throw badRequest("The 'properties' property must be an object.");
  return object;
}

function emit(core: EmulatorCore, kind: "write" | "action", resourceId: string, resourceType: string, operationName: string): void {
  core.store.emitChange({ kind, resourceId, resourceType, operationName, at: core.nowIso() });
}

/** Sets a state on the cluster and every pool (transitional provisioning state, then the power state). */
function setClusterState(cluster: StoredResource, pools: StoredResource[], state: { provisioningState: string; power?: PowerCode }): void {
  for (const resource of [cluster, ...pools]) {
    const properties = propertiesOf(resource);
    properties.provisioningState = state.provisioningState;
    if (state.power !== undefined) {
      properties.powerState = { code: state.power };
      resource.sim.powerState = state.power.toLowerCase();
      if (resource === cluster) resource.arm.eTag = newETag();
      else properties.eTag = newETag();
    }
  }
}

function powerAction(ctx: RouteContext, action: "stop" | "start"): RouteResult {
  const { core } = ctx;
  const cluster = requireCluster(ctx);
  const target: PowerCode = action === "stop" ? "Stopped" : "Running";
  refuseWhileBusy(cluster, action);
  if (clusterPower(cluster) === target) return { status: 204 };
  const pools = poolsOf(core, cluster);
  setClusterState(cluster, pools, { provisioningState: action === "stop" ? "Stopping" : "Starting" });
  clusterBody(core, cluster, pools);
  const id = cluster.arm.id;
  return core.lro.start(
    {
      subscriptionId: ctx.params.subscriptionId as string,
      provider: PROVIDER,
      location: cluster.arm.location ?? "westeurope",
      complete: () => {
        const current = core.store.get(id);
        if (!current) throw new ArmError(404, "ResourceNotFound", `The managed cluster '${id}' no longer exists.`);
        const currentPools = poolsOf(core, current);
        setClusterState(current, currentPools, { provisioningState: "Succeeded", power: target });
        clusterBody(core, current, currentPools);
        emit(core, "action", current.arm.id, CLUSTER_TYPE, `${CLUSTER_TYPE}/${action}/action`);
        return undefined;
      },
    },
    ctx.baseUrl,
  );
}

/** AKS refuses to upgrade or scale a stopped cluster. */
function refuseChangesWhileStopped(existing: StoredResource, sent: Json): void {
  if (clusterPower(existing) !== "Stopped") return;
  const previous = propertiesOf(existing);
  const version = asString(sent.kubernetesVersion);
  const upgrades = version !== undefined && version !== asString(previous.kubernetesVersion);
  const before = new Map(
    (Array.isArray(previous.agentPoolProfiles) ? previous.agentPoolProfiles : []).map((profile) => [
      asString(asObject(profile)?.name)?.toLowerCase(),
      asObject(profile) ?? {},
    ]),
  );
  const scales = (Array.isArray(sent.agentPoolProfiles) ? sent.agentPoolProfiles : []).some((profile) => {
    const object = asObject(profile) ?? {};
    const old = before.get(asString(object.name)?.toLowerCase());
    return (
      (asNumber(object.count) !== undefined && asNumber(object.count) !== asNumber(old?.count)) ||
      (asString(object.vmSize) !== undefined && asString(object.vmSize) !== asString(old?.vmSize))
    );
  });
  if (upgrades || scales) {
    throw new ArmError(
      409,
      "OperationNotAllowed",
      `Managed cluster '${existing.arm.name}' is stopped: it cannot be upgraded or scaled until it is started.`,
    );
  }
}

function createOrUpdateCluster(ctx: RouteContext): RouteResult {
  const { core } = ctx;
  const subscriptionId = ctx.params.subscriptionId as string;
  core.store.requireGroup(subscriptionId, ctx.params.resourceGroupName as string);
  const body = requireObjectBody(ctx.body);
  const id = clusterId(ctx);
  const existing = core.store.get(id);
  if (existing && existing.arm.type.toLowerCase() !== CLUSTER_TYPE.toLowerCase()) {
    throw new ArmError(409, "Conflict", `A resource of type '${existing.arm.type}' already has the id '${id}'.`);
  }
  if (!existing && asString(body.location) === undefined) {
    throw badRequest("The 'location' property is required for this definition.", "LocationRequired");
  }
  // powerState is read-only on a cluster: only stop and start change it.
  const { powerState: _powerState, ...sent } = asObject(body.properties) ?? {};
  const clean: Json = { ...body, properties: sent };
  if (existing) {
    refuseWhileBusy(existing, "write");
    refuseChangesWhileStopped(existing, sent);
  }
  const requested = ctx.params.resourceName as string;
  const name = existing?.arm.name ?? requested;
  const preview = core.materialise(CLUSTER_TYPE, { id, name, body: clean, ...(existing ? { existing } : {}) });
  propertiesOf(preview).provisioningState = existing ? "Updating" : "Creating";
  if (existing) propertiesOf(existing).provisioningState = "Updating";
  return core.lro.start(
    {
      subscriptionId,
      provider: PROVIDER,
      location: preview.arm.location ?? "westeurope",
      initialStatus: existing ? 200 : 201,
      initialBody: { ...preview.arm, type: CLUSTER_TYPE_IN_BODY },
      complete: () => {
        const current = core.store.get(id);
        const cluster = core.materialise(CLUSTER_TYPE, { id, name, body: clean, ...(current ? { existing: current } : {}) });
        core.store.put(cluster);
        // Profiles sent with the cluster create or update its pools.
        const pools = core.store.children(id, AGENT_POOL_TYPE);
        const byName = new Map(pools.map((pool) => [pool.arm.name.toLowerCase(), pool]));
        const context = poolContextOf(cluster, false);
        (Array.isArray(sent.agentPoolProfiles) ? sent.agentPoolProfiles : []).forEach((profile, index) => {
          const object = asObject(profile);
          const poolName = asString(object?.name);
          if (!object || !poolName) return;
          const old = byName.get(poolName.toLowerCase());
          // A pool follows its cluster's power state: only stop and start change it.
          const properties = poolProperties(object, old ? propertiesOf(old) : undefined, { ...context, first: index === 0 }, context.power);
          const pool: StoredResource = {
            arm: poolResource(old?.arm.id ?? `${cluster.arm.id}/agentPools/${poolName}`, old?.arm.name ?? poolName, properties),
            sim: { ...(old?.sim ?? {}), powerState: (powerCode(properties.powerState) ?? "Running").toLowerCase() },
          };
          core.store.put(pool);
        });
        const result = clusterBody(core, cluster);
        emit(core, "write", cluster.arm.id, CLUSTER_TYPE, `${CLUSTER_TYPE}/write`);
        return result;
      },
    },
    ctx.baseUrl,
  );
}

function createOrUpdatePool(ctx: RouteContext): RouteResult {
  const { core } = ctx;
  const cluster = requireCluster(ctx);
  const body = requireObjectBody(ctx.body);
  refuseWhileBusy(cluster, "write agent pool");
  const pools = poolsOf(core, cluster);
  const requested = ctx.params.agentPoolName as string;
  if (!/^[a-z][a-z0-9]{0,11}$/.test(requested)) {
    throw badRequest(
      `Agent pool name '${requested}' is invalid: it must start with a lowercase letter and contain at most 12 lowercase letters and digits.`,
      "InvalidAgentPoolName",
    );
  }
  const existing = pools.find((pool) => pool.arm.name.toLowerCase() === requested.toLowerCase());
  const id = existing?.arm.id ?? `${cluster.arm.id}/agentPools/${requested}`;
  const name = existing?.arm.name ?? requested;
  const preview = core.materialise(AGENT_POOL_TYPE, { id, name, body, ...(existing ? { existing } : {}) });
  propertiesOf(preview).provisioningState = existing ? "Updating" : "Creating";
  if (existing) propertiesOf(existing).provisioningState = "Updating";
  return core.lro.start(
    {
      subscriptionId: ctx.params.subscriptionId as string,
      provider: PROVIDER,
      location: cluster.arm.location ?? "westeurope",
      initialStatus: existing ? 200 : 201,
      initialBody: preview.arm,
      complete: () => {
        const parent = core.store.get(cluster.arm.id);
        if (!parent) throw new ArmError(404, "ResourceNotFound", `The managed cluster '${cluster.arm.id}' no longer exists.`);
        const current = core.store.get(id);
        const pool = core.materialise(AGENT_POOL_TYPE, { id, name, body, ...(current ? { existing: current } : {}) });
        core.store.put(pool);
        clusterBody(core, parent);
        emit(core, "write", pool.arm.id, AGENT_POOL_TYPE, `${AGENT_POOL_TYPE}/write`);
        return pool.arm;
      },
    },
    ctx.baseUrl,
  );
}

export function containerServiceRoutes(): RouteDefinition[] {
  return [
    {
      method: "GET",
      pattern: "/subscriptions/{subscriptionId}/providers/Microsoft.ContainerService/managedClusters",
      name: "managedClusters.list",
      handler: (ctx) => {
        const subscriptionId = ctx.params.subscriptionId as string;
        const pools = poolsByCluster(ctx.core, subscriptionId);
        const clusters = ctx.core.store.list({ subscriptionId, type: CLUSTER_TYPE });
        return pagedList(
          ctx,
          clusters.map((cluster) => clusterBody(ctx.core, cluster, pools.get(idKey(cluster.arm.id)) ?? [])),
        );
      },
    },
    {
      method: "GET",
      pattern: `${RG_PATH}/providers/Microsoft.ContainerService/managedClusters`,
      name: "managedClusters.listByResourceGroup",
      handler: (ctx) => {
        const subscriptionId = ctx.params.subscriptionId as string;
        const resourceGroup = ctx.params.resourceGroupName as string;
        ctx.core.store.requireGroup(subscriptionId, resourceGroup);
        const pools = poolsByCluster(ctx.core, subscriptionId);
        const clusters = ctx.core.store.list({ subscriptionId, resourceGroup, type: CLUSTER_TYPE });
        return pagedList(
          ctx,
          clusters.map((cluster) => clusterBody(ctx.core, cluster, pools.get(idKey(cluster.arm.id)) ?? [])),
        );
      },
    },
    {
      method: "GET",
      pattern: CLUSTER_PATH,
      name: "managedClusters.get",
      handler: (ctx) => ({ status: 200, body: clusterBody(ctx.core, requireCluster(ctx)) }),
    },
    { method: "PUT", pattern: CLUSTER_PATH, name: "managedClusters.createOrUpdate", handler: createOrUpdateCluster },
    { method: "POST", pattern: `${CLUSTER_PATH}/stop`, name: "managedClusters.stop", handler: (ctx) => powerAction(ctx, "stop") },
    { method: "POST", pattern: `${CLUSTER_PATH}/start`, name: "managedClusters.start", handler: (ctx) => powerAction(ctx, "start") },
    {
      method: "GET",
      pattern: `${CLUSTER_PATH}/agentPools`,
      name: "agentPools.list",
      handler: (ctx) => {
        const cluster = requireCluster(ctx);
        return pagedList(
          ctx,
          poolsOf(ctx.core, cluster).map((pool) => pool.arm),
        );
      },
    },
    {
      method: "GET",
      pattern: POOL_PATH,
      name: "agentPools.get",
      handler: (ctx) => {
        const cluster = requireCluster(ctx);
        const requested = (ctx.params.agentPoolName as string).toLowerCase();
        const pool = poolsOf(ctx.core, cluster).find((candidate) => candidate.arm.name.toLowerCase() === requested);
        if (!pool) {
          throw new ArmError(
            404,
            "NotFound",
            `Agent pool '${ctx.params.agentPoolName}' was not found in managed cluster '${cluster.arm.name}'.`,
          );
        }
        return { status: 200, body: pool.arm };
      },
    },
    { method: "PUT", pattern: POOL_PATH, name: "agentPools.createOrUpdate", handler: createOrUpdatePool },
  ];
}
