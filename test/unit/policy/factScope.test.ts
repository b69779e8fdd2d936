import { describe, expect, it } from "vitest";
import { factScope, factTargets } from "../../../shared/policy/factScope.ts";
import { builtinRegistry } from "../../../shared/policy/builtins.ts";
import { parsePolicyText } from "../../../shared/policy/loader.ts";
import type { Inventory } from "../../../shared/policy/types.ts";
import { NOW, resource, SUBSCRIPTION } from "./support.ts";

const registry = builtinRegistry();

const POLICIES = `
version: 1
policies:
  - name: diagnostics
    resource: any
    when:
      - { value: kind, in: [postgresql-server, storage-account] }
      - { diagnostic-setting: log-analytics, present: false }
    action: notify
  - name: prod-tls
    resource: postgresql-server
    when:
      - environment: [prod]
      - { server-parameter: ssl_min_protocol_version, versionBelow: 1.2 }
    action: notify
  - name: locks-of-nothing
    resource: redis-cache
    when:
      - { lock: CanNotDelete, present: false }
    action: notify
  - name: idle
    resource: virtual-machine
    when:
      - { metric: Percentage CPU, aggregation: average, over: 72h, below: 5 }
    action: notify
`;

const prodServer = resource({ kind: "postgresql-server", name: "psql-prod", tags: { environment: "prod" } });
const devServer = resource({ kind: "postgresql-server", name: "psql-dev", tags: { environment: "dev" } });
const unknownServer = resource({ kind: "postgresql-server", name: "psql-untagged" });
const account = resource({ kind: "storage-account", name: "stodoo" });
const cluster = resource({ kind: "aks-cluster", name: "aks-odoo" });
const vm = resource({ name: "vm-odoo" });
const inventory: Inventory = {
  subscriptionId: SUBSCRIPTION,
  resources: [prodServer, devServer, unknownServer, account, cluster, vm],
  resourceGroups: {},
};
const set = parsePolicyText(POLICIES, "scope.yaml", registry);
const ids = (...subjects: Array<{ id: string }>) => new Set(subjects.map((subject) => subject.id.toLowerCase()));

describe("the resources per-resource facts are read for", () => {
  const targets = factTargets(set, inventory, registry, NOW);

  it("diagnostic settings: only the kinds the policy's value condition names, not every resource of any kind", () => {
    expect(targets.get(JSON.stringify({ type: "diagnostic-settings" }))).toEqual(ids(prodServer, devServer, unknownServer, account));
  });

  it("a server parameter: only the servers the policy's other conditions leave in", () => {
    // psql-untagged has no environment, which matches no environment list: the policy could not find it either.
    expect(targets.get(JSON.stringify({ type: "server-parameter", name: "ssl_min_protocol_version" }))).toEqual(ids(prodServer));
  });

  it("the locks list: asked only when some resource is in its scope (no Redis cache here)", () => {
    const scope = factScope(set, inventory, registry, NOW);
    expect(inventory.resources.some((subject) => scope({ type: "locks" }, subject))).toBe(false);
  });

  it("facts read in bulk (metrics, backup) stay as asked", () => {
    const scope = factScope(set, inventory, registry, NOW);
    expect(scope({ type: "metric", metric: "Percentage CPU", aggregation: "average", windowMs: 72 * 3_600_000 }, vm)).toBe(true);
    expect(scope({ type: "diagnostic-settings" }, cluster)).toBe(false);
    expect(scope({ type: "diagnostic-settings" }, account)).toBe(true);
  });
});
