/**
 * The event path end to end on the local runtime: a person creates a VM through the real
 * ComputeManagementClient against the emulator, its Event Grid event (the reference payload's
 * shape, this VM's id, the person's claims) is posted to the Event Grid webhook of the local host,
 * which invokes the registered `resourceEvents` function; it starts `checkResource`, which runs the
 * same `remediate` workflow as the sweeps. Event Grid's redeliveries and Governor's own writes
 * start nothing.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckResourceResult } from "../../orchestrations/checkResource.ts";
import { checkInstanceId } from "../../orchestrations/names.ts";
import { TableAuditTrail } from "../../shared/audit/trail.ts";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";
import { captureRegistrations } from "../../local/durable/index.ts";
import { type LocalHost, startLocalHost } from "../../local/host.ts";
import { finishWorkflows, type LocalApp, startLocalApp } from "../../local/localApp.ts";
import { createUntaggedVm as createPersonVm } from "../../local/people.ts";

const EXAMPLES = new URL("../fixtures/azure-examples/event-grid/", import.meta.url);
const OID = "http://schemas.microsoft.com/identity/claims/objectidentifier";
const UPN = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";
const MARIA = "maria@nordwind.example";
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

let app: LocalApp;
let host: LocalHost;
const hostLines: string[] = [];

beforeAll(async () => {
  app = await startLocalApp({ workDir: mkdtempSync(join(tmpdir(), "governor-events-")), logger: quiet, taskHub: "GovernorEvents" });
  const registrations = await captureRegistrations(async () => {
    await import("../../functions/resourceEvents.ts");
  });
  host = await startLocalHost({
    registrations,
    runtime: app.runtime,
    taskHub: app.settings.GOVERNOR_TASK_HUB as string,
    functionKey: "test-key",
    clock: app.clock,
    timeZone: "Europe/Brussels",
    port: 0,
    logger: {
      info: (line) => void hostLines.push(line),
      warn: (line) => void hostLines.push(line),
      error: (line) => void hostLines.push(line),
    },
  });
}, 120_000);
afterAll(async () => {
  await host?.close();
  await app?.close();
});

const vmId = (group: string, name: string): string =>
  `/subscriptions/${app.sample.subscriptionId}/resourceGroups/${group}/providers/Microsoft.Compute/virtualMachines/${name}`;

/** What a person does in the portal or with the CLI: an untagged VM, created with their own credential. */
async function createUntaggedVm(group: string, name: string, upn: string): Promise<string> {
  const vm = await createPersonVm(app, upn, group, name);
  expect(vm.tags ?? {}).toEqual({});
  return vm.id as string;
}

/** The reference write event (Event Grid schema), for this resource, operation and caller. */
function eventFor(resourceId: string, operationName: string, caller: { objectId: string; appId: string; upn?: string; name: string }) {
  const [reference] = JSON.parse(readFileSync(new URL("resource-write-success.eventgrid-schema.json", EXAMPLES), "utf8")) as [
    Record<string, unknown> & { data: Record<string, unknown> & { claims: Record<string, string> } },
  ];
  const claims: Record<string, string> = { ...reference.data.claims, appid: caller.appId, name: caller.name, [OID]: caller.objectId };
  if (caller.upn) claims[UPN] = caller.upn;
  else delete claims[UPN];
  const group = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+)/i.exec(resourceId)?.[1] as string;
  return {
    ...reference,
    id: crypto.randomUUID(),
    subject: resourceId,
    topic: group,
    eventTime: app.clock.now().toISOString(),
    data: {
      ...reference.data,
      authorization: { ...(reference.data.authorization as object), scope: resourceId, action: operationName },
      claims,
      resourceProvider: operationName.split("/")[0],
      resourceUri: resourceId,
      operationName,
      subscriptionId: app.sample.subscriptionId,
      tenantId: claims["http://schemas.microsoft.com/identity/claims/tenantid"],
    },
  };
}

const person = (upn: string) => ({ objectId: crypto.randomUUID(), appId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46", upn, name: upn });
const governor = () => ({
  objectId: app.settings.GOVERNOR_IDENTITY_OBJECT_ID as string,
  appId: app.settings.GOVERNOR_IDENTITY_CLIENT_ID as string,
  name: "governor-identity",
});

async function deliver(events: unknown[]): Promise<void> {
  const response = await fetch(`${host.url}/runtime/webhooks/eventgrid?functionName=resourceEvents`, {
    method: "POST",
    headers: { "content-type": "application/json", "aeg-event-type": "Notification" },
    body: JSON.stringify(events),
  });
  expect(response.status, await response.text()).toBe(202);
}

const tagsOf = (resourceId: string): Record<string, string> | undefined => app.emulator.core.store.get(resourceId)?.arm.tags;
const tagWrites = (resourceId: string, since: number) =>
  app.emulator.core.log
    .entries({ since })
    .filter(
      (entry) =>
        entry.method !== "GET" && entry.path.toLowerCase().startsWith(`${resourceId.toLowerCase()}/providers/microsoft.resources/tags`),
    );

describe("an untagged VM created by a person", () => {
  let id: string;
  let event: ReturnType<typeof eventFor>;
  let result: CheckResourceResult;

  beforeAll(async () => {
    id = await createUntaggedVm("rg-odoo-test", "vm-odoo-test-new-01", MARIA);
    event = eventFor(id, "Microsoft.Compute/virtualMachines/write", person(MARIA));
    await deliver([event]);
    const [status] = await finishWorkflows(app, [checkInstanceId(id)]);
    expect(status?.runtimeStatus, JSON.stringify(status?.output)).toBe("Completed");
    result = status?.output as CheckResourceResult;
  }, 120_000);

  it("gets the tags it lacks merged from its resource group, through the required-tags workflow", () => {
    expect(tagsOf(id)).toEqual({
      owner: "platform-team@nordwind.example",
      environment: "test",
      "cost-center": "CC-2000",
      application: "odoo",
    });
    expect(result).toMatchObject({ resourceId: id, eventId: event.id, exists: true });
    expect(result.remediations.map((remediation) => [remediation.policy, remediation.result?.counts.applied])).toEqual([
      ["required-tags", 1],
    ]);
  });

  it("takes the owner from the resource group, not from the creator: the pack's tag policy does not say creatorFromEvent", () => {
    const pack = readFileSync(DEFAULT_POLICIES, "utf8");
    expect(pack).not.toMatch(/creatorFromEvent:\s*true/);
    expect(tagsOf(id)?.owner).not.toBe(MARIA);
  });

  it("records the decision, the approval and the outcome in the audit trail, with the event as the trigger", async () => {
    const trail = TableAuditTrail.fromConnectionString(app.azurite.connectionString, { table: "GovernorAudit" });
    const records = await trail.query({ resourceId: id });
    // `action`: the tag merge marked sent before it was sent.
    expect(records.map((record) => record.kind).sort()).toEqual(["action", "decision", "outcome"]);
    for (const record of records) expect(record).toMatchObject({ policy: "required-tags", trigger: { type: "event", id: event.id } });
    expect(records.find((record) => record.kind === "outcome")).toMatchObject({ outcome: "applied", actor: { type: "governor" } });
    const approval = await trail.query({ instanceId: result.remediations[0]?.instanceId, kind: "approval" });
    expect(approval).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/^approved: the policy requires no approval/) as unknown }),
    ]);
  });

  it("the same event delivered again starts no second workflow and writes no tag again", async () => {
    const before = await app.runtime.getStatus(checkInstanceId(id), { showHistory: true });
    const since = app.emulator.core.log.total;
    await deliver([event]);
    await deliver([event, event]);
    await app.runtime.whenIdle();
    const after = await app.runtime.getStatus(checkInstanceId(id), { showHistory: true });
    expect(after?.history?.length).toBe(before?.history?.length);
    expect(after?.createdTime).toBe(before?.createdTime);
    expect(tagWrites(id, since)).toEqual([]);
    // The host invokes the function once per event: three deliveries of the same event, three lines.
    expect(hostLines.filter((line) => line.includes(`event ${event.id} already handled`)).length).toBe(3);
  });

  it("the tag write Governor made, coming back as an event, starts nothing", async () => {
    // The VM Governor just tagged, and an untagged VM of the estate whose tags Governor (and only Governor) wrote.
    const untagged = vmId("rg-odoo-test", "vm-odoo-test-02");
    const untaggedBefore = { ...tagsOf(untagged) };
    const own = [
      eventFor(id, "Microsoft.Resources/tags/write", governor()),
      eventFor(untagged, "Microsoft.Resources/tags/write", governor()),
    ];
    const since = app.emulator.core.log.total;
    const checkBefore = await app.runtime.getStatus(checkInstanceId(id), { showHistory: true });
    await deliver(own);
    await app.runtime.whenIdle();
    expect(await app.runtime.getStatus(checkInstanceId(untagged))).toBeUndefined();
    expect((await app.runtime.getStatus(checkInstanceId(id), { showHistory: true }))?.history?.length).toBe(checkBefore?.history?.length);
    expect(tagsOf(untagged)).toEqual(untaggedBefore);
    expect(app.emulator.core.log.entries({ since }).filter((entry) => entry.method !== "GET")).toEqual([]);
    for (const ownEvent of own)
      expect(hostLines).toContain(`[resourceEvents] event ${ownEvent.id} dropped: caused by Governor's own identity`);
  });
});

describe("a pack whose tag policy takes the owner from the event (creatorFromEvent: true)", () => {
  it("tags a VM created in a resource group without an owner with its creator as owner", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "governor-pack-")), "creator.yaml");
    writeFileSync(
      file,
      readFileSync(DEFAULT_POLICIES, "utf8")
        .replace("# yaml-language-server: $schema=./policy.schema.json\n", "")
        .replace(
          "action: { type: tag, inherit: [owner, environment, cost-center, application] }",
          "action: { type: tag, inherit: [owner, environment, cost-center, application], creatorFromEvent: true }",
        ),
    );
    const previous = process.env.GOVERNOR_POLICY_FILE;
    process.env.GOVERNOR_POLICY_FILE = file;
    try {
      const id = await createUntaggedVm("rg-migration", "vm-migration-new-01", MARIA);
      await deliver([eventFor(id, "Microsoft.Compute/virtualMachines/write", person(MARIA))]);
      const [status] = await finishWorkflows(app, [checkInstanceId(id)]);
      const result = status?.output as CheckResourceResult;
      expect(result.failure, JSON.stringify(result)).toBeUndefined();
      expect(tagsOf(id)).toEqual({ owner: MARIA, environment: "dev", "cost-center": "CC-2000" });
    } finally {
      if (previous === undefined) delete process.env.GOVERNOR_POLICY_FILE;
      else process.env.GOVERNOR_POLICY_FILE = previous;
    }
  }, 120_000);
});
