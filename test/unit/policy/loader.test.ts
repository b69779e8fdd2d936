/** Policy files: a bad file is refused whole, each mistake named with its file, line and field. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { builtinRegistry } from "../../../shared/policy/builtins.ts";
import { parsePolicyText, PolicyLoadError } from "../../../shared/policy/loader.ts";
import { Registry } from "../../../shared/policy/registry.ts";
import { generateSchema } from "../../../shared/policy/schema.ts";

/** A registry of one filter and two actions, so these tests depend on the loader alone. */
function testRegistry(): Registry {
  return new Registry()
    .addFilter<{ tag: string; present: boolean }>({
      key: "tag",
      summary: "a tag is present or absent",
      example: "{ tag: owner, present: false }",
      schema: {
        type: "object",
        additionalProperties: false,
        required: ["tag", "present"],
        properties: { tag: { type: "string" }, present: { type: "boolean" } },
      },
      parse: (condition) => {
        if (condition.tag === "") throw new Error("tag names cannot be empty");
        return { tag: condition.tag as string, present: condition.present as boolean };
      },
      evaluate: () => ({ outcome: "match", reason: "test" }),
    })
    .addFilter({
      key: "power-state",
      summary: "power state",
      example: "{ power-state: running }",
      appliesTo: ["virtual-machine"],
      schema: { type: "object", required: ["power-state"], properties: { "power-state": { type: "string" } } },
      parse: (condition) => condition["power-state"],
      evaluate: () => ({ outcome: "match", reason: "test" }),
    })
    .addAction({ name: "deallocate", summary: "deallocate", example: "deallocate", effect: "disruptive", appliesTo: ["virtual-machine"] })
    .addAction({
      name: "tag",
      summary: "tag",
      example: "{ type: tag, inherit: [owner] }",
      effect: "modify",
      appliesTo: ["any"],
      argsSchema: { properties: { inherit: { type: "array", items: { type: "string" } } } },
    });
}

function issuesOf(text: string): Array<{ line: number; path: string; message: string }> {
  try {
    parsePolicyText(text, "policies/mine.yaml", testRegistry());
  } catch (error) {
    if (error instanceof PolicyLoadError) return error.issues.map(({ line, path, message }) => ({ line, path, message }));
    throw error;
  }
  throw new Error("the file loaded; it was expected to be refused");
}

const GOOD = `version: 1
policies:
  - name: tag-everything
    resource: any
    mode: enforce
    when:
      - { tag: owner, present: false }
    action: { type: tag, inherit: [owner] }
  - name: stop-vms
    resource: virtual-machine
    when:
      - not: { power-state: deallocated }
    action: deallocate
`;

describe("policy file loader", () => {
  it("loads a valid file with defaults: audit mode, default settings, parsed conditions and actions", () => {
    const set = parsePolicyText(GOOD, "policies/mine.yaml", testRegistry());
    expect(set.policies.map((policy) => [policy.name, policy.mode, policy.action.type])).toEqual([
      ["tag-everything", "enforce", "tag"],
      ["stop-vms", "audit", "deallocate"],
    ]);
    expect(set.policies[0]?.when[0]).toMatchObject({ filter: "tag", args: { tag: "owner", present: false } });
    expect(set.policies[0]?.action.args).toEqual({ inherit: ["owner"] });
    expect(set.policies[1]?.when[0]).toMatchObject({ not: { filter: "power-state", args: "deallocated" } });
    expect(set.settings.tags.environment).toBe("environment");
  });

  it("names the line and field of an unknown field, and loads nothing", () => {
    const text = GOOD.replace("    mode: enforce\n", "    mode: enforce\n    colour: blue\n");
    expect(issuesOf(text)).toEqual([{ line: 6, path: "policies[0].colour", message: 'unknown field "colour"' }]);
  });

  it("names a missing required field at the policy", () => {
    const text = GOOD.replace("    resource: virtual-machine\n", "");
    expect(issuesOf(text)).toEqual([{ line: 9, path: "policies[1]", message: 'missing required field "resource"' }]);
  });

  it("reports an unknown filter with the known ones, at the condition's line", () => {
    const text = GOOD.replace("{ tag: owner, present: false }", "{ colour: red }");
    const [issue] = issuesOf(text);
    expect(issue).toMatchObject({ line: 7, path: "policies[0].when[0]" });
    expect(issue?.message).toContain("no known filter in this condition (fields: colour)");
    expect(issue?.message).toContain("tag, power-state");
  });

  it("refuses a condition that names two filters", () => {
    const text = GOOD.replace("{ tag: owner, present: false }", '{ tag: owner, present: false, power-state: "running" }');
    expect(issuesOf(text)[0]?.message).toContain("names tag and power-state");
  });

  it("reports a filter's own parse error and the wrong type of a field", () => {
    const text = GOOD.replace("{ tag: owner, present: false }", '{ tag: "", present: "no" }');
    expect(issuesOf(text)).toEqual([{ line: 7, path: "policies[0].when[0].present", message: "must be boolean" }]);
    const empty = GOOD.replace("{ tag: owner, present: false }", '{ tag: "", present: false }');
    expect(issuesOf(empty)).toEqual([{ line: 7, path: "policies[0].when[0].tag", message: "tag names cannot be empty" }]);
  });

  it("refuses a filter or action on a kind it does not apply to", () => {
    const text = GOOD.replace("resource: virtual-machine", "resource: snapshot");
    const messages = issuesOf(text).map((issue) => issue.message);
    expect(messages).toContain('the "power-state" filter does not apply to snapshot (it applies to virtual-machine)');
    expect(messages).toContain('the "deallocate" action does not apply to snapshot (it applies to virtual-machine)');
  });

  it("refuses a stop or delete action on a policy written for every kind", () => {
    const text = GOOD.replace("    action: { type: tag, inherit: [owner] }\n", "    action: deallocate\n");
    expect(issuesOf(text)).toEqual([
      { line: 8, path: "policies[0].action", message: 'the "deallocate" action does not apply to any (it applies to virtual-machine)' },
    ]);
  });

  it("refuses an unknown action, listing the known ones", () => {
    const text = GOOD.replace("action: deallocate", "action: explode");
    expect(issuesOf(text)).toEqual([
      { line: 13, path: "policies[1].action", message: 'unknown action "explode"; actions are: deallocate, tag' },
    ]);
  });

  it("refuses includeProduction without a required approval", () => {
    const text = GOOD.replace("    action: deallocate\n", "    action: deallocate\n    includeProduction: true\n");
    expect(issuesOf(text)[0]?.message).toContain("includeProduction needs an approval that is required");
  });

  it("refuses azurePolicyRemediation on an audit policy or one without a required approval, and keeps it when both are there", () => {
    const handing = (extra: string) =>
      GOOD.replace("    action: { type: tag, inherit: [owner] }\n", `    action: { type: tag, inherit: [owner] }\n${extra}`);
    // 1. No approval: a task acts outside Governor's executors, so a person approves each.
    expect(issuesOf(handing("    azurePolicyRemediation: true\n"))[0]?.message).toContain(
      "azurePolicyRemediation needs an approval that is required",
    );
    // 2. Audit mode: exported as Audit, which no remediation task corrects.
    expect(
      issuesOf(
        handing("    approval: { approvers: [platform-team] }\n    azurePolicyRemediation: true\n").replace("mode: enforce", "mode: audit"),
      )[0]?.message,
    ).toContain("azurePolicyRemediation needs mode: enforce");
    // 3. Not a boolean.
    expect(issuesOf(handing("    approval: { approvers: [platform-team] }\n    azurePolicyRemediation: yes please\n"))[0]?.path).toBe(
      "policies[0].azurePolicyRemediation",
    );
    // Compliant: enforce, with a required approval.
    const set = parsePolicyText(
      handing("    approval: { approvers: [platform-team] }\n    azurePolicyRemediation: true\n"),
      "p.yaml",
      testRegistry(),
    );
    expect(set.policies[0]?.azurePolicyRemediation).toBe(true);
    expect(set.policies[1]?.azurePolicyRemediation).toBeUndefined();
  });

  it("refuses duplicate policy names and reports every issue of the file at once", () => {
    const text = GOOD.replace("name: stop-vms", "name: tag-everything").replace("mode: enforce", "mode: enforced");
    const issues = issuesOf(text);
    expect(issues.map((issue) => issue.path)).toEqual(["policies[0].mode", "policies[1].name"]);
    expect(issues[0]?.message).toBe('must be one of "audit", "enforce"');
    expect(issues[1]?.message).toBe('policy name "tag-everything" is already used by policies[0]');
  });

  it("reports YAML syntax errors with their line", () => {
    const [issue] = issuesOf("policies:\n  - name: a\n   resource: [unclosed\n");
    expect(issue?.line).toBeGreaterThanOrEqual(2);
    expect(issue?.message).toMatch(/^YAML: /);
  });

  it("checks settings: blackout dates, time zone, unknown settings", () => {
    const text = `settings:
  timeZone: Mars/Olympus
  blackouts:
    - { name: close, from: "2026-12-31", to: "2026-12-01" }
  colour: blue
policies: []
`;
    const issues = issuesOf(text);
    expect(issues).toContainEqual({ line: 5, path: "settings.colour", message: 'unknown field "colour"' });
    expect(issues.length).toBe(1);
    const semantic = issuesOf(text.replace("  colour: blue\n", ""));
    expect(semantic).toEqual([
      { line: 2, path: "settings.timeZone", message: '"Mars/Olympus" is not an IANA time zone' },
      { line: 4, path: "settings.blackouts[0]", message: 'blackout "close": from 2026-12-31 is after to 2026-12-01' },
    ]);
  });

  it("checks the holiday calendar and each policy's NCRONTAB schedule", () => {
    const text = `settings:\n  holidays: XX\n${GOOD.replace("version: 1\n", "").replace("    action: deallocate\n", '    action: deallocate\n    schedule: "0 0 25 * * 1-5"\n')}`;
    const issues = issuesOf(text);
    expect(issues.map((issue) => issue.path)).toEqual(["settings.holidays", "policies[1].schedule"]);
    expect(issues[0]?.message).toMatch(
      /^unknown holiday country "XX": expected a two-letter ISO 3166 country code .*npx governor holidays/,
    );
    expect(issues[1]?.message).toMatch(/"0 0 25 \* \* 1-5": hour field "25": 25 is out of range 0-23/);
  });
});

describe("the shipped policy schema", () => {
  it("is the schema generated from the registry (run `governor schema > policies/policy.schema.json` after changing a filter or action)", () => {
    const shipped = JSON.parse(readFileSync(new URL("../../../policies/policy.schema.json", import.meta.url), "utf8")) as unknown;
    expect(shipped).toEqual(generateSchema(builtinRegistry()));
  });
});
