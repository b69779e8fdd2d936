/**
 * Microsoft.Web: App Service plans (`serverfarms`) and the apps on them (`sites`). A plan is billed
 * for its workers whether or not any app runs on it; `properties.numberOfSites` counts the apps
 * whose `serverFarmId` names it, and a plan that still has apps cannot be deleted (409). Web
 * answers writes and deletes at once (no long-running operation) and spells locations as display
 * names (`West Europe`).
 */
import type { EmulatorCore, MaterialiseInput, ResourceTypeHandler } from "../core.ts";
import { ArmError, badRequest } from "../errors.ts";
import { asNumber, asObject, asString, type Json, stableHex } from "../json.ts";
import { declareReferences, referencesTo } from "../references.ts";
import type { RouteDefinition } from "../router.ts";
import type { ArmResource, StoredResource } from "../store.ts";
import { baseResource, familyRoutes, type FamilySpec } from "./family.ts";

export const PLAN_TYPE = "Microsoft.Web/serverfarms";
export const SITE_TYPE = "Microsoft.Web/sites";

const DISPLAY_NAMES: Record<string, string> = {
  westeurope: "West Europe",
  northeurope: "North Europe",
  germanywestcentral: "Germany West Central",
  francecentral: "France Central",
  eastus: "East US",
  westus: "West US",
};

function displayLocation(location: string | undefined): string {
  return DISPLAY_NAMES[location ?? ""] ?? location ?? "West Europe";
}

/** Tier and family of a plan SKU name, as App Service reports them. */
function skuOf(given: Json | undefined, existing: Json | undefined): Json {
  const name = asString(given?.name) ?? asString(existing?.name) ?? "B1";
  const tiers: Array<[RegExp, string]> = [
    [/^F/, "Free"],
    [/^D/, "Shared"],
    [/^B/, "Basic"],
    [/^S/, "Standard"],
    [/^P\d+v3$/i, "PremiumV3"],
    [/^P\d+mv3$/i, "PremiumMV3"],
    [/^P\d+v2$/i, "PremiumV2"],
    [/^EP/, "ElasticPremium"],
    [/^Y/, "Dynamic"],
    [/^I/, "Isolated"],
    [/^P/, "Premium"],
  ];
  const tier = asString(given?.tier) ?? tiers.find(([pattern]) => pattern.test(name))?.[1] ?? "Standard";
  return {
    name,
    tier,
    size: name,
    family: name.replace(/\d+/, ""),
    capacity: asNumber(given?.capacity) ?? asNumber(existing?.capacity) ?? 1,
  };
}

function materialisePlan(input: MaterialiseInput): StoredResource {
  const { body, existing } = input;
  const arm = baseResource(input, PLAN_TYPE);
  const given: Json = { ...(existing?.arm.properties ?? {}), ...(asObject(body.properties) ?? {}) };
  const { numberOfSites: _sites, provisioningState: _state, ...rest } = given;
  const sku = skuOf(asObject(body.sku), asObject(existing?.arm.sku));
  const kind = asString(body.kind) ?? asString(existing?.arm.kind) ?? "app";
  const properties: Json = {
    status: "Ready",
    maximumNumberOfWorkers: sku.tier === "Basic" ? 3 : sku.tier === "Free" ? 1 : 30,
    numberOfWorkers: sku.capacity,
    isSpot: false,
    reserved: kind.includes("linux"),
    isXenon: false,
    hyperV: false,
    perSiteScaling: false,
    elasticScaleEnabled: false,
    zoneRedundant: false,
    targetWorkerCount: 0,
    targetWorkerSizeId: 0,
    ...rest,
    geoRegion: displayLocation(arm.location),
    provisioningState: "Succeeded",
  };
  return { arm: { ...arm, kind, sku, properties }, sim: { ...(existing?.sim ?? {}), ...(input.sim ?? {}) } };
}

function sitesOn(core: EmulatorCore, planId: string): string[] {
  return referencesTo(core, planId, "sites").map((claim) => claim.via);
}

function viewPlan(core: EmulatorCore, resource: StoredResource): ArmResource {
  const arm = structuredClone(resource.arm);
  arm.location = displayLocation(arm.location);
  (arm.properties ??= {}).numberOfSites = sitesOn(core, arm.id).length;
  return arm;
}

function materialiseSite(input: MaterialiseInput): StoredResource {
  const { id, name, body, existing, core } = input;
  const arm = baseResource(input, SITE_TYPE);
  const given: Json = { ...(existing?.arm.properties ?? {}), ...(asObject(body.properties) ?? {}) };
  const planId = asString(given.serverFarmId);
  const host = `${name}.azurewebsites.net`;
  const scm = `${name}.scm.azurewebsites.net`;
  const outbound = [4, 5].map(
    (octet) => `20.${Number.parseInt(stableHex(id, 2), 16) % 200}.${octet}.${Number.parseInt(stableHex(`${id}/${octet}`, 2), 16)}`,
  );
  const kind = asString(body.kind) ?? asString(existing?.arm.kind) ?? "app";
  const { provisioningState: _state, ...rest } = given;
  const properties: Json = {
    state: "Running",
    enabled: true,
    availabilityState: "Normal",
    usageState: "Normal",
    hostNames: [host],
    enabledHostNames: [host, scm],
    hostNameSslStates: [
      { name: host, hostType: "Standard", sslState: "Disabled" },
      { name: scm, hostType: "Repository", sslState: "Disabled" },
    ],
    defaultHostName: host,
    repositorySiteName: name,
    hostNamesDisabled: false,
    reserved: kind.includes("linux"),
    isXenon: false,
    hyperV: false,
    scmSiteAlsoStopped: false,
    clientAffinityEnabled: true,
    clientCertEnabled: false,
    clientCertMode: "Required",
    httpsOnly: false,
    containerSize: 0,
    dailyMemoryTimeQuota: 0,
    redundancyMode: "None",
    storageAccountRequired: false,
    keyVaultReferenceIdentity: "SystemAssigned",
    customDomainVerificationId: stableHex(`${id}/domain`, 64).toUpperCase(),
    outboundIpAddresses: outbound.join(","),
    possibleOutboundIpAddresses: outbound.join(","),
    ...rest,
    serverFarmId: planId,
    resourceGroup: arm.id.split("/")[4],
    lastModifiedTimeUtc: core.nowIso(),
  };
  properties.siteConfig = {
    numberOfWorkers: 1,
    alwaysOn: false,
    http20Enabled: false,
    minTlsVersion: "1.2",
    scmMinTlsVersion: "1.2",
    ftpsState: "FtpsOnly",
    ...asObject(given.siteConfig),
  };
  declareReferences(core, id, SITE_TYPE, planId === undefined ? [] : [{ targetId: planId, relation: "sites", via: id }]);
  return { arm: { ...arm, kind, properties }, sim: { ...(existing?.sim ?? {}), ...(input.sim ?? {}) } };
}

function viewSite(_core: EmulatorCore, resource: StoredResource): ArmResource {
  const arm = structuredClone(resource.arm);
  arm.location = displayLocation(arm.location);
  return arm;
}

const planFamily: FamilySpec = {
  type: PLAN_TYPE,
  routes: "appServicePlans",
  style: "synchronous",
  refuseDelete: (core, plan) => {
    const sites = sitesOn(core, plan.arm.id).map((siteId) => siteId.split("/").at(-1));
    if (sites.length === 0) return;
    throw new ArmError(
      409,
      "Conflict",
      `Server farm '${plan.arm.name}' cannot be deleted because it has web app(s) ${sites.join(",")} assigned to it.`,
    );
  },
};

const siteFamily: FamilySpec = {
  type: SITE_TYPE,
  routes: "webApps",
  style: "synchronous",
  validate: (core, body) => {
    const planId = asString(asObject(body.properties)?.serverFarmId);
    const plan = planId === undefined ? undefined : core.store.get(planId);
    if (!plan || plan.arm.type.toLowerCase() !== PLAN_TYPE.toLowerCase()) {
      throw badRequest(`The parameter properties.serverFarmId has an invalid value: no App Service plan '${planId ?? ""}'.`, "BadRequest");
    }
  },
  afterDelete: (core, site) => declareReferences(core, site.arm.id, SITE_TYPE, []),
};

export function webRoutes(): RouteDefinition[] {
  return [...familyRoutes(planFamily), ...familyRoutes(siteFamily)];
}

export function webTypes(): ResourceTypeHandler[] {
  return [
    { type: PLAN_TYPE, materialise: materialisePlan, view: viewPlan },
    { type: SITE_TYPE, materialise: materialiseSite, view: viewSite },
  ];
}
