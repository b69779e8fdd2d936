/**
 * Approvals through the real doors: the remediation workflow asks (a card posted to the Teams
 * webhook, an email sent through the emulated Communication Services by the real EmailClient),
 * people decide on the approval page's routes on the local host, and the outcome shows in the
 * emulated subscription and in the audit trail. Refused links change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApprovalRequestInput } from "../../orchestrations/approval.ts";
import { ACTIVITIES } from "../../orchestrations/names.ts";
import type { RemediateResult } from "../../orchestrations/remediate.ts";
import { workflowRegistrations } from "../../local/localApp.ts";
import { policyExemptionsClient, resourcesClient } from "../../shared/azure/clients.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { emulatorUserCredential } from "../../emulator/identity.ts";
import { TableAuditTrail } from "../../shared/audit/trail.ts";
import { readToken, signToken } from "../../shared/approvals/token.ts";
import { approvalStage, type ApprovalsHarness, linkFromTeams, startApprovalsHarness } from "../support/approvals.ts";
import { deployExport } from "../support/azurePolicy.ts";
import { readFileSync } from "node:fs";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";

const HOUR = 3_600_000;
let h: ApprovalsHarness;
let trail: TableAuditTrail;

beforeAll(async () => {
  h = await startApprovalsHarness("GovernorApprovalsTest");
  trail = TableAuditTrail.fromConnectionString(h.app.azurite.connectionString, { table: "GovernorAudit" });
}, 120_000);
afterAll(async () => h?.close());

const power = (name: string): string | undefined =>
  h.app.emulator.core.store.list({ type: "Microsoft.Compute/virtualMachines" }).find((vm) => vm.arm.name === name)?.sim.powerState;
const tagsOf = (name: string): Record<string, string> =>
  h.app.emulator.core.store.list().find((resource) => resource.arm.name === name)?.arm.tags ?? {};
const writesSince = (since: number) =>
  h.app.emulator.core.log
    .entries({ since })
    .filter((entry) => entry.method !== "GET" && !["resourceGraph.resources", "metrics.batch"].includes(entry.route));
const idOf = (name: string): string => {
  const resource = h.idleVms.resources.find((item) => item.resourceName === name);
  if (!resource) throw new Error(`${name} is not in the plan`);
  return resource.resourceId;
};

/** Starts a remediation of the idle VMs under its own id and returns it once the approval awaits a decision. */
async function ask(name: string, overrides: { escalation?: string[] } = {}) {
  const instanceId = `remediate:stop-idle-nonprod-vms:${name}`;
  const approvalId = `${instanceId}:approval`;
  const approval = h.idleVms.approval ?? {
    required: true,
    approvers: ["platform-team"],
    escalation: [],
    timeoutMs: 8 * HOUR,
    onTimeout: "skip",
  };
  await h.app.runtime.startNew("remediate", {
    instanceId,
    input: { ...h.idleVms, approval: { ...approval, escalation: overrides.escalation ?? [] } },
  });
  const status = await approvalStage(h.app, approvalId, "awaiting-approval");
  return { instanceId, approvalId, status, link: linkFromTeams(h.teams, approvalId) };
}

function post(link: string, fields: Record<string, string | string[]>, token?: string): Promise<Response> {
  const url = new URL(link);
  const body = new URLSearchParams();
  body.append("token", token ?? (url.searchParams.get("token") as string));
  for (const [name, value] of Object.entries(fields)) for (const item of [value].flat()) body.append(name, item);
  url.search = "";
  return fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" }, body });
}

async function finished(instanceId: string): Promise<RemediateResult> {
  const status = await h.app.runtime.waitForCompletion(instanceId, { timeoutMs: 90_000 });
  expect(status.runtimeStatus, JSON.stringify(status.output)).toBe("Completed");
  return status.output as RemediateResult;
}

const outcomeOf = (result: RemediateResult, name: string) => result.outcomes.find((outcome) => outcome.resourceId === idOf(name));

describe("a request", () => {
  it("asks once for the whole plan: one Teams card and one email listing every resource with its state and savings", async () => {
    const posts = h.teams.posts.length;
    const emails = h.app.emulator.core.email.messages.length;
    const { approvalId, link } = await ask("batched");
    expect(h.teams.posts.length - posts).toBe(1);
    expect(h.app.emulator.core.email.messages.length - emails).toBe(1);
    const email = h.app.emulator.core.email.messages.at(-1);
    expect(email?.to).toEqual(["platform@nordwind.example"]);
    expect(email?.senderAddress).toBe("governor@nordwind.example");
    expect(email?.subject).toMatch(/^Governor approval: Deallocate 5 resources \(stop-idle-nonprod-vms\): saves about [\d,]+ EUR a month$/);
    for (const resource of h.idleVms.resources) {
      expect(email?.plainText).toContain(resource.resourceName);
      expect(email?.html).toContain(resource.resourceName);
    }
    expect(email?.plainText).toContain("running");
    expect(email?.plainText).toContain(link);
    const card = JSON.stringify(h.teams.posts.at(-1)?.body);
    for (const resource of h.idleVms.resources) expect(card).toContain(resource.resourceName);

    const [notice] = await trail.query({ instanceId: approvalId, kind: "notice" });
    expect(notice?.reason).toMatch(
      /approval requested from platform-team for 5 resource\(s\).*teams: delivered \(1 attempt\); email: delivered \(1 attempt\)/,
    );
    await post(link, { decision: "reject" });
  }, 120_000);
});

describe("links that are refused change nothing", () => {
  let pending: Awaited<ReturnType<typeof ask>>;
  let other: Awaited<ReturnType<typeof ask>>;
  let key: string;
  let since: number;

  beforeAll(async () => {
    pending = await ask("refusals");
    other = await ask("refusals-other");
    key = h.app.settings.GOVERNOR_APPROVAL_KEY as string;
    since = h.app.emulator.core.log.total;
  }, 120_000);

  const tokenOf = (link: string): string => new URL(link).searchParams.get("token") as string;
  const claimsOf = (link: string) => {
    const read = readToken(tokenOf(link), key);
    if ("problem" in read) throw new Error(read.problem.reason);
    return read.claims;
  };

  async function unchanged(): Promise<void> {
    const status = await h.app.runtime.getStatus(pending.approvalId);
    expect(status?.customStatus).toMatchObject({ stage: "awaiting-approval", round: 0 });
    expect(writesSince(since)).toEqual([]);
    expect(await trail.query({ instanceId: pending.instanceId, kind: "approval" })).toEqual([]);
  }

  it("a GET of the link shows the plan and the buttons, and decides nothing", async () => {
    const response = await fetch(pending.link);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const page = await response.text();
    for (const resource of h.idleVms.resources) expect(page).toContain(resource.resourceName);
    expect(page).toContain('value="approve"');
    expect((await fetch(`${pending.link}&intent=approve`)).status).toBe(200);
    await unchanged();
  });

  it("a tampered token is refused with 403", async () => {
    const token = tokenOf(pending.link);
    const [payload = "", signature = ""] = token.split(".");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
    const forged = `${Buffer.from(JSON.stringify({ ...claims, exp: (claims.exp as number) + 30 * 86_400_000 })).toString("base64url")}.${signature}`;
    const response = await post(pending.link, { decision: "approve" }, forged);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: "bad-signature" });
    await unchanged();
  });

  it("an expired token is refused with 410", async () => {
    const expired = signToken({ ...claimsOf(pending.link), exp: h.app.clock.nowMs() - 1 }, key);
    const response = await post(pending.link, { decision: "approve" }, expired);
    expect(response.status).toBe(410);
    expect(await response.json()).toMatchObject({ code: "expired" });
    await unchanged();
  });

  it("another approval's token is refused with 403", async () => {
    const response = await post(pending.link, { decision: "approve" }, tokenOf(other.link));
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: "wrong-instance" });
    await unchanged();
  });

  it("a token for another plan is refused with 409: a changed plan needs a new approval", async () => {
    const wrongPlan = signToken({ ...claimsOf(pending.link), planHash: "a-plan-with-another-vm" }, key);
    const response = await post(pending.link, { decision: "approve" }, wrongPlan);
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: "wrong-plan" });
    expect((await fetch(`${pending.link.split("?")[0]}?token=${encodeURIComponent(wrongPlan)}`)).status).toBe(409);
    await unchanged();
  });

  it("a person who is not an approver is refused with 403, and nobody signed in with 401", async () => {
    h.identity.current = { name: "intern@nordwind.example", roles: ["readers"] };
    try {
      const response = await post(pending.link, { decision: "approve" });
      expect(response.status).toBe(403);
      expect((await response.json()) as { error: string }).toMatchObject({
        error: expect.stringMatching(/intern@nordwind.example is not one of the approvers/) as string,
      });
      h.identity.current = undefined;
      expect((await post(pending.link, { decision: "approve" })).status).toBe(401);
    } finally {
      h.identity.current = { name: "maria@nordwind.example", roles: ["platform-team"] };
    }
    await unchanged();
  });

  it("on App Service with its authentication off, even an approver's principal is refused with 401: anyone could have sent it", async () => {
    // The handlers run in this process: what App Service sets in the app's environment is read here.
    const saved = { site: process.env.WEBSITE_SITE_NAME, auth: process.env.WEBSITE_AUTH_ENABLED };
    process.env.WEBSITE_SITE_NAME = "func-governor";
    try {
      delete process.env.WEBSITE_AUTH_ENABLED;
      const response = await post(pending.link, { decision: "approve" });
      expect(response.status).toBe(401);
      expect((await response.json()) as { error: string }).toMatchObject({
        error: expect.stringMatching(/App Service authentication is off/) as string,
      });
      const page = await (await fetch(pending.link)).text();
      expect(page).not.toMatch(/maria@nordwind\.example/);
    } finally {
      for (const [name, value] of [
        ["WEBSITE_SITE_NAME", saved.site],
        ["WEBSITE_AUTH_ENABLED", saved.auth],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    await unchanged();
  });

  it("a decision naming a resource outside the plan is refused with 400", async () => {
    const response = await post(pending.link, {
      decision: "approve",
      approve: "/subscriptions/x/resourceGroups/y/providers/Microsoft.Compute/virtualMachines/z",
    });
    expect(response.status).toBe(400);
    await unchanged();
  });

  it("a decided approval takes no second decision", async () => {
    const first = await post(other.link, { decision: "reject", comment: "not tonight" });
    expect(first.status).toBe(202);
    const replay = await post(other.link, { decision: "approve" });
    expect(replay.status).toBe(409);
    const result = await finished(other.instanceId);
    expect(result.approval).toMatchObject({ outcome: "rejected", decidedBy: "maria@nordwind.example", reason: "not tonight" });
    expect(result.counts).toMatchObject({ applied: 0, skipped: 5 });
    await unchanged();
  });

  it("after the GETs and every refusal, the genuine link still decides: none of them spent it", async () => {
    const response = await post(pending.link, { decision: "reject", comment: "cleaning up" });
    expect(response.status).toBe(202);
    expect((await finished(pending.instanceId)).approval).toMatchObject({ outcome: "rejected", reason: "cleaning up" });
  });
});

describe("decisions", () => {
  it("reject: nothing is stopped, and the audit trail says who rejected", async () => {
    const { instanceId, link } = await ask("reject");
    const since = h.app.emulator.core.log.total;
    expect((await post(link, { decision: "reject", comment: "quarter close" })).status).toBe(202);
    const result = await finished(instanceId);
    expect(result.approval.outcome).toBe("rejected");
    expect(writesSince(since)).toEqual([]);
    for (const resource of h.idleVms.resources) expect(power(resource.resourceName)).toBe("running");
    const [record] = await trail.query({ instanceId, kind: "approval" });
    expect(record).toMatchObject({ actor: { type: "person", id: "maria@nordwind.example" }, reason: "rejected: quarter close" });
  }, 120_000);

  it("snooze asks again later with a new link; unanswered, it escalates once, then skips", async () => {
    const { instanceId, approvalId, link } = await ask("snooze-timeout", { escalation: ["ops-lead@nordwind.example"] });
    const response = await post(link, { decision: "snooze", snoozeFor: "2h" });
    expect(response.status).toBe(202);
    await approvalStage(h.app, approvalId, "snoozed", 0);
    expect((await post(link, { decision: "approve" })).status).toBe(409);

    h.app.clock.advance(2 * HOUR + 1_000);
    await approvalStage(h.app, approvalId, "awaiting-approval", 1);
    const second = linkFromTeams(h.teams, approvalId);
    expect(second).not.toBe(link);
    // The first link is still unexpired and for the same plan, but it was used: single use refuses it.
    const replay = await post(link, { decision: "approve" });
    expect(replay.status).toBe(409);
    expect(await replay.json()).toMatchObject({ code: "used" });
    expect((await fetch(link)).status).toBe(409);

    const emails = h.app.emulator.core.email.messages.length;
    h.app.clock.advance(8 * HOUR + 1_000);
    const escalated = await approvalStage(h.app, approvalId, "awaiting-approval", 2);
    expect(escalated).toMatchObject({ escalated: true, approvers: ["platform-team", "ops-lead@nordwind.example"] });
    const escalation = h.app.emulator.core.email.messages.slice(emails);
    expect(escalation.map((message) => message.to)).toEqual([["ops-lead@nordwind.example"]]);
    expect(escalation[0]?.subject).toMatch(/^\[Escalated\] /);

    h.app.clock.advance(8 * HOUR + 1_000);
    const result = await finished(instanceId);
    expect(result.approval).toMatchObject({ outcome: "timed-out", decidedBy: "governor" });
    expect(result.approval.reason).toMatch(/nor after escalation to ops-lead@nordwind.example: skipped/);
    expect(result.counts).toMatchObject({ applied: 0, skipped: 5 });
    for (const resource of h.idleVms.resources) expect(power(resource.resourceName)).toBe("running");

    const steps = await trail.query({ instanceId: approvalId });
    expect(steps.map((record) => record.reason).join("\n")).toMatch(/snoozed by maria@nordwind.example until/);
    expect(steps.filter((record) => record.kind === "notice").map((record) => record.reason)).toEqual([
      expect.stringMatching(/^approval requested from platform-team/),
      expect.stringMatching(/^approval requested from platform-team/),
      expect.stringMatching(/^escalated: approval requested from ops-lead@nordwind.example/),
    ]);
    const [approval] = await trail.query({ instanceId, kind: "approval" });
    expect(approval).toMatchObject({ actor: { type: "governor" } });
    expect(approval?.reason).toMatch(/^timed-out: /);
  }, 180_000);

  it("partial approval deallocates only the approved VM; the others are skipped as not approved", async () => {
    const { instanceId, link } = await ask("partial");
    expect((await post(link, { decision: "approve", approve: idOf("vm-odoo-dev-01") })).status).toBe(202);
    const result = await finished(instanceId);
    expect(result.approval).toMatchObject({ outcome: "partially-approved", approvedResourceIds: [idOf("vm-odoo-dev-01")] });
    expect(power("vm-odoo-dev-01")).toBe("deallocated");
    for (const name of ["vm-odoo-dev-02", "vm-odoo-training-01"]) {
      expect(power(name)).toBe("running");
      expect(outcomeOf(result, name)).toMatchObject({ outcome: "skipped", reason: expect.stringMatching(/^not approved/) as string });
    }
    const records = await trail.query({ instanceId, kind: "outcome" });
    expect(records.find((record) => record.resourceId === idOf("vm-odoo-dev-01"))).toMatchObject({ outcome: "applied" });
    const [approval] = await trail.query({ instanceId, kind: "approval" });
    expect(approval?.details).toMatchObject({ approvedResourceIds: [idOf("vm-odoo-dev-01")] });
  }, 120_000);

  it("exempt until a date tags the resource with its expiry and skips it", async () => {
    const { instanceId, link } = await ask("exempt");
    const response = await post(link, {
      decision: "exempt",
      exempt: idOf("vm-odoo-dev-02"),
      exemptUntil: "2026-11-27",
      comment: "load test tonight",
    });
    expect(response.status).toBe(202);
    const result = await finished(instanceId);
    expect(result.approval).toMatchObject({
      outcome: "exempted",
      exemptedResourceIds: [idOf("vm-odoo-dev-02")],
      exemptUntil: "2026-11-27",
    });
    expect(tagsOf("vm-odoo-dev-02")).toMatchObject({ "governor-exempt-until": "2026-11-27" });
    expect(tagsOf("vm-odoo-dev-02")["governor-exempt-reason"]).toMatch(/load test tonight \(exempted by maria@nordwind.example/);
    expect(outcomeOf(result, "vm-odoo-dev-02")).toMatchObject({
      outcome: "skipped",
      guard: "exemption",
      reason: "exempted until 2026-11-27 by maria@nordwind.example",
    });
    expect(power("vm-odoo-dev-02")).toBe("running");
    const [action] = await trail.query({ instanceId: `${instanceId}:approval`, kind: "action" });
    expect(action).toMatchObject({ action: "exempt", outcome: "applied", actor: { type: "person", id: "maria@nordwind.example" } });
  }, 120_000);

  it("exempt until a date from a policy with an Azure Policy equivalent also writes the policy exemption: Waiver, expiresOn, approver", async () => {
    const subscriptionId = h.app.sample.subscriptionId;
    await deployExport(h.app.emulator, subscriptionId, readFileSync(DEFAULT_POLICIES, "utf8"), "DoNotEnforce");
    const vm = h.app.emulator.core.store
      .list({ type: "Microsoft.Compute/virtualMachines" })
      .find((item) => item.arm.name === "vm-odoo-prod-app-01")!;
    // Backup enrolment where a policy asks a person first.
    const approvalId = "remediate:backup-production-vms:formal-exempt:approval";
    await h.app.runtime.startNew("approval", {
      instanceId: approvalId,
      input: {
        policy: "backup-production-vms",
        action: "enroll-backup",
        resources: [{ resourceId: vm.arm.id, resourceName: vm.arm.name, reason: "no backup", estimatedMonthlySavings: 0 }],
        approvers: ["platform-team"],
        timeoutMs: 8 * HOUR,
        onTimeout: "skip",
      },
    });
    await approvalStage(h.app, approvalId, "awaiting-approval");
    const response = await post(linkFromTeams(h.teams, approvalId), {
      decision: "exempt",
      exempt: vm.arm.id,
      exemptUntil: "2026-12-04",
      comment: "vault migration this week",
    });
    expect(response.status).toBe(202);
    expect((await h.app.runtime.waitForCompletion(approvalId, { timeoutMs: 90_000 })).runtimeStatus).toBe("Completed");

    const exemptions = await policyExemptionsClient(emulatorTarget(h.app.emulator, subscriptionId));
    const exemption = await exemptions.policyExemptions.get(vm.arm.id, "governor-backup-production-vms");
    expect(exemption).toMatchObject({
      policyAssignmentId: `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/policyAssignments/governor-baseline`,
      policyDefinitionReferenceIds: ["backup-production-vms.northeurope", "backup-production-vms.westeurope"],
      exemptionCategory: "Waiver",
      metadata: {
        approver: "maria@nordwind.example",
        reason: "vault migration this week",
        approvalInstance: approvalId,
        governorPolicy: "backup-production-vms",
      },
    });
    expect(exemption.expiresOn?.toISOString()).toBe("2026-12-04T23:59:59.000Z");
    const [action] = await trail.query({ instanceId: approvalId, kind: "action" });
    expect(action?.details).toMatchObject({
      until: "2026-12-04",
      policyExemptionId: `${vm.arm.id}/providers/Microsoft.Authorization/policyExemptions/governor-backup-production-vms`,
    });
    expect(action?.reason).toContain("Azure Policy exemption until 2026-12-04T23:59:59.000Z");
  }, 120_000);

  it("approve: each resource is read again first; one whose state changed since the plan is skipped with the reason", async () => {
    const { instanceId, link } = await ask("approve-all");
    // Since the request: someone made the training VM production.
    const person = {
      ...emulatorTarget(h.app.emulator, h.app.sample.subscriptionId),
      credential: emulatorUserCredential("lea@nordwind.example"),
    };
    await (
      await resourcesClient(person)
    ).tagsOperations.updateAtScope(
      idOf("vm-odoo-training-01"),
      {
        operation: "Merge",
        properties: { tags: { environment: "prod" } },
      },
      { updateIntervalInMs: 20 },
    );

    expect((await post(link, { decision: "approve" })).status).toBe(202);
    const result = await finished(instanceId);
    expect(result.approval).toMatchObject({ outcome: "approved", decidedBy: "maria@nordwind.example" });
    expect(outcomeOf(result, "vm-odoo-training-01")).toMatchObject({ outcome: "skipped", guard: "production" });
    expect(power("vm-odoo-training-01")).toBe("running");
    // The exemption written by the earlier decision is honoured on the re-read.
    expect(outcomeOf(result, "vm-odoo-dev-02")).toMatchObject({ outcome: "skipped", guard: "exemption" });
    expect(outcomeOf(result, "vm-odoo-dev-01")).toMatchObject({ outcome: "already-done" });
    for (const name of ["vm-migration-temp-01", "vm-odoo-test-eastus-m64"]) {
      expect(outcomeOf(result, name)?.outcome, name).toBe("applied");
      expect(power(name)).toBe("deallocated");
    }
    const outcomes = await trail.query({ instanceId, kind: "outcome" });
    expect(outcomes.find((record) => record.resourceId === idOf("vm-odoo-training-01"))?.reason).toMatch(/production/);
  }, 120_000);
});

describe("delivery", () => {
  it("retries a failing Teams webhook and records the attempts", async () => {
    h.teams.failNext(2);
    const { approvalId, link } = await ask("retried");
    const [notice] = await trail.query({ instanceId: approvalId, kind: "notice" });
    expect(notice?.reason).toContain("teams: delivered (3 attempts)");
    await post(link, { decision: "reject" });
  }, 120_000);

  it("a request activity delivered twice (at-least-once) sends once and answers the same", async () => {
    const registration = (await workflowRegistrations()).find((item) => item.name === ACTIVITIES.requestApproval);
    if (!registration) throw new Error("requestApproval is not registered");
    const input: ApprovalRequestInput = {
      policy: h.idleVms.policy,
      action: h.idleVms.action.type,
      resources: h.idleVms.resources,
      approvers: ["platform-team"],
      timeoutMs: 8 * HOUR,
      onTimeout: "skip",
      instanceId: "remediate:stop-idle-nonprod-vms:twice:approval",
      round: 0,
      audience: ["platform-team"],
      escalated: false,
      expiresAt: new Date(h.app.clock.nowMs() + 8 * HOUR).toISOString(),
    };
    const posts = h.teams.posts.length;
    const emails = h.app.emulator.core.email.messages.length;
    const first = await registration.handler(input, {} as never);
    const second = await registration.handler(input, {} as never);
    expect(second).toEqual(first);
    expect(first).toMatchObject({ delivery: "delivered" });
    expect(h.teams.posts.length - posts).toBe(1);
    expect(h.app.emulator.core.email.messages.length - emails).toBe(1);
  }, 120_000);

  it("a request no channel could deliver is reported as undelivered, not left to time out", async () => {
    h.teams.failNext(100);
    h.app.emulator.core.faults.add({ route: "communication.*", rate5xx: 1 });
    try {
      const instanceId = "remediate:stop-idle-nonprod-vms:undeliverable";
      await h.app.runtime.startNew("remediate", { instanceId, input: h.idleVms });
      const result = await finished(instanceId);
      expect(result.approval.outcome).toBe("undelivered");
      expect(result.approval.reason).toMatch(/could not be delivered anywhere \(teams: .*503.*; email: /);
      expect(result.counts).toMatchObject({ applied: 0, skipped: 5 });
      const [notice] = await trail.query({ instanceId: `${instanceId}:approval`, kind: "notice" });
      expect(notice?.reason).toMatch(/^approval request could NOT be delivered anywhere/);
      // The escalation recipients are alerted; with both channels down, that alert is recorded undeliverable too.
      const alert = (await trail.query({ kind: "notice" })).filter(
        (record) =>
          (record.details as { messageId?: string } | undefined)?.messageId === `alert:approval-undelivered:${instanceId}:approval:0`,
      );
      expect(alert.map((record) => (record.details as { status: string }).status).sort()).toEqual(["undeliverable", "undeliverable"]);
    } finally {
      h.teams.failNext(0);
      h.app.emulator.core.faults.clear();
    }
  }, 120_000);
});

describe("a policy that approves on timeout", () => {
  it("acts after the wait without a person, and the audit trail says the policy decided", async () => {
    const instanceId = "remediate:stop-idle-nonprod-vms:approve-on-timeout";
    const approval = { required: true, approvers: ["platform-team"], escalation: [], timeoutMs: 2 * HOUR, onTimeout: "approve" as const };
    await h.app.runtime.startNew("remediate", { instanceId, input: { ...h.idleVms, approval } });
    await approvalStage(h.app, `${instanceId}:approval`, "awaiting-approval");
    h.app.clock.advance(2 * HOUR + 1_000);
    const result = await finished(instanceId);
    expect(result.approval).toMatchObject({ outcome: "approved", decidedBy: "governor (policy onTimeout: approve)" });
    expect(result.counts.failed).toBe(0);
    // What earlier decisions left running is still guarded: the exempted VM and the one made production.
    expect(outcomeOf(result, "vm-odoo-dev-02")).toMatchObject({ outcome: "skipped", guard: "exemption" });
    expect(outcomeOf(result, "vm-odoo-training-01")).toMatchObject({ outcome: "skipped", guard: "production" });
    const [record] = await trail.query({ instanceId, kind: "approval" });
    expect(record).toMatchObject({ actor: { type: "governor" } });
    expect(record?.reason).toMatch(/^approved: no decision before the timeout; the policy approves on timeout$/);
  }, 120_000);
});
