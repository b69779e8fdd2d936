import { describe, expect, it } from "vitest";
import { diagnosticSettingFilter } from "../../../../shared/policy/filters/diagnosticSetting.ts";
import type { DiagnosticSettingsFact } from "../../../../shared/policy/types.ts";
import { check, condition, context, resource, SUBSCRIPTION } from "../support.ts";

const PROD = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-odoo-prod/providers`;
const WORKSPACE = `${PROD}/Microsoft.OperationalInsights/workspaces/law-odoo-prod`;
const ARCHIVE = `${PROD}/Microsoft.Storage/storageAccounts/stodooprodfiles`;
const NONE_TO_LAW = "{ diagnostic-setting: log-analytics, present: false }";

describe("diagnostic-setting filter", () => {
  const server = resource({ kind: "postgresql-server", name: "psql-odoo-staging" });
  const withSettings = (fact: DiagnosticSettingsFact) =>
    context({ resources: [server], facts: { diagnosticSettings: { [server.id.toLowerCase()]: fact } } });

  it("1. matches a resource with no diagnostic setting", () => {
    expect(check(diagnosticSettingFilter, NONE_TO_LAW, server, withSettings({ settings: [] }))).toEqual({
      outcome: "match",
      reason: "no diagnostic setting",
    });
  });

  it("2. matches a resource whose only setting sends to a storage account, naming it", () => {
    const fact = { settings: [{ name: "ds-storage-only", storageAccountId: ARCHIVE, enabled: true }] };
    expect(check(diagnosticSettingFilter, NONE_TO_LAW, server, withSettings(fact))).toEqual({
      outcome: "match",
      reason: "diagnostic settings: ds-storage-only sends to a storage account, none to Log Analytics",
    });
  });

  it("3. matches a setting that names a workspace but enables no log or metric: it sends nothing", () => {
    const fact = { settings: [{ name: "ds-muted", workspaceId: WORKSPACE, enabled: false }] };
    expect(check(diagnosticSettingFilter, NONE_TO_LAW, server, withSettings(fact))).toEqual({
      outcome: "match",
      reason:
        "diagnostic settings: ds-muted names Log Analytics workspace law-odoo-prod but enables no log or metric, none to Log Analytics",
    });
  });

  it("4. matches a storage account whose blob service, where its logs are, has no setting, and says where it looked", () => {
    const account = resource({ kind: "storage-account", name: "stodootestexports" });
    const ctx = context({ resources: [account], facts: { diagnosticSettings: { [account.id.toLowerCase()]: { settings: [] } } } });
    expect(check(diagnosticSettingFilter, NONE_TO_LAW, account, ctx)).toEqual({
      outcome: "match",
      reason: "blob service: no diagnostic setting",
    });
  });

  it("compliant: a setting sends to a Log Analytics workspace, beside one to storage", () => {
    const fact = {
      settings: [
        { name: "ds-archive", storageAccountId: ARCHIVE, enabled: true },
        { name: "ds-central", workspaceId: WORKSPACE, storageAccountId: ARCHIVE, enabled: true },
      ],
    };
    expect(check(diagnosticSettingFilter, NONE_TO_LAW, server, withSettings(fact))).toEqual({
      outcome: "no-match",
      reason: "ds-central sends to Log Analytics workspace law-odoo-prod and a storage account",
    });
    expect(check(diagnosticSettingFilter, "{ diagnostic-setting: storage, present: true }", server, withSettings(fact)).outcome).toBe(
      "match",
    );
  });

  it("is unknown when the settings were not gathered or could not be read", () => {
    expect(check(diagnosticSettingFilter, NONE_TO_LAW, server)).toEqual({
      outcome: "unknown",
      reason: "the diagnostic settings of this resource were not gathered",
    });
    expect(check(diagnosticSettingFilter, NONE_TO_LAW, server, withSettings({ error: "ResourceTypeNotSupported (HTTP 400)" }))).toEqual({
      outcome: "unknown",
      reason: "the diagnostic settings of this resource could not be read: ResourceTypeNotSupported (HTTP 400)",
    });
  });

  it("asks inventory for diagnostic settings, and knows the destinations", () => {
    expect(diagnosticSettingFilter.facts?.(condition(diagnosticSettingFilter, NONE_TO_LAW), "any")).toEqual([
      { type: "diagnostic-settings" },
    ]);
    expect(() => condition(diagnosticSettingFilter, "{ diagnostic-setting: splunk, present: false }")).toThrow("schema:");
  });
});
