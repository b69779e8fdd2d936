/**
 * Sign-in in front of the approval page, as the template configures it (App Service
 * authentication, `sites/config/authsettingsV2`), against what the code exposes over HTTP: the
 * routes people open in a browser must require sign-in, the routes and webhooks their callers
 * reach with a key must stay reachable without it. Pure functions returning the problems they
 * find, so a test can prove each check bites on a mutated copy of the template.
 */
import { readFileSync } from "node:fs";
import type { Registration } from "../../local/durable/index.ts";
import { Opaque } from "./arm/expressions.ts";
import { type ArmResource, evaluatedResource, resourcesOfType, type TemplateInScope } from "./arm/template.ts";
import { siteConfig, templateAppSettings } from "./governorTemplate.ts";

/** The app setting App Service authentication reads as "use this managed identity's token as the client assertion". */
export const FIC_ASSERTION_SETTING = "OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID";
/** Where the Functions host receives Event Grid deliveries for every eventGridTrigger (authenticated by the system key). */
export const EVENT_GRID_WEBHOOK = "/runtime/webhooks/eventgrid";
/** Trigger types no HTTP request reaches. */
const NOT_HTTP = new Set(["timerTrigger", "orchestrationTrigger", "activityTrigger", "entityTrigger"]);

/** The route prefix of HTTP functions: host.json's `extensions.http.routePrefix`, `api` when unset. */
export function hostRoutePrefix(hostJson: URL = new URL("../../host.json", import.meta.url)): string {
  const host = JSON.parse(readFileSync(hostJson, "utf8")) as { extensions?: { http?: { routePrefix?: string } } };
  return host.extensions?.http?.routePrefix ?? "api";
}

export interface HttpSurface {
  /** Paths whose callers hold a key (function key, system key): App Service authentication must let them through. */
  keyAuthenticated: string[];
  /** Route templates people open in a browser (anonymous to the host, signed in by the platform). */
  personRoutes: string[];
  /** Registrations the derivation cannot place. */
  problems: string[];
}

/**
 * What the registrations expose over HTTP. An `anonymous` HTTP route is a person's: the app
 * authorises it by who App Service says is signed in. A `function` or `admin` route is a caller's
 * with a key, as is the Event Grid webhook. A route parameter becomes `*` from there on, the
 * wildcard App Service accepts at the end of an excluded path.
 */
export function httpSurface(
  registrations: ReadonlyArray<Pick<Registration, "name" | "triggerType" | "options">>,
  routePrefix: string,
): HttpSurface {
  const keyAuthenticated = new Set<string>();
  const personRoutes = new Set<string>();
  const problems: string[] = [];
  const prefix = routePrefix.replace(/^\/+|\/+$/g, "");
  for (const registration of registrations) {
    if (NOT_HTTP.has(registration.triggerType)) continue;
    if (registration.triggerType === "eventGridTrigger") {
      keyAuthenticated.add(EVENT_GRID_WEBHOOK);
      continue;
    }
    if (registration.triggerType !== "httpTrigger") {
      problems.push(`${registration.name}: the check does not know whether a ${registration.triggerType} is reached over HTTP`);
      continue;
    }
    const trigger = registration.options.trigger as { route?: string; authLevel?: string };
    const route = `/${[prefix, trigger.route ?? registration.name].filter(Boolean).join("/")}`;
    const authLevel = trigger.authLevel ?? "function";
    if (authLevel === "anonymous") personRoutes.add(route);
    else {
      const parameter = route.indexOf("{");
      keyAuthenticated.add(parameter < 0 ? route : `${route.slice(0, route.lastIndexOf("/", parameter))}/*`);
    }
  }
  return { keyAuthenticated: [...keyAuthenticated].sort(), personRoutes: [...personRoutes].sort(), problems };
}

/** Whether App Service would let `route` through unauthenticated because of the excluded path `excluded`. */
function excludes(excluded: string, route: string): boolean {
  const path = excluded.toLowerCase();
  const target = route.toLowerCase();
  return path.endsWith("/*") ? target.startsWith(path.slice(0, -1)) : target === path;
}

const difference = (a: readonly string[], b: readonly string[]): string[] => a.filter((item) => !b.includes(item)).sort();

interface AuthSettings {
  platform?: { enabled?: unknown };
  globalValidation?: { requireAuthentication?: unknown; unauthenticatedClientAction?: unknown; excludedPaths?: string[] };
  httpSettings?: { requireHttps?: unknown };
  identityProviders?: Record<
    string,
    {
      enabled?: unknown;
      registration?: { clientId?: unknown; clientSecretSettingName?: string; openIdIssuer?: unknown };
      validation?: { allowedAudiences?: unknown[] };
    }
  >;
  login?: { tokenStore?: { enabled?: unknown } };
}

/**
 * App Service authentication is on for the Function App with Microsoft Entra ID alone: the app
 * registration the `authClientId` parameter names (required: no default, a GUID's length),
 * issued by the `authTenantId` tenant's v2.0 endpoint; unauthenticated browser requests are sent
 * to sign in; exactly the key-authenticated paths are excluded and no person's route with them;
 * the client credential is the app identity's federated assertion or a Key Vault reference,
 * never a secret in the settings; the token store is off; it is configured after the site and
 * before the package is installed.
 */
export function signInProblems(entries: readonly TemplateInScope[], surface: HttpSurface): string[] {
  const problems = [...surface.problems];
  const root = entries[0];
  const declared = root?.template.parameters?.authClientId as
    { defaultValue?: unknown; minLength?: number; maxLength?: number } | undefined;
  if (!declared) problems.push("the template has no authClientId parameter");
  else if ("defaultValue" in declared || declared.minLength !== 36 || declared.maxLength !== 36)
    problems.push(
      "authClientId must be required, 36 characters (no default, minLength 36, maxLength 36): an empty one would refuse every decision",
    );

  const config = siteConfig(entries, "authsettingsV2");
  if (!config)
    return [
      ...problems,
      "the template does not configure App Service authentication (sites/config authsettingsV2): every decision would be refused (401)",
    ];
  const site = evaluatedResource(entries, "Microsoft.Web/sites");
  if (config.name !== `${site.name}/authsettingsV2`)
    problems.push(`authsettingsV2 is ${config.name}, not the Function App's (${site.name})`);
  const dependsOn = (config.dependsOn ?? []).map(String).map((id) => id.toLowerCase());
  if (!dependsOn.some((id) => id.endsWith(`/providers/microsoft.web/sites/${site.name.toLowerCase()}`)))
    problems.push("authsettingsV2 does not depend on the Function App");
  const install = resourcesOfType(entries, "Microsoft.Web/sites/extensions").length
    ? evaluatedResource(entries, "Microsoft.Web/sites/extensions")
    : undefined;
  if (install && !(install.dependsOn ?? []).map(String).some((id) => id.toLowerCase().endsWith("/config/authsettingsv2")))
    problems.push("the package is installed without waiting for authsettingsV2: the app would run, for a while, without sign-in");

  const settings = config.properties as AuthSettings;
  if (settings.platform?.enabled !== true)
    problems.push(`App Service authentication is not enabled (platform.enabled is ${String(settings.platform?.enabled)})`);
  const validation = settings.globalValidation ?? {};
  if (validation.requireAuthentication !== true)
    problems.push(`requireAuthentication is ${String(validation.requireAuthentication)}: anyone reaches the approval page unsigned`);
  if (validation.unauthenticatedClientAction !== "RedirectToLoginPage")
    problems.push(`unauthenticated requests get ${String(validation.unauthenticatedClientAction)}, not the sign-in page`);
  if (settings.httpSettings?.requireHttps !== true) problems.push("requireHttps is not true");

  const excluded = (validation.excludedPaths ?? []).map(String);
  problems.push(
    ...difference(excluded, surface.keyAuthenticated).map(
      (path) => `excluded path ${path} is not a key-authenticated route or webhook of functions/`,
    ),
    ...difference(surface.keyAuthenticated, excluded).map(
      (path) => `${path} is key-authenticated in functions/ but not excluded: its callers would be sent to sign in`,
    ),
  );
  for (const path of excluded)
    for (const route of surface.personRoutes)
      if (excludes(path, route)) problems.push(`excluded path ${path} lets the person route ${route} through without sign-in`);

  const providers = settings.identityProviders ?? {};
  const others = Object.keys(providers).filter((name) => name !== "azureActiveDirectory" && providers[name]?.enabled !== false);
  if (others.length > 0) problems.push(`identity providers other than Microsoft Entra ID: ${others.join(", ")}`);
  const entra = providers.azureActiveDirectory;
  if (!entra || entra.enabled !== true) return [...problems, "the Microsoft Entra ID provider (azureActiveDirectory) is not enabled"];
  const clientId = root?.context.parameters.authClientId;
  const tenantId = root?.context.parameters.authTenantId;
  const registration = entra.registration ?? {};
  if (registration.clientId !== clientId)
    problems.push(`the provider's client id is ${String(registration.clientId)}, not the authClientId parameter (${String(clientId)})`);
  const issuer = `https://login.microsoftonline.com/${String(tenantId)}/v2.0`;
  if (registration.openIdIssuer !== issuer) problems.push(`the issuer is ${String(registration.openIdIssuer)}, not ${issuer}`);
  if (!(entra.validation?.allowedAudiences ?? []).includes(`api://${String(clientId)}`))
    problems.push(`api://${String(clientId)} is not an allowed audience`);
  problems.push(...credentialProblems(entries, registration.clientSecretSettingName, site));
  if (settings.login?.tokenStore?.enabled !== false)
    problems.push("the token store is not off: Governor reads only x-ms-client-principal, and stored tokens are one more thing to keep");
  return problems;
}

function credentialProblems(entries: readonly TemplateInScope[], settingName: string | undefined, site: ArmResource): string[] {
  if (settingName === undefined) return ["no clientSecretSettingName: sign-in would fall back to the implicit flow"];
  const settings = templateAppSettings(entries);
  if (!(settingName in settings)) return [`clientSecretSettingName names ${settingName}, an app setting the template does not deploy`];
  const value = settings[settingName];
  if (settingName === FIC_ASSERTION_SETTING) {
    const identities = Object.keys((site.identity as { userAssignedIdentities?: object } | undefined)?.userAssignedIdentities ?? {});
    const name = identities[0]?.split("/").at(-1);
    const ofTheApp = new RegExp(`^reference\\(.*/userAssignedIdentities/${name}\\)\\.clientId$`);
    return identities.length === 1 && value instanceof Opaque && ofTheApp.test(value.text)
      ? []
      : [`${FIC_ASSERTION_SETTING} is ${String(value)}, not the client id of the app's user-assigned identity`];
  }
  return typeof value === "string" && value.startsWith("@Microsoft.KeyVault(")
    ? []
    : [`the client secret setting ${settingName} holds the secret itself, not a Key Vault reference`];
}
