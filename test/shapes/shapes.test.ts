/**
 * Every reference payload that has an emulator route is answered with at least its properties,
 * of the same JSON types; every other reference payload is listed below with the reason.
 */
import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.ts";
import { compareShapes, EXAMPLES_DIR, readExample, referenceBody, type ShapeFamily } from "../support/shapes.ts";
import { backupShapes } from "./backup.cases.ts";
import { computeShapes } from "./compute.cases.ts";
import { consumptionShapes } from "./consumption.cases.ts";
import { costManagementShapes } from "./costManagement.cases.ts";
import { containerServiceShapes } from "./containerService.cases.ts";
import { monitorShapes } from "./monitor.cases.ts";
import { policyShapes } from "./policy.cases.ts";
import { postgresShapes } from "./postgres.cases.ts";
import { resourceGraphShapes } from "./resourceGraph.cases.ts";
import { resourcesShapes } from "./resources.cases.ts";
import { networkShapes } from "./network.cases.ts";
import { webShapes } from "./web.cases.ts";
import { locksShapes } from "./locks.cases.ts";
import { diagnosticSettingsShapes } from "./diagnosticSettings.cases.ts";
import { scaleSetShapes } from "./scaleSets.cases.ts";
import { postgresPowerShapes } from "./postgresPower.cases.ts";
import { managementGroupsShapes } from "./managementGroups.cases.ts";

const families: ShapeFamily[] = [
  resourcesShapes,
  computeShapes,
  containerServiceShapes,
  postgresShapes,
  backupShapes,
  resourceGraphShapes,
  monitorShapes,
  consumptionShapes,
  costManagementShapes,
  policyShapes,
  networkShapes,
  webShapes,
  locksShapes,
  diagnosticSettingsShapes,
  scaleSetShapes,
  postgresPowerShapes,
  managementGroupsShapes,
];

/** Reference payloads that describe something other than an emulated operation, and why. */
const WITHOUT_ROUTE: Record<string, string> = {
  "event-grid/resource-write-success.eventgrid-schema.json": "an event Governor receives (parsed by the resourceEvents trigger)",
  "event-grid/resource-write-success.cloudevents-schema.json": "an event Governor receives (parsed by the resourceEvents trigger)",
  "event-grid/resource-delete-success.eventgrid-schema.json": "an event Governor receives (parsed by the resourceEvents trigger)",
  "event-grid/subscription-validation-event.json": "the validation handshake Governor answers",
  "event-grid/subscription-validation-response.json": "the validation handshake Governor answers",
  "cost-management/budget-alert-action-group-payload.legacy-aip-schema.json": "a budget alert Governor receives",
  "cost-management/budget-alert-common-alert-schema-actual.json": "a budget alert Governor receives",
  "monitor/common-alert-schema-metric-alert-context-static-threshold.json": "an alert fragment Governor receives",
  "cost-management/costmanagement-budget-create-or-update.json":
    "Governor reads budgets through Microsoft.Consumption; the infra template creates them",
  "cost-management/consumption-usage-details-list-per-resource.json": "usage details are not used by Governor",
  "aks/agent-pool-start.json": "Governor stops and starts whole clusters, not single agent pools",
  "aks/agent-pool-stop.json": "Governor stops and starts whole clusters, not single agent pools",
  "aks/agent-pool-update-autoscale.json": "Governor does not change autoscaling",
  "compute/vmss-update-capacity.json": "Governor schedules scale sets with deallocate and start; it does not change their capacity",
};

/**
 * Reference payloads of operations Governor does not perform yet, by the path they start with, and
 * the work that will give them a route (and a shape case, which then takes precedence here).
 */
const AWAITING_ROUTE: Array<[prefix: string, reason: string]> = [
  ["advisor/", "rightsizing (breadth): Advisor's recommendations beside Governor's own"],
];
const awaitingRoute = (file: string): string | undefined => AWAITING_ROUTE.find(([prefix]) => file.startsWith(prefix))?.[1];

describe.each(families)("reference shapes: $name", (family) => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ estate: family.estate, throttle: false, lroPolls: 0 });
  });
  afterAll(async () => emulator.close());

  it.each(family.cases.map((shapeCase) => [shapeCase.example, shapeCase] as const))(
    "%s: the emulator answers with every property of the reference",
    async (_name, shapeCase) => {
      const reference = referenceBody(readExample(shapeCase.example), shapeCase.status);
      const answer = await shapeCase.run(emulator);
      expect(String(answer.status), `status of ${shapeCase.example}`).toBe(reference.status);
      if (reference.body !== undefined) {
        expect(compareShapes(reference.body, answer.body, shapeCase.dynamic)).toEqual([]);
      }
    },
  );
});

describe("reference payload coverage", () => {
  it("lists every reference payload as a shape case, with the reason it has no route, or with the work that will route it", () => {
    const covered = new Set(families.flatMap((family) => family.cases.map((shapeCase) => shapeCase.example)));
    const files = readdirSync(EXAMPLES_DIR, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".json"));
    expect(files.length).toBeGreaterThan(40);
    const unaccounted = files.filter(
      (file) => !covered.has(file) && WITHOUT_ROUTE[file] === undefined && awaitingRoute(file) === undefined,
    );
    expect(unaccounted).toEqual([]);
  });
});
