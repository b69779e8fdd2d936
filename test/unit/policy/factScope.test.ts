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

  it("a metric with no other condition is asked of every resource of its kind", () => {
    const scope = factScope(set, inventory, registry, NOW);
    expect(scope({ type: "metric", metric: "Percentage CPU", aggregation: "average", windowMs: 72 * 3_600_000 }, vm)).toBe(true);
    expect(scope({ type: "diagnostic-settings" }, cluster)).toBe(false);
    expect(scope({ type: "diagnostic-settings" }, account)).toBe(true);
  });

  it("a metric is asked only of the VMs a policy's environment leaves in, the filter's and the action's requests as one", () => {
    const metrics = parsePolicyText(
      `
version: 1
policies:
  - name: idle-dev
    resource: virtual-machine
    when:
      - environment: [dev]
      - { metric: Percentage CPU, aggregation: average, over: 72h, below: 5 }
    action: notify
  - name: rightsize-dev
    resource: virtual-machine
    when:
      - environment: [dev]
    action: { type: resize, lookback: 7d, families: [D] }
`,
      "metrics.yaml",
      registry,
    );
    const devVm = resource({ name: "vm-dev", tags: { environment: "dev" } });
    const prodVm = resource({ name: "vm-prod", tags: { environment: "prod" } });
    const scope = factScope(metrics, { ...inventory, resources: [devVm, prodVm] }, registry, NOW);
    // Members in another order than the filter's: the same fact.
    const average = { type: "metric", windowMs: 72 * 3_600_000, aggregation: "average", metric: "Percentage CPU" } as const;
    expect(scope(average, devVm)).toBe(true);
    expect(scope(average, prodVm)).toBe(false);
    const rightsize = metrics.policies[1];
    const asked = rightsize ? (registry.action("resize")?.facts?.(rightsize.action.args, "virtual-machine") ?? []) : [];
    const halfHourly = asked.filter((request) => request.type === "metric");
    expect(halfHourly.length).toBeGreaterThan(0);
    for (const request of halfHourly) {
      expect(scope(request, devVm)).toBe(true);
      expect(scope(request, prodVm)).toBe(false);
    }
  });
});
