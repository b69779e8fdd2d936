/**
 * Microsoft.RecoveryServices: vaults, backup policies, and Azure Backup of IaaS VMs (protectable
 * and protected items, enabling protection).
 *
 * A VM is protected by a protected item at
 * `.../vaults/{vault}/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;{rg};{vm}/protectedItems/VM;iaasvmcontainerv2;{rg};{vm}`
 * (ARM accepts the names in any case and answers with that spelling, resource group and VM in lower
 * case). Enabling protection is long-running and, as Azure Backup does, answers 202 with status and
 * result URLs under the item itself (`.../operationsStatus/{id}`, `.../operationResults/{id}`).
 * Protection is refused for a VM in another region than the vault or already protected by another
 * vault; enabling it again with the same policy answers 200 at once and changes nothing.
 *
 * Discovery: a VM the estate holds is known to every vault of its region; a VM created through the
 * API afterwards (`sim.backupDiscovered: false`) is protectable only after a vault's containers are
 * refreshed (`POST .../backupFabrics/Azure/refreshContainers`: 202 with a Location under the fabric,
 * `.../backupFabrics/Azure/operationResults/{id}`, answering 202 until done, then 204), and a PUT
 * before then is refused.
 *
 * Soft delete: a DELETE of a protected item (stop protection and delete data) keeps it 14 days on
 * the virtual clock as `ProtectionStopped`, `isScheduledForDeferredDelete: true`,
 * `deferredDeleteTimeInUTC` (when it was deleted) and an empty `policyId`, then it is purged. A PUT
 * protecting it is refused until it is undeleted: a PUT with `isRehydrate: true` (as Microsoft's
 * REST tutorial "Undo the stop protection and delete data" documents) leaves it `ProtectionStopped`
 * with its data kept; a PUT with a policy then resumes protection.
 *
 * Every vault has a `DefaultPolicy` (daily at 22:30 UTC, 30 days) besides the policies written to
 * it. Backups follow the virtual clock: a protected VM is backed up daily at its policy's
 * scheduled time (read as UTC); until the first one it is `IRPending`. A protected item from an
 * estate has been protected for 30 days unless its `sim.createdAt` says otherwise.
 */
import { createHash } from "node:crypto";
import type { EmulatorCore, MaterialiseInput, ResourceTypeHandler } from "../core.ts";
import { ArmError, badRequest } from "../errors.ts";
import { pagedList } from "../paging.ts";
import { idKey, parseArmId, resourceGroupId } from "../../shared/azure/resourceId.ts";
import type { RouteContext, RouteDefinition, RouteResult } from "../router.ts";
import type { ArmResource, StoredResource } from "../store.ts";
import { asObject, asString, type Json } from "../json.ts";

export const VAULT_TYPE = "Microsoft.RecoveryServices/vaults";
export const POLICY_TYPE = "Microsoft.RecoveryServices/vaults/backupPolicies";
export const PROTECTED_ITEM_TYPE = "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems";
const PROTECTABLE_ITEM_TYPE = "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectableItems";
const VM_TYPE = "Microsoft.Compute/virtualMachines";
const PROVIDER = "Microsoft.RecoveryServices";
const VM_ITEM_TYPES = ["microsoft.compute/virtualmachines", "microsoft.classiccompute/virtualmachines"];

const DAY_MS = 86_400_000;
/** Fixed by Azure Backup: "it's fixed to 14 days of additional retention after the delete operation" (soft delete FAQ). */
export const SOFT_DELETE_RETENTION_DAYS = 14;
/**
 * The code of Azure's refusal to protect a soft-deleted item. Not confirmed against a recorded
 * Azure response (no example in the REST specs): the message says what Azure's does, undelete first.
 */
export const SOFT_DELETED_ERROR_CODE = "UserErrorBackupItemSoftDeleted";
/** The code of the refusal to protect a VM the vault has not discovered. Not confirmed against a recorded Azure response either. */
export const NOT_DISCOVERED_ERROR_CODE = "BMSUserErrorItemNotFound";
const ESTATE_PROTECTION_AGE_DAYS = 30;
const DEFAULT_POLICY_NAME = "DefaultPolicy";
const DEFAULT_RUN_TIME = "2020-01-01T22:30:00Z";

function normaliseLocation(location: string | undefined): string {
  return (location ?? "").replace(/\s+/g, "").toLowerCase();
}

function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && idKey(a) === idKey(b);
}

function propertiesOf(resource: { arm: ArmResource }): Json {
  resource.arm.properties ??= {};
  return resource.arm.properties;
}

function isType(resource: StoredResource | undefined, type: string): resource is StoredResource {
  return resource !== undefined && resource.arm.type.toLowerCase() === type.toLowerCase();
}

function vaultEtag(at: string): string {
  return `W/"datetime'${encodeURIComponent(at)}'"`;
}

// ---------------------------------------------------------------------------------------------
// Container and item names

interface VmRef {
  resourceGroup: string;
  vm: string;
}

/** `iaasvmcontainer;iaasvmcontainerv2;{rg};{vm}` (the first part optional) and `vm;iaasvmcontainerv2;{rg};{vm}`. */
function parseNames(containerName: string, itemName: string): VmRef {
  const container = containerName.split(";");
  const item = itemName.split(";");
  const containerOk =
    (container.length === 4 && container[0]?.toLowerCase() === "iaasvmcontainer" && container[1]?.toLowerCase() === "iaasvmcontainerv2") ||
    (container.length === 3 && container[0]?.toLowerCase() === "iaasvmcontainerv2");
  const itemOk = item.length === 4 && item[0]?.toLowerCase() === "vm" && item[1]?.toLowerCase() === "iaasvmcontainerv2";
  if (!containerOk || !itemOk) {
    throw badRequest(
      `Container '${containerName}' and item '${itemName}' do not name an Azure VM: expected 'iaasvmcontainer;iaasvmcontainerv2;{resourceGroup};{vm}' and 'vm;iaasvmcontainerv2;{resourceGroup};{vm}'.`,
      "BadRequest",
    );
  }
  const resourceGroup = container.at(-2) as string;
  const vm = container.at(-1) as string;
  if (resourceGroup.toLowerCase() !== item[2]?.toLowerCase() || vm.toLowerCase() !== item[3]?.toLowerCase()) {
    throw badRequest(`Item '${itemName}' does not belong to container '${containerName}'.`, "BadRequest");
  }
  return { resourceGroup, vm };
}

function containerName(ref: VmRef): string {
  return `IaasVMContainer;iaasvmcontainerv2;${ref.resourceGroup.toLowerCase()};${ref.vm.toLowerCase()}`;
}

function itemName(ref: VmRef): string {
  return `VM;iaasvmcontainerv2;${ref.resourceGroup.toLowerCase()};${ref.vm.toLowerCase()}`;
}

function protectedItemId(vaultId: string, ref: VmRef): string {
  return `${vaultId}/backupFabrics/Azure/protectionContainers/${containerName(ref)}/protectedItems/${itemName(ref)}`;
}

function vmRefOf(vmId: string): VmRef {
  const parsed = parseArmId(vmId);
  return { resourceGroup: parsed.resourceGroup ?? "", vm: parsed.name ?? "" };
}

/** The vault id in a child's id: everything up to `vaults/{name}`. */
function vaultIdOf(childId: string): string {
  const match = /^(.*?\/providers\/Microsoft\.RecoveryServices\/vaults\/[^/]+)/i.exec(childId);
  return match ? (match[1] as string) : childId;
}

// ---------------------------------------------------------------------------------------------
// Policies and their schedules

function defaultPolicyProperties(): Json {
  return {
    backupManagementType: "AzureIaasVM",
    schedulePolicy: {
      schedulePolicyType: "SimpleSchedulePolicy",
      scheduleRunFrequency: "Daily",
      scheduleRunTimes: [DEFAULT_RUN_TIME],
      scheduleWeeklyFrequency: 0,
    },
    retentionPolicy: {
      retentionPolicyType: "LongTermRetentionPolicy",
      dailySchedule: { retentionTimes: [DEFAULT_RUN_TIME], retentionDuration: { count: 30, durationType: "Days" } },
    },
    instantRpRetentionRangeInDays: 2,
    timeZone: "UTC",
    protectedItemsCount: 0,
  };
}

function policyProperties(sent: Json, previous: Json | undefined): Json {
  const merged: Json = { ...(previous ?? {}), ...sent };
  const defaults = defaultPolicyProperties();
  const schedule = asObject(merged.schedulePolicy) ?? (defaults.schedulePolicy as Json);
  return {
    ...merged,
    backupManagementType: asString(merged.backupManagementType) ?? "AzureIaasVM",
    schedulePolicy:
      asString(schedule.schedulePolicyType) === "SimpleSchedulePolicy" && schedule.scheduleWeeklyFrequency === undefined
        ? { ...schedule, scheduleWeeklyFrequency: 0 }
        : schedule,
    retentionPolicy: asObject(merged.retentionPolicy) ?? defaults.retentionPolicy,
    timeZone: asString(merged.timeZone) ?? "UTC",
    protectedItemsCount: 0,
  };
}

function defaultPolicy(vault: StoredResource): StoredResource {
  return {
    arm: {
      id: `${vault.arm.id}/backupPolicies/${DEFAULT_POLICY_NAME}`,
      name: DEFAULT_POLICY_NAME,
      type: POLICY_TYPE,
      properties: defaultPolicyProperties(),
    },
    sim: {},
  };
}

/** A vault's policies: those written to it and its DefaultPolicy. */
function policiesOf(core: EmulatorCore, vault: StoredResource): StoredResource[] {
  const stored = core.store.children(vault.arm.id, POLICY_TYPE);
  if (stored.some((policy) => policy.arm.name.toLowerCase() === DEFAULT_POLICY_NAME.toLowerCase())) return stored;
  return [defaultPolicy(vault), ...stored];
}

function findPolicy(core: EmulatorCore, vault: StoredResource, policyId: string): StoredResource | undefined {
  if (!idKey(policyId).startsWith(`${idKey(vault.arm.id)}/backuppolicies/`)) return undefined;
  return policiesOf(core, vault).find((policy) => sameId(policy.arm.id, policyId));
}

/** The policy's daily run time (UTC milliseconds into the day) and its daily retention in days. */
function scheduleOf(policy: StoredResource | undefined): { runAtMs: number } {
  const properties = policy ? propertiesOf(policy) : defaultPolicyProperties();
  const schedule = asObject(properties.schedulePolicy) ?? {};
  const times =
    (Array.isArray(schedule.scheduleRunTimes) ? schedule.scheduleRunTimes : undefined) ??
    (Array.isArray(asObject(schedule.dailySchedule)?.scheduleRunTimes)
      ? (asObject(schedule.dailySchedule)?.scheduleRunTimes as unknown[])
      : []);
  const first = Date.parse(asString(times[0]) ?? DEFAULT_RUN_TIME);
  const runAtMs = Number.isNaN(first) ? Date.parse(DEFAULT_RUN_TIME) % DAY_MS : first % DAY_MS;
  return { runAtMs };
}

// ---------------------------------------------------------------------------------------------
// Materialising vaults, policies and protected items

function materialiseVault(input: MaterialiseInput): StoredResource {
  const { id, name, body, existing, core } = input;
  const previous = existing ? propertiesOf(existing) : {};
  const arm: ArmResource = {
    id: existing?.arm.id ?? id,
    name: existing?.arm.name ?? name,
    type: VAULT_TYPE,
    location: normaliseLocation(asString(body.location) ?? existing?.arm.location ?? "westeurope"),
    tags: asObject(body.tags) ? (body.tags as Record<string, string>) : (existing?.arm.tags ?? {}),
    etag: vaultEtag(core.nowIso()),
    sku: asObject(body.sku) ?? asObject(existing?.arm.sku) ?? { name: "RS0", tier: "Standard" },
    properties: {
      publicNetworkAccess: "Enabled",
      ...previous,
      ...(asObject(body.properties) ?? {}),
      provisioningState: "Succeeded",
    },
  };
  const identity = asObject(body.identity) ?? asObject(existing?.arm.identity);
  if (identity) arm.identity = identity;
  return { arm, sim: { ...(existing?.sim ?? {}), ...(input.sim ?? {}) } };
}

function materialisePolicy(input: MaterialiseInput): StoredResource {
  const { id, name, body, existing } = input;
  return {
    arm: {
      id: existing?.arm.id ?? id,
      name: existing?.arm.name ?? name,
      type: POLICY_TYPE,
      properties: policyProperties(asObject(body.properties) ?? {}, existing ? propertiesOf(existing) : undefined),
    },
    sim: { ...(existing?.sim ?? {}), ...(input.sim ?? {}) },
  };
}

function materialiseProtectedItem(input: MaterialiseInput): StoredResource {
  const { id, body, existing, core } = input;
  const previous = existing ? propertiesOf(existing) : {};
  const sent = asObject(body.properties) ?? {};
  const segments = id.split("/");
  const vaultId = vaultIdOf(id);
  const ref = parseNames(segments.at(-3) as string, segments.at(-1) as string);
  const subscriptionId = parseArmId(id).subscriptionId;
  const sourceResourceId =
    asString(sent.sourceResourceId) ??
    asString(previous.sourceResourceId) ??
    `${resourceGroupId(subscriptionId, ref.resourceGroup)}/providers/${VM_TYPE}/${ref.vm}`;
  const policyId = asString(sent.policyId) ?? asString(previous.policyId);
  const createdAt =
    asString(input.sim?.createdAt) ??
    asString(existing?.sim.createdAt) ??
    new Date(core.clock.nowMs() - ESTATE_PROTECTION_AGE_DAYS * DAY_MS).toISOString();
  const dataId = BigInt(`0x${createHash("sha256").update(idKey(id)).digest("hex").slice(0, 13)}`).toString();
  const properties: Json = {
    ...previous,
    ...sent,
    friendlyName: sourceResourceId.split("/").at(-1) ?? ref.vm,
    virtualMachineId: sourceResourceId,
    protectionStatus: "Healthy",
    protectionState: "IRPending",
    healthStatus: "Passed",
    protectedItemDataId: dataId,
    protectedItemType: asString(sent.protectedItemType) ?? asString(previous.protectedItemType) ?? "Microsoft.Compute/virtualMachines",
    backupManagementType: "AzureIaasVM",
    workloadType: "VM",
    containerName: containerName(ref).slice("IaasVMContainer;".length),
    sourceResourceId,
    ...(policyId === undefined ? {} : { policyId, policyName: policyId.split("/").at(-1) }),
  };
  return {
    arm: { id: protectedItemId(vaultId, ref), name: itemName(ref), type: PROTECTED_ITEM_TYPE, properties },
    sim: { ...(existing?.sim ?? {}), ...(input.sim ?? {}), createdAt },
  };
}

export function backupTypes(): ResourceTypeHandler[] {
  return [
    { type: VAULT_TYPE, materialise: materialiseVault },
    { type: POLICY_TYPE, materialise: materialisePolicy },
    { type: PROTECTED_ITEM_TYPE, materialise: materialiseProtectedItem },
  ];
}

// ---------------------------------------------------------------------------------------------
// Bodies as ARM returns them

function policyBody(core: EmulatorCore, policy: StoredResource, items: StoredResource[]): ArmResource {
  const count = items.filter((item) => sameId(asString(propertiesOf(item).policyId), policy.arm.id)).length;
  return { ...policy.arm, properties: { ...propertiesOf(policy), protectedItemsCount: count } };
}

/** When a soft-deleted item is purged (ms), or undefined for an item that is not soft-deleted. */
function purgeAtMs(item: StoredResource): number | undefined {
  const deletedAt = Date.parse(asString(item.sim.softDeletedAt) ?? "");
  return Number.isNaN(deletedAt) ? undefined : deletedAt + SOFT_DELETE_RETENTION_DAYS * DAY_MS;
}

const isSoftDeleted = (item: StoredResource): boolean => purgeAtMs(item) !== undefined;

/** Removes the soft-deleted items of the subscription whose 14 days are over, as Azure purges them. */
function purgeExpired(core: EmulatorCore, subscriptionId: string): void {
  const now = core.clock.nowMs();
  for (const item of core.store.list({ subscriptionId, type: PROTECTED_ITEM_TYPE })) {
    const purgeAt = purgeAtMs(item);
    if (purgeAt !== undefined && purgeAt <= now) core.store.delete(item.arm.id);
  }
}

/** The protected item with its backups so far: daily at the policy's time since protection began. */
function protectedItemBody(core: EmulatorCore, item: StoredResource): ArmResource {
  const properties = propertiesOf(item);
  if (isSoftDeleted(item) || item.sim.stopped === true) {
    // No backups are taken: the item keeps its last recovery point, and no policy.
    const body: Json = { ...properties, protectionState: "ProtectionStopped", policyId: "" };
    delete body.policyName;
    if (isSoftDeleted(item)) Object.assign(body, { isScheduledForDeferredDelete: true, deferredDeleteTimeInUTC: item.sim.softDeletedAt });
    return { ...item.arm, properties: body };
  }
  const vault = core.store.get(vaultIdOf(item.arm.id));
  const policyId = asString(properties.policyId);
  const policy = vault && policyId ? findPolicy(core, vault, policyId) : undefined;
  const { runAtMs } = scheduleOf(policy);
  const since = Date.parse(asString(item.sim.createdAt) ?? "");
  const now = core.clock.nowMs();
  const todayRun = Math.floor(now / DAY_MS) * DAY_MS + runAtMs;
  const lastRun = todayRun <= now ? todayRun : todayRun - DAY_MS;
  const body: Json = { ...properties };
  delete body.lastBackupStatus;
  delete body.lastBackupTime;
  delete body.lastRecoveryPoint;
  if (!Number.isNaN(since) && lastRun > since) {
    const at = new Date(lastRun).toISOString();
    Object.assign(body, { protectionState: "Protected", lastBackupStatus: "Completed", lastBackupTime: at, lastRecoveryPoint: at });
  } else {
    body.protectionState = "IRPending";
  }
  return { ...item.arm, properties: body };
}

function protectableItemBody(vault: StoredResource, vm: StoredResource): Json {
  const ref = vmRefOf(vm.arm.id);
  return {
    id: `${vault.arm.id}/backupFabrics/Azure/protectionContainers/${containerName(ref)}/protectableItems/${itemName(ref)}`,
    name: itemName(ref),
    type: PROTECTABLE_ITEM_TYPE,
    properties: {
      friendlyName: vm.arm.name,
      virtualMachineId: vm.arm.id,
      protectionState: "NotProtected",
      protectableItemType: "Microsoft.Compute/virtualMachines",
      backupManagementType: "AzureIaasVM",
      workloadType: "VM",
    },
  };
}

/** Whether the vault knows the VM: one of the estate's, or refreshed since it was created. */
function discoveredBy(vault: StoredResource, vm: StoredResource): boolean {
  if (vm.sim.backupDiscovered !== false) return true;
  const discovered = Array.isArray(vault.sim.discoveredVms) ? (vault.sim.discoveredVms as string[]) : [];
  return discovered.includes(idKey(vm.arm.id));
}

/** Every protected item of the subscription, by the id of the VM it protects. */
function protectionsBySource(core: EmulatorCore, subscriptionId: string): Map<string, StoredResource> {
  const bySource = new Map<string, StoredResource>();
  for (const item of core.store.list({ subscriptionId, type: PROTECTED_ITEM_TYPE })) {
    const source = asString(propertiesOf(item).sourceResourceId);
    if (source) bySource.set(idKey(source), item);
  }
  return bySource;
}

// ---------------------------------------------------------------------------------------------
// $filter

const FILTER_FIELDS: Record<string, string> = {
  backupmanagementtype: "backupManagementType",
  itemtype: "workloadType",
  workloadtype: "workloadType",
  policyname: "policyName",
  friendlyname: "friendlyName",
  protectionstatus: "protectionStatus",
};

/** `field eq 'value' and ...` over the items' properties (values compared case-insensitively). */
function applyFilter(items: Json[], filter: string | null): Json[] {
  if (filter === null || filter.trim() === "") return items;
  let result = items;
  for (const clause of filter.split(/\s+and\s+/i)) {
    const match = /^\s*(\w+)\s+eq\s+'([^']*)'\s*$/i.exec(clause);
    const field = match ? FILTER_FIELDS[(match[1] as string).toLowerCase()] : undefined;
    if (!match || field === undefined) throw badRequest(`Unsupported $filter clause: ${clause}`, "BMSUserErrorInvalidFilter");
    const value = (match[2] as string).toLowerCase();
    result = result.filter((item) => (asString(asObject(item.properties)?.[field]) ?? "").toLowerCase() === value);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Routes

const RG_PATH = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}";
const VAULT_PATH = `${RG_PATH}/providers/Microsoft.RecoveryServices/vaults/{vaultName}`;
const ITEM_PATH = `${VAULT_PATH}/backupFabrics/{fabricName}/protectionContainers/{containerName}/protectedItems/{protectedItemName}`;

function requireVault(ctx: RouteContext): StoredResource {
  const id = `${resourceGroupId(ctx.params.subscriptionId as string, ctx.params.resourceGroupName as string)}/providers/${VAULT_TYPE}/${ctx.params.vaultName}`;
  return ctx.core.store.require(id, VAULT_TYPE);
}

function requireObjectBody(body: unknown): Json {
  const object = asObject(body);
  if (!object) throw badRequest("The request content was invalid and could not be deserialized: the body must be a JSON object.");
  if (object.properties !== undefined && !asObject(object.properties)) throw badRequest("The 'properties' property must be an object.");
  return object;
}

function itemRef(ctx: RouteContext): VmRef {
  if ((ctx.params.fabricName as string).toLowerCase() !== "azure") {
    throw badRequest(`Fabric '${ctx.params.fabricName}' is not supported: Azure VMs are in the 'Azure' fabric.`, "BadRequest");
  }
  return parseNames(ctx.params.containerName as string, ctx.params.protectedItemName as string);
}

function requireProtectedItem(ctx: RouteContext): StoredResource {
  const vault = requireVault(ctx);
  const id = protectedItemId(vault.arm.id, itemRef(ctx));
  const item = ctx.core.store.get(id);
  if (!isType(item, PROTECTED_ITEM_TYPE)) {
    throw new ArmError(
      404,
      "ResourceNotFound",
      `The protected item '${ctx.params.protectedItemName}' was not found in vault '${vault.arm.name}'.`,
    );
  }
  return item;
}

/** The operation id in the `Azure-AsyncOperation` URL the LRO manager made. */
function operationIdOf(headers: Record<string, string>): string {
  const url = headers["Azure-AsyncOperation"] ?? headers.Location ?? "";
  return new URL(url).pathname.split("/").at(-1) ?? "";
}

/**
 * Starts a long-running operation of the vault and answers with the URLs Azure Backup points at
 * it (`urls` builds them from the operation's id and the request's api-version), not at the
 * provider's locations.
 */
function backupOperation(
  ctx: RouteContext,
  vault: StoredResource,
  complete: () => unknown,
  urls: (operationUrl: (path: string) => string) => Record<string, string>,
): RouteResult {
  const started = ctx.core.lro.start(
    { subscriptionId: ctx.params.subscriptionId as string, provider: PROVIDER, location: vault.arm.location ?? "westeurope", complete },
    ctx.baseUrl,
  );
  const operationId = operationIdOf(started.headers);
  const apiVersion = encodeURIComponent(ctx.query.get("api-version") ?? "2025-02-01");
  const headers = urls((path) => `${ctx.baseUrl}${path}/${operationId}?api-version=${apiVersion}`);
  if (started.headers["Retry-After"] !== undefined) headers["Retry-After"] = started.headers["Retry-After"];
  return { status: started.status, headers };
}

/** A long-running change of a protected item, whose operation URLs are under the item itself. */
function itemOperation(ctx: RouteContext, vault: StoredResource, id: string, complete: () => unknown): RouteResult {
  return backupOperation(ctx, vault, complete, (url) => ({
    "Azure-AsyncOperation": url(`${id}/operationsStatus`),
    Location: url(`${id}/operationResults`),
  }));
}

function emitItemWrite(core: EmulatorCore, item: StoredResource, operation = "write"): void {
  core.store.emitChange({
    kind: operation === "delete" ? "delete" : "write",
    resourceId: item.arm.id,
    resourceType: PROTECTED_ITEM_TYPE,
    operationName: `${PROTECTED_ITEM_TYPE}/${operation}`,
    at: core.nowIso(),
  });
}

/** Undo of a soft delete (`isRehydrate: true`): the item keeps its data, protection stays stopped. Harmless when repeated. */
function undelete(ctx: RouteContext, vault: StoredResource, item: StoredResource | undefined, id: string): RouteResult {
  if (!isType(item, PROTECTED_ITEM_TYPE)) {
    throw new ArmError(
      404,
      "ResourceNotFound",
      `The protected item '${ctx.params.protectedItemName}' was not found in vault '${vault.arm.name}'.`,
    );
  }
  if (!isSoftDeleted(item)) return { status: 200, body: protectedItemBody(ctx.core, item) };
  return itemOperation(ctx, vault, id, () => {
    const current = ctx.core.store.get(id);
    if (!isType(current, PROTECTED_ITEM_TYPE)) return undefined;
    if (isSoftDeleted(current)) {
      delete current.sim.softDeletedAt;
      current.sim.stopped = true;
      emitItemWrite(ctx.core, current);
    }
    return protectedItemBody(ctx.core, current);
  });
}

function enableProtection(ctx: RouteContext): RouteResult {
  const { core } = ctx;
  const subscriptionId = ctx.params.subscriptionId as string;
  purgeExpired(core, subscriptionId);
  const vault = requireVault(ctx);
  const ref = itemRef(ctx);
  const body = requireObjectBody(ctx.body);
  const sent = asObject(body.properties) ?? {};
  const id = protectedItemId(vault.arm.id, ref);
  const current = core.store.get(id);
  if (sent.isRehydrate === true) return undelete(ctx, vault, current, id);
  if (isType(current, PROTECTED_ITEM_TYPE) && isSoftDeleted(current)) {
    throw badRequest(
      `The backup item '${ctx.params.protectedItemName}' is soft-deleted (deleted on ${current.sim.softDeletedAt as string}, purged ${SOFT_DELETE_RETENTION_DAYS} days later): ` +
        "undelete it before protecting it again.",
      SOFT_DELETED_ERROR_CODE,
    );
  }
  const itemType = asString(sent.protectedItemType);
  if (itemType !== undefined && !VM_ITEM_TYPES.includes(itemType.toLowerCase())) {
    throw badRequest(`protectedItemType '${itemType}' is not supported by the emulator: only Azure VMs are.`, "BadRequest");
  }
  const sourceResourceId =
    asString(sent.sourceResourceId) ?? `${resourceGroupId(subscriptionId, ref.resourceGroup)}/providers/${VM_TYPE}/${ref.vm}`;
  const sourceRef = vmRefOf(sourceResourceId);
  if (sourceRef.resourceGroup.toLowerCase() !== ref.resourceGroup.toLowerCase() || sourceRef.vm.toLowerCase() !== ref.vm.toLowerCase()) {
    throw badRequest(
      `sourceResourceId '${sourceResourceId}' is not the VM the container '${ctx.params.containerName}' names.`,
      "BadRequest",
    );
  }
  const vm = core.store.get(sourceResourceId);
  if (!isType(vm, VM_TYPE)) throw new ArmError(404, "ResourceNotFound", `The virtual machine '${sourceResourceId}' was not found.`);
  if (normaliseLocation(vm.arm.location) !== normaliseLocation(vault.arm.location)) {
    throw badRequest(
      `Virtual machine '${vm.arm.name}' is in region '${vm.arm.location}' but vault '${vault.arm.name}' is in region '${vault.arm.location}': ` +
        "a VM can only be protected by a Recovery Services vault in its own region.",
      "BadRequest",
    );
  }
  const policyId = asString(sent.policyId);
  if (policyId === undefined) throw badRequest("'properties.policyId' is required to enable protection.", "BadRequest");
  const policy = findPolicy(core, vault, policyId);
  if (!policy) throw badRequest(`Backup policy '${policyId}' was not found in vault '${vault.arm.name}'.`, "BadRequest");

  const already = protectionsBySource(core, subscriptionId).get(idKey(vm.arm.id));
  if (already && !sameId(already.arm.id, id)) {
    throw badRequest(
      `Virtual machine '${vm.arm.name}' is already protected by vault '${vaultIdOf(already.arm.id).split("/").at(-1)}': stop its protection there first.`,
      "BadRequest",
    );
  }
  if (!already && !discoveredBy(vault, vm)) {
    throw badRequest(
      `Virtual machine '${vm.arm.name}' is not among the protectable items of vault '${vault.arm.name}': refresh the vault's containers first.`,
      NOT_DISCOVERED_ERROR_CODE,
    );
  }
  if (already && already.sim.stopped !== true && sameId(asString(propertiesOf(already).policyId), policy.arm.id)) {
    return { status: 200, body: protectedItemBody(core, already) };
  }

  const writeBody: Json = {
    properties: {
      protectedItemType: itemType ?? "Microsoft.Compute/virtualMachines",
      sourceResourceId: vm.arm.id,
      policyId: policy.arm.id,
    },
  };
  return itemOperation(ctx, vault, id, () => {
    const existing = core.store.get(id);
    const item = core.materialise(PROTECTED_ITEM_TYPE, {
      id,
      name: itemName(ref),
      body: writeBody,
      ...(isType(existing, PROTECTED_ITEM_TYPE) ? { existing } : { sim: { createdAt: core.nowIso() } }),
    });
    const changed =
      !isType(existing, PROTECTED_ITEM_TYPE) ||
      existing.sim.stopped === true ||
      !sameId(asString(propertiesOf(existing).policyId), policy.arm.id);
    // Resuming a stopped item protects it again; its recovery points were kept.
    delete item.sim.stopped;
    core.store.put(item);
    if (changed) emitItemWrite(core, item);
    return protectedItemBody(core, item);
  });
}

/** Stop protection and delete data: with soft delete (always on in the emulator) the item stays 14 days. */
function stopProtectionAndDelete(ctx: RouteContext): RouteResult {
  const { core } = ctx;
  purgeExpired(core, ctx.params.subscriptionId as string);
  const vault = requireVault(ctx);
  const id = protectedItemId(vault.arm.id, itemRef(ctx));
  const item = core.store.get(id);
  if (!isType(item, PROTECTED_ITEM_TYPE) || isSoftDeleted(item)) return { status: 204 };
  return itemOperation(ctx, vault, id, () => {
    const current = core.store.get(id);
    if (!isType(current, PROTECTED_ITEM_TYPE) || isSoftDeleted(current)) return undefined;
    current.sim.softDeletedAt = core.nowIso();
    delete current.sim.stopped;
    const properties = propertiesOf(current);
    delete properties.policyId;
    delete properties.policyName;
    emitItemWrite(core, current, "delete");
    return undefined;
  });
}

/** Discovery of the VMs of the vault's region: each becomes protectable by this vault once the operation completes. */
function refreshContainers(ctx: RouteContext): RouteResult {
  const { core } = ctx;
  const vault = requireVault(ctx);
  const fabric = ctx.params.fabricName as string;
  if (fabric.toLowerCase() !== "azure") {
    throw badRequest(`Fabric '${fabric}' is not supported: Azure VMs are in the 'Azure' fabric.`, "BadRequest");
  }
  const answer = backupOperation(
    ctx,
    vault,
    () => {
      const current = core.store.get(vault.arm.id);
      if (!current) return undefined;
      const region = normaliseLocation(current.arm.location);
      const known = new Set(Array.isArray(current.sim.discoveredVms) ? (current.sim.discoveredVms as string[]) : []);
      for (const vm of core.store.list({ subscriptionId: ctx.params.subscriptionId as string, type: VM_TYPE })) {
        if (normaliseLocation(vm.arm.location) === region) known.add(idKey(vm.arm.id));
      }
      current.sim.discoveredVms = [...known];
      return undefined;
    },
    // As Azure Backup answers it: a Location under the fabric, no body.
    (url) => ({ Location: url(`${vault.arm.id}/backupFabrics/${fabric}/operationResults`) }),
  );
  return { ...answer, status: 202 };
}

export function backupRoutes(): RouteDefinition[] {
  return [
    {
      method: "GET",
      pattern: "/subscriptions/{subscriptionId}/providers/Microsoft.RecoveryServices/vaults",
      name: "vaults.listBySubscriptionId",
      handler: (ctx) =>
        pagedList(
          ctx,
          ctx.core.store.list({ subscriptionId: ctx.params.subscriptionId as string, type: VAULT_TYPE }).map((vault) => vault.arm),
        ),
    },
    {
      method: "GET",
      pattern: `${RG_PATH}/providers/Microsoft.RecoveryServices/vaults`,
      name: "vaults.listByResourceGroup",
      handler: (ctx) => {
        const subscriptionId = ctx.params.subscriptionId as string;
        const resourceGroup = ctx.params.resourceGroupName as string;
        ctx.core.store.requireGroup(subscriptionId, resourceGroup);
        return pagedList(
          ctx,
          ctx.core.store.list({ subscriptionId, resourceGroup, type: VAULT_TYPE }).map((vault) => vault.arm),
        );
      },
    },
    { method: "GET", pattern: VAULT_PATH, name: "vaults.get", handler: (ctx) => ({ status: 200, body: requireVault(ctx).arm }) },
    {
      method: "GET",
      pattern: `${VAULT_PATH}/backupPolicies`,
      name: "backupPolicies.list",
      handler: (ctx) => {
        const vault = requireVault(ctx);
        const items = ctx.core.store.children(vault.arm.id, PROTECTED_ITEM_TYPE);
        const policies = policiesOf(ctx.core, vault).map((policy) => policyBody(ctx.core, policy, items) as Json);
        return pagedList(ctx, applyFilter(policies, ctx.query.get("$filter")));
      },
    },
    {
      method: "GET",
      pattern: `${VAULT_PATH}/backupPolicies/{policyName}`,
      name: "protectionPolicies.get",
      handler: (ctx) => {
        const vault = requireVault(ctx);
        const wanted = (ctx.params.policyName as string).toLowerCase();
        const policy = policiesOf(ctx.core, vault).find((candidate) => candidate.arm.name.toLowerCase() === wanted);
        if (!policy)
          throw new ArmError(
            404,
            "ResourceNotFound",
            `Backup policy '${ctx.params.policyName}' was not found in vault '${vault.arm.name}'.`,
          );
        return { status: 200, body: policyBody(ctx.core, policy, ctx.core.store.children(vault.arm.id, PROTECTED_ITEM_TYPE)) };
      },
    },
    {
      method: "GET",
      pattern: `${VAULT_PATH}/backupProtectableItems`,
      name: "backupProtectableItems.list",
      handler: (ctx) => {
        const { core } = ctx;
        const vault = requireVault(ctx);
        const subscriptionId = ctx.params.subscriptionId as string;
        purgeExpired(core, subscriptionId);
        const protectedVms = protectionsBySource(core, subscriptionId);
        const candidates = core.store
          .list({ subscriptionId, type: VM_TYPE })
          .filter(
            (vm) =>
              normaliseLocation(vm.arm.location) === normaliseLocation(vault.arm.location) &&
              !protectedVms.has(idKey(vm.arm.id)) &&
              discoveredBy(vault, vm),
          )
          .map((vm) => protectableItemBody(vault, vm));
        return pagedList(ctx, applyFilter(candidates, ctx.query.get("$filter")));
      },
    },
    {
      method: "GET",
      pattern: `${VAULT_PATH}/backupProtectedItems`,
      name: "backupProtectedItems.list",
      handler: (ctx) => {
        purgeExpired(ctx.core, ctx.params.subscriptionId as string);
        const vault = requireVault(ctx);
        const items = ctx.core.store.children(vault.arm.id, PROTECTED_ITEM_TYPE).map((item) => protectedItemBody(ctx.core, item) as Json);
        return pagedList(ctx, applyFilter(items, ctx.query.get("$filter")));
      },
    },
    { method: "PUT", pattern: ITEM_PATH, name: "protectedItems.createOrUpdate", handler: enableProtection },
    { method: "DELETE", pattern: ITEM_PATH, name: "protectedItems.delete", handler: stopProtectionAndDelete },
    {
      method: "GET",
      pattern: ITEM_PATH,
      name: "protectedItems.get",
      handler: (ctx) => {
        purgeExpired(ctx.core, ctx.params.subscriptionId as string);
        return { status: 200, body: protectedItemBody(ctx.core, requireProtectedItem(ctx)) };
      },
    },
    {
      method: "POST",
      pattern: `${VAULT_PATH}/backupFabrics/{fabricName}/refreshContainers`,
      name: "protectionContainers.refresh",
      handler: refreshContainers,
    },
    {
      method: "GET",
      pattern: `${VAULT_PATH}/backupFabrics/{fabricName}/operationResults/{operationId}`,
      name: "protectionContainerRefreshOperationResults.get",
      handler: (ctx) => {
        requireVault(ctx);
        return ctx.core.lro.result(ctx.params.operationId as string);
      },
    },
    {
      method: "GET",
      pattern: `${ITEM_PATH}/operationsStatus/{operationId}`,
      name: "protectedItemOperationStatuses.get",
      handler: (ctx) => {
        requireVault(ctx);
        return ctx.core.lro.status(ctx.params.operationId as string);
      },
    },
    {
      method: "GET",
      pattern: `${ITEM_PATH}/operationResults/{operationId}`,
      name: "protectedItemOperationResults.get",
      handler: (ctx) => {
        requireVault(ctx);
        return ctx.core.lro.result(ctx.params.operationId as string);
      },
    },
  ];
}
