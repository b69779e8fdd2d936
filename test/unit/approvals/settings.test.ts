/** Approval settings: parsed with the rest of the app's settings, each mistake named at start. */
import { describe, expect, it } from "vitest";
import type { ConfigError } from "../../../shared/config.ts";
import { loadConfig } from "../../../shared/config.ts";

const BASE = { GOVERNOR_SUBSCRIPTION_ID: "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31", GOVERNOR_TASK_HUB: "GovernorTest" };
const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig({ ...BASE, ...env });
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
};

describe("approval settings", () => {
  it("read the key, the links' base URL (from WEBSITE_HOSTNAME in Azure), Teams and email", () => {
    const config = loadConfig({
      ...BASE,
      GOVERNOR_APPROVAL_KEY: "k".repeat(40),
      WEBSITE_HOSTNAME: "governor-nordwind.azurewebsites.net",
      GOVERNOR_TEAMS_WEBHOOK_URL: "https://prod-12.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=x",
      GOVERNOR_EMAIL_CONNECTION_STRING: "endpoint=https://acs-governor.europe.communication.azure.com/;accesskey=c2VjcmV0",
      GOVERNOR_EMAIL_SENDER: "governor@mail.nordwind.example",
      GOVERNOR_EMAIL_TO: "platform@nordwind.example, lea@nordwind.example",
    });
    expect(config.approvals).toEqual({
      signingKey: "k".repeat(40),
      baseUrl: "https://governor-nordwind.azurewebsites.net",
      teamsWebhookUrl: "https://prod-12.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=x",
      email: {
        connectionString: "endpoint=https://acs-governor.europe.communication.azure.com/;accesskey=c2VjcmV0",
        sender: "governor@mail.nordwind.example",
        to: ["platform@nordwind.example", "lea@nordwind.example"],
        escalationTo: [],
      },
    });
  });

  it("refuse a short key, plain-HTTP links or webhooks off this machine, and half-configured email", () => {
    expect(problems({ GOVERNOR_APPROVAL_KEY: "short" })).toEqual([expect.stringMatching(/at least 32 characters/)]);
    expect(problems({ GOVERNOR_APPROVAL_BASE_URL: "http://governor.example" })).toEqual([expect.stringMatching(/must be https/)]);
    expect(problems({ GOVERNOR_TEAMS_WEBHOOK_URL: "http://example.com/hook" })).toEqual([expect.stringMatching(/must be an https URL/)]);
    expect(problems({ GOVERNOR_EMAIL_CONNECTION_STRING: "endpoint=https://acs.example/;accesskey=a2V5" })).toEqual([
      expect.stringMatching(/GOVERNOR_EMAIL_SENDER must be/),
      expect.stringMatching(/GOVERNOR_EMAIL_TO must name at least one recipient/),
    ]);
    expect(problems({ GOVERNOR_EMAIL_TO: "platform@nordwind.example" })).toEqual([
      expect.stringMatching(/need GOVERNOR_EMAIL_CONNECTION_STRING/),
    ]);
    expect(
      problems({
        GOVERNOR_EMAIL_CONNECTION_STRING: "Server=x;Password=y",
        GOVERNOR_EMAIL_SENDER: "g@x.example",
        GOVERNOR_EMAIL_TO: "p@x.example",
      }),
    ).toEqual([expect.stringMatching(/endpoint=https:\/\/\.\.\.;accesskey=/)]);
  });

  it("never take an unresolved Key Vault reference for the key: no key, and the reason", () => {
    const config = loadConfig({ ...BASE, GOVERNOR_APPROVAL_KEY: "@Microsoft.KeyVault(VaultName=kv-gov-x;SecretName=approval-key)" });
    expect(config.approvals.signingKey).toBeUndefined();
    expect(config.approvals.signingKeyProblem).toMatch(/Key Vault reference App Service could not resolve/);
  });

  it("accept the local host and the emulator locally, and the local approver with its roles", () => {
    const config = loadConfig({
      ...BASE,
      GOVERNOR_APPROVAL_BASE_URL: "http://127.0.0.1:7071/",
      GOVERNOR_TEAMS_WEBHOOK_URL: "http://127.0.0.1:45873/workflows/teams-approvals",
      GOVERNOR_LOCAL_APPROVER: "developer@governor.local",
      GOVERNOR_LOCAL_APPROVER_ROLES: "platform-team, finance",
    });
    expect(config.approvals).toMatchObject({
      baseUrl: "http://127.0.0.1:7071",
      localApprover: { name: "developer@governor.local", roles: ["platform-team", "finance"] },
    });
  });
});
