/** captureRegistrations: what the Functions worker would receive from an entry module. */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type * as AzureFunctions from "@azure/functions";
import { ESLint } from "eslint";
import tseslint from "typescript-eslint";
import { describe, expect, it } from "vitest";
import { orchestratorRules } from "../../eslint.config.js";
import { captureRegistrations } from "../../local/durable/index.ts";

const functions = createRequire(import.meta.url)("@azure/functions") as typeof AzureFunctions;

describe("captureRegistrations", () => {
  it("captures the fixture's orchestrations and activities with their trigger types, and restores app.generic", async () => {
    const generic = functions.app.generic;
    const http = functions.app.http;
    const registrations = await captureRegistrations(() => import("../fixtures/runtime/entry.ts"));

    const byName = new Map(registrations.map((registration) => [registration.name, registration.triggerType]));
    for (const name of [
      "sequence",
      "fanOut",
      "timerThenStamp",
      "approvalRace",
      "prepareThenWait",
      "remediate",
      "retrying",
      "crashSequence",
    ]) {
      expect(byName.get(name), name).toBe("orchestrationTrigger");
    }
    for (const name of ["greet", "processItem", "stamp", "prepare", "readResource", "checkGuards", "deallocateVm", "crashStep"]) {
      expect(byName.get(name), name).toBe("activityTrigger");
    }
    expect(registrations.every((registration) => typeof registration.handler === "function")).toBe(true);
    expect(registrations.find((registration) => registration.name === "greet")?.options.trigger.type).toBe("activityTrigger");
    expect(functions.app.generic).toBe(generic);
    expect(functions.app.http).toBe(http);
  });

  it("wraps activities as the host invokes them: the handler runs with (input, context)", async () => {
    const [registration] = await captureRegistrations(async () => {
      const df = await import("durable-functions");
      df.app.activity("shout", { handler: (text: string) => text.toUpperCase() });
    });
    expect(registration?.triggerType).toBe("activityTrigger");
    const result = await registration?.handler("quiet", new functions.InvocationContext({ functionName: "shout" }));
    expect(result).toBe("QUIET");
  });

  it("captures HTTP, timer and Event Grid triggers registered through the app shorthands", async () => {
    const registrations = await captureRegistrations(async () => {
      functions.app.http("approve", { methods: ["POST"], route: "approvals/{id}", handler: () => ({ status: 204 }) });
      functions.app.post("decide", { handler: () => ({ status: 204 }) });
      functions.app.timer("sweep", { schedule: "0 0 * * * *", handler: () => undefined });
      functions.app.eventGrid("resourceEvents", { handler: () => undefined });
    });
    expect(registrations.map((registration) => [registration.name, registration.triggerType])).toEqual([
      ["approve", "httpTrigger"],
      ["decide", "httpTrigger"],
      ["sweep", "timerTrigger"],
      ["resourceEvents", "eventGridTrigger"],
    ]);
    expect(registrations[0]?.options.trigger).toMatchObject({ route: "approvals/{id}", methods: ["POST"] });
    expect(registrations[1]?.options.trigger).toMatchObject({ methods: ["POST"] });
    expect(registrations[2]?.options.trigger).toMatchObject({ schedule: "0 0 * * * *" });
  });

  it("restores @azure/functions' app when loading fails, and rethrows the failure", async () => {
    const generic = functions.app.generic;
    const timer = functions.app.timer;
    await expect(
      captureRegistrations(async () => {
        functions.app.timer("half", { schedule: "0 * * * * *", handler: () => undefined });
        throw new Error("entry module failed to load");
      }),
    ).rejects.toThrow("entry module failed to load");
    expect(functions.app.generic).toBe(generic);
    expect(functions.app.timer).toBe(timer);
  });

  it("refuses two functions with the same name, as the host does", async () => {
    await expect(
      captureRegistrations(async () => {
        functions.app.timer("twice", { schedule: "0 * * * * *", handler: () => undefined });
        functions.app.timer("twice", { schedule: "0 * * * * *", handler: () => undefined });
      }),
    ).rejects.toThrow("function 'twice' is registered twice");
  });
});

describe("the runtime fixture's orchestrations", () => {
  it("keep the determinism rules of orchestrations/ (test fixtures are not linted otherwise)", async () => {
    const eslint = new ESLint({
      overrideConfigFile: true,
      overrideConfig: [{ files: ["**/*.ts"], languageOptions: { parser: tseslint.parser }, rules: orchestratorRules }],
    });
    const source = readFileSync(new URL("../fixtures/runtime/orchestrations.ts", import.meta.url), "utf8");
    const [result] = await eslint.lintText(source, { filePath: "orchestrations/runtimeFixture.ts" });
    expect((result?.messages ?? []).map((message) => `${message.line}: ${message.message}`)).toEqual([]);
  });
});
