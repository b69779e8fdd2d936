/**
 * A plan of 1,500 resources travels as a reference and is carried out in chunks of at most 100:
 * no workflow input, and no chunk's, grows with the plan.
 */
import { describe, expect, it } from "vitest";
import { chunkSources, plannedCount, type RemediateInput } from "../../orchestrations/remediate.ts";
import { remediationChunkInstanceId } from "../../orchestrations/names.ts";
import { PLAN_CHUNK } from "../../shared/remediation/chunks.ts";
import { type PlannedChange, planRefOf, stagePlan } from "../../shared/remediation/planStore.ts";

const resources: PlannedChange[] = Array.from({ length: 1_500 }, (_, index) => ({
  resourceId: `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-${index % 40}/providers/Microsoft.Compute/virtualMachines/vm-${index}`,
  resourceName: `vm-${index}`,
  reason: `environment=dev in [dev, test]; power state running; CPU average 1.2% over 72h < 5%; tags owner, cost-center missing (${index})`,
  estimatedMonthlySavings: 12.5,
}));

const input: RemediateInput = {
  policy: "required-tags",
  action: { type: "tag", args: {} },
  resources,
  trigger: { type: "cli" },
};

describe("a plan of 1,500 resources", () => {
  it("is staged: the workflow's input carries the plan's reference and counts, a few hundred characters", async () => {
    const saved: PlannedChange[][] = [];
    const store = {
      save: async (id: string, planned: readonly PlannedChange[]) => {
        saved.push([...planned]);
        return planRefOf(`${id}|hash`, planned);
      },
    };
    const staged = await stagePlan({ instanceId: "remediate:required-tags:run", input }, store);
    expect(saved[0]).toHaveLength(1_500);
    expect(staged.input.resources).toEqual([]);
    expect(staged.input.plan).toMatchObject({ resources: 1_500, chunks: 15, estimatedMonthlySavings: 18_750 });
    expect(JSON.stringify(staged.input).length).toBeLessThan(1_000);
    expect(plannedCount(staged.input)).toBe(1_500);
    expect(chunkSources(staged.input)).toEqual(
      Array.from({ length: 15 }, (_, chunk) => ({ planId: "remediate:required-tags:run|hash", chunk })),
    );
  });

  it("carried inline (not staged), is still cut into chunks of at most 100 for the sub-orchestrations", () => {
    const sources = chunkSources(input);
    expect(sources).toHaveLength(15);
    for (const source of sources) expect("resources" in source && source.resources.length).toBeLessThanOrEqual(PLAN_CHUNK);
    expect(sources.flatMap((source) => ("resources" in source ? source.resources : []))).toEqual(resources);
  });

  it("a small plan stays inline, and each chunk's instance id derives from its workflow's", async () => {
    const small = { instanceId: "remediate:p:run", input: { ...input, resources: resources.slice(0, 3) } };
    const store = { save: () => Promise.reject(new Error("a small plan is not staged")) };
    expect(await stagePlan(small, store)).toBe(small);
    expect(remediationChunkInstanceId("remediate:p:run", 2)).toBe("remediate:p:run:chunk-2");
    expect(remediationChunkInstanceId(`remediate:${"x".repeat(260)}`, 2).length).toBeLessThanOrEqual(256);
  });
});
