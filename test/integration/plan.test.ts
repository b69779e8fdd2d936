/**
 * `plan` over the sample estate, through the real SDK clients and the emulator: every planted
 * violation is found, production and exempt resources are never proposed for a stop or delete,
 * and planning writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VirtualClock } from "../../emulator/clock.ts";
import { sampleEstate, type ViolationKind } from "../../emulator/estate/sample.ts";
import { startEmulator, type Emulator } from "../../emulator/server.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { DEFAULT_POLICIES } from "../../cli/planCommand.ts";
import { plan, type PlanResult } from "../../shared/planner.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { loadPolicyFile } from "../../shared/policy/loader.ts";

/** The policy of the built-in pack that finds each kind of planted violation; the breadth kinds (issue 14) not listed await theirs. */
const POLICY_FOR: Partial<Record<ViolationKind, string>> = {
  "missing-tags": "required-tags",
  "idle-vm": "stop-idle-nonprod-vms",
  "off-hours-aks": "stop-offhours-nonprod-aks",
  "off-hours-vm": "stop-offhours-nonprod-vms",
  "old-snapshot": "snapshot-retention-nonprod",
  "unprotected-prod-vm": "backup-production-vms",
  "disallowed-region": "allowed-regions",
  "disallowed-size": "allowed-vm-sizes",
  "expired-resource": "expired-resources",
  "postgres-backup": "postgres-backup-settings",
  "postgres-public-access": "postgres-public-network-access",
  "postgres-tls": "postgres-tls-below-1-2",
  "postgres-no-ha": "postgres-production-without-ha",
  "storage-public-blob": "storage-public-blob-access",
  "storage-tls": "storage-tls-below-1-2",
  "storage-insecure-transfer": "storage-secure-transfer-off",
  "redis-non-ssl-port": "redis-non-tls-port",
  "missing-lock": "production-without-delete-lock",
  "missing-diagnostics": "diagnostics-to-log-analytics",
};

const sample = sampleEstate();
let emulator: Emulator;
let result: PlanResult;

beforeAll(async () => {
  emulator = await startEmulator({ estate: sample.estate, subscriptionId: sample.subscriptionId, clock: new VirtualClock(sample.now) });
  const set = await loadPolicyFile(DEFAULT_POLICIES, builtinRegistry());
  result = await plan(emulatorTarget(emulator, sample.subscriptionId), set, sample.now, builtinRegistry());
});
afterAll(async () => emulator.close());

describe("plan over the sample estate with the built-in pack", () => {
  it("finds every planted violation under the policy written for it", () => {
    const missing = sample.plantedViolations.filter(
      (violation) =>
        POLICY_FOR[violation.kind] !== undefined &&
        !result.evaluation.findings.some(
          (finding) =>
            finding.policy === POLICY_FOR[violation.kind] && finding.resourceId.toLowerCase() === violation.resourceId.toLowerCase(),
        ),
    );
    expect(missing).toEqual([]);
  });

  it("never proposes to stop or delete a production, DR, kept or exempt resource", () => {
    const untouchable = new Set(sample.untouchable.map((entry) => entry.resourceId.toLowerCase()));
    const harmful = result.evaluation.findings.filter(
      (finding) =>
        untouchable.has(finding.resourceId.toLowerCase()) &&
        (finding.effect === "disruptive" || finding.effect === "destructive") &&
        (finding.verdict === "remediate" || finding.verdict === "needs-approval"),
    );
    expect(harmful).toEqual([]);
    const exempt = result.evaluation.findings.find((finding) => finding.resourceName === "vm-odoo-test-loadgen");
    expect(exempt).toMatchObject({ verdict: "blocked", guard: "exemption" });
    expect(exempt?.reason).toContain("exempt until 2026-12-15");
  });

  it("explains each finding with the values that matched", () => {
    const idle = result.evaluation.findings.find(
      (finding) => finding.policy === "stop-idle-nonprod-vms" && finding.resourceName === "vm-odoo-dev-01",
    );
    expect(idle).toMatchObject({ verdict: "needs-approval", action: "deallocate" });
    expect(idle?.reason).toMatch(/environment.*dev/);
    expect(idle?.reason).toMatch(/CPU average \d+(\.\d+)?% over 72h < 5%/);
    expect(idle?.estimatedMonthlySavings).toBeGreaterThan(0);
  });

  it("stops the staging VM's off-hours deallocation during the November peak-season freeze", () => {
    const staging = result.evaluation.findings.find(
      (finding) => finding.policy === "stop-offhours-nonprod-vms" && finding.resourceName === "vm-odoo-staging-01",
    );
    expect(staging).toMatchObject({ verdict: "blocked", guard: "change-window" });
    expect(staging?.reason).toContain("November peak season");
  });

  it("names the values seen in each baseline's reason: the property, the server parameter, the lock, the diagnostic settings", () => {
    const reasonOf = (policy: string, name: string): string | undefined =>
      result.evaluation.findings.find((finding) => finding.policy === policy && finding.resourceName === name)?.reason;
    expect(reasonOf("postgres-public-network-access", "psql-odoo-staging")).toContain("properties.network.publicNetworkAccess = Enabled");
    expect(reasonOf("postgres-tls-below-1-2", "psql-odoo-dev")).toContain(
      "server parameter ssl_min_protocol_version = TLSv1 (version 1.0 < 1.2)",
    );
    expect(reasonOf("storage-tls-below-1-2", "stodootestexports")).toContain("properties.minimumTlsVersion = TLS1_0 (version 1.0 < 1.2)");
    expect(reasonOf("production-without-delete-lock", "redis-odoo-prod")).toContain(
      "no CanNotDelete lock on the resource, its group or the subscription",
    );
    expect(reasonOf("diagnostics-to-log-analytics", "psql-odoo-staging")).toContain(
      "diagnostic settings: diag-psql-odoo-staging-archive sends to a storage account, none to Log Analytics",
    );
    // Protected, so no finding: the production server by its own lock, the vault by a ReadOnly lock; both send to the workspace.
    for (const name of ["psql-odoo-prod", "kv-odoo-prod"]) {
      expect(reasonOf("production-without-delete-lock", name)).toBeUndefined();
      expect(reasonOf("diagnostics-to-log-analytics", name)).toBeUndefined();
    }
  });

  it("reads diagnostic settings only of the kinds a policy asks about, and the locks in one list", () => {
    const entries = emulator.core.log.entries();
    const diagnosed = entries
      .filter((entry) => entry.route === "diagnosticSettings.list")
      .map((entry) => entry.path.split("/providers/")[1]);
    expect(diagnosed.length).toBeGreaterThan(0);
    for (const provider of diagnosed) expect(provider).toMatch(/^Microsoft\.(DBforPostgreSQL|ContainerService|Storage|KeyVault)\//i);
    expect(entries.filter((entry) => entry.route === "managementLocks.list")).toHaveLength(1);
    expect(entries.filter((entry) => entry.route === "flexibleServers.configurations.get")).toHaveLength(
      sample.estate.resources.filter((entry) => entry.type === "Microsoft.DBforPostgreSQL/flexibleServers").length,
    );
  });

  it("reads Azure only: no write, action or delete request reached the emulator", () => {
    const writes = emulator.core.log
      .entries()
      .filter((entry) => entry.method !== "GET" && entry.route !== "resourceGraph.resources" && entry.route !== "metrics.batch");
    expect(writes).toEqual([]);
  });
});
