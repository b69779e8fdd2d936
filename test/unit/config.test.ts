/** App settings: parsed into a typed object; every unusable setting named at once. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../shared/config.ts";

const BASE = { GOVERNOR_SUBSCRIPTION_ID: "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31", GOVERNOR_TASK_HUB: "GovernorLocal", PATH: "/usr/bin" };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("the settings were accepted");
}

describe("app settings", () => {
  it("applies defaults: kill switch off, dry-run off, the built-in pack, the audit table", () => {
    const config = loadConfig(BASE);
    expect(config).toMatchObject({
      killSwitch: false,
      dryRun: false,
      policyFile: "policies/odoo-distribution.yaml",
      auditTable: "GovernorAudit",
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("reads the kill switch and dry-run", () => {
    expect(loadConfig({ ...BASE, GOVERNOR_KILL_SWITCH: "on", GOVERNOR_DRY_RUN: "true" })).toMatchObject({ killSwitch: true, dryRun: true });
  });

  it("names every missing, unreadable or unknown setting at once", () => {
    expect(problems({ GOVERNOR_KILL_SWITCH: "maybe", GOVERNOR_KILLSWITCH: "on", PATH: "/usr/bin" })).toEqual([
      expect.stringMatching(/^GOVERNOR_KILLSWITCH is not a Governor setting/),
      "GOVERNOR_SUBSCRIPTION_ID is missing: the subscription Governor governs (a GUID)",
      "GOVERNOR_TASK_HUB is missing: the Durable Functions task hub name",
      'GOVERNOR_KILL_SWITCH="maybe" is neither on nor true nor 1 nor off nor false nor 0',
    ]);
  });

  it("refuses a subscription that is not a GUID and a task hub Durable would refuse", () => {
    expect(problems({ ...BASE, GOVERNOR_SUBSCRIPTION_ID: "prod", GOVERNOR_TASK_HUB: "my-hub" })).toEqual([
      'GOVERNOR_SUBSCRIPTION_ID="prod" is not a GUID',
      'GOVERNOR_TASK_HUB="my-hub" must be 3-45 letters and digits, starting with a letter',
    ]);
  });

  it("points at the emulator only with both its local endpoint and its CA", () => {
    const dir = mkdtempSync(join(tmpdir(), "governor-config-"));
    const ca = join(dir, "ca.pem");
    writeFileSync(ca, "-----BEGIN CERTIFICATE-----\n");
    expect(loadConfig({ ...BASE, GOVERNOR_ARM_ENDPOINT: "https://127.0.0.1:4443", GOVERNOR_ARM_CA_FILE: ca }).emulator).toEqual({
      armEndpoint: "https://127.0.0.1:4443",
      ca: "-----BEGIN CERTIFICATE-----\n",
    });
    expect(problems({ ...BASE, GOVERNOR_ARM_ENDPOINT: "https://127.0.0.1:4443" })).toEqual([
      "GOVERNOR_ARM_ENDPOINT and GOVERNOR_ARM_CA_FILE go together (the emulator's endpoint and its CA)",
    ]);
    expect(problems({ ...BASE, GOVERNOR_ARM_ENDPOINT: "https://management.azure.com", GOVERNOR_ARM_CA_FILE: ca })[0]).toContain(
      "must be the local emulator",
    );
  });
});

describe("local.settings.sample.json", () => {
  it("holds every Governor setting, and loads", async () => {
    const { readFileSync } = await import("node:fs");
    const { SETTINGS } = await import("../../shared/config.ts");
    const sample = JSON.parse(readFileSync(new URL("../../local.settings.sample.json", import.meta.url), "utf8")) as {
      Values: Record<string, string>;
    };
    const governorKeys = Object.keys(sample.Values).filter((key) => key.startsWith("GOVERNOR_"));
    expect(governorKeys.sort()).toEqual(Object.keys(SETTINGS).sort());
    expect(loadConfig(sample.Values).subscriptionId).toBe(sample.Values.GOVERNOR_SUBSCRIPTION_ID);
  });
});
