/**
 * Microsoft.Insights/diagnosticSettings on a resource: `{resourceUri}/providers/Microsoft.Insights/diagnosticSettings[/{name}]`
 * (list, get, create or update, delete; answered at once). A setting needs at least one
 * destination, names each log by `category` or `categoryGroup`, and a resource has at most five.
 */
import { ArmError, badRequest } from "../errors.ts";
import { asObject, asString, type Json } from "../json.ts";
import { type DiagnosticSetting, diagnosticScopeOf, diagnosticSettingBody } from "../diagnosticSettings.ts";
import type { RouteContext, RouteDefinition, RouteResult } from "../router.ts";
import { existingScope } from "./locks.ts";

const SETTINGS = "providers/Microsoft.Insights/diagnosticSettings";
const MAX_SETTINGS_PER_RESOURCE = 5;
const DESTINATIONS = ["workspaceId", "storageAccountId", "eventHubAuthorizationRuleId", "marketplacePartnerId"] as const;

/** The resource the request names; a subscription or a group is not a resource here. */
function resourceOf(ctx: RouteContext): string {
  const raw = ctx.params.resourceUri as string;
  // A storage account's blob (file, queue, table) service, where its logs' settings are.
  const service = diagnosticScopeOf(
    ctx.core.store,
    `/${raw
      .replace(/^\/+/, "")
      .replace(/\/{2,}/g, "/")
      .replace(/\/+$/, "")}`,
  );
  if (service !== undefined) return service;
  const scope = existingScope(ctx.core, raw);
  if (!/\/providers\//i.test(scope)) {
    throw badRequest(`'${scope}' is not a resource: diagnostic settings of a subscription are not emulated.`, "InvalidResourceUri");
  }
  return scope;
}

function categories(value: unknown, field: "logs" | "metrics"): Json[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw badRequest(`'properties.${field}' must be an array.`, "BadRequest");
  return value.map((entry, index) => {
    const item = asObject(entry);
    const named = asString(item?.category) ?? (field === "logs" ? asString(item?.categoryGroup) : undefined);
    if (!item || named === undefined) {
      throw badRequest(
        `'properties.${field}[${index}]' must name a ${field === "logs" ? "category or categoryGroup" : "category"}.`,
        "BadRequest",
      );
    }
    if (typeof item.enabled !== "boolean") throw badRequest(`'properties.${field}[${index}].enabled' must be true or false.`, "BadRequest");
    return { ...item, retentionPolicy: asObject(item.retentionPolicy) ?? { enabled: false, days: 0 } };
  });
}

function put(ctx: RouteContext): RouteResult {
  const resourceId = resourceOf(ctx);
  const name = ctx.params.name as string;
  const properties = asObject(asObject(ctx.body)?.properties);
  if (!properties) throw badRequest("The request must have 'properties'.", "BadRequest");
  if (!DESTINATIONS.some((field) => asString(properties[field]) !== undefined)) {
    throw badRequest(
      "At least one destination must be set: a Log Analytics workspace (workspaceId), a storage account, an event hub or a partner solution.",
      "BadRequest",
    );
  }
  const logs = categories(properties.logs, "logs");
  const metrics = categories(properties.metrics, "metrics");
  const existing = ctx.core.diagnosticSettings.get(resourceId, name);
  if (!existing && ctx.core.diagnosticSettings.list(resourceId).length >= MAX_SETTINGS_PER_RESOURCE) {
    throw badRequest(
      `A resource can have at most ${MAX_SETTINGS_PER_RESOURCE} diagnostic settings; '${resourceId}' has them already.`,
      "BadRequest",
    );
  }
  const setting: DiagnosticSetting = {
    resourceId,
    name: existing?.name ?? name,
    properties: {
      ...properties,
      ...(properties.logs === undefined ? {} : { logs }),
      ...(properties.metrics === undefined ? {} : { metrics }),
    },
  };
  ctx.core.diagnosticSettings.put(setting);
  ctx.core.store.emitChange({
    kind: "write",
    resourceId: diagnosticSettingBody(setting).id as string,
    resourceType: "Microsoft.Insights/diagnosticSettings",
    operationName: "Microsoft.Insights/diagnosticSettings/write",
    at: ctx.core.nowIso(),
  });
  return { status: 200, body: diagnosticSettingBody(setting) };
}

export function diagnosticSettingsRoutes(): RouteDefinition[] {
  return [
    {
      method: "GET",
      pattern: `/{*resourceUri}/${SETTINGS}`,
      name: "diagnosticSettings.list",
      // A resource's settings come in one answer: the API has no paging.
      handler: (ctx) => ({ status: 200, body: { value: ctx.core.diagnosticSettings.list(resourceOf(ctx)).map(diagnosticSettingBody) } }),
    },
    {
      method: "GET",
      pattern: `/{*resourceUri}/${SETTINGS}/{name}`,
      name: "diagnosticSettings.get",
      handler: (ctx) => {
        const setting = ctx.core.diagnosticSettings.get(resourceOf(ctx), ctx.params.name as string);
        if (!setting) throw new ArmError(404, "ResourceNotFound", `The diagnostic setting '${ctx.params.name as string}' doesn't exist.`);
        return { status: 200, body: diagnosticSettingBody(setting) };
      },
    },
    { method: "PUT", pattern: `/{*resourceUri}/${SETTINGS}/{name}`, name: "diagnosticSettings.createOrUpdate", handler: put },
    {
      method: "DELETE",
      pattern: `/{*resourceUri}/${SETTINGS}/{name}`,
      name: "diagnosticSettings.delete",
      handler: (ctx) => {
        const resourceId = resourceOf(ctx);
        const setting = ctx.core.diagnosticSettings.get(resourceId, ctx.params.name as string);
        if (!setting) return { status: 204 };
        ctx.core.diagnosticSettings.delete(resourceId, setting.name);
        ctx.core.store.emitChange({
          kind: "delete",
          resourceId: diagnosticSettingBody(setting).id as string,
          resourceType: "Microsoft.Insights/diagnosticSettings",
          operationName: "Microsoft.Insights/diagnosticSettings/delete",
          at: ctx.core.nowIso(),
        });
        return { status: 200 };
      },
    },
  ];
}
