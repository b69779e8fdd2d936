/**
 * Orphaned resources on the emulated sample estate, through Resource Graph and the real SDK
 * clients: `orphaned` finds exactly the planted orphans of each kind (the back-references ARM
 * shows decide, not names); `delete` removes them once, and what the fresh read shows in use is
 * refused by the executor; a delete Azure refuses because the resource came into use after the
 * read fails with Azure's code; a group that holds anything by the time of its delete is kept.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VirtualClock } from "../../emulator/clock.ts";
import { sampleEstate } from "../../emulator/estate/sample.ts";
import { type Emulator, startEmulator } from "../../emulator/server.ts";
import { type AzureTarget, emulatorTarget } from "../../shared/azure/target.ts";
import { readResource } from "../../shared/inventory/readResource.ts";
import { plan } from "../../shared/planner.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { buildIndex } from "../../shared/policy/inventoryIndex.ts";
import { parsePolicyText } from "../../shared/policy/loader.ts";
import type { InventoryResource, PolicySet } from "../../shared/policy/types.ts";
import { carryOut, resolveOptions } from "../../shared/remediation/executor.ts";
import { applyRemediation, executorFor, type RemediationDeps, type RemediationRequest } from "../../shared/remediation/index.ts";

const sample = sampleEstate();
const SUB = sample.subscriptionId;
const registry = builtinRegistry();
const FAST = { pollIntervalMs: 5, retryDelayMs: 20, maxRetryDelayMs: 200, maxAttempts: 2, maxWaitMs: 200 };
const SDK_RETRY = { retryOptions: { maxRetries: 0, retryDelayInMs: 20, maxRetryDelayInMs: 200 } };
const KINDS = ["public-ip", "network-interface", "load-balancer", "network-security-group", "app-service-plan", "resource-group"] as const;

/** Per kind, a policy finding its orphans in any environment (audit), and one deleting everything of the kind with approval. */
const POLICIES = `
policies:
${KINDS.map(
  (kind) => `  - name: orphaned-${kind}
    resource: ${kind}
    when:
      - orphaned: true
    action: notify
  - name: delete-every-${kind}
    resource: ${kind}
    mode: enforce
    includeProduction: true
    when:
      - tag: owner
        present: true
    action: delete
    approval: { required: true, approvers: [platform-team], timeout: 8h, onTimeout: skip }
  - name: delete-orphaned-${kind}
    resource: ${kind}
    mode: enforce
    when:
      - orphaned: true
    action: delete
    approval: { required: true, approvers: [platform-team], timeout: 8h, onTimeout: skip }`,
).join("\n")}
`;

const id = (group: string, type: string, name: string): string => `/subscriptions/${SUB}/resourceGroups/${group}/providers/${type}/${name}`;
const groupId = (name: string): string => `/subscriptions/${SUB}/resourceGroups/${name}`;

describe("orphaned resources on the sample estate", () => {
  let emulator: Emulator;
  let target: AzureTarget;
  let set: PolicySet;
  let deps: RemediationDeps;
  const request = (policy: string, resourceId: string): RemediationRequest => ({
    policy,
    action: { type: "delete", args: {} },
    resourceId,
    instanceId: `${policy}:${resourceId.split("/").at(-1) ?? ""}`,
    trigger: { type: "timer" },
    approvedBy: "platform-team@nordwind.example",
  });
  const writes = (mark: number) =>
    emulator.core.log.entries({ since: mark }).filter((entry) => entry.method === "DELETE" || entry.method === "PUT");

  beforeAll(async () => {
    emulator = await startEmulator({ estate: sample.estate, clock: new VirtualClock(sample.now), subscriptionId: SUB });
    target = emulatorTarget(emulator, SUB, SDK_RETRY);
    set = parsePolicyText(POLICIES, "orphans.yaml", registry);
    deps = { target, config: { killSwitch: false, dryRun: false }, policySet: set, registry, now: () => sample.now, options: FAST };
  });
  afterAll(async () => emulator?.close());

  it("finds exactly the planted orphans of each kind through Resource Graph, each reason naming what was seen", async () => {
    const { evaluation } = await plan(target, set, sample.now, registry);
    const found = (kind: string): string[] =>
      evaluation.findings
        .filter((finding) => finding.policy === `orphaned-${kind}`)
        .map((finding) => finding.resourceName)
        .sort();
    expect(Object.fromEntries(KINDS.map((kind) => [kind, found(kind)]))).toEqual({
      "public-ip": ["pip-odoo-dev-old-bastion"],
      "network-interface": ["nic-odoo-dev-05-detached"],
      "load-balancer": ["lb-odoo-test-legacy"],
      "network-security-group": ["nsg-odoo-test-old"],
      "app-service-plan": ["asp-odoo-dev-webhooks"],
      "resource-group": ["rg-odoo-poc-2025"],
    });
    const reason = (name: string): string | undefined => evaluation.findings.find((finding) => finding.resourceName === name)?.reason;
    expect(reason("pip-odoo-dev-old-bastion")).toMatch(
      /^public IP pip-odoo-dev-old-bastion: no IP configuration, no NAT gateway; Standard static ≈ 3\.65 EUR\/month/,
    );
    expect(reason("asp-odoo-dev-webhooks")).toMatch(/no apps \(numberOfSites 0\); B1 × 1 instance ≈ 12\.41 EUR\/month/);
    expect(reason("lb-odoo-test-legacy")).toMatch(/no backend address in pool bepool-legacy; Standard, 1 rule ≈ 18\.25 EUR\/month/);
  });

  it("refuses, on the fresh read, to delete what is in use: a VM's NIC, the production LB's address, an app's plan, a group with resources", async () => {
    const cases: Array<[string, string, string]> = [
      [
        "delete-every-network-interface",
        id("rg-odoo-dev", "Microsoft.Network/networkInterfaces", "vm-odoo-dev-01-nic"),
        "network interface vm-odoo-dev-01-nic is in use: attached to VM vm-odoo-dev-01: never deleted",
      ],
      [
        "delete-every-public-ip",
        id("rg-odoo-prod", "Microsoft.Network/publicIPAddresses", "pip-odoo-prod-lb"),
        "public IP pip-odoo-prod-lb is in use: used by IP configuration frontend of lb-odoo-prod: never deleted",
      ],
      [
        "delete-every-network-interface",
        id("rg-odoo-prod", "Microsoft.Network/networkInterfaces", "pe-psql-odoo-prod-nic"),
        "network interface pe-psql-odoo-prod-nic is in use: attached to private endpoint pe-psql-odoo-prod: never deleted",
      ],
      [
        "delete-every-app-service-plan",
        id("rg-integration-prod", "Microsoft.Web/serverfarms", "asp-edi-portal-prod"),
        "App Service plan asp-edi-portal-prod is in use: 1 app: never deleted",
      ],
    ];
    const mark = emulator.core.log.mark;
    for (const [policy, resourceId, reason] of cases)
      expect(await applyRemediation(request(policy, resourceId), deps), resourceId).toMatchObject({
        outcome: "skipped",
        guard: "executor",
        reason,
      });
    const group = await applyRemediation(request("delete-every-resource-group", groupId("rg-odoo-dev")), deps);
    expect(group).toMatchObject({ outcome: "skipped", guard: "executor" });
    expect(group.reason).toMatch(/^resource group rg-odoo-dev is in use: holds \d+ resources \(/);
    expect(writes(mark)).toEqual([]);
  });

  it("fails with Azure's code a delete Azure refuses because the resource came into use after the read", async () => {
    const pipId = id("rg-odoo-prod", "Microsoft.Network/publicIPAddresses", "pip-odoo-prod-lb");
    const nsgId = id("rg-network", "Microsoft.Network/networkSecurityGroups", "nsg-odoo-app");
    const executor = executorFor("delete");
    if (!executor) throw new Error("no delete executor");
    for (const [resourceId, code] of [
      [pipId, "PublicIPAddressCannotBeDeleted"],
      [nsgId, "InUseNetworkSecurityGroupCannotBeDeleted"],
    ] as const) {
      const read = (await readResource(target, resourceId)) as InventoryResource;
      // The read from before its user was attached: no back-reference yet.
      const stale: InventoryResource = { ...read, properties: { provisioningState: "Succeeded" } };
      const inventory = { subscriptionId: SUB, resources: [stale], resourceGroups: {} };
      const evaluation = {
        now: sample.now,
        inventory,
        facts: { metrics: {}, backup: {}, vaults: [] },
        settings: set.settings,
        index: buildIndex(inventory),
      };
      const outcome = await carryOut(
        executor,
        {
          target,
          request: request("delete-every-public-ip", resourceId),
          resource: stale,
          args: {},
          evaluation,
          options: resolveOptions(FAST),
        },
        { recheck: () => undefined, done: "deleted" },
      );
      expect(outcome, resourceId).toMatchObject({ outcome: "failed", errorCode: code });
      expect(emulator.core.store.get(resourceId), resourceId).toBeDefined();
    }
  });

  it("keeps a group that came to hold a resource after the plan: skipped on the fresh read, or refused just before its delete", async () => {
    const emptyGroup = groupId("rg-odoo-poc-2025");
    const read = (await readResource(target, emptyGroup)) as InventoryResource;
    expect(read).toMatchObject({ kind: "resource-group", name: "rg-odoo-poc-2025", resourceGroup: "rg-odoo-poc-2025" });
    // Someone deploys into it (put in the store: the emulator as a deployment would leave it).
    const nsg = emulator.core.materialise("Microsoft.Network/networkSecurityGroups", {
      id: `${emptyGroup}/providers/Microsoft.Network/networkSecurityGroups/nsg-poc-revived`,
      name: "nsg-poc-revived",
      body: { location: "westeurope", tags: { environment: "dev" }, properties: { securityRules: [] } },
    });
    emulator.core.store.put(nsg);

    const fresh = await applyRemediation(request("delete-orphaned-resource-group", emptyGroup), deps);
    expect(fresh).toMatchObject({ outcome: "skipped", guard: "executor" });
    expect(fresh.reason).toBe("resource group rg-odoo-poc-2025 is in use: holds 1 resource (nsg-poc-revived): never deleted");

    // An evaluation read before the deployment: the list just before the delete still keeps the group.
    const executor = executorFor("delete");
    if (!executor) throw new Error("no delete executor");
    const inventory = { subscriptionId: SUB, resources: [read], resourceGroups: {} };
    const evaluation = {
      now: sample.now,
      inventory,
      facts: { metrics: {}, backup: {}, vaults: [] },
      settings: set.settings,
      index: buildIndex(inventory),
    };
    const outcome = await carryOut(
      executor,
      {
        target,
        request: request("delete-orphaned-resource-group", emptyGroup),
        resource: read,
        args: {},
        evaluation,
        options: resolveOptions(FAST),
      },
      { recheck: () => undefined, done: "deleted" },
    );
    expect(outcome).toMatchObject({ outcome: "failed", errorCode: "ResourceGroupNotEmpty" });
    expect(emulator.core.store.getGroup(SUB, "rg-odoo-poc-2025")).toBeDefined();
    emulator.core.store.delete(nsg.arm.id);
  });

  it("deletes each orphan once; a second request finds it gone and sends nothing", async () => {
    const orphans: Array<[string, string]> = [
      ["delete-orphaned-public-ip", id("rg-odoo-dev", "Microsoft.Network/publicIPAddresses", "pip-odoo-dev-old-bastion")],
      ["delete-orphaned-network-interface", id("rg-odoo-dev", "Microsoft.Network/networkInterfaces", "nic-odoo-dev-05-detached")],
      ["delete-orphaned-load-balancer", id("rg-odoo-test", "Microsoft.Network/loadBalancers", "lb-odoo-test-legacy")],
      ["delete-orphaned-network-security-group", id("rg-odoo-test", "Microsoft.Network/networkSecurityGroups", "nsg-odoo-test-old")],
      ["delete-orphaned-app-service-plan", id("rg-odoo-dev", "Microsoft.Web/serverfarms", "asp-odoo-dev-webhooks")],
      ["delete-orphaned-resource-group", groupId("rg-odoo-poc-2025")],
    ];
    for (const [policy, resourceId] of orphans) {
      const outcome = await applyRemediation(request(policy, resourceId), deps);
      expect(outcome, resourceId).toMatchObject({ outcome: "applied", after: { exists: false } });
    }
    expect(emulator.core.store.getGroup(SUB, "rg-odoo-poc-2025")).toBeUndefined();
    const mark = emulator.core.log.mark;
    for (const [policy, resourceId] of orphans)
      expect(await applyRemediation(request(policy, resourceId), deps), resourceId).toMatchObject({ outcome: "already-done" });
    expect(writes(mark)).toEqual([]);
  });
});
