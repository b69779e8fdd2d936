/**
 * The worker only warns when an entry module fails to load, and an orchestrator calling an
 * activity nobody registered fails at run time: every name in orchestrations/names.ts must be
 * registered by the entry files the worker loads, and the approval routes by their function file.
 */
import { describe, expect, it } from "vitest";
import { ACTIVITIES, ORCHESTRATIONS } from "../../orchestrations/names.ts";
import { captureRegistrations } from "../../local/durable/index.ts";
import { entryFilesIn, loadEntries } from "../../local/entries.ts";

describe("registered workflow names", () => {
  it("every orchestration and activity named in names.ts is registered by the orchestrations' entry files", async () => {
    const registrations = await loadEntries(entryFilesIn("orchestrations"));
    const byName = new Map(registrations.map((registration) => [registration.name, registration.triggerType]));
    for (const name of Object.values(ORCHESTRATIONS)) expect(byName.get(name), name).toBe("orchestrationTrigger");
    for (const name of Object.values(ACTIVITIES)) expect(byName.get(name), name).toBe("activityTrigger");
  });

  it("the approval page and decision are anonymous HTTP routes on approvals/{instanceId}", async () => {
    const registrations = await captureRegistrations(() => import("../../functions/approvals.ts"));
    const triggers = registrations.map((registration) => ({
      name: registration.name,
      trigger: (registration.options as { trigger?: { route?: string; methods?: string[]; authLevel?: string } }).trigger,
    }));
    expect(triggers).toEqual([
      {
        name: "approvalPage",
        trigger: expect.objectContaining({ route: "approvals/{instanceId}", methods: ["GET"], authLevel: "anonymous" }) as unknown,
      },
      {
        name: "approvalDecision",
        trigger: expect.objectContaining({ route: "approvals/{instanceId}", methods: ["POST"], authLevel: "anonymous" }) as unknown,
      },
    ]);
  });
});
