/** Reading a posted decision: what each decision becomes, and what is refused with its reason. */
import { describe, expect, it } from "vitest";
import { eventFromForm, readDecisionBody } from "../../../shared/approvals/form.ts";

const A = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-a";
const B = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-b";
const PLAN = { resourceIds: [A, B] };
const NOW = new Date("2026-11-23T18:55:00Z");
const form = (text: string) => {
  const read = readDecisionBody("application/x-www-form-urlencoded", text);
  if ("error" in read) throw new Error(read.error);
  return read;
};
const decide = (text: string) => eventFromForm(form(text), PLAN, "maria@nordwind.example", NOW);
const q = encodeURIComponent;

describe("posted decisions", () => {
  it("approve without resources approves the whole plan; with some, only those", () => {
    expect(decide("token=t&decision=approve")).toEqual({
      event: { decision: "approve", resourceIds: [A, B], decidedBy: "maria@nordwind.example" },
    });
    expect(decide(`token=t&decision=approve&approve=${q(B.toUpperCase())}`)).toMatchObject({ event: { resourceIds: [B] } });
  });

  it("exempt one until a date and approve the rest in one decision, as the page's Approve does with an Exempt tick", () => {
    expect(
      decide(`token=t&decision=approve&approve=${q(A)}&approve=${q(B)}&exempt=${q(A)}&exemptUntil=2026-11-27&comment=load+test`),
    ).toEqual({
      event: {
        decision: "approve",
        resourceIds: [B],
        exempt: { resourceIds: [A], until: "2026-11-27" },
        decidedBy: "maria@nordwind.example",
        comment: "load test",
      },
    });
  });

  it("snooze asks again after the chosen time (2 h by default)", () => {
    expect(decide("token=t&decision=snooze")).toMatchObject({ event: { decision: "snooze", snoozeUntil: "2026-11-23T20:55:00.000Z" } });
    expect(decide("token=t&decision=snooze&snoozeFor=1d")).toMatchObject({ event: { snoozeUntil: "2026-11-24T18:55:00.000Z" } });
  });

  it("refuses, with the reason, what cannot be carried out as written", () => {
    const refused = (text: string) => {
      const result = decide(text);
      return "error" in result ? result.error : "accepted";
    };
    expect(refused(`token=t&decision=approve&approve=${q("/subscriptions/s/x")}`)).toMatch(/not in this plan/);
    expect(refused(`token=t&decision=exempt&exempt=${q(A)}`)).toMatch(/exemptUntil: expected a date/);
    expect(refused(`token=t&decision=exempt&exempt=${q(A)}&exemptUntil=2026-11-20`)).toMatch(/has passed/);
    expect(refused(`token=t&decision=exempt&exempt=${q(A)}&exemptUntil=2027-06-01`)).toMatch(/at most 90 days/);
    expect(refused(`token=t&decision=exempt&exempt=${q(A)}&exemptUntil=2026-02-30`)).toMatch(/expected a date/);
    expect(refused("token=t&decision=exempt")).toMatch(/name the resources/);
    expect(refused("token=t&decision=snooze&snoozeFor=1m")).toMatch(/between 5m and 7d/);
    expect(refused("token=t&decision=snooze&snoozeFor=soon")).toMatch(/invalid duration/);
    expect(refused(`token=t&decision=approve&exempt=${q(A)}&exempt=${q(B)}&exemptUntil=2026-11-27`)).toMatch(/nothing left to approve/);
    expect(refused("token=t&decision=maybe")).toMatch(/approve, reject, snooze or exempt/);
  });

  it("reads JSON as the form, and refuses a body without token or decision, or of another type", () => {
    expect(readDecisionBody("application/json", JSON.stringify({ token: "t", decision: "reject", comment: "no" }))).toMatchObject({
      token: "t",
      decision: "reject",
      comment: "no",
    });
    expect(readDecisionBody("application/json", "{")).toMatchObject({ error: expect.stringMatching(/not valid JSON/) as string });
    expect(readDecisionBody("application/x-www-form-urlencoded", "decision=approve")).toMatchObject({
      error: expect.stringMatching(/no token/) as string,
    });
    expect(readDecisionBody("text/plain", "approve")).toMatchObject({ error: expect.stringMatching(/content type/) as string });
  });
});
