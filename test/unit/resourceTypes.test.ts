/**
 * The resource type descriptors and what is built from them: the kinds, the event path's
 * operations, the metric namespaces, the prices, and the inventory's projection, which covers
 * every path the loaded policies read and nothing the inventory cannot carry.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { resourcesQuery } from "../../shared/inventory/resourceGraph.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { pathsRead } from "../../shared/policy/evaluate.ts";
import { loadPolicyFile, parsePolicyText } from "../../shared/policy/loader.ts";
import { ARM_TYPE_OF_KIND, kindOfArmType, RESOURCE_KINDS } from "../../shared/policy/types.ts";
import { HANDLED_OPERATIONS, NOT_CHECKED_PROVIDERS } from "../../shared/triggers/resourceEvents.ts";
import { RESOURCE_TYPES, resourceTypeOfArmType, resourceTypeOfKind } from "../../shared/resourceTypes/index.ts";
import { DESCRIBED_PROJECTION, projectionOf, propertyPathOf, unprojectablePath } from "../../shared/resourceTypes/projection.ts";

/** The columns the inventory's query projected before the descriptors, when its paths were one fixed list. */
const FIXED_COLUMNS = [
  ["p_hardwareProfile_vmSize", "hardwareProfile.vmSize"],
  ["p_storageProfile_osDisk_osType", "storageProfile.osDisk.osType"],
  ["p_extended_instanceView_powerState_code", "extended.instanceView.powerState.code"],
  ["p_timeCreated", "timeCreated"],
  ["p_powerState_code", "powerState.code"],
  ["p_agentPoolProfiles", "agentPoolProfiles"],
  ["p_diskSizeGB", "diskSizeGB"],
  ["p_diskState", "diskState"],
  ["p_managedByExtended", "managedByExtended"],
  ["p_incremental", "incremental"],
  ["p_creationData_sourceResourceId", "creationData.sourceResourceId"],
  ["p_backup", "backup"],
  ["p_state", "state"],
  ["p_network_publicNetworkAccess", "network.publicNetworkAccess"],
  ["p_creationTime", "creationTime"],
  ["p_accessTier", "accessTier"],
  ["p_sku", "sku"],
];

const pairs = (projection: { columns: ReadonlyArray<{ column: string; path: string }> }): string[][] =>
  projection.columns.map(({ column, path }) => [column, path]);

describe("the descriptors", () => {
  it("name each kind and each ARM type once, and are the kinds policies may be written for, in the schema's order", () => {
    const kinds = RESOURCE_TYPES.map((type) => type.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(new Set(RESOURCE_TYPES.map((type) => type.armType.toLowerCase())).size).toBe(kinds.length);
    expect(RESOURCE_KINDS).toEqual([
      "virtual-machine",
      "aks-cluster",
      "snapshot",
      "disk",
      "postgresql-server",
      "storage-account",
      "redis-cache",
      "vm-scale-set",
      "public-ip",
      "network-interface",
      "load-balancer",
      "network-security-group",
      "app-service-plan",
      "resource-group",
      "key-vault",
      "any",
    ]);
    for (const type of RESOURCE_TYPES) {
      expect(ARM_TYPE_OF_KIND[type.kind]).toBe(type.armType.toLowerCase());
      expect(kindOfArmType(type.armType.toUpperCase())).toBe(type.kind);
      expect(resourceTypeOfKind(type.kind)).toBe(type);
      expect(resourceTypeOfArmType(type.armType.toLowerCase())).toBe(type);
    }
    expect(resourceTypeOfKind("any")).toBeUndefined();
    expect(kindOfArmType("Microsoft.Network/natGateways")).toBeUndefined();
  });

  it("list their own write among the event operations, and only operations of their own type", () => {
    for (const type of RESOURCE_TYPES) {
      const operations = type.events.map((event) => event.operation);
      // Resource groups are Microsoft.Resources', which the event path does not check: none.
      if (NOT_CHECKED_PROVIDERS.includes(type.armType.split("/")[0]?.toLowerCase() ?? "")) {
        expect(operations, type.kind).toEqual([]);
        continue;
      }
      expect(operations, type.kind).toContain(`${type.armType}/write`);
      for (const operation of operations)
        expect(operation.toLowerCase().startsWith(`${type.armType.toLowerCase()}/`), operation).toBe(true);
      for (const event of type.events)
        expect(HANDLED_OPERATIONS).toContainEqual({ operation: event.operation, kind: type.kind, why: event.why });
    }
  });

  it("project the paths their power state and creation time are read from", () => {
    for (const type of RESOURCE_TYPES) {
      if (type.powerState) expect(type.properties, type.kind).toContain(type.powerState.path);
      if (type.createdAt !== undefined) expect(type.properties, type.kind).toContain(type.createdAt);
      for (const path of type.properties) expect(unprojectablePath(`properties.${path}`), `${type.kind}: ${path}`).toBeUndefined();
    }
  });

  it("say how a type is priced wherever an action estimates what acting on it saves", () => {
    for (const action of builtinRegistry().actions) {
      if (!action.savings) continue;
      for (const kind of action.appliesTo) {
        if (kind === "any") continue;
        expect(resourceTypeOfKind(kind)?.price, `${action.name} on ${kind}`).toBeDefined();
      }
    }
  });

  it("give every type Azure Monitor has metrics for its metrics namespace, and every type an api-version to read it again by", () => {
    // NSGs and resource groups have no platform metrics.
    const withoutMetrics = RESOURCE_TYPES.filter((type) => type.metrics === undefined).map((type) => type.kind);
    expect(withoutMetrics).toEqual(["network-security-group", "resource-group"]);
    for (const type of RESOURCE_TYPES) {
      if (type.metrics) expect(type.metrics.namespace.toLowerCase().startsWith(type.armType.toLowerCase()), type.kind).toBe(true);
      expect(type.reread.apiVersion, type.kind).toMatch(/^\d{4}-\d{2}-\d{2}(-preview)?$/);
    }
  });
});

describe("the inventory's projection", () => {
  it("is, for the built-in pack, the descriptors' own and the baselines' properties, and holds every column of the fixed list it replaces", async () => {
    const registry = builtinRegistry();
    const set = await loadPolicyFile(fileURLToPath(new URL("../../policies/odoo-distribution.yaml", import.meta.url)), registry);
    const projection = projectionOf(pathsRead(set, registry));
    const described = DESCRIBED_PROJECTION.columns.length;
    expect(pairs(projection).slice(0, described)).toEqual(pairs(DESCRIBED_PROJECTION));
    // The security baselines read settings no descriptor needs: their value conditions project them.
    // last-snapshot-of-disk reads a snapshot's provisioningState: one being deleted is not the newest.
    expect(pairs(projection).slice(described)).toEqual([
      ["p_provisioningState", "provisioningState"],
      ["p_allowBlobPublicAccess", "allowBlobPublicAccess"],
      ["p_minimumTlsVersion", "minimumTlsVersion"],
      ["p_supportsHttpsTrafficOnly", "supportsHttpsTrafficOnly"],
      ["p_enableNonSslPort", "enableNonSslPort"],
    ]);
    expect(pairs(projection)).toEqual(expect.arrayContaining(FIXED_COLUMNS));
    // One column per distinct path of the descriptors, none a path under another.
    const paths = new Set(RESOURCE_TYPES.flatMap((type) => type.properties));
    expect(
      pairs(projection)
        .slice(0, described)
        .map(([, path]) => path),
    ).toEqual([...paths]);
  });

  it("adds a column for a policy's path outside the descriptors' paths, up to its first list index", () => {
    const projection = projectionOf([
      "properties.minimumTlsVersion",
      "properties.osProfile.secrets.0.sourceVault",
      "Properties.encryption.services",
    ]);
    expect(pairs(projection).slice(DESCRIBED_PROJECTION.columns.length)).toEqual([
      ["p_minimumTlsVersion", "minimumTlsVersion"],
      ["p_osProfile_secrets", "osProfile.secrets"],
      ["p_encryption_services", "encryption.services"],
    ]);
    expect(resourcesQuery(projection)).toContain(
      "p_minimumTlsVersion = properties.minimumTlsVersion, p_osProfile_secrets = properties.osProfile.secrets",
    );
  });

  it("adds nothing for a path a projected one already holds, nor for the fields every row has", () => {
    const projection = projectionOf([
      "properties.backup.backupRetentionDays",
      "properties.agentPoolProfiles.0.count",
      "tags.owner",
      "sku",
      "name",
      "managedBy",
    ]);
    expect(pairs(projection)).toEqual(pairs(DESCRIBED_PROJECTION));
  });

  it("gives two paths that would share a column name a column each", () => {
    const projection = projectionOf(["properties.a_b.c", "properties.a.b_c"]);
    expect(pairs(projection).slice(DESCRIBED_PROJECTION.columns.length)).toEqual([
      ["p_a_b_c", "a_b.c"],
      ["p_a_b_c_2", "a.b_c"],
    ]);
  });
});

describe("paths the inventory can carry", () => {
  it("accepts properties paths, tags and the resource's own fields", () => {
    for (const path of [
      "properties.minimumTlsVersion",
      "properties.agentPoolProfiles.0.count",
      "properties._private",
      "tags",
      "tags.cost-center",
      "name",
      "Location",
      "sku",
      "powerState",
      "createdAt",
    ])
      expect(unprojectablePath(path), path).toBeUndefined();
  });

  it("refuses what no type can project, saying why", () => {
    expect(unprojectablePath("identity.type")).toMatch(/^the inventory has no "identity": a path is properties\.<name>/);
    expect(unprojectablePath("zones")).toMatch(/^the inventory has no "zones"/);
    expect(unprojectablePath("sku.tier")).toBe("sku holds one value (the SKU's name, not ARM's sku object): nothing is under it");
    expect(unprojectablePath("name.first")).toBe("name holds one value: nothing is under it");
    expect(unprojectablePath("properties")).toBe("properties is the whole properties bag: name a property under it (properties.<name>)");
    expect(unprojectablePath("properties.0")).toMatch(/^"0" is not a property name/);
    expect(unprojectablePath("properties.network.public-access")).toMatch(/^"public-access" is neither a property name nor a list index/);
    expect(unprojectablePath("tags.app.name")).toBe("a tag holds one value: nothing is under tags.app");
    expect(unprojectablePath("properties..x")).toBe('"properties..x" has an empty step');
    expect(propertyPathOf("identity.type")).toBeUndefined();
  });
});

describe("a policy whose value path the inventory cannot project", () => {
  const policyFile = (path: string): string => `version: 1
policies:
  - name: storage-settings
    resource: storage-account
    when:
      - tag: environment
        present: true
      - { value: ${path}, present: true }
    action: notify
`;

  it("is refused when it loads, the reason naming the file, line, column, policy and path", () => {
    expect(() => parsePolicyText(policyFile("identity.type"), "mine.yaml", builtinRegistry())).toThrow(
      'mine.yaml:8:11: policies[0].when[1].value: policy "storage-settings" reads identity.type, which the inventory cannot project: the inventory has no "identity"',
    );
    expect(() => parsePolicyText(policyFile("properties.encryption.key-source"), "mine.yaml", builtinRegistry())).toThrow(
      /mine\.yaml:8:11: policies\[0\]\.when\[1\]\.value: policy "storage-settings" reads properties\.encryption\.key-source, which the inventory cannot project: "key-source" is neither a property name nor a list index/,
    );
  });

  it("is refused inside any, all and not as well", () => {
    const nested = `version: 1
policies:
  - name: nested
    resource: any
    when:
      - not:
          any:
            - { value: sku.tier, equals: Premium }
    action: notify
`;
    expect(() => parsePolicyText(nested, "nested.yaml", builtinRegistry())).toThrow(
      'nested.yaml:8:17: policies[0].when[0].not.any[0].value: policy "nested" reads sku.tier',
    );
  });

  it("loads when the path is one it can project", () => {
    const set = parsePolicyText(policyFile("properties.minimumTlsVersion"), "mine.yaml", builtinRegistry());
    expect(pathsRead(set, builtinRegistry())).toEqual(["properties.minimumTlsVersion"]);
  });
});
