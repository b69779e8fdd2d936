/**
 * Diagnostic settings (Microsoft.Insights/diagnosticSettings) of resources: where a resource's
 * logs and metrics go (a Log Analytics workspace, a storage account, an event hub, a partner
 * solution). They are extension resources at the resource's scope, kept apart from the store so
 * that inventory never lists them; as in Azure, they outlive a deleted resource.
 */
import { idKey } from "../shared/azure/resourceId.ts";
import type { ResourceStore } from "./store.ts";

export const DIAGNOSTIC_SETTING_TYPE = "Microsoft.Insights/diagnosticSettings";

/** `…/storageAccounts/{name}/blobServices/default`: the services Azure creates with every account. */
const STORAGE_SERVICE =
  /^(.+\/providers\/microsoft\.storage\/storageaccounts\/[^/]+)\/(blobservices|fileservices|queueservices|tableservices)\/default$/i;

/**
 * The id of a resource a diagnostic setting can be on, as the store spells it, or `undefined`: a
 * stored resource, or one of a stored storage account's default services, which Azure creates
 * with the account (the emulator keeps no record of them: nothing but their settings is read).
 */
export function diagnosticScopeOf(store: Pick<ResourceStore, "get">, resourceId: string): string | undefined {
  const stored = store.get(resourceId)?.arm.id;
  if (stored !== undefined) return stored;
  const service = STORAGE_SERVICE.exec(resourceId);
  const account = service?.[1] === undefined ? undefined : store.get(service[1])?.arm.id;
  return account === undefined ? undefined : `${account}${resourceId.slice((service?.[1] as string).length)}`;
}

export interface DiagnosticSetting {
  /** The resource id the setting is on, as written. */
  resourceId: string;
  name: string;
  properties: Record<string, unknown>;
}

export function diagnosticSettingBody(setting: DiagnosticSetting): Record<string, unknown> {
  return {
    id: `${setting.resourceId}/providers/microsoft.insights/diagnosticSettings/${setting.name}`,
    type: DIAGNOSTIC_SETTING_TYPE,
    name: setting.name,
    properties: structuredClone(setting.properties),
  };
}

export class DiagnosticSettingsState {
  readonly #byResource = new Map<string, Map<string, DiagnosticSetting>>();

  list(resourceId: string): DiagnosticSetting[] {
    return [...(this.#byResource.get(idKey(resourceId))?.values() ?? [])];
  }

  get(resourceId: string, name: string): DiagnosticSetting | undefined {
    return this.#byResource.get(idKey(resourceId))?.get(name.toLowerCase());
  }

  put(setting: DiagnosticSetting): { created: boolean } {
    const key = idKey(setting.resourceId);
    let settings = this.#byResource.get(key);
    if (!settings) this.#byResource.set(key, (settings = new Map<string, DiagnosticSetting>()));
    const created = !settings.has(setting.name.toLowerCase());
    settings.set(setting.name.toLowerCase(), setting);
    return { created };
  }

  delete(resourceId: string, name: string): boolean {
    return this.#byResource.get(idKey(resourceId))?.delete(name.toLowerCase()) ?? false;
  }
}
