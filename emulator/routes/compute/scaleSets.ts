/**
 * Microsoft.Compute/virtualMachineScaleSets: list, get, the instance view (power state as
 * `virtualMachine.statusesSummary[]` counts of `PowerState/<state>` codes over the instances), and
 * the deallocate and start actions as long-running operations whose transitional state shows until
 * they complete. A deallocated scale set keeps its capacity and stops compute billing. Scale sets
 * AKS made for a node pool live in the cluster's node resource group (`MC_…`) and carry AKS's
 * `aks-managed-*` tags; the emulator does not stop them with their cluster.
 */
import type { MaterialiseInput, ResourceTypeHandler } from "../../core.ts";
import { ArmError } from "../../errors.ts";
import { pagedList } from "../../paging.ts";
import { setPowerState } from "../../powerHistory.ts";
import type { RouteContext, RouteDefinition } from "../../router.ts";
import type { StoredResource } from "../../store.ts";
import {
  asNumber,
  asObject,
  asString,
  emitChange,
  findResource,
  type Json,
  listOfType,
  normaliseLocation,
  RG_PATH,
  refFromPath,
  requireResource,
  copyOf,
  stableGuid,
  startOperation,
  SUB_PATH,
} from "./common.ts";

export const SCALE_SET_TYPE = "Microsoft.Compute/virtualMachineScaleSets";
const SCALE_SET_PATH = `${RG_PATH}/providers/Microsoft.Compute/virtualMachineScaleSets/{vmScaleSetName}`;
const TRANSITIONAL = new Set(["deallocating", "starting"]);

function materialise(input: MaterialiseInput): StoredResource {
  const { id, name, body, existing, core } = input;
  const previous = existing?.arm.properties ?? {};
  const given: Json = { ...previous, ...(asObject(body.properties) ?? {}) };
  const { provisioningState: _state, uniqueId: _uniqueId, timeCreated, ...rest } = given;
  const sku = asObject(body.sku) ?? asObject(existing?.arm.sku) ?? {};
  const properties: Json = {
    singlePlacementGroup: false,
    orchestrationMode: "Uniform",
    upgradePolicy: { mode: "Manual" },
    overprovision: false,
    doNotRunExtensionsOnOverprovisionedVMs: false,
    platformFaultDomainCount: 1,
    ...rest,
    provisioningState: "Succeeded",
    uniqueId: stableGuid(id),
    timeCreated: asString(previous.timeCreated) ?? asString(timeCreated) ?? core.nowIso(),
  };
  const { properties: _p, location, tags, id: _id, name: _name, type: _type, ...topLevel } = body;
  return {
    arm: {
      ...(existing?.arm ?? {}),
      ...topLevel,
      id,
      name,
      type: SCALE_SET_TYPE,
      location: normaliseLocation(asString(location) ?? existing?.arm.location ?? "westeurope"),
      tags: (asObject(tags) as Record<string, string> | undefined) ?? existing?.arm.tags ?? {},
      sku: { name: asString(sku.name) ?? "Standard_D2s_v5", tier: asString(sku.tier) ?? "Standard", capacity: asNumber(sku.capacity) ?? 2 },
      properties,
    },
    sim: { powerState: "running", ...(existing?.sim ?? {}), ...(input.sim ?? {}) },
  };
}

function powerOf(scaleSet: StoredResource): string {
  return asString(scaleSet.sim.powerState) ?? "running";
}

export function scaleSetInstanceView(scaleSet: StoredResource): Json {
  const capacity = asNumber(asObject(scaleSet.arm.sku)?.capacity) ?? 0;
  const provisioning = (asString(scaleSet.arm.properties?.provisioningState) ?? "Succeeded").toLowerCase();
  const created = asString(scaleSet.arm.properties?.timeCreated) ?? "";
  const profile = asObject(scaleSet.arm.properties?.virtualMachineProfile);
  const extensions = asObject(profile?.extensionProfile)?.extensions;
  const summary =
    capacity > 0
      ? [
          { code: `ProvisioningState/${provisioning}`, count: capacity },
          { code: `PowerState/${powerOf(scaleSet)}`, count: capacity },
        ]
      : [];
  return {
    virtualMachine: { statusesSummary: summary },
    extensions: (Array.isArray(extensions) ? extensions : []).map((extension) => ({
      name: asString(asObject(extension)?.name) ?? "extension",
      statusesSummary: capacity > 0 && powerOf(scaleSet) === "running" ? [{ code: "ProvisioningState/succeeded", count: capacity }] : [],
    })),
    statuses: [
      {
        code: `ProvisioningState/${provisioning}`,
        level: "Info",
        displayStatus: provisioning === "succeeded" ? "Provisioning succeeded" : provisioning,
        message: `${capacity} instance(s) on the latest model.`,
        time: created,
      },
    ],
    orchestrationServices: [
      { serviceName: "AutomaticRepairs", serviceState: "NotRunning", latestOperationStatus: "NotStarted", lastStatusChangeTime: created },
    ],
  };
}

function powerAction(name: "deallocate" | "start", transitional: string, final: string): RouteDefinition {
  return {
    method: "POST",
    pattern: `${SCALE_SET_PATH}/${name}`,
    name: `virtualMachineScaleSets.${name}`,
    handler: (ctx: RouteContext) => {
      const { core } = ctx;
      const ref = refFromPath(ctx, SCALE_SET_TYPE, "vmScaleSetName");
      const scaleSet = requireResource(core, ref);
      const current = powerOf(scaleSet);
      const settle = (emit: boolean): undefined => {
        const now = findResource(core, ref);
        if (!now) return undefined;
        if (now.sim.powerState === transitional) setPowerState(core, now, final);
        if (emit) emitChange(core, "action", now.arm, `${name}/action`);
        return undefined;
      };
      if (current === final) return startOperation(ctx, scaleSet.arm.location, () => undefined, { finalStatus: 200 });
      if (current === transitional) return startOperation(ctx, scaleSet.arm.location, () => settle(false), { finalStatus: 200 });
      if (TRANSITIONAL.has(current)) {
        throw new ArmError(
          409,
          "AnotherOperationInProgress",
          `Operation '${name}' is not allowed on scale set '${scaleSet.arm.name}' since another operation is in progress (it is ${current}). Retry after it completes.`,
        );
      }
      setPowerState(core, scaleSet, transitional);
      return startOperation(ctx, scaleSet.arm.location, () => settle(true), { finalStatus: 200 });
    },
  };
}

export function scaleSetRoutes(): RouteDefinition[] {
  return [
    {
      method: "GET",
      pattern: `${SUB_PATH}/providers/Microsoft.Compute/virtualMachineScaleSets`,
      name: "virtualMachineScaleSets.listAll",
      handler: (ctx) =>
        pagedList(
          ctx,
          listOfType(ctx, SCALE_SET_TYPE, "subscription").map((scaleSet) => copyOf(scaleSet.arm)),
        ),
    },
    {
      method: "GET",
      pattern: `${RG_PATH}/providers/Microsoft.Compute/virtualMachineScaleSets`,
      name: "virtualMachineScaleSets.list",
      handler: (ctx) =>
        pagedList(
          ctx,
          listOfType(ctx, SCALE_SET_TYPE, "resourceGroup").map((scaleSet) => copyOf(scaleSet.arm)),
        ),
    },
    {
      method: "GET",
      pattern: SCALE_SET_PATH,
      name: "virtualMachineScaleSets.get",
      handler: (ctx) => ({ status: 200, body: copyOf(requireResource(ctx.core, refFromPath(ctx, SCALE_SET_TYPE, "vmScaleSetName")).arm) }),
    },
    {
      method: "GET",
      pattern: `${SCALE_SET_PATH}/instanceView`,
      name: "virtualMachineScaleSets.getInstanceView",
      handler: (ctx) => ({
        status: 200,
        body: scaleSetInstanceView(requireResource(ctx.core, refFromPath(ctx, SCALE_SET_TYPE, "vmScaleSetName"))),
      }),
    },
    powerAction("deallocate", "deallocating", "deallocated"),
    powerAction("start", "starting", "running"),
  ];
}

export const scaleSetType: ResourceTypeHandler = { type: SCALE_SET_TYPE, materialise };
