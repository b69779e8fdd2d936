/**
 * Governor's app settings, parsed once per use into a frozen, typed object. A missing required
 * setting, an unreadable value, or an unknown GOVERNOR_* setting (a typo that would silently
 * leave a default in force) fails with a message naming each of them.
 */
import { readFileSync } from "node:fs";
import { PolicyLocationError, parsePolicyLocation } from "./policy/location.ts";

export interface GovernorConfig {
  /** The subscription the deployment lives in, governed first. */
  subscriptionId: string;
  /** Every governed subscription (lower-case GUIDs as given), `subscriptionId` first. */
  subscriptions: string[];
  managementGroup?: string;
  taskHub: string;
  /** Where the sweeps and workflows read their policies: a path, or `blob:<container>/<blob name>` in Governor's storage account. */
  policyFile: string;
  /** When on, no workflow changes anything; everything still records what it would have done. */
  killSwitch: boolean;
  /** Decide and record, change nothing (as the policy file's settings.dryRun, for the whole app). */
  dryRun: boolean;
  auditTable: string;
  /** Governor's own managed identity, so its own writes (tags) do not trigger it again. */
  identity: { objectId?: string; clientId?: string };
  /** Set only locally: the emulator's ARM endpoint and the CA that signed its certificate. */
  emulator?: { armEndpoint: string; ca: string };
  /** Restore drills: where drill servers go and how Governor reaches them. */
  drills: {
    resourceGroup: string;
    /** The database user Governor connects as; default: the server's administrator login. */
    dbUser?: string;
    /** Set only locally: a password instead of a Microsoft Entra token. */
    dbPassword?: string;
    /** Governor's outbound address, opened on a drill server's firewall; none when it reaches servers over a private network. */
    outboundIp?: string;
  };
  approvals: ApprovalSettings;
  /** Notifications go to the approvals' channels; the report they link to. */
  notifications: { reportUrl?: string };
}

/** Where approval requests go and how their links are signed (see shared/approvals). */
export interface ApprovalSettings {
  /** HMAC key of approval links (in Azure a Key Vault reference); without it no link can be issued. */
  signingKey?: string;
  /** Why there is no key although one is set (an unresolved Key Vault reference). */
  signingKeyProblem?: string;
  /** Base URL of the approval page in links: `https://<app>.azurewebsites.net`; defaults to WEBSITE_HOSTNAME's. */
  baseUrl?: string;
  /** Teams Workflows webhook ("When a Teams webhook request is received") that posts the card to a channel. */
  teamsWebhookUrl?: string;
  /** Azure Communication Services: its connection string (`endpoint=...;accesskey=...`) and verified sender. */
  email?: { connectionString: string; sender: string; to: string[]; escalationTo: string[] };
  /** Local host only: the identity the local host presents as signed in (App Service authentication's place). */
  localApprover?: { name: string; roles: string[] };
}

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Governor's settings are not usable:\n${problems.map((problem) => `- ${problem}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Every GOVERNOR_* setting, with whether it is required. Host settings (AzureWebJobsStorage…) are the host's. */
export const SETTINGS = {
  GOVERNOR_SUBSCRIPTION_ID: { required: true, description: "the subscription Governor governs (a GUID)" },
  GOVERNOR_SUBSCRIPTION_IDS: {
    required: false,
    description: "the other subscriptions Governor governs from this deployment, comma-separated GUIDs (default: none)",
  },
  GOVERNOR_MANAGEMENT_GROUP: {
    required: false,
    description: "the management group the governed subscriptions are under, for scopes: by management group (default: none)",
  },
  GOVERNOR_TASK_HUB: { required: true, description: "the Durable Functions task hub name" },
  GOVERNOR_POLICY_FILE: {
    required: false,
    description:
      "policy file in the package, or blob:<container>/<blob name> in Governor's storage account (default policies/odoo-distribution.yaml)",
  },
  GOVERNOR_KILL_SWITCH: { required: false, description: "on/off: stop every change at once (default off)" },
  GOVERNOR_DRY_RUN: { required: false, description: "true/false: decide and record, change nothing (default false)" },
  GOVERNOR_AUDIT_TABLE: { required: false, description: "table of the audit trail (default GovernorAudit)" },
  GOVERNOR_IDENTITY_OBJECT_ID: { required: false, description: "object id of Governor's managed identity" },
  GOVERNOR_IDENTITY_CLIENT_ID: { required: false, description: "client (app) id of Governor's managed identity" },
  GOVERNOR_ARM_ENDPOINT: { required: false, description: "local only: the emulator's ARM endpoint" },
  GOVERNOR_ARM_CA_FILE: { required: false, description: "local only: PEM file of the emulator's CA" },
  GOVERNOR_DRILL_RESOURCE_GROUP: { required: false, description: "resource group of restore drill servers (default rg-governor-drills)" },
  GOVERNOR_DRILL_DB_USER: {
    required: false,
    description: "database user of Governor on drilled servers (default: the server's administrator login)",
  },
  GOVERNOR_DRILL_DB_PASSWORD: { required: false, description: "local only: database password instead of a Microsoft Entra token" },
  GOVERNOR_OUTBOUND_IP: {
    required: false,
    description: "Governor's outbound IPv4 address, opened on drill servers' firewalls (unset: private network)",
  },
  GOVERNOR_APPROVAL_KEY: { required: false, description: "key (32+ characters) signing approval links; a Key Vault reference in Azure" },
  GOVERNOR_APPROVAL_BASE_URL: { required: false, description: "base URL of approval links (default https://$WEBSITE_HOSTNAME)" },
  GOVERNOR_TEAMS_WEBHOOK_URL: { required: false, description: "Teams Workflows webhook URL approval cards are posted to" },
  GOVERNOR_EMAIL_CONNECTION_STRING: { required: false, description: "Azure Communication Services connection string for approval emails" },
  GOVERNOR_EMAIL_SENDER: { required: false, description: "sender address of approval emails (a verified ACS domain)" },
  GOVERNOR_EMAIL_TO: { required: false, description: "comma-separated recipients of approval emails" },
  GOVERNOR_EMAIL_ESCALATION_TO: { required: false, description: "comma-separated recipients of escalated approval emails" },
  GOVERNOR_REPORT_URL: {
    required: false,
    description: "URL of the report the digest links to (default $GOVERNOR_APPROVAL_BASE_URL/api/report)",
  },
  GOVERNOR_LOCAL_APPROVER: { required: false, description: "local only: the signed-in identity the local host presents" },
  GOVERNOR_LOCAL_APPROVER_ROLES: { required: false, description: "local only: comma-separated roles of the local identity" },
} as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function flag(name: string, value: string | undefined, problems: string[], truthy: string[], falsy: string[]): boolean {
  if (value === undefined || value.trim() === "") return false;
  const normalised = value.trim().toLowerCase();
  if (truthy.includes(normalised)) return true;
  if (falsy.includes(normalised)) return false;
  problems.push(`${name}="${value}" is neither ${[...truthy, ...falsy].join(" nor ")}`);
  return false;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): GovernorConfig {
  const problems: string[] = [];
  for (const name of Object.keys(env)) {
    if (name.startsWith("GOVERNOR_") && !(name in SETTINGS)) {
      problems.push(`${name} is not a Governor setting (known: ${Object.keys(SETTINGS).join(", ")})`);
    }
  }
  for (const [name, setting] of Object.entries(SETTINGS)) {
    if (setting.required && !env[name]?.trim()) problems.push(`${name} is missing: ${setting.description}`);
  }
  const subscriptionId = env.GOVERNOR_SUBSCRIPTION_ID?.trim() ?? "";
  if (subscriptionId !== "" && !GUID.test(subscriptionId)) problems.push(`GOVERNOR_SUBSCRIPTION_ID="${subscriptionId}" is not a GUID`);
  const others = (env.GOVERNOR_SUBSCRIPTION_IDS ?? "")
    .split(/[\s,]+/)
    .map((id) => id.trim())
    .filter((id) => id !== "");
  for (const id of others) if (!GUID.test(id)) problems.push(`GOVERNOR_SUBSCRIPTION_IDS: "${id}" is not a GUID`);
  // Each once, as first spelt (subscription ids compare case-insensitively).
  const subscriptions = [subscriptionId, ...others].filter(
    (id, index, all) => id !== "" && all.findIndex((other) => other.toLowerCase() === id.toLowerCase()) === index,
  );
  const managementGroup = env.GOVERNOR_MANAGEMENT_GROUP?.trim();
  // Management group ids: letters, digits, - _ ( ) . up to 90 characters.
  if (managementGroup && !/^[-\w().]{1,90}$/.test(managementGroup))
    problems.push(`GOVERNOR_MANAGEMENT_GROUP="${managementGroup}" is not a management group id`);
  const killSwitch = flag("GOVERNOR_KILL_SWITCH", env.GOVERNOR_KILL_SWITCH, problems, ["on", "true", "1"], ["off", "false", "0"]);
  const dryRun = flag("GOVERNOR_DRY_RUN", env.GOVERNOR_DRY_RUN, problems, ["true", "on", "1"], ["false", "off", "0"]);
  const taskHub = env.GOVERNOR_TASK_HUB?.trim() ?? "";
  // Durable's task hub names: letters and digits, starting with a letter, 3 to 45 characters.
  if (taskHub !== "" && !/^[A-Za-z][A-Za-z0-9]{2,44}$/.test(taskHub))
    problems.push(`GOVERNOR_TASK_HUB="${taskHub}" must be 3-45 letters and digits, starting with a letter`);

  let emulator: GovernorConfig["emulator"];
  const armEndpoint = env.GOVERNOR_ARM_ENDPOINT?.trim();
  const caFile = env.GOVERNOR_ARM_CA_FILE?.trim();
  if ((armEndpoint === undefined || armEndpoint === "") !== (caFile === undefined || caFile === "")) {
    problems.push("GOVERNOR_ARM_ENDPOINT and GOVERNOR_ARM_CA_FILE go together (the emulator's endpoint and its CA)");
  } else if (armEndpoint && caFile) {
    if (!/^https:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/?$/.test(armEndpoint))
      problems.push(`GOVERNOR_ARM_ENDPOINT="${armEndpoint}" must be the local emulator (https://127.0.0.1:<port>)`);
    try {
      emulator = { armEndpoint: armEndpoint.replace(/\/$/, ""), ca: readFileSync(caFile, "utf8") };
    } catch (error) {
      problems.push(`GOVERNOR_ARM_CA_FILE="${caFile}" cannot be read: ${(error as Error).message}`);
    }
  }

  const outboundIp = env.GOVERNOR_OUTBOUND_IP?.trim();
  if (outboundIp && !/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(outboundIp))
    problems.push(`GOVERNOR_OUTBOUND_IP="${outboundIp}" is not an IPv4 address`);
  const drillGroup = env.GOVERNOR_DRILL_RESOURCE_GROUP?.trim() || "rg-governor-drills";
  if (!/^[-\w._()]{1,90}$/.test(drillGroup) || drillGroup.endsWith("."))
    problems.push(`GOVERNOR_DRILL_RESOURCE_GROUP="${drillGroup}" is not a resource group name`);
  const approvals = approvalSettings(env, problems);
  const policyFile = env.GOVERNOR_POLICY_FILE?.trim() || "policies/odoo-distribution.yaml";
  try {
    parsePolicyLocation(policyFile);
  } catch (error) {
    if (!(error instanceof PolicyLocationError)) throw error;
    problems.push(`GOVERNOR_POLICY_FILE=${error.message}`);
  }
  const reportSetting = env.GOVERNOR_REPORT_URL?.trim();
  if (reportSetting && !/^https:\/\/[^/]+/.test(reportSetting) && !LOCAL_URL.test(reportSetting))
    problems.push(`GOVERNOR_REPORT_URL="${reportSetting}" must be https (or http on 127.0.0.1 locally)`);
  const reportUrl = reportSetting || (approvals.baseUrl ? `${approvals.baseUrl}/api/report` : undefined);

  if (problems.length > 0) throw new ConfigError(problems);
  const drills: GovernorConfig["drills"] = { resourceGroup: drillGroup };
  if (env.GOVERNOR_DRILL_DB_USER?.trim()) drills.dbUser = env.GOVERNOR_DRILL_DB_USER.trim();
  if (env.GOVERNOR_DRILL_DB_PASSWORD) drills.dbPassword = env.GOVERNOR_DRILL_DB_PASSWORD;
  if (outboundIp) drills.outboundIp = outboundIp;
  const identity: GovernorConfig["identity"] = {};
  if (env.GOVERNOR_IDENTITY_OBJECT_ID?.trim()) identity.objectId = env.GOVERNOR_IDENTITY_OBJECT_ID.trim();
  if (env.GOVERNOR_IDENTITY_CLIENT_ID?.trim()) identity.clientId = env.GOVERNOR_IDENTITY_CLIENT_ID.trim();
  const config: GovernorConfig = {
    subscriptionId,
    subscriptions,
    ...(managementGroup ? { managementGroup } : {}),
    taskHub,
    policyFile,
    killSwitch,
    dryRun,
    auditTable: env.GOVERNOR_AUDIT_TABLE?.trim() || "GovernorAudit",
    identity,
    ...(emulator ? { emulator } : {}),
    drills: Object.freeze(drills),
    approvals,
    notifications: reportUrl ? { reportUrl } : {},
  };
  return Object.freeze(config);
}

const list = (text: string | undefined): string[] =>
  (text ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const LOCAL_URL = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/|$)/;

function approvalSettings(env: Record<string, string | undefined>, problems: string[]): ApprovalSettings {
  const settings: ApprovalSettings = {};
  const key = env.GOVERNOR_APPROVAL_KEY?.trim();
  if (key && /^@Microsoft\.KeyVault\(/i.test(key)) {
    // App Service leaves a reference it could not resolve as its own text: never sign with that.
    settings.signingKeyProblem =
      "GOVERNOR_APPROVAL_KEY is a Key Vault reference App Service could not resolve (the secret, or the identity's access to it)";
  } else if (key) {
    if (key.length < 32) problems.push(`GOVERNOR_APPROVAL_KEY must be at least 32 characters (it is ${key.length})`);
    settings.signingKey = key;
  }
  const hostName = env.WEBSITE_HOSTNAME?.trim();
  const base = env.GOVERNOR_APPROVAL_BASE_URL?.trim() || (hostName ? `https://${hostName}` : undefined);
  if (base) {
    if (!/^https:\/\/[^/]+/.test(base) && !LOCAL_URL.test(base))
      problems.push(`GOVERNOR_APPROVAL_BASE_URL="${base}" must be https (or http on 127.0.0.1 locally)`);
    settings.baseUrl = base.replace(/\/+$/, "");
  }
  const teams = env.GOVERNOR_TEAMS_WEBHOOK_URL?.trim();
  if (teams) {
    if (!/^https:\/\/[^/]+/.test(teams) && !LOCAL_URL.test(teams))
      problems.push(`GOVERNOR_TEAMS_WEBHOOK_URL must be an https URL (or http on 127.0.0.1 locally)`);
    settings.teamsWebhookUrl = teams;
  }
  const connectionString = env.GOVERNOR_EMAIL_CONNECTION_STRING?.trim();
  const sender = env.GOVERNOR_EMAIL_SENDER?.trim();
  const to = list(env.GOVERNOR_EMAIL_TO);
  const escalationTo = list(env.GOVERNOR_EMAIL_ESCALATION_TO);
  if (connectionString) {
    if (!/(^|;)\s*endpoint=https:\/\/[^;]+/i.test(connectionString) || !/(^|;)\s*accesskey=[^;]+/i.test(connectionString))
      problems.push(
        "GOVERNOR_EMAIL_CONNECTION_STRING must be endpoint=https://...;accesskey=... (from the Communication Services resource)",
      );
    if (!sender || !EMAIL.test(sender)) problems.push("GOVERNOR_EMAIL_SENDER must be the sender address of a verified domain");
    if (to.length === 0) problems.push("GOVERNOR_EMAIL_TO must name at least one recipient when email is configured");
    for (const address of [...to, ...escalationTo]) if (!EMAIL.test(address)) problems.push(`"${address}" is not an email address`);
    settings.email = { connectionString, sender: sender ?? "", to, escalationTo };
  } else if (sender || to.length > 0 || escalationTo.length > 0) {
    problems.push("GOVERNOR_EMAIL_SENDER and GOVERNOR_EMAIL_TO need GOVERNOR_EMAIL_CONNECTION_STRING");
  }
  const approver = env.GOVERNOR_LOCAL_APPROVER?.trim();
  if (approver) settings.localApprover = { name: approver, roles: list(env.GOVERNOR_LOCAL_APPROVER_ROLES) };
  return settings;
}

/** Settings that only make sense on a developer's machine (the emulator): never deployed to Azure. */
export const LOCAL_ONLY_SETTINGS: ReadonlySet<string> = new Set([
  "GOVERNOR_ARM_ENDPOINT",
  "GOVERNOR_ARM_CA_FILE",
  "GOVERNOR_DRILL_DB_PASSWORD",
  // The local host's stand-in for App Service authentication: in Azure the platform says who is signed in.
  "GOVERNOR_LOCAL_APPROVER",
  "GOVERNOR_LOCAL_APPROVER_ROLES",
]);
