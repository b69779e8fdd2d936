import { describe, expect, it } from "vitest";
import { valueFilter } from "../../../../shared/policy/filters/value.ts";
import { check, condition, resource } from "../support.ts";

describe("value filter", () => {
  const server = (backup: Record<string, unknown>) =>
    resource({ kind: "postgresql-server", name: "psql-odoo-staging", properties: { backup } });

  it("1. matches a PostgreSQL server keeping backups fewer days than required", () => {
    expect(check(valueFilter, "{ value: properties.backup.backupRetentionDays, below: 14 }", server({ backupRetentionDays: 7 }))).toEqual({
      outcome: "match",
      reason: "properties.backup.backupRetentionDays = 7 < 14",
    });
  });

  it("2. matches an exact value", () => {
    expect(
      check(valueFilter, "{ value: properties.backup.geoRedundantBackup, equals: Disabled }", server({ geoRedundantBackup: "Disabled" })),
    ).toEqual({
      outcome: "match",
      reason: "properties.backup.geoRedundantBackup = Disabled",
    });
  });

  it("3. reads top-level fields, tags case-insensitively, list items by index and numbers written as strings", () => {
    expect(check(valueFilter, "{ value: sku, in: [Standard_D2ds_v5] }", resource({ kind: "postgresql-server" })).outcome).toBe("match");
    expect(check(valueFilter, "{ value: tags.Owner, notEquals: nobody }", resource({ tags: { owner: "qa" } })).outcome).toBe("match");
    const cluster = resource({ kind: "aks-cluster", properties: { agentPoolProfiles: [{ count: "5" }] } });
    expect(check(valueFilter, "{ value: properties.agentPoolProfiles.0.count, above: 3 }", cluster).outcome).toBe("match");
  });

  it("4. matches a property that is not set with present: false", () => {
    expect(check(valueFilter, "{ value: properties.network.delegatedSubnetResourceId, present: false }", server({}))).toEqual({
      outcome: "match",
      reason: "properties.network.delegatedSubnetResourceId is not set",
    });
  });

  it("5. matches a TLS version below 1.2 however the service spells it (TLS1_0, TLSv1, 1.1)", () => {
    const account = (minimumTlsVersion: string) => resource({ kind: "storage-account", properties: { minimumTlsVersion } });
    const below = "{ value: properties.minimumTlsVersion, versionBelow: 1.2 }";
    expect(check(valueFilter, below, account("TLS1_0"))).toEqual({
      outcome: "match",
      reason: "properties.minimumTlsVersion = TLS1_0 (version 1.0 < 1.2)",
    });
    expect(check(valueFilter, below, account("TLSv1")).reason).toBe("properties.minimumTlsVersion = TLSv1 (version 1.0 < 1.2)");
    expect(check(valueFilter, below, account("1.1")).outcome).toBe("match");
    expect(check(valueFilter, '{ value: properties.minimumTlsVersion, versionBelow: "1.3" }', account("TLSv1.2")).outcome).toBe("match");
  });

  it("compliant: TLS1_2 and TLS1_3 are not below 1.2; a value naming no version is undecided", () => {
    const account = (minimumTlsVersion: string) => resource({ kind: "storage-account", properties: { minimumTlsVersion } });
    const below = "{ value: properties.minimumTlsVersion, versionBelow: 1.2 }";
    expect(check(valueFilter, below, account("TLS1_2"))).toEqual({
      outcome: "no-match",
      reason: "properties.minimumTlsVersion = TLS1_2 (version 1.2 ≥ 1.2)",
    });
    expect(check(valueFilter, below, account("TLS1_3")).outcome).toBe("no-match");
    expect(check(valueFilter, below, account("strict"))).toEqual({
      outcome: "unknown",
      reason: "properties.minimumTlsVersion = strict names no version",
    });
    expect(() => condition(valueFilter, "{ value: properties.minimumTlsVersion, versionBelow: TLS1_2 }")).toThrow("schema:");
  });

  it("compliant: 35 days of retention is not below 14", () => {
    expect(check(valueFilter, "{ value: properties.backup.backupRetentionDays, below: 14 }", server({ backupRetentionDays: 35 }))).toEqual({
      outcome: "no-match",
      reason: "properties.backup.backupRetentionDays = 35 ≥ 14",
    });
  });

  it("does not match a comparison on a property that is not set, and cannot compare an object", () => {
    expect(check(valueFilter, "{ value: properties.backup.backupRetentionDays, below: 14 }", server({})).outcome).toBe("no-match");
    expect(check(valueFilter, "{ value: properties.backup, equals: x }", server({ backupRetentionDays: 7 }))).toEqual({
      outcome: "unknown",
      reason: "properties.backup is an object, not a single value",
    });
    expect(
      check(valueFilter, "{ value: properties.backup.backupRetentionDays, below: 14 }", server({ backupRetentionDays: "a week" })).outcome,
    ).toBe("unknown");
  });

  it("rejects a condition without an operator, with two, and a malformed path", () => {
    expect(() => condition(valueFilter, "{ value: properties.x }")).toThrow(
      'the value "properties.x" condition needs one of equals, notEquals, in, notIn, below, above, versionBelow, present',
    );
    expect(() => condition(valueFilter, "{ value: properties.x, below: 1, above: 0 }")).toThrow("this one has below and above");
    expect(() => condition(valueFilter, "{ value: properties..x, present: true }")).toThrow("schema:");
  });
});
