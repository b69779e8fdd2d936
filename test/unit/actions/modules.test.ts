import { describe, expect, it } from "vitest";
import {
  ACTION_PERMISSIONS,
  ACTIONS,
  containmentKinds,
  executorFor,
  POLICY_ACTIONS,
  saves,
  undoneBy,
} from "../../../shared/actions/index.ts";
import { builtinRegistry } from "../../../shared/policy/builtins.ts";
import { generateSchema } from "../../../shared/policy/schema.ts";
import { ACTIVITY_PERMISSIONS } from "../../../orchestrations/activities/permissions.ts";

describe("action modules: everything about an action is read from its module", () => {
  it("the registry and the policy file's schema hold every policy action module and no internal one", () => {
    const registered = builtinRegistry()
      .actions.map((action) => action.name)
      .sort();
    expect(registered).toEqual(POLICY_ACTIONS.map((module) => module.name).sort());
    expect(registered).not.toContain("start");
    const schemaText = JSON.stringify(generateSchema(builtinRegistry()));
    for (const module of POLICY_ACTIONS) expect(schemaText).toContain(`"${module.name}"`);
    expect(schemaText).not.toMatch(/"const":"start"|"enum":\[[^\]]*"start"/);
  });

  it("applyRemediation is granted exactly the ARM operations the executors declare, plus reading", () => {
    const granted = ACTIVITY_PERMISSIONS.applyRemediation.map((permission) => permission.operation).sort();
    const declared = ACTIONS.filter((module) => module.executor).flatMap((module) => module.permissions.map((p) => p.operation));
    expect(granted).toEqual(["*/read", ...new Set(declared)].sort());
    // No module without an executor asks for anything: it sends nothing.
    for (const module of ACTIONS.filter((candidate) => !candidate.executor)) expect(module.permissions, module.name).toEqual([]);
  });

  it("an executor takes its name, kinds, effect and what it leaves from its module", () => {
    for (const module of ACTIONS.filter((candidate) => candidate.executor)) {
      const executor = executorFor(module.name);
      expect(executor?.action).toBe(module.name);
      expect(executor?.kinds).toEqual(module.appliesTo);
      expect(executor?.effect).toBe(module.effect);
      expect(executor?.leaves).toEqual(module.leaves);
    }
    expect(executorFor("notify")).toBeUndefined();
    expect(executorFor("no-such-action")).toBeUndefined();
  });

  it("what undoes an action can act on every kind the action acts on", () => {
    const undone = ACTIONS.filter((module) => module.undoneBy !== undefined);
    expect(undone.map((module) => [module.name, module.undoneBy])).toEqual([
      ["deallocate", "start"],
      ["stop", "start"],
    ]);
    for (const module of undone) {
      const undo = ACTIONS.find((candidate) => candidate.name === module.undoneBy);
      for (const kind of module.appliesTo) expect(undo?.appliesTo, `${module.undoneBy} for ${module.name}`).toContain(kind);
    }
    expect(undoneBy("delete")).toBeUndefined();
  });

  it("a budget response takes only disruptive actions a person can undo, on their own kinds", () => {
    expect(containmentKinds("deallocate")).toEqual(["virtual-machine", "vm-scale-set"]);
    expect(containmentKinds("stop")).toEqual(["aks-cluster", "postgresql-server"]);
    // Destructive, or nothing to undo: never a containment.
    for (const action of ["delete", "downgrade", "snapshot-then-delete", "tag", "enroll-backup", "notify", "start"])
      expect(containmentKinds(action), action).toEqual([]);
  });

  it("the savings ledger counts the actions whose modules say they save", () => {
    expect(ACTIONS.filter((module) => saves(module.name)).map((module) => module.name)).toEqual([
      "deallocate",
      "stop",
      "delete",
      "downgrade",
      "snapshot-then-delete",
      "resize",
    ]);
  });

  it("declares each ARM operation once, with why it is needed", () => {
    const operations = ACTION_PERMISSIONS.map((permission) => permission.operation);
    expect(new Set(operations).size).toBe(operations.length);
    for (const permission of ACTION_PERMISSIONS) expect(permission.why.length, permission.operation).toBeGreaterThan(10);
  });
});
