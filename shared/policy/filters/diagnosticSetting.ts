/**
 * `diagnostic-setting`: whether a diagnostic setting of the resource sends its logs or metrics
 * to a destination of a kind: a Log Analytics workspace (central monitoring), a storage account,
 * an event hub or a partner solution.
 *
 * ```yaml
 * - diagnostic-setting: log-analytics
 *   present: false        # nothing of it reaches a Log Analytics workspace
 * ```
 *
 * A setting counts when it names such a destination and enables at least one log category (or
 * group) or metric: one that enables nothing sends nothing. A storage account's are its blob
 * service's (where its logs are), and the reason says so. Diagnostic settings are read per
 * resource (Azure has no list of a subscription's), so they are gathered only for the resources a
 * policy asks about (shared/policy/factScope.ts). Without them, or when they could not be read,
 * the outcome is `unknown`.
 */
import { resourceNameOf } from "../../azure/resourceId.ts";
import { resourceTypeOfArmType } from "../../resourceTypes/index.ts";
import type { FilterDefinition } from "../registry.ts";
import type { DiagnosticSettingFact } from "../types.ts";

export const DESTINATIONS = {
  "log-analytics": { field: "workspaceId", says: "Log Analytics" },
  storage: { field: "storageAccountId", says: "a storage account" },
  "event-hub": { field: "eventHubAuthorizationRuleId", says: "an event hub" },
  partner: { field: "marketplacePartnerId", says: "a partner solution" },
} as const satisfies Record<string, { field: keyof DiagnosticSettingFact; says: string }>;

export type Destination = keyof typeof DESTINATIONS;

export interface DiagnosticSettingArgs {
  destination: Destination;
  present: boolean;
}

/** Where one setting sends, as a reason says it: `sends to a storage account`, `sends to Log Analytics workspace law-odoo-prod and …`. */
function whereItSends(setting: DiagnosticSettingFact): string {
  const targets = (Object.keys(DESTINATIONS) as Destination[]).flatMap((kind) => {
    const id = setting[DESTINATIONS[kind].field];
    // The workspace by name: which one is central monitoring is for the reader to judge.
    return id ? [kind === "log-analytics" ? `Log Analytics workspace ${resourceNameOf(id)}` : DESTINATIONS[kind].says] : [];
  });
  if (targets.length === 0) return `${setting.name} names no destination`;
  return setting.enabled
    ? `${setting.name} sends to ${targets.join(" and ")}`
    : `${setting.name} names ${targets.join(" and ")} but enables no log or metric`;
}

export const diagnosticSettingFilter: FilterDefinition<DiagnosticSettingArgs> = {
  key: "diagnostic-setting",
  summary:
    "Whether a diagnostic setting of the resource sends logs or metrics to a Log Analytics workspace (log-analytics), a storage account, an event hub or a partner solution.",
  example: "{ diagnostic-setting: log-analytics, present: false }",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["diagnostic-setting", "present"],
    properties: {
      "diagnostic-setting": { enum: Object.keys(DESTINATIONS), description: "The kind of destination." },
      present: { type: "boolean", description: "true: some setting sends there; false: none does." },
    },
  },
  parse(condition) {
    return { destination: condition["diagnostic-setting"] as Destination, present: condition.present === true };
  },
  facts() {
    return [{ type: "diagnostic-settings" }];
  },
  evaluate(resource, args, ctx) {
    const fact = ctx.facts.diagnosticSettings?.[resource.id.toLowerCase()];
    if (fact === undefined) return { outcome: "unknown", reason: "the diagnostic settings of this resource were not gathered" };
    if ("error" in fact) return { outcome: "unknown", reason: `the diagnostic settings of this resource could not be read: ${fact.error}` };
    const { field, says } = DESTINATIONS[args.destination];
    const sending = fact.settings.filter((setting) => setting.enabled && setting[field]);
    let reason: string;
    if (sending.length > 0) reason = sending.map(whereItSends).join("; ");
    else if (fact.settings.length === 0) reason = "no diagnostic setting";
    else reason = `diagnostic settings: ${fact.settings.map(whereItSends).join("; ")}, none to ${says}`;
    const place = resourceTypeOfArmType(resource.type)?.diagnosticSettings?.says;
    return { outcome: sending.length > 0 === args.present ? "match" : "no-match", reason: place ? `${place}: ${reason}` : reason };
  },
};
