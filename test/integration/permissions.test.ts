/**
 * The evidence behind Governor's role: representative workflows (every policy of the pack swept
 * and carried out, a resource event checked, both budget responses) run on the local runtime
 * against the emulated subscription, with each activity's requests told apart. Activities are
 * run one at a time for this test only, so the emulator's request log between an activity's start
 * and end is that activity's; each request becomes the RBAC operation its route stands for
 * (emulator/armOperations.ts), and the manifest (orchestrations/activities/permissions.ts) must
 * allow each one for that activity, and need every permission it grants. A request only a
 * drill-scoped permission allows must target the drill resource group, where that role is assigned.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { armOperationOf, ROUTE_OPERATIONS } from "../../emulator/armOperations.ts";
import { allRoutes } from "../../emulator/routes/index.ts";
import {
  ACTIVITY_PERMISSIONS,
  drillScopeProblems,
  type ObservedRequest,
  permissionProblems,
} from "../../orchestrations/activities/permissions.ts";
import type { CheckResourceInput } from "../../orchestrations/checkResource.ts";
import type { CostResponseInput } from "../../orchestrations/costContainment.ts";
import { checkInstanceId, EVENTS, ORCHESTRATIONS } from "../../orchestrations/names.ts";
import type { SweepInput } from "../../orchestrations/sweep.ts";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";
import { loadConfig } from "../../shared/config.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { loadPolicyFile } from "../../shared/policy/loader.ts";
import { DurableStore, type FunctionHandler, type Registration } from "../../local/durable/index.ts";
import { type LocalApp, startLocalApp, workflowRegistrations } from "../../local/localApp.ts";
import { parseBudgetAlert } from "../../shared/triggers/budgetAlerts.ts";
import { deployExport } from "../support/azurePolicy.ts";
import { policiesFor } from "../../shared/triggers/resourceEvents.ts";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const EXAMPLES = new URL("../fixtures/azure-examples/", import.meta.url);

const UNATTACHED_DISKS_POLICY = `
  - name: delete-unattached-dev-disks
    description: Unattached dev disks older than 30 days are deleted.
    resource: disk
    mode: enforce
    when:
      - environment: [dev]
      - disk-attached: false
      - age: { olderThan: 30d, from: created }
    action: delete
`;

function budgetAlert(subscriptionId: string, thresholdType: "Actual" | "Forecasted"): CostResponseInput["alert"] {
  const text = readFileSync(new URL("cost-management/budget-alert-common-alert-schema-actual.json", EXAMPLES), "utf8")
    .replaceAll("11111111-1111-1111-1111-111111111111", subscriptionId)
    .replaceAll("Test_actual_cost_budget", "budget-nordwind-monthly");
  const payload = JSON.parse(text) as { data: { alertContext: { AlertData: Record<string, unknown> } } };
  const data = payload.data.alertContext.AlertData;
  data.NotificationThresholdAmount = data.BudgetThreshold;
  data.ThresholdType = thresholdType;
  const parsed = parseBudgetAlert(payload);
  if (parsed.kind !== "alert") throw new Error(`the example alert does not parse: ${JSON.stringify(parsed)}`);
  return parsed.alert;
}

/**
 * Runs the workflows until nothing moves but people: a workflow (a child one too) sleeping until
 * a schedule window opens has the virtual clock moved to its time; those awaiting approval stay.
 */
async function settle(app: LocalApp, taskHub: string): Promise<void> {
  const store = await DurableStore.open({ connectionString: app.azurite.connectionString, taskHub });
  const deadline = Date.now() + 120_000;
  for (;;) {
    await app.runtime.whenIdle();
    const running = await store.listInstances(["Pending", "Running"]);
    const statuses = await Promise.all(running.map((record) => app.runtime.getStatus(record.instanceId)));
    const wakes = statuses
      .map((status) => status?.customStatus as { stage?: string; until?: string } | undefined)
      .filter((custom) => (custom?.stage === "waiting-for-schedule" || custom?.stage === "task-running") && custom.until !== undefined)
      .map((custom) => new Date(custom?.until as string).getTime());
    if (wakes.length === 0) return;
    app.clock.set(new Date(Math.max(app.clock.nowMs(), Math.min(...wakes)) + 1_000));
    if (Date.now() > deadline)
      throw new Error(`workflows still sleeping after 120 s: ${running.map((record) => record.instanceId).join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("the RBAC operations the activities perform", () => {
  let app: LocalApp;
  let registrations: Registration[];
  const originals = new Map<Registration, FunctionHandler>();
  /** Activity name → operations its requests stood for. */
  const observed = new Map<string, Set<string>>();
  /** Every attributed request, with its path. */
  const requests: ObservedRequest[] = [];
  let drillGroupId = "";
  let unattributed: string[] = [];
  const unmapped: string[] = [];

  beforeAll(async () => {
    const workDir = mkdtempSync(join(tmpdir(), "governor-perm-"));
    // The pack deletes no disk; a platform team's own policy may, so the evidence includes one. And
    // a policy file's exemption of a policy with an Azure Policy equivalent: its sweep writes the exemption.
    const policyFile = join(workDir, "policies.yaml");
    // And required-tags handing what Azure Policy also reports to remediation tasks: its sweep creates and polls them.
    const pack = readFileSync(DEFAULT_POLICIES, "utf8")
      .replace(
        /(- name: allowed-regions\n(?:.*\n)*?    schedule: .*\n)/,
        "$1    exemptions: [{ resource: vm-odoo-test-eastus-m64, until: 2026-12-15, reason: load tests }]\n",
      )
      .replace(
        /(- name: required-tags\n(?:.*\n)*?    action: \{ type: tag, .*\n)/,
        "$1    approval: { approvers: [platform-team] }\n    azurePolicyRemediation: true\n",
      );
    expect(pack).toContain("azurePolicyRemediation: true");
    writeFileSync(policyFile, `${pack}${UNATTACHED_DISKS_POLICY}`);
    app = await startLocalApp({ workDir, policyFile, logger: quiet, taskHub: "GovernorPermissions" });
    drillGroupId = `/subscriptions/${app.sample.subscriptionId}/resourceGroups/${loadConfig(app.settings).drills.resourceGroup}`;
    registrations = await workflowRegistrations();
    let queue: Promise<unknown> = Promise.resolve();
    const attributed = new Set<number>();
    for (const registration of registrations.filter((candidate) => candidate.triggerType === "activityTrigger")) {
      const original = registration.handler;
      originals.set(registration, original);
      registration.handler = (input, context) => {
        const run = queue.then(async () => {
          const mark = app.emulator.core.log.mark;
          try {
            return await original(input, context);
          } finally {
            for (const entry of app.emulator.core.log.entries({ since: mark })) {
              attributed.add(entry.seq);
              try {
                const operations = observed.get(registration.name) ?? new Set<string>();
                const operation = armOperationOf(entry);
                operations.add(operation);
                observed.set(registration.name, operations);
                requests.push({ activity: registration.name, operation, path: entry.path });
              } catch (error) {
                unmapped.push((error as Error).message);
              }
            }
          }
        });
        queue = run.catch(() => undefined);
        return run;
      };
    }

    // The Governor baseline assigned, as the template deploys it: an exemption decision then writes its formal exemption.
    await deployExport(app.emulator, app.sample.subscriptionId, readFileSync(policyFile, "utf8"), "DoNotEnforce");
    // A production VM created since the vault last looked: its enrolment refreshes the vault's containers first.
    // Put in the store directly, as created through the API (a request of the test's own would count as unattributed).
    const newVmId = `/subscriptions/${app.sample.subscriptionId}/resourceGroups/rg-odoo-prod/providers/Microsoft.Compute/virtualMachines/vm-odoo-prod-worker-09`;
    app.emulator.core.store.put(
      app.emulator.core.materialise("Microsoft.Compute/virtualMachines", {
        id: newVmId,
        name: "vm-odoo-prod-worker-09",
        body: {
          location: "westeurope",
          tags: { owner: "platform-team@nordwind.example", environment: "prod", "cost-center": "CC-1000", application: "odoo" },
          properties: { hardwareProfile: { vmSize: "Standard_D4s_v5" } },
        },
        sim: { backupDiscovered: false },
      }),
    );
    const start = app.emulator.core.log.mark;
    const set = await loadPolicyFile(policyFile, builtinRegistry());
    const ids: string[] = [];
    for (const policy of set.policies) {
      const instanceId = `sweep:${policy.name}:permissions`;
      const input: SweepInput = { policy: policy.name, scope: "2026-11-23T19:30", trigger: { type: "cli" }, autoApprove: true };
      await app.runtime.startNew(ORCHESTRATIONS.sweep, { instanceId, input });
      ids.push(instanceId);
    }
    const vm = app.emulator.core.store
      .list({ type: "Microsoft.Compute/virtualMachines" })
      .find((item) => item.arm.name === "vm-odoo-dev-01");
    if (!vm) throw new Error("the sample estate has no vm-odoo-dev-01");
    const check: CheckResourceInput = {
      resourceId: vm.arm.id,
      policies: policiesFor("virtual-machine", set.policies),
      event: {
        id: "permissions-1",
        type: "Microsoft.Resources.ResourceWriteSuccess",
        time: app.clock.now().toISOString(),
        operationName: "Microsoft.Compute/virtualMachines/write",
      },
    };
    ids.push(checkInstanceId(vm.arm.id));
    await app.runtime.startNew(ORCHESTRATIONS.checkResource, { instanceId: checkInstanceId(vm.arm.id), input: check });
    for (const [orchestrator, thresholdType] of [
      [ORCHESTRATIONS.costNotice, "Forecasted"],
      [ORCHESTRATIONS.costContainment, "Actual"],
    ] as const) {
      const input: CostResponseInput = { alert: budgetAlert(app.sample.subscriptionId, thresholdType), reason: "permissions evidence" };
      const instanceId = `budget:permissions:${thresholdType.toLowerCase()}`;
      await app.runtime.startNew(orchestrator, { instanceId, input });
      ids.push(instanceId);
    }
    // Restore drills: the pack's drill of the (private) production server runs in its sweep above;
    // a public server's drill opens a firewall rule; the sweeper deletes an expired drill server.
    // Both servers are put in the emulator's store directly: a request of the test's own would
    // count as unattributed.
    const core = app.emulator.core;
    const groupId = (name: string): string => `/subscriptions/${app.sample.subscriptionId}/resourceGroups/${name}`;
    const publicServer = core.materialise("Microsoft.DBforPostgreSQL/flexibleServers", {
      id: `${groupId("rg-odoo-test")}/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-odoo-public`,
      name: "psql-odoo-public",
      body: {
        location: "westeurope",
        properties: { version: "17", administratorLogin: "odooadmin", network: { publicNetworkAccess: "Enabled" } },
      },
    });
    core.store.put(publicServer);
    const expired = core.materialise("Microsoft.DBforPostgreSQL/flexibleServers", {
      id: `${groupId("rg-governor-drills")}/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-left-behind`,
      name: "psql-left-behind",
      body: {
        location: "westeurope",
        tags: { "governor-drill": "copy", "governor-drill-expires": "2026-11-01T00:00:00Z" },
        properties: { version: "17", administratorLogin: "odooadmin" },
      },
    });
    core.store.put(expired);
    const drillId = `drill:psql-odoo-public:permissions`;
    await app.runtime.startNew(ORCHESTRATIONS.restoreDrill, {
      instanceId: drillId,
      input: { serverId: publicServer.arm.id, args: { checks: ["connection"] }, trigger: { type: "manual" } },
    });
    ids.push(drillId);
    for (const [orchestrator, instanceId] of [
      [ORCHESTRATIONS.drillSweeper, "drill-sweeper:permissions"],
      [ORCHESTRATIONS.drillHeartbeat, "drill-heartbeat:permissions"],
    ] as const) {
      await app.runtime.startNew(orchestrator, { instanceId, input: {} });
      ids.push(instanceId);
    }
    await settle(app, "GovernorPermissions");
    // A person exempts a resource of a plan that waits for approval: the exemption is Governor's tag write.
    const exempting = "remediate:stop-idle-nonprod-vms:permissions-exempt";
    await app.runtime.startNew(ORCHESTRATIONS.remediate, {
      instanceId: exempting,
      input: {
        policy: "stop-idle-nonprod-vms",
        action: { type: "deallocate", args: {} },
        approval: { required: true, approvers: ["platform-team"], escalation: [], timeoutMs: 8 * 3_600_000, onTimeout: "skip" },
        resources: [{ resourceId: vm.arm.id, resourceName: vm.arm.name, reason: "permissions evidence", estimatedMonthlySavings: 0 }],
        trigger: { type: "cli" },
      },
    });
    await app.runtime.whenIdle();
    await app.runtime.raiseEvent(`${exempting}:approval`, EVENTS.approvalDecision, {
      decision: "exempt",
      exempt: { resourceIds: [vm.arm.id], until: "2026-12-31" },
      decidedBy: "maria@nordwind.example",
    });
    ids.push(exempting);
    // Backup enrolment waiting for a person (where a policy says so): exempting from it writes the Azure Policy exemption too.
    const prodVm = app.emulator.core.store
      .list({ type: "Microsoft.Compute/virtualMachines" })
      .find((item) => item.arm.name === "vm-odoo-prod-app-01");
    if (!prodVm) throw new Error("the sample estate has no vm-odoo-prod-app-01");
    const formal = "remediate:backup-production-vms:permissions-exempt:approval";
    await app.runtime.startNew(ORCHESTRATIONS.approval, {
      instanceId: formal,
      input: {
        policy: "backup-production-vms",
        action: "enroll-backup",
        resources: [
          { resourceId: prodVm.arm.id, resourceName: prodVm.arm.name, reason: "permissions evidence", estimatedMonthlySavings: 0 },
        ],
        approvers: ["platform-team"],
        timeoutMs: 8 * 3_600_000,
        onTimeout: "skip",
      },
    });
    await app.runtime.whenIdle();
    await app.runtime.raiseEvent(formal, EVENTS.approvalDecision, {
      decision: "exempt",
      exempt: { resourceIds: [prodVm.arm.id], until: "2026-12-31" },
      decidedBy: "maria@nordwind.example",
    });
    ids.push(formal);
    await settle(app, "GovernorPermissions");
    // The approver's exemption ends early (its tag removed, in the store: a request of the test's own
    // would count as unattributed): the next sweep removes the Azure Policy exemption.
    const tagged = app.emulator.core.store
      .list({ type: "Microsoft.Compute/virtualMachines" })
      .find((item) => item.arm.id === prodVm.arm.id);
    if (!tagged?.arm.tags?.["governor-exempt-until"]) throw new Error("the exemption decision wrote no governor-exempt-until tag");
    delete tagged.arm.tags["governor-exempt-until"];
    app.emulator.core.store.put(tagged);
    await app.runtime.startNew(ORCHESTRATIONS.sweep, {
      instanceId: "sweep:backup-production-vms:permissions-ended",
      input: {
        policy: "backup-production-vms",
        scope: "permissions-ended",
        trigger: { type: "cli" },
        autoApprove: true,
      } satisfies SweepInput,
    });
    ids.push("sweep:backup-production-vms:permissions-ended");
    await settle(app, "GovernorPermissions");
    // Two days on, the savings ledger measures the changes above: its cost query is evidence too.
    app.clock.advance(2 * 86_400_000);
    await app.runtime.startNew(ORCHESTRATIONS.savingsLedger, { instanceId: "savings-ledger:permissions", input: {} });
    await settle(app, "GovernorPermissions");
    // Verification trusts the read made after a change; an outcome without one (an older worker's) is read again.
    const verify = registrations.find((candidate) => candidate.name === "verifyRemediation");
    await verify?.handler(
      { outcomes: [{ resourceId: vm.arm.id, action: "deallocate", outcome: "applied", reason: "permissions evidence" }] },
      undefined as never,
    );
    await queue;
    unattributed = app.emulator.core.log
      .entries({ since: start })
      .filter((entry) => !attributed.has(entry.seq))
      .map((entry) => `${entry.method} ${entry.route} ${entry.path}`);
  }, 300_000);

  afterAll(async () => {
    for (const [registration, handler] of originals) registration.handler = handler;
    await app?.close();
  });

  it("every emulator route stands for an RBAC operation", () => {
    expect(
      allRoutes()
        // Communication Services (approval emails) authorise a request by the resource's access key, not by RBAC.
        .filter((route) => route.authentication !== "hmac" && !(route.name in ROUTE_OPERATIONS))
        .map((route) => route.name),
    ).toEqual([]);
    expect(unmapped).toEqual([]);
  });

  it("only activities call Azure: no request comes from an orchestrator or a trigger", () => {
    expect(unattributed).toEqual([]);
  });

  it("the workflows exercised the changes Governor makes (the evidence is not empty)", () => {
    const changes = [...(observed.get("applyRemediation") ?? [])].filter((operation) => !operation.endsWith("/read"));
    expect(changes).toEqual(
      expect.arrayContaining([
        "Microsoft.Compute/virtualMachines/deallocate/action",
        "Microsoft.Compute/snapshots/delete",
        "Microsoft.Resources/tags/write",
      ]),
    );
    // The sweeps' exemption sync wrote the policy file's exemption and removed the approver's that ended early.
    expect([...(observed.get("syncFormalExemptions") ?? [])].sort()).toEqual(
      expect.arrayContaining([
        "Microsoft.Authorization/policyExemptions/delete",
        "Microsoft.Authorization/policyExemptions/read",
        "Microsoft.Authorization/policyExemptions/write",
      ]),
    );
  });

  it("the manifest allows every operation each activity performed, and grants nothing the evidence did not need", () => {
    expect(permissionProblems(observed)).toEqual([]);
  });

  it("every request made under a drill-scoped permission targeted a resource in the drill resource group", () => {
    const drillScoped = new Set(
      Object.values(ACTIVITY_PERMISSIONS)
        .flat()
        .filter((permission) => permission.scope === "drill-resource-group")
        .map((permission) => permission.operation),
    );
    // The evidence holds each drill operation: a restore, a firewall rule, deletions.
    expect(new Set(requests.filter((request) => drillScoped.has(request.operation)).map((request) => request.operation))).toEqual(
      drillScoped,
    );
    expect(drillScopeProblems(requests, drillGroupId)).toEqual([]);
  });

  it("the drill scope check fails when a permission used outside the drill resource group is scoped to it", () => {
    const deallocate = "Microsoft.Compute/virtualMachines/deallocate/action";
    const narrower = {
      ...ACTIVITY_PERMISSIONS,
      applyRemediation: ACTIVITY_PERMISSIONS.applyRemediation.map((permission) =>
        permission.operation === deallocate ? { ...permission, scope: "drill-resource-group" as const } : permission,
      ),
    };
    const problems = drillScopeProblems(requests, drillGroupId, narrower);
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems)
      expect(problem).toMatch(
        /^applyRemediation performed Microsoft\.Compute\/virtualMachines\/deallocate\/action on \S+, outside the drill resource group/,
      );
    // A drill request sent to another group fails too.
    const restore = requests.find((request) => request.operation === "Microsoft.DBforPostgreSQL/flexibleServers/write")!;
    const moved = { ...restore, path: restore.path.replace(drillGroupId, drillGroupId.replace(/[^/]+$/, "rg-odoo-prod")) };
    expect(drillScopeProblems([moved], drillGroupId)).toEqual([
      `startDrillRestore performed Microsoft.DBforPostgreSQL/flexibleServers/write on ${moved.path}, outside the drill resource group its permission is scoped to`,
    ]);
  });

  it("the check fails when the manifest lacks an operation an activity performed", () => {
    const narrower = {
      ...ACTIVITY_PERMISSIONS,
      applyRemediation: ACTIVITY_PERMISSIONS.applyRemediation.filter(
        (permission) => permission.operation !== "Microsoft.Compute/virtualMachines/deallocate/action",
      ),
    };
    expect(permissionProblems(observed, narrower)).toContain(
      "applyRemediation performed Microsoft.Compute/virtualMachines/deallocate/action, which its manifest entry does not allow",
    );
  });

  it("the check fails when the manifest grants an operation nothing performed", () => {
    const wider = {
      ...ACTIVITY_PERMISSIONS,
      planPolicy: [
        ...ACTIVITY_PERMISSIONS.planPolicy,
        { operation: "Microsoft.Compute/virtualMachines/delete", why: "mutation", evidence: "request" as const },
      ],
    };
    expect(permissionProblems(observed, wider)).toContain(
      "planPolicy is granted Microsoft.Compute/virtualMachines/delete, which no request of the evidence needed",
    );
  });
});
