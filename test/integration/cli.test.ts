/** The `governor` command as a user runs it: a real process, its output and its exit code. */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

const CLI = fileURLToPath(new URL("../../cli/governor.ts", import.meta.url));
const PACK = fileURLToPath(new URL("../../policies/odoo-distribution.yaml", import.meta.url));

function governor(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 60_000, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("governor plan", () => {
  it("prints one JSON document of findings and a summary with --emulator --json", async () => {
    const { code, stdout } = await governor("plan", "--emulator", "--json");
    expect(code).toBe(0);
    const plan = JSON.parse(stdout) as {
      findings: Array<Record<string, unknown>>;
      summary: { policies: unknown[]; estimatedMonthlySavings: number };
    };
    expect(plan.findings.length).toBeGreaterThan(10);
    for (const finding of plan.findings) {
      expect(Object.keys(finding)).toEqual(
        expect.arrayContaining(["policy", "resourceId", "verdict", "action", "reason", "estimatedMonthlySavings"]),
      );
    }
    expect(plan.summary.policies).toHaveLength(33);
    expect(plan.summary.estimatedMonthlySavings).toBeGreaterThan(0);
  });

  it("prints a table grouped by policy and says that nothing was changed", async () => {
    const { code, stdout } = await governor("plan", "--emulator");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^stop-idle-nonprod-vms {2}\[enforce, deallocate\]/m);
    expect(stdout).toMatch(/^ {2}ASK {5}vm-odoo-dev-01 /m);
    expect(stdout).toContain("This was a plan: nothing was changed.");
  });

  it("plans three subscriptions with --subscriptions 3; a subscription's scope (its time zone and freeze) changes its verdicts and names itself", async () => {
    const second = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f32";
    const dir = mkdtempSync(join(tmpdir(), "governor-scopes-"));
    const file = join(dir, "scoped.yaml");
    // A November freeze in Auckland for the second subscription; a holiday calendar for the whole management group.
    const scopes = `scopes:
  - name: nordwind-group
    match: { managementGroup: mg-nordwind }
    settings: { holidays: BE }
  - name: nordwind-benelux
    match: { subscription: ${second} }
    settings: { timeZone: Pacific/Auckland, blackouts: [{ name: nz-peak, months: [11] }] }
`;
    writeFileSync(file, readFileSync(PACK, "utf8").replace(/^policies:/m, `${scopes}policies:`));
    const run = async (policies: string) => {
      const { code, stdout } = await governor("plan", "--emulator", "--subscriptions", "3", "--json", "--policies", policies);
      expect(code).toBe(0);
      return JSON.parse(stdout) as {
        findings: Array<{
          resourceId: string;
          resourceName: string;
          policy: string;
          verdict: string;
          guard?: string;
          reason: string;
          scopes?: string[];
        }>;
        subscriptions: Array<{ subscriptionId: string; findings: number; error?: string }>;
      };
    };
    const [plain, scoped] = await Promise.all([run(PACK), run(file)]);
    expect(plain.subscriptions.map((part) => [part.subscriptionId.slice(-4), part.findings > 0, part.error])).toEqual([
      ["0f31", true, undefined],
      ["0f32", true, undefined],
      ["0f33", true, undefined],
    ]);
    const inSecond = (finding: { resourceId: string }) => finding.resourceId.toLowerCase().startsWith(`/subscriptions/${second}/`);
    const stop = (plan: typeof plain) => plan.findings.find((finding) => inSecond(finding) && finding.policy === "stop-idle-nonprod-vms");
    expect(stop(plain)).toMatchObject({ verdict: "needs-approval" });
    expect(stop(scoped)).toMatchObject({ verdict: "blocked", guard: "change-window", scopes: ["nordwind-group", "nordwind-benelux"] });
    expect(stop(scoped)?.reason).toMatch(/nz-peak.*; scope nordwind-group > nordwind-benelux$/);
    // The other subscriptions keep their verdicts; their findings name the management group's scope only.
    const elsewhere = scoped.findings.filter((finding) => !inSecond(finding));
    expect(elsewhere.length).toBeGreaterThan(0);
    expect(elsewhere.every((finding) => finding.scopes?.join() === "nordwind-group")).toBe(true);
    const verdicts = (findings: typeof plain.findings) =>
      findings.map((finding) => `${finding.resourceId}|${finding.policy}|${finding.verdict}|${finding.guard ?? ""}`).sort();
    expect(verdicts(elsewhere)).toEqual(verdicts(plain.findings.filter((finding) => !inSecond(finding))));
  }, 60_000);

  it("refuses to guess the target", async () => {
    const { code, stderr } = await governor("plan");
    expect(code).toBe(2);
    expect(stderr).toContain("give either --subscription <id> (once per subscription) or --emulator");
    expect((await governor("plan", "--subscription", "not-a-guid")).stderr).toContain("must be a subscription id");
  });
});

describe("governor validate", () => {
  it("accepts the built-in pack", async () => {
    const { code, stdout } = await governor("validate", PACK);
    expect(code).toBe(0);
    expect(stdout).toContain("33 policies (18 enforce, 15 audit): valid");
  });

  it("names the file, line and field of each mistake and exits 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "governor-"));
    const file = join(dir, "mine.yaml");
    writeFileSync(file, readFileSync(PACK, "utf8").replace("over: 72h", "over: 72 hours").replace("backup: unprotected", "backup: maybe"));
    const { code, stderr } = await governor("validate", file);
    expect(code).toBe(1);
    const lines = stderr.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(`^${file}:\\d+:\\d+: policies\\[3\\]\\.when\\[2\\]\\.over: "72 hours" does not have the expected form`),
    );
    expect(lines[1]).toMatch(
      new RegExp(`^${file}:\\d+:\\d+: policies\\[8\\]\\.when\\[1\\]\\.backup: must be one of "protected", "unprotected"`),
    );
  });
});

describe("governor apply", () => {
  it("carries the plan out on the local runtime with --auto-approve and prints each outcome", async () => {
    const { code, stdout } = await governor("apply", "--emulator", "--auto-approve");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^stop-idle-nonprod-vms \[deallocate\] approval: approved \(auto-approve\)$/m);
    expect(stdout).toMatch(/^ {2}applied {7}vm-odoo-dev-01: deallocate deallocated vm-odoo-dev-01/m);
    expect(stdout).toMatch(/^ {2}applied {7}aks-odoo-dev: start started AKS cluster aks-odoo-dev/m);
    expect(stdout).toMatch(/17 workflows: \d+ applied, \d+ already done, \d+ skipped, 0 failed\./);
  });

  it("without approval, lets the approvals time out and acts only where no approval is required", async () => {
    const { code, stdout } = await governor("apply", "--emulator");
    expect(code).toBe(0);
    expect(stdout).toContain("await approval, which nobody can give here");
    expect(stdout).toMatch(/^stop-idle-nonprod-vms \[deallocate\] approval: timed-out/m);
    expect(stdout).toMatch(/^backup-production-vms \[enroll-backup\] approval: approved \(policy \(no approval required\)\)$/m);
  });
});

describe("governor schema", () => {
  it("prints a JSON Schema that accepts the built-in pack and refuses a mistake", async () => {
    const { code, stdout } = await governor("schema");
    expect(code).toBe(0);
    const validate = new Ajv({ strict: false }).compile(JSON.parse(stdout) as object);
    const pack = parseYaml(readFileSync(PACK, "utf8")) as { policies: Array<Record<string, unknown>> };
    expect(validate(pack)).toBe(true);
    (pack.policies[0] as Record<string, unknown>).mode = "sometimes";
    expect(validate(pack)).toBe(false);
  });
});

describe("governor export azure-policy", () => {
  it("writes the definitions, the initiative and the summary of the built-in pack, and lists what stays Governor's", async () => {
    const out = mkdtempSync(join(tmpdir(), "governor-export-"));
    const { code, stdout } = await governor("export", "azure-policy", "--out", out);
    expect(code).toBe(0);
    const initiative = JSON.parse(readFileSync(join(out, "initiative.json"), "utf8")) as {
      name: string;
      properties: { policyDefinitions: Array<{ policyDefinitionReferenceId: string }> };
    };
    expect(initiative.name).toBe("governor-baseline");
    expect(initiative.properties.policyDefinitions.map((reference) => reference.policyDefinitionReferenceId)).toContain("allowed-regions");
    const definition = JSON.parse(readFileSync(join(out, "definitions", "governor-allowed-vm-sizes.json"), "utf8")) as {
      properties: { policyRule: unknown };
    };
    expect(definition.properties.policyRule).toBeDefined();
    const summary = JSON.parse(readFileSync(join(out, "export.json"), "utf8")) as { notExported: Array<{ policy: string }> };
    expect(summary.notExported.map((entry) => entry.policy)).toContain("stop-idle-nonprod-vms");
    expect(stdout).toContain("Stay Governor's (no Azure Policy equivalent):");
    expect(stdout).toMatch(/stop-idle-nonprod-vms: .*metrics over time/);
  });

  it("refers to custom definitions at --scope, and refuses a scope or backup policy it cannot read, writing nothing", async () => {
    const out = mkdtempSync(join(tmpdir(), "governor-export-"));
    const scope = "/subscriptions/6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
    expect((await governor("export", "azure-policy", "--out", out, "--scope", scope)).code).toBe(0);
    expect(readFileSync(join(out, "initiative.json"), "utf8")).toContain(
      `${scope}/providers/Microsoft.Authorization/policyDefinitions/governor-allowed-vm-sizes`,
    );
    const refused = join(out, "refused");
    const badScope = await governor("export", "azure-policy", "--out", refused, "--scope", "rg-prod");
    expect(badScope).toMatchObject({ code: 2 });
    expect(badScope.stderr).toContain("--scope must be /subscriptions/<id>");
    const badBackup = await governor("export", "azure-policy", "--out", refused, "--backup-policy", "westeurope");
    expect(badBackup.stderr).toContain("--backup-policy takes <region>=<backup policy id>");
    expect(() => readFileSync(join(refused, "initiative.json"))).toThrow();
    expect((await governor("export", "terraform")).code).toBe(2);
  });
});
