/**
 * Formal exemptions kept in step by the sweeps, on the local runtime against the emulator with the
 * Governor baseline assigned (DoNotEnforce, as the template assigns it): a policy file's
 * `exemptions:` entry becomes an Azure Policy exemption (Waiver, expiresOn, metadata naming the file
 * entry and its reason) that Policy Insights honours; a second sweep writes nothing; an entry ended
 * earlier moves its expiry, one removed removes it; an approver's "exempt until" is removed when
 * its governor-exempt-until tag is, and shortened when the tag is moved earlier. Exemptions Governor
 * did not write are never touched.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";
import { type LocalApp, startLocalApp } from "../../local/localApp.ts";
import { EVENTS, ORCHESTRATIONS } from "../../orchestrations/names.ts";
import type { SweepInput, SweepResult } from "../../orchestrations/sweep.ts";
import { policyExemptionsClient, policyInsightsClient, resourcesClient } from "../../shared/azure/clients.ts";
import { emulatorTarget, type AzureTarget } from "../../shared/azure/target.ts";
import { GOVERNOR_ASSIGNMENT_NAME } from "../../shared/azurePolicy/names.ts";
import { deployExport } from "../support/azurePolicy.ts";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const PACK = readFileSync(DEFAULT_POLICIES, "utf8");
const LOAD_TEST_VM = "vm-odoo-test-eastus-m64";

/** The pack with an `exemptions:` list on allowed-regions (nothing when `entries` is empty). */
function packWith(entries: string): string {
  return PACK.replace(/(- name: allowed-regions\n(?:.*\n)*?    schedule: .*\n)/, `$1${entries}`);
}
const loadTestEntry = (until: string) =>
  `    exemptions:\n      - { resource: ${LOAD_TEST_VM}, until: ${until}, reason: load tests from the US until the migration }\n`;

let app: LocalApp;
let target: AzureTarget;
let policyFile: string;
let vmId: string;
let prodVmId: string;
let sweeps = 0;

async function sweep(policy: string): Promise<SweepResult> {
  sweeps += 1;
  const instanceId = `sweep:${policy}:exemptions-${sweeps}`;
  const input: SweepInput = { policy, scope: `exemptions-${sweeps}`, trigger: { type: "cli" } };
  await app.runtime.startNew(ORCHESTRATIONS.sweep, { instanceId, input });
  await app.runtime.whenIdle();
  const status = await app.runtime.getStatus(instanceId);
  expect(status?.runtimeStatus).toBe("Completed");
  return status?.output as SweepResult;
}

/** A new version of the policy file, seen once the source's check interval has passed on the virtual clock. */
function rewritePolicies(text: string): void {
  writeFileSync(policyFile, text);
  app.clock.advance(5 * 60_000);
}

const exemptionsOf = async (scope: string) => {
  const client = await policyExemptionsClient(target);
  const found = [];
  for await (const exemption of client.policyExemptions.list())
    if (exemption.id?.toLowerCase().startsWith(scope.toLowerCase())) found.push(exemption);
  return found.sort((a, b) => (a.name ?? "").localeCompare(b.name ?? ""));
};
const writes = (since: number) =>
  app.emulator.core.log
    .entries({ since })
    .filter((entry) => entry.route === "policyExemptions.createOrUpdate" || entry.route === "policyExemptions.delete");

beforeAll(async () => {
  const workDir = mkdtempSync(join(tmpdir(), "governor-exemptions-"));
  policyFile = join(workDir, "policies.yaml");
  writeFileSync(policyFile, packWith(loadTestEntry("2026-12-15")));
  app = await startLocalApp({ workDir, policyFile, logger: quiet, taskHub: "GovernorExemptions" });
  target = emulatorTarget(app.emulator, app.sample.subscriptionId);
  await deployExport(app.emulator, app.sample.subscriptionId, PACK, "DoNotEnforce");
  const vms = app.emulator.core.store.list({ type: "Microsoft.Compute/virtualMachines" });
  vmId = vms.find((vm) => vm.arm.name === LOAD_TEST_VM)?.arm.id as string;
  prodVmId = vms.find((vm) => vm.arm.name === "vm-odoo-prod-app-01")?.arm.id as string;
  expect(vmId && prodVmId).toBeTruthy();
}, 120_000);
afterAll(async () => app?.close());

describe("a policy file's exemptions as Azure Policy exemptions", () => {
  it("the sweep writes the entry's exemption (Waiver, expiresOn, metadata naming the file entry and reason), which Policy Insights honours", async () => {
    // Someone else's exemption on the same VM: read and honoured, never touched.
    const client = await policyExemptionsClient(target);
    await client.policyExemptions.createOrUpdate(vmId, "security-team-waiver", {
      policyAssignmentId: `/subscriptions/${app.sample.subscriptionId}/providers/Microsoft.Authorization/policyAssignments/${GOVERNOR_ASSIGNMENT_NAME}`,
      policyDefinitionReferenceIds: ["allowed-vm-sizes"],
      exemptionCategory: "Mitigated",
      metadata: { reason: "reserved capacity" },
    });
    const result = await sweep("allowed-regions");
    expect(result.exemptions?.map((change) => [change.op, change.name, change.outcome])).toEqual([
      ["write", "governor-file_allowed-regions", "applied"],
    ]);
    const [security, written] = await exemptionsOf(vmId).then((list) => [
      list.find((exemption) => exemption.name === "security-team-waiver"),
      list.find((exemption) => exemption.name === "governor-file_allowed-regions"),
    ]);
    expect(security?.exemptionCategory).toBe("Mitigated");
    expect(written).toMatchObject({
      exemptionCategory: "Waiver",
      policyDefinitionReferenceIds: ["allowed-regions"],
      expiresOn: new Date("2026-12-15T23:59:59Z"),
      metadata: {
        managedBy: "governor",
        source: "policy-file",
        governorPolicy: "allowed-regions",
        policyFile,
        entry: LOAD_TEST_VM,
        until: "2026-12-15",
        reason: "load tests from the US until the migration",
      },
    });
    const insights = await policyInsightsClient(target);
    const states = [];
    for await (const state of insights.policyStates.listQueryResultsForSubscription("latest", app.sample.subscriptionId, {
      queryOptions: { filter: `ResourceId eq '${vmId}' and PolicyDefinitionReferenceId eq 'allowed-regions'` },
    }))
      states.push(state.complianceState);
    expect(states).toEqual(["Exempt"]);
    const trail = (
      await (
        await import("../../shared/audit/trail.ts")
      ).TableAuditTrail.fromConnectionString(app.azurite.connectionString).query({ kind: "action" })
    ).filter((record) => record.action === "write-policy-exemption");
    expect(trail.map((record) => [record.resourceId, record.outcome])).toEqual([[vmId, "applied"]]);
  }, 60_000);

  it("a second sweep writes nothing: the exemption already agrees", async () => {
    const mark = app.emulator.core.log.mark;
    const result = await sweep("allowed-regions");
    expect(result.exemptions).toBeUndefined();
    expect(writes(mark)).toEqual([]);
    expect(app.emulator.core.log.entries({ since: mark, route: "policyExemptions.get" })).toEqual([]);
  }, 60_000);

  it("an entry that now ends earlier moves the exemption's expiry; an entry removed removes it, and only Governor's", async () => {
    rewritePolicies(packWith(loadTestEntry("2026-12-01")));
    const earlier = await sweep("allowed-regions");
    expect(earlier.exemptions?.map((change) => [change.op, change.outcome])).toEqual([["write", "applied"]]);
    expect((await exemptionsOf(vmId)).find((exemption) => exemption.name === "governor-file_allowed-regions")?.expiresOn).toEqual(
      new Date("2026-12-01T23:59:59Z"),
    );

    rewritePolicies(PACK);
    const removed = await sweep("allowed-regions");
    expect(removed.exemptions?.map((change) => [change.op, change.name, change.outcome])).toEqual([
      ["delete", "governor-file_allowed-regions", "applied"],
    ]);
    expect((await exemptionsOf(vmId)).map((exemption) => exemption.name)).toEqual(["security-team-waiver"]);
    const mark = app.emulator.core.log.mark;
    expect((await sweep("allowed-regions")).exemptions).toBeUndefined();
    expect(writes(mark)).toEqual([]);
  }, 60_000);
});

describe("an approver's exempt-until ended early", () => {
  async function exemptByApproval(until: string): Promise<void> {
    const instanceId = `remediate:backup-production-vms:exempt-${until}:approval`;
    await app.runtime.startNew(ORCHESTRATIONS.approval, {
      instanceId,
      input: {
        policy: "backup-production-vms",
        action: "enroll-backup",
        resources: [{ resourceId: prodVmId, resourceName: "vm-odoo-prod-app-01", reason: "not protected", estimatedMonthlySavings: 0 }],
        approvers: ["platform-team"],
        timeoutMs: 8 * 3_600_000,
        onTimeout: "skip",
      },
    });
    await app.runtime.whenIdle();
    await app.runtime.raiseEvent(instanceId, EVENTS.approvalDecision, {
      decision: "exempt",
      exempt: { resourceIds: [prodVmId], until },
      decidedBy: "maria@nordwind.example",
    });
    await app.runtime.whenIdle();
  }
  const formal = async () => (await exemptionsOf(prodVmId)).find((exemption) => exemption.name === "governor-backup-production-vms");
  const setTags = async (operation: "Merge" | "Delete", tags: Record<string, string>) =>
    (await resourcesClient(target)).tagsOperations.updateAtScope(prodVmId, { operation, properties: { tags } }, { updateIntervalInMs: 10 });

  it("the tag moved earlier moves the exemption's expiry; the tag removed removes the exemption", async () => {
    await exemptByApproval("2026-12-31");
    expect((await formal())?.expiresOn).toEqual(new Date("2026-12-31T23:59:59Z"));
    const unchanged = app.emulator.core.log.mark;
    expect((await sweep("backup-production-vms")).exemptions).toBeUndefined();
    expect(writes(unchanged)).toEqual([]);

    await setTags("Merge", { "governor-exempt-until": "2026-12-10" });
    const shortened = await sweep("backup-production-vms");
    expect(shortened.exemptions?.map((change) => [change.op, change.outcome])).toEqual([["shorten", "applied"]]);
    expect(await formal()).toMatchObject({
      expiresOn: new Date("2026-12-10T23:59:59Z"),
      metadata: { approver: "maria@nordwind.example", source: "approval", endedEarly: expect.stringContaining("2026-12-10") as string },
    });

    await setTags("Delete", { "governor-exempt-until": "" });
    const ended = await sweep("backup-production-vms");
    expect(ended.exemptions?.map((change) => [change.op, change.name, change.outcome, change.reason])).toEqual([
      [
        "delete",
        "governor-backup-production-vms",
        "applied",
        "Azure Policy exemption governor-backup-production-vms removed: the governor-exempt-until tag was removed: the approver's exemption ended early",
      ],
    ]);
    expect(await formal()).toBeUndefined();
    const mark = app.emulator.core.log.mark;
    expect((await sweep("backup-production-vms")).exemptions).toBeUndefined();
    expect(writes(mark)).toEqual([]);
  }, 90_000);
});
