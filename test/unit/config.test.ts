/** App settings: parsed into a typed object; every unusable setting named at once. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { appStorageSetting, isLocalStorage } from "../../shared/azure/storage.ts";
import { ConfigError, loadConfig } from "../../shared/config.ts";
import { parsePolicyLocation } from "../../shared/policy/location.ts";

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

describe("where the policies are: GOVERNOR_POLICY_FILE", () => {
  it("takes a path, or blob:<container>/<blob name> in Governor's storage account", () => {
    expect(loadConfig({ ...BASE, GOVERNOR_POLICY_FILE: " blob:policies/governor.yaml " }).policyFile).toBe("blob:policies/governor.yaml");
    expect(parsePolicyLocation("blob:policies/teams/ours.yaml")).toEqual({ kind: "blob", container: "policies", blob: "teams/ours.yaml" });
    expect(parsePolicyLocation("policies/ours.yaml")).toEqual({ kind: "file", path: "policies/ours.yaml" });
  });

  it("refuses a blob form Azure would refuse, naming the form expected", () => {
    expect(problems({ ...BASE, GOVERNOR_POLICY_FILE: "blob:Policies/governor.yaml" })).toEqual([
      'GOVERNOR_POLICY_FILE="blob:Policies/governor.yaml": "Policies" is not a container name (3-63 lower-case letters, digits and single hyphens); expected blob:<container>/<blob name>, e.g. blob:policies/governor.yaml',
    ]);
    for (const setting of [
      "blob:policies",
      "blob:policies/",
      "blob:policies/a//b.yaml",
      "blob:policies/../x.yaml",
      "blob:po--licies/x.yaml",
    ])
      expect(problems({ ...BASE, GOVERNOR_POLICY_FILE: setting }), setting).toEqual([
        expect.stringMatching(/^GOVERNOR_POLICY_FILE="blob:.* is not a (blob|container) name/),
      ]);
  });
});

describe("the app's storage, per service", () => {
  it("is AzureWebJobsStorage when it is a connection string, else the identity-based service URI or account", () => {
    expect(appStorageSetting({ AzureWebJobsStorage: "UseDevelopmentStorage=true" }, "blob")).toBe("UseDevelopmentStorage=true");
    expect(appStorageSetting({ AzureWebJobsStorage__accountName: "stgovernor" }, "blob")).toBe("https://stgovernor.blob.core.windows.net");
    expect(appStorageSetting({ AzureWebJobsStorage__accountName: "stgovernor" }, "table")).toBe(
      "https://stgovernor.table.core.windows.net",
    );
    expect(
      appStorageSetting(
        { AzureWebJobsStorage__accountName: "stgovernor", AzureWebJobsStorage__blobServiceUri: "https://blobs.example.net" },
        "blob",
      ),
    ).toBe("https://blobs.example.net");
    expect(appStorageSetting({}, "blob")).toBeUndefined();
  });

  it("allows plain HTTP only for Azurite on loopback, judged by the service's own endpoint", () => {
    const azurite = "AccountName=devstoreaccount1;AccountKey=k;TableEndpoint=http://127.0.0.1:1/a;BlobEndpoint=http://127.0.0.1:2/a;";
    expect(isLocalStorage(azurite, "blob")).toBe(true);
    expect(isLocalStorage("AccountName=a;AccountKey=k;BlobEndpoint=http://storage.example.net/a;", "blob")).toBe(false);
    expect(isLocalStorage("https://stgovernor.blob.core.windows.net", "blob")).toBe(false);
  });
});

describe("local.settings.sample.json", () => {
  it("governs the other subscriptions GOVERNOR_SUBSCRIPTION_IDS names, the deployment's first and each once, and refuses one that is no GUID", () => {
    const base = { GOVERNOR_SUBSCRIPTION_ID: "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31", GOVERNOR_TASK_HUB: "GovernorLocal" };
    const config = loadConfig({
      ...base,
      GOVERNOR_SUBSCRIPTION_IDS:
        "0b7e3c9a-1d2f-4e5a-8b6c-7d8e9f0a1b2c, 6F1C5A2E-3B8D-4C7E-9A14-2D5E8B7C0F31 1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
      GOVERNOR_MANAGEMENT_GROUP: "mg-nordwind",
    });
    expect(config.subscriptions).toEqual([
      "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31",
      "0b7e3c9a-1d2f-4e5a-8b6c-7d8e9f0a1b2c",
      "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
    ]);
    expect(config.managementGroup).toBe("mg-nordwind");
    expect(loadConfig(base).subscriptions).toEqual([base.GOVERNOR_SUBSCRIPTION_ID]);
    expect(() => loadConfig({ ...base, GOVERNOR_SUBSCRIPTION_IDS: "customer-b" })).toThrow(
      'GOVERNOR_SUBSCRIPTION_IDS: "customer-b" is not a GUID',
    );
    expect(() => loadConfig({ ...base, GOVERNOR_MANAGEMENT_GROUP: "mg/nordwind" })).toThrow("is not a management group id");
  });

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
