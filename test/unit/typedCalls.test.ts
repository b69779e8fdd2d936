/**
 * Typed activity and sub-orchestration calls (orchestrations/calls.ts): a handle schedules the
 * name it was registered under, its result comes back typed, and a wrong input does not compile
 * (the `@ts-expect-error` lines fail `npm run typecheck` the day they compile).
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import { describe, expect, it } from "vitest";
import { remediationActivities } from "../../orchestrations/activities/remediation.activities.ts";
import { type ActivityHandle, call, callOrchestration, type OrchestrationHandle, registerActivity } from "../../orchestrations/calls.ts";
import { ACTIVITIES, ORCHESTRATIONS } from "../../orchestrations/names.ts";
import { remediate } from "../../orchestrations/remediate.ts";
import { captureRegistrations } from "../../local/durable/index.ts";
import type { RemediateResult } from "../../orchestrations/remediate.ts";

interface Scheduled {
  method: string;
  name: string;
  input: unknown;
  retry?: unknown;
  instanceId?: string;
}

/** Just enough of context.df to see what an orchestrator schedules. */
function recordingContext(): { context: OrchestrationContext; scheduled: Scheduled[] } {
  const scheduled: Scheduled[] = [];
  const task = (entry: Scheduled): Task => {
    scheduled.push(entry);
    return { isCompleted: false, isFaulted: false };
  };
  const context = {
    df: {
      callActivity: (name: string, input: unknown) => task({ method: "callActivity", name, input }),
      callActivityWithRetry: (name: string, retry: unknown, input: unknown) =>
        task({ method: "callActivityWithRetry", name, input, retry }),
      callSubOrchestrator: (name: string, input: unknown, instanceId: string) =>
        task({ method: "callSubOrchestrator", name, input, instanceId }),
      Task: { all: (tasks: Task[]) => task({ method: "Task.all", name: "", input: tasks.length }) },
    },
  } as unknown as OrchestrationContext;
  return { context, scheduled };
}

const RETRY = new df.RetryOptions(1_000, 2);
const handle = { activity: ACTIVITIES.loadPlanChunk } as ActivityHandle<{ planId: string; chunk: number }, string[]>;

describe("typed activity calls", () => {
  it("schedules the handle's activity with the input and retry given, and returns what the activity returned", () => {
    const { context, scheduled } = recordingContext();
    const running = call(context, handle, { planId: "p", chunk: 0 }, RETRY);
    expect(running.next().done).toBe(false);
    expect(scheduled).toEqual([{ method: "callActivityWithRetry", name: "loadPlanChunk", input: { planId: "p", chunk: 0 }, retry: RETRY }]);
    expect(running.next(["vm-a"])).toEqual({ done: true, value: ["vm-a"] });
  });

  it("without retry options, schedules a plain call", () => {
    const { context, scheduled } = recordingContext();
    call(context, handle, { planId: "p", chunk: 1 }).next();
    expect(scheduled).toEqual([{ method: "callActivity", name: "loadPlanChunk", input: { planId: "p", chunk: 1 } }]);
  });

  it("runs a sub-orchestration under the instance id given", () => {
    const { context, scheduled } = recordingContext();
    const child = { orchestration: ORCHESTRATIONS.approval } as OrchestrationHandle<{ policy: string }, { outcome: string }>;
    const running = callOrchestration(context, child, { policy: "p" }, "remediate:p:s:approval");
    running.next();
    expect(scheduled).toEqual([
      { method: "callSubOrchestrator", name: "approval", input: { policy: "p" }, instanceId: "remediate:p:s:approval" },
    ]);
    expect(running.next({ outcome: "approved" }).value).toEqual({ outcome: "approved" });
  });

  it("the handles of Governor's workflows carry the names they are registered under", () => {
    expect(remediationActivities.applyRemediation.activity).toBe(ACTIVITIES.applyRemediation);
    expect(remediationActivities.loadPlanChunk.activity).toBe(ACTIVITIES.loadPlanChunk);
    expect(remediate.orchestration).toBe(ORCHESTRATIONS.remediate);
  });

  it("registers an activity under its handle's name, and the registered function runs the handler", async () => {
    let registered: ActivityHandle<{ n: number }, number> | undefined;
    const registrations = await captureRegistrations(async () => {
      registered = registerActivity(ACTIVITIES.recordAudit, (input: { n: number }) => input.n + 1);
    });
    expect(registrations.map((registration) => [registration.name, registration.triggerType])).toEqual([
      ["recordAudit", "activityTrigger"],
    ]);
    expect(registered?.activity).toBe("recordAudit");
    expect(await registrations[0]?.handler({ n: 41 }, undefined as never)).toBe(42);
  });

  it("a wrong input, or a wrong use of the output, does not compile", () => {
    const { context, scheduled } = recordingContext();
    // Generators run nothing until iterated: these only have to type-check (or fail to, as marked).
    function* typed(): Generator<Task, void, unknown> {
      // @ts-expect-error: loadPlanChunk takes { planId, chunk }
      yield* call(context, remediationActivities.loadPlanChunk, { planId: "p" }, RETRY);
      // @ts-expect-error: an input property the activity does not take
      yield* call(context, remediationActivities.verifyRemediation, { outcomes: [], extra: true }, RETRY);
      const chunk = yield* call(context, remediationActivities.loadPlanChunk, { planId: "p", chunk: 0 }, RETRY);
      // @ts-expect-error: the output is PlannedChange[], not a string
      const wrong: string = chunk;
      // @ts-expect-error: remediate takes a RemediateInput, not a policy name alone
      const remediated = yield* callOrchestration(context, remediate, { policy: "p" }, "id");
      const counts: RemediateResult["counts"] = remediated.counts;
      void wrong;
      void counts;
    }
    typed();
    expect(scheduled).toEqual([]);
  });
});
