/**
 * Remediation against the emulated sample estate, through the real SDK clients and the built-in
 * policy pack: each change is made once and verified, a retried request changes nothing more,
 * the policy and the guards are decided again on a fresh read (production, a VM back in use, a
 * keep tag, the kill switch), and injected throttling and 5xx change neither the end state nor
 * the number of real changes.
 */
import { resourceEndState } from "../support/endState.ts";
import { remediationRequest } from "../support/remediation.ts";
import { changeKey } from "../../emulator/store.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Azurite, startAzurite } from "../../local/azurite.ts";
import { TableAuditTrail } from "../../shared/audit/trail.ts";
import { tagValue } from "../../shared/policy/settings.ts";
import { sentRecordId } from "../../shared/remediation/apply.ts";
import { STOPPED_BY_TAG } from "../../shared/remediation/stoppedBy.ts";
import { VirtualClock } from "../../emulator/clock.ts";
import { sampleEstate } from "../../emulator/estate/sample.ts";
import { type Emulator, startEmulator } from "../../emulator/server.ts";
import type { ResourceChange } from "../../emulator/store.ts";
import { computeClient, resourcesClient } from "../../shared/azure/clients.ts";
import { type AzureTarget, emulatorTarget } from "../../shared/azure/target.ts";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";
import { plan } from "../../shared/planner.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { loadPolicyFile } from "../../shared/policy/loader.ts";
import type { Finding, PolicySet } from "../../shared/policy/types.ts";
import {
  applyRemediation,
  executorFor,
  type RemediationDeps,
  type RemediationOutcome,
  type RemediationRequest,
} from "../../shared/remediation/index.ts";

const sample = sampleEstate();
const SUB = sample.subscriptionId;
const registry = builtinRegistry();
const APPROVER = "platform-team@nordwind.example";
/** Short waits: the emulator answers at once; Retry-After from a 429 is still honoured. */
const FAST = { pollIntervalMs: 5, retryDelayMs: 20, maxRetryDelayMs: 200 };
const SDK_RETRY = { retryOptions: { retryDelayInMs: 20, maxRetryDelayInMs: 200 } };
const PROTECTED_ITEM_TYPE = "microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems";

const id = (group: string, type: string, name: string): string => `/subscriptions/${SUB}/resourceGroups/${group}/providers/${type}/${name}`;
const vm = (group: string, name: string): string => id(group, "Microsoft.Compute/virtualMachines", name);
const snapshot = (name: string): string => id("rg-odoo-dev", "Microsoft.Compute/snapshots", name);
const cluster = (group: string, name: string): string => id(group, "Microsoft.ContainerService/managedClusters", name);

let set: PolicySet;
beforeAll(async () => {
  set = await loadPolicyFile(DEFAULT_POLICIES, registry);
});

interface Running {
  emulator: Emulator;
  target: AzureTarget;
  changes: ResourceChange[];
  close(): Promise<void>;
}

async function startSample(): Promise<Running> {
  const emulator = await startEmulator({ estate: sampleEstate().estate, clock: new VirtualClock(sample.now), subscriptionId: SUB });
  const changes: ResourceChange[] = [];
  emulator.core.store.changes.on("change", (change) => changes.push(change));
  return { emulator, target: emulatorTarget(emulator, SUB, SDK_RETRY), changes, close: () => emulator.close() };
}

function request(policy: string, resourceId: string, extra: Partial<RemediationRequest> = {}): RemediationRequest {
  return remediationRequest(set, policy, resourceId, { approvedBy: APPROVER, ...extra });
}

function requestFor(finding: Finding): RemediationRequest {
  return request(finding.policy, finding.resourceId, finding.verdict === "needs-approval" ? {} : { approvedBy: undefined });
}

function depsFor(running: Running, overrides: Partial<RemediationDeps> = {}): RemediationDeps {
  return {
    target: running.target,
    config: { killSwitch: false, dryRun: false },
    policySet: set,
    registry,
    now: () => sample.now,
    options: FAST,
    ...overrides,
  };
}

const changesOf = (running: Running, resourceId: string): ResourceChange[] =>
  running.changes.filter((change) => change.resourceId.toLowerCase() === resourceId.toLowerCase());
const powerOf = (running: Running, resourceId: string): unknown => running.emulator.core.store.get(resourceId)?.sim.powerState;
const tagsOf = (running: Running, resourceId: string): Record<string, string> | undefined =>
  running.emulator.core.store.get(resourceId)?.arm.tags;
/** Requests other than reads since a mark (the batch metrics call is a read made with POST). */
const writesSince = (running: Running, mark: number) =>
  running.emulator.core.log
    .entries({ since: mark })
    .filter((entry) => entry.method !== "GET" && entry.route !== "metrics.batch" && entry.route !== "resourceGraph.resources");

describe("remediation on the sample estate", () => {
  let running: Running;
  let findings: Finding[];

  beforeAll(async () => {
    running = await startSample();
    findings = (await plan(running.target, set, sample.now, registry)).evaluation.findings;
  });
  afterAll(async () => running.close());

  const finding = (policy: string, name: string): Finding => {
    const found = findings.find((candidate) => candidate.policy === policy && candidate.resourceName === name);
    if (!found) throw new Error(`the plan has no ${policy} finding for ${name}`);
    return found;
  };

  it("deallocates the idle dev VMs it planned for, and a second apply of the same request is already-done with no second change", async () => {
    const requests = ["vm-odoo-dev-01", "vm-odoo-dev-02"].map((name) => requestFor(finding("stop-idle-nonprod-vms", name)));
    const first = await Promise.all(requests.map((each) => applyRemediation(each, depsFor(running))));
    expect(first.map((outcome) => outcome.outcome)).toEqual(["applied", "applied"]);
    expect(first[0]).toMatchObject({
      reason: expect.stringContaining("deallocated vm-odoo-dev-01") as unknown,
      before: { exists: true, powerState: "running" },
      after: { exists: true, powerState: "deallocated" },
      attempts: 1,
    });
    for (const each of requests) {
      expect(powerOf(running, each.resourceId)).toBe("deallocated");
      // The deallocation, then who stopped it (governor-stopped-by).
      expect(changesOf(running, each.resourceId).map((change) => change.operationName)).toEqual([
        "Microsoft.Compute/virtualMachines/deallocate/action",
        "Microsoft.Resources/tags/write",
      ]);
    }

    const mark = running.emulator.core.log.mark;
    const again = await Promise.all(requests.map((each) => applyRemediation(each, depsFor(running))));
    expect(again.map((outcome) => [outcome.outcome, outcome.reason])).toEqual([
      ["already-done", "vm-odoo-dev-01 is already deallocated"],
      ["already-done", "vm-odoo-dev-02 is already deallocated"],
    ]);
    for (const each of requests) expect(changesOf(running, each.resourceId)).toHaveLength(2);
    expect(writesSince(running, mark)).toEqual([]);
  });

  it("skips a request crafted for a production VM: the production guard stops it and the VM keeps running", async () => {
    const prod = vm("rg-odoo-prod", "vm-odoo-prod-app-01");
    const mark = running.emulator.core.log.mark;
    const outcome = await applyRemediation(request("stop-idle-nonprod-vms", prod), depsFor(running));
    expect(outcome).toMatchObject({ outcome: "skipped", guard: "production", before: { powerState: "running" } });
    expect(outcome.reason).toContain("environment=prod is production");
    expect(powerOf(running, prod)).toBe("running");
    expect(changesOf(running, prod)).toEqual([]);
    expect(writesSince(running, mark)).toEqual([]);

    // An exempt VM is skipped the same way, by its exemption.
    const exempt = await applyRemediation(request("stop-idle-nonprod-vms", vm("rg-odoo-test", "vm-odoo-test-loadgen")), depsFor(running));
    expect(exempt).toMatchObject({ outcome: "skipped", guard: "exemption" });
    expect(exempt.reason).toContain("exempt until 2026-12-15");
  });

  it("deletes an expired dev snapshot; skips the kept one, the newest of its disk, and one tagged keep after the plan", async () => {
    const expired = requestFor(finding("snapshot-retention-nonprod", "snap-odoo-dev-01-2026-05-12"));
    const deleted = await applyRemediation(expired, depsFor(running));
    expect(deleted).toMatchObject({ outcome: "applied", before: { exists: true }, after: { exists: false } });
    expect(running.emulator.core.store.get(expired.resourceId)).toBeUndefined();
    expect(changesOf(running, expired.resourceId).map((change) => change.operationName)).toEqual(["Microsoft.Compute/snapshots/delete"]);
    expect(await applyRemediation(expired, depsFor(running))).toMatchObject({
      outcome: "already-done",
      reason: "the resource no longer exists",
    });
    expect(changesOf(running, expired.resourceId)).toHaveLength(1);

    const kept = await applyRemediation(request("snapshot-retention-nonprod", snapshot("snap-odoo-dev-golden-image")), depsFor(running));
    expect(kept).toMatchObject({ outcome: "skipped", guard: "conditions" });
    expect(kept.reason).toMatch(/keep/);
    const newest = await applyRemediation(request("snapshot-retention-nonprod", snapshot("snap-odoo-dev-01-2026-11-20")), depsFor(running));
    expect(newest).toMatchObject({ outcome: "skipped", guard: "conditions" });

    // Someone tags a planned snapshot keep=true while the approval waits.
    const planned = requestFor(finding("snapshot-retention-nonprod", "snap-odoo-dev-01-2026-07-01"));
    const client = await resourcesClient(running.target);
    await client.tagsOperations.updateAtScope(planned.resourceId, { operation: "Merge", properties: { tags: { keep: "true" } } });
    const nowKept = await applyRemediation(planned, depsFor(running));
    expect(nowKept).toMatchObject({ outcome: "skipped", guard: "conditions" });
    expect(nowKept.reason).toContain("keep");
    for (const name of ["snap-odoo-dev-golden-image", "snap-odoo-dev-01-2026-11-20", "snap-odoo-dev-01-2026-07-01"]) {
      expect(running.emulator.core.store.get(snapshot(name))).toBeDefined();
    }
  });

  it("merges tags, never replaces them: the resource's own tags stay, the group's are added, a value a user set since the plan is kept", async () => {
    const untagged = requestFor(finding("required-tags", "vm-odoo-test-02"));
    const migration = requestFor(finding("required-tags", "vm-migration-temp-01"));
    // A user sets an owner while the plan waits: Governor must not overwrite it with the group's.
    const client = await resourcesClient(running.target);
    await client.tagsOperations.updateAtScope(untagged.resourceId, {
      operation: "Merge",
      properties: { tags: { owner: "qa-lead@nordwind.example" } },
    });
    const migrationTags = { ...tagsOf(running, migration.resourceId) };
    const mark = running.emulator.core.log.mark;
    const before = running.changes.length;

    const [first, second] = await Promise.all([untagged, migration].map((each) => applyRemediation(each, depsFor(running))));
    expect(first).toMatchObject({ outcome: "applied" });
    expect(tagsOf(running, untagged.resourceId)).toEqual({
      owner: "qa-lead@nordwind.example",
      environment: "test",
      "cost-center": "CC-2000",
      application: "odoo",
    });
    expect(second).toMatchObject({ outcome: "applied", after: { tags: { ...migrationTags, "cost-center": "CC-2000" } } });
    expect(tagsOf(running, migration.resourceId)).toEqual({ ...migrationTags, "cost-center": "CC-2000" });
    expect(second?.reason).toContain("application missing on resource group rg-migration too");
    // Through the tags API with PATCH (Merge), one write each, never a PUT (Replace).
    const tagWrites = writesSince(running, mark);
    expect(tagWrites.map((entry) => entry.route)).toEqual(["tags.updateAtScope", "tags.updateAtScope"]);
    expect(running.changes.length - before).toBe(2);

    const again = await Promise.all([untagged, migration].map((each) => applyRemediation(each, depsFor(running))));
    expect(again.map((outcome) => outcome.outcome)).toEqual(["already-done", "already-done"]);
    expect(running.changes.length - before).toBe(2);
  });

  it("enrols an unprotected production VM in the vault of its region with the gold policy", async () => {
    const enrol = requestFor(finding("backup-production-vms", "vm-wms-connector-01"));
    const outcome = await applyRemediation(enrol, depsFor(running));
    expect(outcome).toMatchObject({ outcome: "applied", before: { protected: false }, after: { protected: true } });
    expect(outcome.after?.vaultId).toMatch(/\/vaults\/rsv-odoo-westeurope$/i);
    expect(outcome.after?.backupPolicyId).toMatch(/\/vaults\/rsv-odoo-westeurope\/backupPolicies\/policy-gold$/i);
    const items = running.emulator.core.store
      .list({ subscriptionId: SUB, type: PROTECTED_ITEM_TYPE })
      .filter((item) => String(item.arm.properties?.sourceResourceId).toLowerCase() === enrol.resourceId.toLowerCase());
    expect(
      items.map((item) => [item.arm.id.split("/protectedItems/")[0]?.split("/vaults/")[1]?.split("/")[0], item.arm.properties?.policyId]),
    ).toEqual([["rsv-odoo-westeurope", expect.stringMatching(/policy-gold$/)]]);
    const writes = running.changes.filter((change) => change.resourceType.toLowerCase() === PROTECTED_ITEM_TYPE).length;
    expect(await applyRemediation(enrol, depsFor(running))).toMatchObject({ outcome: "already-done" });
    expect(running.changes.filter((change) => change.resourceType.toLowerCase() === PROTECTED_ITEM_TYPE)).toHaveLength(writes);
  });

  it("refuses the production VM whose backup item is soft-deleted, with its dates, and writes no backup item", async () => {
    const planned = finding("backup-production-vms", "vm-odoo-prod-worker-01");
    expect(planned).toMatchObject({ verdict: "blocked", guard: "refused" });
    expect(planned.reason).toMatch(
      /soft-deleted in vault rsv-odoo-westeurope on 2026-11-20, purged on 2026-12-04: undelete to protect again/,
    );
    const writes = running.changes.filter((change) => change.resourceType.toLowerCase() === PROTECTED_ITEM_TYPE).length;
    const outcome = await applyRemediation(request("backup-production-vms", planned.resourceId), depsFor(running));
    expect(outcome).toMatchObject({ outcome: "skipped", before: { protected: false } });
    expect(running.changes.filter((change) => change.resourceType.toLowerCase() === PROTECTED_ITEM_TYPE)).toHaveLength(writes);
  });

  it("skips an idle VM someone started using between plan and apply, with the CPU that says so", async () => {
    const planned = requestFor(finding("stop-idle-nonprod-vms", "vm-odoo-test-eastus-m64"));
    const stored = running.emulator.core.store.get(planned.resourceId);
    if (!stored) throw new Error("vm-odoo-test-eastus-m64 is not in the estate");
    stored.sim.workload = "busy";
    const outcome = await applyRemediation(planned, depsFor(running));
    expect(outcome).toMatchObject({ outcome: "skipped", guard: "conditions" });
    expect(outcome.reason).toMatch(/no longer applies to vm-odoo-test-eastus-m64: CPU average [\d.]+% over 72h/);
    expect(powerOf(running, planned.resourceId)).toBe("running");
    expect(changesOf(running, planned.resourceId)).toEqual([]);
  });

  it("with the kill switch on (or dry-run), skips at the call and changes nothing, saying what it would have done", async () => {
    const planned = requestFor(finding("stop-idle-nonprod-vms", "vm-odoo-training-01"));
    const mark = running.emulator.core.log.mark;
    const killed = await applyRemediation(planned, depsFor(running, { config: { killSwitch: true, dryRun: false } }));
    expect(killed).toMatchObject({ outcome: "skipped", guard: "kill-switch" });
    expect(killed.reason).toBe(
      "kill switch on: would have deallocated vm-odoo-training-01 (compute billing stops, disks kept); nothing changed",
    );
    const dry = await applyRemediation(planned, depsFor(running, { policySet: { ...set, settings: { ...set.settings, dryRun: true } } }));
    expect(dry).toMatchObject({ outcome: "skipped", guard: "dry-run" });
    expect(dry.reason).toMatch(/^dry-run: would have deallocated vm-odoo-training-01/);
    expect(powerOf(running, planned.resourceId)).toBe("running");
    expect(changesOf(running, planned.resourceId)).toEqual([]);
    expect(writesSince(running, mark)).toEqual([]);
  });

  it("joins a deallocation already under way (an attempt that died mid-operation) without a second change", async () => {
    const planned = requestFor(finding("stop-idle-nonprod-vms", "vm-migration-temp-01"));
    const stored = running.emulator.core.store.get(planned.resourceId);
    if (!stored) throw new Error("vm-migration-temp-01 is not in the estate");
    stored.sim.powerState = "deallocating";
    const outcome = await applyRemediation(planned, depsFor(running));
    expect(outcome).toMatchObject({ outcome: "already-done", after: { powerState: "deallocated" } });
    expect(outcome.reason).toMatch(/already under way/);
    expect(powerOf(running, planned.resourceId)).toBe("deallocated");
    expect(changesOf(running, planned.resourceId).filter((change) => change.operationName.endsWith("/deallocate/action"))).toEqual([]);
  });

  it("reports a change Azure keeps refusing as failed with its error code, after a bounded number of attempts", async () => {
    const planned = requestFor(finding("stop-idle-nonprod-vms", "vm-odoo-training-01"));
    running.emulator.core.faults.add({ route: "virtualMachines.deallocate", rate5xx: 1, status5xx: 500 });
    try {
      const outcome = await applyRemediation(planned, depsFor(running, { options: { ...FAST, maxAttempts: 2 } }));
      expect(outcome).toMatchObject({ outcome: "failed", errorCode: "ServiceUnavailable", attempts: 2 });
      expect(outcome.reason).toMatch(/^ServiceUnavailable: .*\(gave up after 2 attempts\)$/);
    } finally {
      running.emulator.core.faults.clear();
    }
    expect(powerOf(running, planned.resourceId)).toBe("running");
    expect(changesOf(running, planned.resourceId)).toEqual([]);
  });

  it("follows an accepted deallocation to its end when its status polls keep failing, without sending it again", async () => {
    const planned = requestFor(finding("stop-idle-nonprod-vms", "vm-odoo-training-01"));
    // More failed polls in a row than the SDK retries (5): the poller gives up and is restored from its saved state.
    running.emulator.core.faults.add({ route: "operations.status", rate5xx: 1, maxFaults: 8 });
    const mark = running.emulator.core.log.mark;
    try {
      const outcome = await applyRemediation(planned, depsFor(running));
      expect(outcome).toMatchObject({ outcome: "applied", attempts: 1, after: { powerState: "deallocated" } });
    } finally {
      running.emulator.core.faults.clear();
    }
    expect(running.emulator.core.log.entries({ since: mark, route: "virtualMachines.deallocate" })).toHaveLength(1);
    expect(running.emulator.core.log.entries({ since: mark, route: "operations.status" }).filter((entry) => entry.fault)).toHaveLength(8);
    expect(changesOf(running, planned.resourceId).map((change) => change.operationName)).toEqual([
      "Microsoft.Compute/virtualMachines/deallocate/action",
      "Microsoft.Resources/tags/write",
    ]);
  });

  it("stops an off-hours AKS cluster once an upgrade under way is over, and starts it again only once its schedule begins", async () => {
    const stop = requestFor(finding("stop-offhours-nonprod-aks", "aks-odoo-dev"));
    // An upgrade holds the cluster: AKS answers 409 AnotherOperationInProgress until it is over.
    const properties = running.emulator.core.store.get(stop.resourceId)?.arm.properties;
    if (!properties) throw new Error("aks-odoo-dev is not in the estate");
    properties.provisioningState = "Upgrading";
    const upgradeOver = setTimeout(() => void (properties.provisioningState = "Succeeded"), 150);
    const mark = running.emulator.core.log.mark;
    const stopped = await applyRemediation(stop, depsFor(running));
    clearTimeout(upgradeOver);
    expect(stopped).toMatchObject({ outcome: "applied", after: { powerState: "stopped" }, attempts: 1 });
    const refused = running.emulator.core.log
      .entries({ since: mark, route: "managedClusters.stop" })
      .filter((entry) => entry.status === 409);
    expect(refused.length).toBeGreaterThan(0);
    const start = request("stop-offhours-nonprod-aks", stop.resourceId, { action: { type: "start", args: {} } });
    const tooEarly = await applyRemediation(start, depsFor(running));
    expect(tooEarly).toMatchObject({ outcome: "skipped", guard: "conditions" });
    expect(tooEarly.reason).toMatch(/would stop aks-odoo-dev again now: .*outside schedule Mon-Fri 08:00-18:00/);
    expect(powerOf(running, stop.resourceId)).toBe("stopped");

    // Tuesday 08:30 in Brussels: inside the cluster's schedule.
    const morning = new Date("2026-11-24T07:30:00Z");
    const started = await applyRemediation(start, depsFor(running, { now: () => morning }));
    expect(started).toMatchObject({ outcome: "applied", before: { powerState: "stopped" }, after: { powerState: "running" } });
    // The stop and who made it, the start and the owner cleared.
    expect(changesOf(running, stop.resourceId).map((change) => change.operationName.split("/").at(-2))).toEqual([
      "stop",
      "tags",
      "start",
      "tags",
    ]);
    expect(await applyRemediation(start, depsFor(running, { now: () => morning }))).toMatchObject({ outcome: "already-done" });
    expect(changesOf(running, cluster("rg-odoo-dev", "aks-odoo-dev"))).toHaveLength(4);
  });
});

describe("remediation under injected throttling and 5xx", () => {
  let calm: Running;
  let faulty: Running;
  let requests: RemediationRequest[];

  beforeAll(async () => {
    [calm, faulty] = await Promise.all([startSample(), startSample()]);
    const { findings } = (await plan(calm.target, set, sample.now, registry)).evaluation;
    requests = findings
      .filter((each) => (each.verdict === "remediate" || each.verdict === "needs-approval") && executorFor(each.action) !== undefined)
      .map(requestFor);
  });
  afterAll(async () => Promise.all([calm.close(), faulty.close()]));

  /** What the requests are about, as the emulator holds it: power, tags, existence, and the VMs protected by Azure Backup. */
  function endState(running: Running) {
    const resources = Object.fromEntries(
      requests.map((each) => {
        const stored = running.emulator.core.store.get(each.resourceId);
        return [each.resourceId.toLowerCase(), stored ? resourceEndState(stored) : "gone"];
      }),
    );
    const protectedVms = running.emulator.core.store
      .list({ subscriptionId: SUB, type: PROTECTED_ITEM_TYPE })
      .map(
        (item) =>
          `${String(item.arm.properties?.sourceResourceId).toLowerCase()} -> ${String(item.arm.properties?.policyId).toLowerCase()}`,
      )
      .sort();
    return { resources, protectedVms };
  }

  function changeCounts(running: Running): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const change of running.changes) counts[change.resourceId.toLowerCase()] = (counts[change.resourceId.toLowerCase()] ?? 0) + 1;
    return counts;
  }

  it("ends in the same state as without faults, with no resource changed twice and every failure reported with its reason", async () => {
    expect(requests.length).toBeGreaterThanOrEqual(15);
    expect(new Set(requests.map((each) => each.action.type))).toEqual(
      new Set(["tag", "deallocate", "stop", "delete", "downgrade", "snapshot-then-delete", "resize", "enroll-backup"]),
    );

    const calmOutcomes = await Promise.all(requests.map((each) => applyRemediation(each, depsFor(calm))));
    expect(calmOutcomes.filter((outcome) => outcome.outcome === "failed")).toEqual([]);

    faulty.emulator.core.faults.add({ rate429: 0.05, rate5xx: 0.05, retryAfterSeconds: 1 });
    const mark = faulty.emulator.core.log.mark;
    const outcomes: RemediationOutcome[] = await Promise.all(requests.map((each) => applyRemediation(each, depsFor(faulty))));
    faulty.emulator.core.faults.clear();

    const faults = faulty.emulator.core.log.entries({ since: mark }).filter((entry) => entry.fault?.startsWith("fault:"));
    expect(faults.filter((entry) => entry.fault === "fault:429").length).toBeGreaterThan(0);
    expect(faults.filter((entry) => entry.fault === "fault:503").length).toBeGreaterThan(0);

    // None dropped: one outcome per request, each with its reason; failures carry Azure's code.
    expect(outcomes).toHaveLength(requests.length);
    for (const [index, outcome] of outcomes.entries()) {
      expect(outcome.resourceId).toBe(requests[index]?.resourceId);
      expect(outcome.reason).not.toBe("");
      if (outcome.outcome === "failed") expect(outcome.errorCode).toBeTruthy();
    }
    const failedIds = new Set(
      outcomes.filter((outcome) => outcome.outcome === "failed").map((outcome) => outcome.resourceId.toLowerCase()),
    );

    const expected = endState(calm);
    const actual = endState(faulty);
    for (const key of failedIds) {
      delete expected.resources[key];
      delete actual.resources[key];
    }
    expect(actual.resources).toEqual(expected.resources);
    if (failedIds.size === 0) expect(actual.protectedVms).toEqual(expected.protectedVms);

    // Each resource received exactly the real changes it received without faults, never one twice.
    const faultyCounts = changeCounts(faulty);
    const calmCounts = changeCounts(calm);
    for (const key of failedIds) delete calmCounts[key];
    for (const [key, count] of Object.entries(calmCounts)) expect({ key, count: faultyCounts[key] ?? 0 }).toEqual({ key, count });
    const perOperation = new Map<string, number>();
    for (const change of faulty.changes) {
      const key = changeKey(change);
      perOperation.set(key, (perOperation.get(key) ?? 0) + 1);
    }
    expect([...perOperation].filter(([, count]) => count > 1)).toEqual([]);
  });
});

describe("remediation of resources in transition (provisioningState)", () => {
  let running: Running;
  const UPDATING_VM = vm("rg-odoo-dev", "vm-odoo-dev-01");
  const FAILED_VM = vm("rg-odoo-dev", "vm-odoo-dev-02");

  beforeAll(async () => {
    // Planted as Azure shows them mid-operation: an update of vm-odoo-dev-01 under way, vm-odoo-dev-02 left Failed.
    const { estate } = sampleEstate();
    const planted: Record<string, string> = { "vm-odoo-dev-01": "Updating", "vm-odoo-dev-02": "Failed" };
    const resources = estate.resources.map((entry) =>
      entry.type === "Microsoft.Compute/virtualMachines" && planted[entry.name] !== undefined
        ? { ...entry, provisioningState: planted[entry.name] }
        : entry,
    );
    const emulator = await startEmulator({ estate: { ...estate, resources }, clock: new VirtualClock(sample.now), subscriptionId: SUB });
    const changes: ResourceChange[] = [];
    emulator.core.store.changes.on("change", (change) => changes.push(change));
    running = { emulator, target: emulatorTarget(emulator, SUB, SDK_RETRY), changes, close: () => emulator.close() };
  });
  afterAll(async () => running.close());

  it("skips an idle dev VM whose update is under way (provisioningState Updating) as busy, and sends nothing", async () => {
    const mark = running.emulator.core.log.mark;
    const outcome = await applyRemediation(request("stop-idle-nonprod-vms", UPDATING_VM), depsFor(running));
    expect(outcome).toMatchObject({
      outcome: "skipped",
      guard: "busy",
      reason: "busy: provisioningState Updating; try next sweep",
      before: { exists: true, powerState: "running" },
    });
    expect(powerOf(running, UPDATING_VM)).toBe("running");
    expect(changesOf(running, UPDATING_VM)).toEqual([]);
    expect(writesSince(running, mark)).toEqual([]);
  });

  it("skips a VM an operation left Failed, saying it needs a person, and sends nothing", async () => {
    const mark = running.emulator.core.log.mark;
    const outcome = await applyRemediation(request("stop-idle-nonprod-vms", FAILED_VM), depsFor(running));
    expect(outcome).toMatchObject({ outcome: "skipped", guard: "busy" });
    expect(outcome.reason).toMatch(/^failed: provisioningState Failed; .*needs a person/);
    expect(powerOf(running, FAILED_VM)).toBe("running");
    expect(writesSince(running, mark)).toEqual([]);
  });

  it("keeps an expired snapshot while the newer one of its disk is being deleted: the one Deleting is not counted as the newest", async () => {
    const newest = snapshot("snap-odoo-dev-01-2026-11-20");
    const older = snapshot("snap-odoo-dev-01-2026-07-01");
    // Someone deletes the newest snapshot; its long-running delete is still in flight (nothing polls it).
    const client = await computeClient(running.target);
    await client.snapshots.beginDelete("rg-odoo-dev", "snap-odoo-dev-01-2026-11-20", { updateIntervalInMs: 60_000 });
    expect(running.emulator.core.store.get(newest)?.arm.properties?.provisioningState).toBe("Deleting");

    const mark = running.emulator.core.log.mark;
    const outcome = await applyRemediation(request("snapshot-retention-nonprod", older), depsFor(running));
    expect(outcome).toMatchObject({ outcome: "skipped", guard: "conditions" });
    expect(outcome.reason).toContain(
      "the newest of 3 snapshots of disk vm-odoo-dev-01_OsDisk_1, which still exists (not counted: snap-odoo-dev-01-2026-11-20 is Deleting)",
    );
    expect(running.emulator.core.store.get(older)).toBeDefined();
    expect(changesOf(running, older)).toEqual([]);
    expect(writesSince(running, mark)).toEqual([]);
  });
});

describe("a change the workflow marked sent before it restarted (audit trail on Azurite)", () => {
  let running: Running;
  let azurite: Azurite;
  let trail: TableAuditTrail;
  const DEV_01 = vm("rg-odoo-dev", "vm-odoo-dev-01");
  const DEV_02 = vm("rg-odoo-dev", "vm-odoo-dev-02");
  const MIGRATION = vm("rg-migration", "vm-migration-temp-01");
  const idle = (resourceId: string) => request("stop-idle-nonprod-vms", resourceId);
  const marks = async (resourceId: string) => (await trail.query({ resourceId, kind: "action" })).map((record) => record.id);

  beforeAll(async () => {
    running = await startSample();
    azurite = await startAzurite({ location: mkdtempSync(join(tmpdir(), "governor-remediation-")) });
    trail = TableAuditTrail.fromConnectionString(azurite.connectionString, { table: "GovernorAudit", now: () => sample.now });
  });
  afterAll(async () => {
    await running.close();
    await azurite?.close();
  });

  it("marks a change sent in the trail before sending it, once, and a second apply finds it done without marking again", async () => {
    const first = await applyRemediation(idle(DEV_01), depsFor(running, { trail }));
    expect(first.outcome).toBe("applied");
    expect(await marks(DEV_01)).toEqual([sentRecordId(idle(DEV_01), DEV_01)]);
    const [mark] = await trail.query({ resourceId: DEV_01, kind: "action" });
    expect(mark).toMatchObject({ policy: "stop-idle-nonprod-vms", action: "deallocate", instanceId: idle(DEV_01).instanceId });
    expect(mark?.reason).toMatch(/^sending: deallocated vm-odoo-dev-01/);
    const again = await applyRemediation(idle(DEV_01), depsFor(running, { trail }));
    // The same workflow's request again before its outcome is recorded (an activity delivered twice):
    // its own change, found done, reported applied, and nothing sent.
    expect(again.outcome).toBe("applied");
    expect(changesOf(running, DEV_01).filter((change) => change.operationName.endsWith("/deallocate/action"))).toHaveLength(1);
    expect(await marks(DEV_01)).toHaveLength(1);
    // Once the workflow recorded the outcome, running it again is a repeat, not a resume: already-done.
    await trail.append([
      {
        id: `${idle(DEV_01).instanceId}:outcome:${DEV_01.toLowerCase()}`,
        at: sample.now.toISOString(),
        kind: "outcome",
        policy: "stop-idle-nonprod-vms",
        resourceId: DEV_01,
        action: "deallocate",
        outcome: "applied",
        reason: first.reason,
        instanceId: idle(DEV_01).instanceId,
        trigger: { type: "timer" },
        actor: { type: "governor", id: "governor" },
      },
    ]);
    const repeat = await applyRemediation(idle(DEV_01), depsFor(running, { trail }));
    expect(repeat).toMatchObject({ outcome: "already-done", reason: "vm-odoo-dev-01 is already deallocated" });
  });

  it("a restarted workflow that finds its sent change done reports it applied and writes the owner tag the killed run never wrote", async () => {
    // What the killed run left: its mark, and a VM Azure deallocated while no process watched.
    await trail.append([
      {
        id: sentRecordId(idle(DEV_02), DEV_02),
        at: sample.now.toISOString(),
        kind: "action",
        policy: "stop-idle-nonprod-vms",
        resourceId: DEV_02,
        action: "deallocate",
        reason: "sending: deallocated vm-odoo-dev-02",
        instanceId: idle(DEV_02).instanceId,
        trigger: { type: "timer" },
        actor: { type: "governor", id: "governor" },
      },
    ]);
    const stored = running.emulator.core.store.get(DEV_02);
    if (!stored) throw new Error("vm-odoo-dev-02 is not in the estate");
    stored.sim.powerState = "deallocated";
    const outcome = await applyRemediation(idle(DEV_02), depsFor(running, { trail }));
    expect(outcome).toMatchObject({ outcome: "applied", after: { exists: true, powerState: "deallocated" } });
    expect(outcome.reason).toMatch(/sent before this workflow restarted, found done/);
    expect(tagValue(tagsOf(running, DEV_02) ?? {}, STOPPED_BY_TAG)).toMatch(/^stop-idle-nonprod-vms\b/);
    expect(changesOf(running, DEV_02).map((change) => change.operationName)).toEqual(["Microsoft.Resources/tags/write"]);
  });

  it("a restarted workflow that finds the snapshot it was deleting gone reports the delete applied", async () => {
    const expired = snapshot("snap-odoo-dev-01-2026-07-01");
    const planned = request("snapshot-retention-nonprod", expired);
    await trail.append([
      {
        id: sentRecordId(planned, expired),
        at: sample.now.toISOString(),
        kind: "action",
        policy: "snapshot-retention-nonprod",
        resourceId: expired,
        action: "delete",
        reason: "sending: deleted snapshot snap-odoo-dev-01-2026-07-01",
        instanceId: planned.instanceId,
        trigger: { type: "timer" },
        actor: { type: "governor", id: "governor" },
      },
    ]);
    // Azure finished the delete while no process watched.
    running.emulator.core.store.delete(expired);
    const outcome = await applyRemediation(planned, depsFor(running, { trail }));
    expect(outcome).toMatchObject({ outcome: "applied", after: { exists: false } });
    expect(outcome.reason).toMatch(/sent before this workflow restarted: the resource is gone/);
    // Another workflow's request for the same snapshot holds no mark: gone is already-done.
    const other = await applyRemediation({ ...planned, instanceId: "another-sweep" }, depsFor(running, { trail }));
    expect(other).toMatchObject({ outcome: "already-done", reason: "the resource no longer exists" });
  });

  it("a VM found deallocated with no mark of this workflow is another's change: already-done, no owner tag claimed", async () => {
    const stored = running.emulator.core.store.get(MIGRATION);
    if (!stored) throw new Error("vm-migration-temp-01 is not in the estate");
    stored.sim.powerState = "deallocated";
    const outcome = await applyRemediation(idle(MIGRATION), depsFor(running, { trail }));
    expect(outcome).toMatchObject({ outcome: "already-done", reason: "vm-migration-temp-01 is already deallocated" });
    expect(tagValue(tagsOf(running, MIGRATION) ?? {}, STOPPED_BY_TAG)).toBeUndefined();
    expect(changesOf(running, MIGRATION)).toEqual([]);
  });
});
