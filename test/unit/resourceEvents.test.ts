/**
 * The event path's front door: Event Grid deliveries (both schemas, from the reference payloads)
 * read, validated, filtered and mapped to the policies that care; the trigger's core over a whole
 * delivery with an in-memory seen store and a recording starter.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type * as ResourceEventsModule from "../../functions/resourceEvents.ts";
import type { CheckResourceInput } from "../../orchestrations/checkResource.ts";
import { checkInstanceId, checkRemediationInstanceId, instanceIdPart } from "../../orchestrations/names.ts";
import type { Registration } from "../../local/durable/index.ts";
import { captureRegistrations } from "../../local/durable/index.ts";
import type { Policy } from "../../shared/policy/types.ts";
import { ARM_TYPE_OF_KIND } from "../../shared/policy/types.ts";
import {
  classifyOperation,
  eventSubscriptionFilter,
  HANDLED_OPERATIONS,
  NOT_CHECKED_PROVIDERS,
  isValidationEvent,
  parseDelivery,
  type Triage,
  triageDelivery,
} from "../../shared/triggers/resourceEvents.ts";
import { SEEN_BUCKETS, type SeenEvent, seenDay, seenPartition, seenRowKey } from "../../shared/triggers/seenEvents.ts";
import { MemorySeenEvents } from "../support/seenEvents.ts";

const EXAMPLES = new URL("../fixtures/azure-examples/event-grid/", import.meta.url);
const example = (name: string): Array<Record<string, unknown>> =>
  JSON.parse(readFileSync(new URL(name, EXAMPLES), "utf8")) as Array<Record<string, unknown>>;
const WRITE_EG = "resource-write-success.eventgrid-schema.json";
const WRITE_CE = "resource-write-success.cloudevents-schema.json";
const DELETE_EG = "resource-delete-success.eventgrid-schema.json";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const VM = (name: string, group = "rg-odoo-test") =>
  `/subscriptions/${SUB}/resourceGroups/${group}/providers/Microsoft.Compute/virtualMachines/${name}`;
const GOVERNOR = { objectId: "5f0e6a3c-8d2b-4e71-9c45-1a7b3d9e6f20", clientId: "9b7c2d41-3e6f-4a85-b0d9-7e1c5a2f8d36" };
const OID = "http://schemas.microsoft.com/identity/claims/objectidentifier";
const UPN = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";

const POLICIES: Array<Pick<Policy, "name" | "resource" | "mode">> = [
  { name: "required-tags", resource: "any", mode: "enforce" },
  { name: "allowed-regions", resource: "any", mode: "audit" },
  { name: "stop-idle-nonprod-vms", resource: "virtual-machine", mode: "enforce" },
  { name: "backup-production-vms", resource: "virtual-machine", mode: "enforce" },
  { name: "snapshot-retention-nonprod", resource: "snapshot", mode: "enforce" },
];

/** An event shaped like the reference write event (Event Grid schema), for another resource, operation and caller. */
function resourceEvent(
  options: {
    id?: string;
    resourceId?: string;
    operationName?: string;
    eventType?: string;
    eventTime?: string;
    claims?: Record<string, string>;
  } = {},
): Record<string, unknown> {
  const [reference] = example(WRITE_EG) as [Record<string, unknown>];
  const resourceId = options.resourceId ?? VM("vm-odoo-test-new-01");
  const operationName = options.operationName ?? "Microsoft.Compute/virtualMachines/write";
  const data = reference.data as Record<string, unknown>;
  return {
    ...reference,
    id: options.id ?? "4db48cba-50a2-455a-93b4-de41a3b5b7f6",
    subject: resourceId,
    eventType: options.eventType ?? "Microsoft.Resources.ResourceWriteSuccess",
    eventTime: options.eventTime ?? "2026-11-23T09:15:00.1234567Z",
    topic: `/subscriptions/${SUB}/resourceGroups/rg-odoo-test`,
    data: {
      ...data,
      authorization: { ...(data.authorization as object), scope: resourceId, action: operationName },
      claims: options.claims ?? {
        ...(data.claims as object),
        [UPN]: "maria@nordwind.example",
        [OID]: "user-object-id",
        appid: "portal-app-id",
      },
      resourceUri: resourceId,
      operationName,
      subscriptionId: SUB,
    },
  };
}

const accepted = (triage: Triage): Extract<Triage, { status: "accepted" }> => {
  if (triage.status !== "accepted") throw new Error(`expected an accepted delivery, got ${JSON.stringify(triage)}`);
  return triage;
};
const triage = (delivery: unknown) => triageDelivery(delivery, { identity: GOVERNOR, policies: POLICIES });

describe("the reference payloads", () => {
  it("a write in the Event Grid schema parses into the normalised event", () => {
    const parsed = parseDelivery(example(WRITE_EG));
    expect(parsed).toEqual({
      status: "parsed",
      ignored: [],
      events: [
        {
          eventId: "4db48cba-50a2-455a-93b4-de41a3b5b7f6",
          eventTime: "2018-07-19T18:38:04.611Z",
          eventType: "Microsoft.Resources.ResourceWriteSuccess",
          schema: "eventgrid",
          resourceId:
            "/subscriptions/{subscription-id}/resourcegroups/{resource-group}/providers/Microsoft.Storage/storageAccounts/{storage-name}",
          operationName: "Microsoft.Storage/storageAccounts/write",
          status: "Succeeded",
          creator: "{user-name}",
          callerObjectId: "{ID}",
          callerAppId: "{ID}",
        },
      ],
    });
  });

  it("the same write in the older format, with claims, authorization and httpRequest as JSON text, parses into the same event", () => {
    // The 2018-01-01 schema of these events types the three members as strings; such events still arrive.
    const older = example(WRITE_EG).map((event) => {
      const data = event.data as Record<string, unknown>;
      const [deleted] = example(DELETE_EG) as [{ data: { httpRequest: Record<string, unknown> } }];
      return {
        ...event,
        data: {
          ...data,
          claims: JSON.stringify(data.claims),
          authorization: JSON.stringify(data.authorization),
          httpRequest: JSON.stringify({ ...deleted.data.httpRequest, method: "PUT" }),
        },
      };
    });
    expect(typeof (older[0]?.data as Record<string, unknown>).claims).toBe("string");
    expect(parseDelivery(older)).toEqual(parseDelivery(example(WRITE_EG)));
  });

  it("the same write in the CloudEvents 1.0 schema parses into the same event", () => {
    const eventGrid = parseDelivery(example(WRITE_EG));
    const cloudEvents = parseDelivery(example(WRITE_CE));
    expect(cloudEvents.status).toBe("parsed");
    if (cloudEvents.status !== "parsed" || eventGrid.status !== "parsed") return;
    expect(cloudEvents.events).toEqual(eventGrid.events.map((event) => ({ ...event, schema: "cloudevents" })));
  });

  it("a write maps to the policies written for its kind and for any resource, enforced ones only", () => {
    for (const file of [WRITE_EG, WRITE_CE]) {
      const result = accepted(
        triageDelivery(example(file), {
          identity: GOVERNOR,
          policies: [...POLICIES, { name: "storage-tls", resource: "storage-account", mode: "enforce" }],
        }),
      );
      expect(result.relevant).toHaveLength(1);
      expect(result.relevant[0]).toMatchObject({ kind: "storage-account", policies: ["required-tags", "storage-tls"] });
    }
  });

  it("a delete parses, and starts nothing: there is nothing left to check", () => {
    const parsed = parseDelivery(example(DELETE_EG));
    expect(parsed).toMatchObject({
      status: "parsed",
      events: [{ eventType: "Microsoft.Resources.ResourceDeleteSuccess", operationName: "Microsoft.Storage/storageAccounts/delete" }],
    });
    expect(accepted(triage(example(DELETE_EG)))).toEqual({
      status: "accepted",
      relevant: [],
      dropped: [{ eventId: "19a69642-1aad-4a96-a5ab-8d05494513ce", reason: "deleted: nothing left to check" }],
    });
  });

  it("the subscription validation event is recognised and answered with its code", () => {
    const [validation] = example("subscription-validation-event.json");
    const response = JSON.parse(readFileSync(new URL("subscription-validation-response.json", EXAMPLES), "utf8")) as {
      validationResponse: string;
    };
    expect(isValidationEvent(validation)).toBe(true);
    expect(isValidationEvent(example(WRITE_EG)[0])).toBe(false);
    expect(triage(example("subscription-validation-event.json"))).toEqual({
      status: "validation",
      validationCode: response.validationResponse,
    });
  });
});

describe("malformed deliveries are refused whole, with reasons", () => {
  const refused = (delivery: unknown): string[] => {
    const result = triage(delivery);
    if (result.status !== "rejected") throw new Error(`expected a refusal, got ${result.status}`);
    return result.problems;
  };

  it("1. a body that is not an array", () => {
    expect(refused({ id: "x" })).toEqual(["a delivery is an array of events, not an object"]);
    expect(refused("[]")).toEqual(['a delivery is an array of events, not "[]"']);
    expect(refused(null)).toEqual(["a delivery is an array of events, not null"]);
  });

  it("2. an event without an id, data or resourceUri", () => {
    const { id: _id, ...withoutId } = resourceEvent();
    const { data: _data, ...withoutData } = resourceEvent();
    const withoutUri = resourceEvent({ id: "no-uri" });
    delete (withoutUri.data as Record<string, unknown>).resourceUri;
    expect(refused([withoutId])).toEqual(["event 0: id is missing, not a non-empty string"]);
    expect(refused([withoutData])).toEqual(["event 0: data is missing, not an object"]);
    expect(refused([withoutUri])).toEqual(["event 0 (no-uri): data.resourceUri is missing, not a resource id (/subscriptions/...)"]);
  });

  it("3. fields of the wrong type", () => {
    const problems = refused([
      { ...resourceEvent(), id: 42 },
      resourceEvent({ id: "bad-time", eventTime: "yesterday" }),
      { ...resourceEvent({ id: "bad-claims" }), data: { ...(resourceEvent().data as object), claims: "alice" } },
      { ...resourceEvent({ id: "bad-operation" }), data: { ...(resourceEvent().data as object), operationName: 7 } },
      "not an event",
    ]);
    expect(problems).toEqual([
      "event 0: id is a number, not a non-empty string",
      'event 1: eventTime is "yesterday", not an ISO 8601 date-time with a zone',
      'event 2 (bad-claims): data.claims is "alice", neither an object nor the JSON text of one',
      "event 3 (bad-operation): data.operationName is a number, not a non-empty string",
      'event 4: not an object but "not an event"',
    ]);
  });

  it("4. a CloudEvent of another spec version, or without its source", () => {
    const [cloudEvent] = example(WRITE_CE) as [Record<string, unknown>];
    const { source: _source, ...withoutSource } = cloudEvent;
    expect(refused([{ ...cloudEvent, specversion: "0.3" }])).toEqual(['event 0: specversion is "0.3", not "1.0"']);
    expect(refused([withoutSource])).toEqual(["event 0: source is missing, not a non-empty string"]);
  });

  it("5. one malformed event among good ones: nothing of the delivery goes ahead", () => {
    const result = triage([resourceEvent({ id: "good-1" }), { ...resourceEvent(), id: "" }, resourceEvent({ id: "good-2" })]);
    expect(result).toEqual({ status: "rejected", problems: ["event 1: id is empty, not a non-empty string"] });
  });
});

describe("filtering", () => {
  it("drops events caused by Governor's own identity (object id claim, oid or appid), whatever the case", () => {
    const own = (claims: Record<string, string>, id: string) =>
      resourceEvent({ id, operationName: "Microsoft.Resources/tags/write", claims: { name: "governor-identity", ...claims } });
    const result = accepted(
      triage([
        own({ [OID]: GOVERNOR.objectId.toUpperCase() }, "by-object-id"),
        own({ oid: GOVERNOR.objectId }, "by-oid"),
        own({ appid: GOVERNOR.clientId }, "by-appid"),
        resourceEvent({ id: "by-a-person" }),
      ]),
    );
    expect(result.dropped).toEqual(
      ["by-object-id", "by-oid", "by-appid"].map((eventId) => ({ eventId, reason: "caused by Governor's own identity" })),
    );
    expect(result.relevant.map((relevant) => relevant.event.eventId)).toEqual(["by-a-person"]);
  });

  it("drops Governor's own events in the older format too: claims as JSON text name the caller", () => {
    const asText = (event: Record<string, unknown>) => {
      const data = event.data as Record<string, unknown>;
      return { ...event, data: { ...data, claims: JSON.stringify(data.claims) } };
    };
    const own = resourceEvent({ id: "own-as-text", operationName: "Microsoft.Resources/tags/write", claims: { oid: GOVERNOR.objectId } });
    const result = accepted(triage([asText(own), asText(resourceEvent({ id: "person-as-text" }))]));
    expect(result.dropped).toEqual([{ eventId: "own-as-text", reason: "caused by Governor's own identity" }]);
    expect(result.relevant.map((relevant) => [relevant.event.eventId, relevant.event.creator])).toEqual([
      ["person-as-text", "maria@nordwind.example"],
    ]);
  });

  it("drops what no policy acts on: other event types, unlisted actions, children, extension resources, deployments", () => {
    const vm = VM("vm-odoo-test-02");
    const result = accepted(
      triage([
        { ...resourceEvent({ id: "blob" }), eventType: "Microsoft.Storage.BlobCreated", data: { url: "https://x" } },
        resourceEvent({ id: "failure", eventType: "Microsoft.Resources.ResourceWriteFailure" }),
        resourceEvent({
          id: "list-keys",
          eventType: "Microsoft.Resources.ResourceActionSuccess",
          operationName: "Microsoft.Compute/virtualMachines/deallocate/action",
          resourceId: vm,
        }),
        resourceEvent({
          id: "extension",
          operationName: "Microsoft.Compute/virtualMachines/extensions/write",
          resourceId: `${vm}/extensions/AzureMonitor`,
        }),
        resourceEvent({
          id: "role-assignment",
          operationName: "Microsoft.Authorization/roleAssignments/write",
          resourceId: `/subscriptions/${SUB}/resourceGroups/rg-odoo-test/providers/Microsoft.Authorization/roleAssignments/1a2b`,
        }),
        resourceEvent({
          id: "deployment",
          operationName: "Microsoft.Resources/deployments/write",
          resourceId: `/subscriptions/${SUB}/resourceGroups/rg-odoo-test/providers/Microsoft.Resources/deployments/vm-odoo-test-02`,
        }),
        resourceEvent({ id: "mismatch", operationName: "Microsoft.Network/networkInterfaces/write", resourceId: vm }),
        resourceEvent({
          id: "group",
          operationName: "Microsoft.Resources/subscriptions/resourceGroups/write",
          resourceId: `/subscriptions/${SUB}/resourceGroups/rg-odoo-test`,
        }),
      ]),
    );
    expect(result.relevant).toEqual([]);
    expect(Object.fromEntries(result.dropped.map((drop) => [drop.eventId, drop.reason]))).toEqual({
      blob: "event type Microsoft.Storage.BlobCreated is not handled",
      failure: "event type Microsoft.Resources.ResourceWriteFailure is not handled",
      "list-keys": "action Microsoft.Compute/virtualMachines/deallocate/action is not one the event path checks",
      extension: expect.stringContaining("not a top-level resource in a resource group") as string,
      "role-assignment": "Microsoft.Authorization/roleAssignments is not a resource policies are written for",
      deployment: "Microsoft.Resources/deployments is not a resource policies are written for",
      mismatch: expect.stringContaining("is not the write of Microsoft.Compute/virtualMachines") as string,
      group: expect.stringContaining("not a top-level resource in a resource group") as string,
    });
  });

  it("drops a resource of another subscription, and one no enforced policy is written for", () => {
    const other = VM("vm-elsewhere").replace(SUB, "00000000-0000-0000-0000-000000000001");
    const result = accepted(
      triageDelivery([resourceEvent({ id: "elsewhere", resourceId: other }), resourceEvent({ id: "nothing-cares" })], {
        identity: GOVERNOR,
        subscriptionId: SUB,
        policies: [{ name: "snapshot-retention-nonprod", resource: "snapshot", mode: "enforce" }],
      }),
    );
    expect(result.dropped).toEqual([
      { eventId: "elsewhere", reason: `${other} is not in the governed subscription ${SUB}` },
      { eventId: "nothing-cares", reason: "no enforced policy is written for virtual-machine" },
    ]);
  });

  it("keeps each event id once and puts events in eventTime order", () => {
    const result = accepted(
      triage([
        resourceEvent({ id: "late", eventTime: "2026-11-23T09:20:00Z", resourceId: VM("vm-b") }),
        resourceEvent({ id: "early", eventTime: "2026-11-23T09:10:00Z", resourceId: VM("vm-a") }),
        resourceEvent({ id: "late", eventTime: "2026-11-23T09:20:00Z", resourceId: VM("vm-b") }),
        resourceEvent({ id: "middle", eventTime: "2026-11-23T10:15:00+01:00", resourceId: VM("vm-c") }),
      ]),
    );
    expect(result.relevant.map((relevant) => relevant.event.eventId)).toEqual(["early", "middle", "late"]);
    expect(result.dropped).toEqual([{ eventId: "late", reason: "duplicate in this delivery" }]);
  });

  it("a tag write by someone else checks the resource at that scope, as its kind", () => {
    const vm = VM("vm-odoo-test-02");
    const result = accepted(
      triage([
        resourceEvent({
          id: "tags",
          operationName: "Microsoft.Resources/tags/write",
          resourceId: `${vm}/providers/Microsoft.Resources/tags/default`,
        }),
        resourceEvent({ id: "tags-plain", operationName: "Microsoft.Resources/tags/write", resourceId: vm }),
      ]),
    );
    expect(result.relevant.map(({ resourceId, kind, policies }) => ({ resourceId, kind, policies }))).toEqual([
      { resourceId: vm, kind: "virtual-machine", policies: ["required-tags", "stop-idle-nonprod-vms", "backup-production-vms"] },
      { resourceId: vm, kind: "virtual-machine", policies: ["required-tags", "stop-idle-nonprod-vms", "backup-production-vms"] },
    ]);
    expect(result.relevant[0]?.event.creator).toBe("maria@nordwind.example");
  });
});

describe("the operations handled (what the infra template's event filter lists)", () => {
  it("names the write of every kind policies are written for, the start actions, tag writes and other top-level writes", () => {
    const operations = HANDLED_OPERATIONS.map((rule) => rule.operation);
    for (const armType of Object.values(ARM_TYPE_OF_KIND)) {
      // Resource groups are Microsoft.Resources', which the event path leaves to the sweeps.
      if (NOT_CHECKED_PROVIDERS.includes(armType.split("/")[0] ?? "")) continue;
      expect(operations.map((operation) => operation.toLowerCase())).toContain(`${armType}/write`);
    }
    expect(operations).toEqual(
      expect.arrayContaining([
        "Microsoft.Compute/virtualMachines/start/action",
        "Microsoft.ContainerService/managedClusters/start/action",
        "Microsoft.Resources/tags/write",
        "{provider}/{type}/write",
      ]),
    );
    expect(eventSubscriptionFilter()).toEqual({
      includedEventTypes: ["Microsoft.Resources.ResourceWriteSuccess", "Microsoft.Resources.ResourceActionSuccess"],
      advancedFilters: [{ operatorType: "StringEndsWith", key: "data.operationName", values: ["/start/action", "/write"] }],
    });
  });

  it("classifies each listed operation on a resource of its type as handled, as its kind", () => {
    for (const rule of HANDLED_OPERATIONS) {
      if (rule.operation.startsWith("{") || rule.operation === "Microsoft.Resources/tags/write") continue;
      const type = rule.operation.split("/").slice(0, 2).join("/");
      const eventType = rule.operation.endsWith("/action")
        ? "Microsoft.Resources.ResourceActionSuccess"
        : "Microsoft.Resources.ResourceWriteSuccess";
      const decision = classifyOperation(eventType, rule.operation, `/subscriptions/${SUB}/resourceGroups/rg/providers/${type}/name-1`);
      expect(decision, rule.operation).toMatchObject({ handled: true, kind: rule.kind, rule });
    }
    expect(
      classifyOperation(
        "Microsoft.Resources.ResourceWriteSuccess",
        "Microsoft.Network/natGateways/write",
        `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/natGateways/natgw-1`,
      ),
    ).toMatchObject({ handled: true, kind: undefined, rule: { operation: "{provider}/{type}/write" } });
  });
});

describe("Azure's own start of a stopped PostgreSQL server", () => {
  it("reaches the PostgreSQL schedule policy, so Governor checks the server it finds running again", () => {
    const server = `/subscriptions/${SUB}/resourceGroups/rg-odoo-dev/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-odoo-dev`;
    const event = resourceEvent({
      resourceId: server,
      operationName: "Microsoft.DBforPostgreSQL/flexibleServers/start/action",
      eventType: "Microsoft.Resources.ResourceActionSuccess",
      // The platform's start: no person's claims, not Governor's identity.
      claims: { [OID]: "platform-object-id", appid: "platform-app-id", name: "Azure Database for PostgreSQL" },
    });
    const result = accepted(
      triageDelivery([event], {
        identity: GOVERNOR,
        policies: [...POLICIES, { name: "stop-offhours-nonprod-postgres", resource: "postgresql-server", mode: "enforce" }],
      }),
    );
    expect(result.relevant).toHaveLength(1);
    expect(result.relevant[0]).toMatchObject({
      kind: "postgresql-server",
      policies: ["required-tags", "stop-offhours-nonprod-postgres"],
    });
  });
});

describe("instance ids and seen-store keys", () => {
  it("a check's id is the resource's, case-insensitive, without / and within Durable's limits", () => {
    const id = checkInstanceId(VM("vm-odoo-test-new-01"));
    expect(id).toBe(
      `check:subscriptions:${SUB}:resourcegroups:rg-odoo-test:providers:microsoft.compute:virtualmachines:vm-odoo-test-new-01`,
    );
    expect(checkInstanceId(VM("VM-ODOO-TEST-NEW-01").toUpperCase())).toBe(id);
    expect(instanceIdPart("a:b/c#d?e\\f~g é")).toBe("a~3Ab:c~23d~3Fe~5Cf~7Eg~20~C3~A9");
    const long = checkInstanceId(VM("x".repeat(200), "g".repeat(90)));
    expect(long.length).toBeLessThanOrEqual(180);
    expect(long).not.toBe(checkInstanceId(VM("x".repeat(199) + "y", "g".repeat(90))));
    const child = checkRemediationInstanceId(long, "4db48cba-50a2-455a-93b4-de41a3b5b7f6", "required-tags");
    expect(child.length).toBeLessThanOrEqual(240);
    expect(child).toMatch(/^[^/\\#?]+$/);
  });

  it("the seen store keys an event by its day, a bucket of its id's hash, and its id, whatever characters the id holds", async () => {
    expect(seenDay("2026-11-23T23:30:00-02:00")).toBe("2026-11-24");
    expect(seenPartition({ eventId: "e-1", eventTime: "2026-11-23T23:30:00-02:00" })).toMatch(/^2026-11-24~[0-9a-f]$/);
    expect(seenPartition({ eventId: "e-1", eventTime: "2026-11-24T08:00:00Z" })).toBe(
      seenPartition({ eventId: "e-1", eventTime: "2026-11-23T23:30:00-02:00" }),
    );
    expect(() => seenPartition({ eventId: "e-1", eventTime: "yesterday" })).toThrow('eventTime "yesterday" is not a date-time');
    // Ids spread over all the day's buckets, none holding much more than its share.
    const buckets = new Map<string, number>();
    for (let index = 0; index < 1600; index += 1) {
      const partition = seenPartition({ eventId: `id-${index}`, eventTime: "2026-11-23T09:00:00Z" });
      buckets.set(partition, (buckets.get(partition) ?? 0) + 1);
    }
    expect(buckets.size).toBe(SEEN_BUCKETS);
    expect(Math.max(...buckets.values())).toBeLessThan(2 * (1600 / SEEN_BUCKETS));
    expect(seenRowKey("a/b#c?d")).toBe("a%2Fb%23c%3Fd");
    expect(seenRowKey("x".repeat(1000))).toHaveLength(320 + 1 + 64);
    const seen = new MemorySeenEvents();
    const event = { eventId: "e-1", eventTime: "2026-11-23T09:15:00Z" };
    expect(await seen.claimAll([event, { ...event, eventId: "e-2" }])).toEqual(["claimed", "claimed"]);
    expect(await seen.claimAll([event])).toEqual(["seen"]);
    await seen.release(event);
    expect(await seen.claimAll([event])).toEqual(["claimed"]);
    expect(await seen.purge(new Date("2026-11-24T00:00:00Z"))).toBe(2);
  });
});

describe("the trigger (functions/resourceEvents.ts)", () => {
  let entry: typeof ResourceEventsModule;
  let registrations: Registration[];
  beforeAll(async () => {
    // Captured before anything else imports the module: it registers once per process.
    registrations = await captureRegistrations(async () => {
      entry = await import("../../functions/resourceEvents.ts");
    });
  });

  function recorder(running: Record<string, string> = {}, failing = new Set<string>()) {
    const starts: Array<{ instanceId: string; input: CheckResourceInput }> = [];
    const lines: string[] = [];
    return {
      starts,
      lines,
      starter: {
        status: async (instanceId: string) => running[instanceId],
        start: async (instanceId: string, input: CheckResourceInput) => {
          if (failing.has(instanceId)) throw new Error("task hub unavailable");
          starts.push({ instanceId, input });
          running[instanceId] = "Running";
        },
      },
      log: (level: string, line: string) => void lines.push(`${level}: ${line}`),
    };
  }

  it("registers resourceEvents as an Event Grid trigger with a Durable client", () => {
    expect(registrations.map((registration) => [registration.name, registration.triggerType])).toEqual([
      ["resourceEvents", "eventGridTrigger"],
    ]);
    expect(registrations[0]?.options.extraInputs?.map((input) => input.type)).toEqual(["durableClient"]);
  });

  it("starts one check per resource, with the creator, and nothing again for a redelivery", async () => {
    const seen = new MemorySeenEvents();
    const run = recorder();
    const deps = { starter: run.starter, seen, policies: POLICIES, identity: GOVERNOR, subscriptionId: SUB, log: run.log };
    const delivery = [
      resourceEvent({ id: "create", eventTime: "2026-11-23T09:15:00Z" }),
      resourceEvent({ id: "update", eventTime: "2026-11-23T09:15:02Z", claims: { name: "Piet" } }),
      resourceEvent({ id: "other", resourceId: VM("vm-odoo-test-new-02") }),
    ];
    const first = await entry.handleResourceEvents(delivery, deps);
    expect(first).toMatchObject({
      status: "handled",
      started: [
        { instanceId: checkInstanceId(VM("vm-odoo-test-new-01")), eventIds: ["create", "update"] },
        { instanceId: checkInstanceId(VM("vm-odoo-test-new-02")), eventIds: ["other"] },
      ],
      alreadySeen: [],
    });
    expect(run.starts[0]?.input).toEqual({
      resourceId: VM("vm-odoo-test-new-01"),
      policies: ["required-tags", "stop-idle-nonprod-vms", "backup-production-vms"],
      event: {
        id: "create",
        type: "Microsoft.Resources.ResourceWriteSuccess",
        time: "2026-11-23T09:15:00.000Z",
        operationName: "Microsoft.Compute/virtualMachines/write",
      },
      creator: "maria@nordwind.example",
      coalescedEventIds: ["update"],
    });

    // Event Grid delivers at least once: the same events again start nothing, even once the checks are done.
    const again = recorder({});
    const second = await entry.handleResourceEvents(delivery, { ...deps, starter: again.starter, log: again.log });
    expect(second).toMatchObject({ status: "handled", started: [], alreadySeen: ["create", "other", "update"] });
    expect(again.starts).toEqual([]);
    expect(again.lines).toContain("info: event create already handled: nothing started (redelivery)");
  });

  it("a new event for a resource whose check still runs joins it instead of starting another", async () => {
    const id = checkInstanceId(VM("vm-odoo-test-new-01"));
    const run = recorder({ [id]: "Running" });
    const outcome = await entry.handleResourceEvents([resourceEvent({ id: "while-running" })], {
      starter: run.starter,
      seen: new MemorySeenEvents(),
      policies: POLICIES,
      identity: GOVERNOR,
      log: run.log,
    });
    expect(outcome).toMatchObject({ status: "handled", started: [], coalesced: [{ instanceId: id, eventIds: ["while-running"] }] });
    expect(run.starts).toEqual([]);
  });

  it("a check that cannot be started gives its claim back and fails the delivery, so Event Grid's retry starts it", async () => {
    const seen = new MemorySeenEvents();
    const id = checkInstanceId(VM("vm-odoo-test-new-01"));
    const failing = recorder({}, new Set([id]));
    const deps = { seen, policies: POLICIES, identity: GOVERNOR, log: failing.log };
    await expect(entry.handleResourceEvents([resourceEvent({ id: "unlucky" })], { ...deps, starter: failing.starter })).rejects.toThrow(
      "1 check(s) could not be started",
    );
    expect(seen.entries.size).toBe(0);
    const retry = recorder();
    await entry.handleResourceEvents([resourceEvent({ id: "unlucky" })], { ...deps, starter: retry.starter, log: retry.log });
    expect(retry.starts.map((start) => start.instanceId)).toEqual([id]);
  });

  it("an event whose claim could not be written starts nothing and fails the delivery; the others start, and the retry starts only it", async () => {
    const memory = new MemorySeenEvents();
    let storageDown = true;
    // The store answers per event: the event of the second VM could not be written this time.
    const seen = {
      claimAll: async (events: readonly SeenEvent[]) => {
        const results = await memory.claimAll(events.filter((event) => !(storageDown && event.eventId === "unlucky")));
        return events.map((event) => (storageDown && event.eventId === "unlucky" ? new Error("503 ServerBusy") : results.shift()!));
      },
      release: (event: SeenEvent) => memory.release(event),
      purge: (before: Date) => memory.purge(before),
    };
    const delivery = [resourceEvent({ id: "lucky" }), resourceEvent({ id: "unlucky", resourceId: VM("vm-odoo-test-new-02") })];
    const first = recorder();
    const deps = { seen, policies: POLICIES, identity: GOVERNOR, log: first.log };
    await expect(entry.handleResourceEvents(delivery, { ...deps, starter: first.starter })).rejects.toThrow(
      "1 event(s) could not be claimed; the delivery is to be retried",
    );
    expect(first.starts.map((start) => start.input.event.id)).toEqual(["lucky"]);
    expect(first.lines).toContain("error: event unlucky could not be claimed, nothing started (to be redelivered): 503 ServerBusy");

    storageDown = false;
    const retry = recorder();
    const outcome = await entry.handleResourceEvents(delivery, { ...deps, starter: retry.starter, log: retry.log });
    expect(outcome).toMatchObject({ status: "handled", alreadySeen: ["lucky"], started: [{ eventIds: ["unlucky"] }] });
    expect(retry.starts.map((start) => start.instanceId)).toEqual([checkInstanceId(VM("vm-odoo-test-new-02"))]);
  });

  it("a refused delivery claims nothing and starts nothing; the refusal is logged with its reasons", async () => {
    const seen = new MemorySeenEvents();
    const run = recorder();
    const outcome = await entry.handleResourceEvents([resourceEvent({ id: "fine" }), { id: "broken" }], {
      starter: run.starter,
      seen,
      policies: POLICIES,
      identity: GOVERNOR,
      log: run.log,
    });
    expect(outcome.status).toBe("rejected");
    expect(seen.entries.size).toBe(0);
    expect(run.starts).toEqual([]);
    expect(run.lines[0]).toMatch(/^error: delivery refused, nothing started: event 1: eventType is missing/);
  });

  it("never throws on an event it cannot use: claims that are neither an object nor JSON are logged, and the delivery acknowledged", async () => {
    const seen = new MemorySeenEvents();
    const run = recorder();
    const unreadable = resourceEvent({ id: "unreadable-claims" });
    (unreadable.data as Record<string, unknown>).claims = '{"aud": "truncated';
    const outcome = await entry.handleResourceEvents([unreadable], {
      starter: run.starter,
      seen,
      policies: POLICIES,
      identity: GOVERNOR,
      log: run.log,
    });
    expect(outcome).toEqual({
      status: "rejected",
      problems: [`event 0 (unreadable-claims): data.claims is "{"aud": "truncated", neither an object nor the JSON text of one`],
    });
    expect(run.starts).toEqual([]);
    expect(run.lines).toEqual([expect.stringMatching(/^error: delivery refused, nothing started: event 0 \(unreadable-claims\)/)]);
  });

  it("reads an unknown instance from the Durable client as none (durable-functions answers it with a 404 error)", async () => {
    const starter = entry.durableStarter({
      getStatus: async () => {
        throw new Error("DurableClient error: Durable Functions extension replied with HTTP 404 response.");
      },
      startNew: async () => "id",
    });
    expect(await starter.status("check:x")).toBeUndefined();
  });
});
