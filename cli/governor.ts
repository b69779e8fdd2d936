#!/usr/bin/env node
/**
 * `governor`: the command line of Governor.
 *   governor plan [--policies FILE] [--subscription ID ... | --emulator [--subscriptions N]] [--json] [--estate-size N]
 *   governor validate FILE...
 *   governor policies push FILE [--to blob:<container>/<blob name>] [--storage S]
 *   governor schema
 *   governor export azure-policy [--policies FILE] [--out DIR] [--scope SCOPE] [--backup-policy REGION=ID]...
 *   governor holidays [CODE [YEAR]]
 *   governor audit [...]
 *   governor apply --emulator [--policies FILE] [--auto-approve]
 *   governor drill --emulator --server NAME [--restore-point latest|30m] [--json]
 *   governor drills [--emulator | --storage S] [--server NAME] [--limit N] [--json]
 *   governor report [--emulator [--days N] | --storage S] [--out DIR]
 */
import { auditCommand } from "./audit.ts";
import { holidaysCommand } from "./holidays.ts";
import { planCommand } from "./planCommand.ts";
import { schemaCommand } from "./schema.ts";
import { validateCommand } from "./validate.ts";

const USAGE = `Usage:
  governor plan [--policies FILE] [--subscription ID ... | --emulator [--subscriptions N]] [--json] [--estate-size N]
      What Governor would do, and why, without changing anything.
  governor validate FILE...
      Check policy files; every mistake is named with its file, line and field.
  governor policies push FILE [--to blob:<container>/<blob name>] [--storage <connection string | blob endpoint | account>]
      Validate FILE and upload it to the blob the app reads its policies from (GOVERNOR_POLICY_FILE=blob:...):
      the app loads it within a minute, no rebuild. A file with a mistake is refused and nothing is uploaded.
  governor schema
      Print the JSON Schema of policy files (for editors: governor schema > policy.schema.json).
  governor export azure-policy [--policies FILE] [--out DIR] [--scope SCOPE] [--backup-policy REGION=ID]...
      Compile the policies Azure Policy can express into definitions and one initiative grouped by domain
      (DIR, default ./azure-policy); the others stay Governor's, each listed with the reason.
  governor holidays [CODE [YEAR]]
      The holiday calendars settings.holidays accepts: every country, a country's regions (DE), a calendar's days (DE-BY 2027).
  governor audit [--since 24h|7d|ISO] [--until ISO] [--resource ID] [--policy NAME] [--json] [--limit N]
      The audit trail: who or what changed a resource, when, under which policy, why.
  governor apply --emulator [--policies FILE] [--auto-approve]
      Carry the plan out with the remediation workflows on the local runtime, against the emulator.
  governor drill --emulator --server NAME [--policies FILE] [--restore-point latest|30m] [--json]
      Restore a PostgreSQL server to a point in time into a drill server, verify and measure it, delete it; print the record.
  governor drills [--emulator | --storage S] [--server NAME] [--limit N] [--json]
      Past restore drills: outcome, RTO, RPO, checks and teardown, from the audit trail.
  governor report [--emulator [--days N] | --storage S] [--out DIR] [--policies FILE]
      The report as static HTML (default out/report/): compliance, savings ledger, offenders, backup, drills, approvals.`;

const commands: Record<string, (args: string[]) => Promise<number>> = {
  plan: planCommand,
  validate: validateCommand,
  schema: schemaCommand,
  holidays: holidaysCommand,
  export: async (args) => (await import("./exportAzurePolicy.ts")).exportCommand(args),
  audit: auditCommand,
  // Loaded only when used: it brings the Blob Storage client.
  policies: async (args) => (await import("./policyPush.ts")).policiesCommand(args),
  // Loaded only when used: it brings the emulator, Azurite and the local runtime.
  apply: async (args) => (await import("./apply.ts")).applyCommand(args),
  drill: async (args) => (await import("./drill.ts")).drillCommand(args),
  drills: async (args) => (await import("./drill.ts")).drillsCommand(args),
  report: async (args) => (await import("./report.ts")).reportCommand(args),
};

const [name, ...args] = process.argv.slice(2);
if (name === undefined || name === "--help" || name === "-h" || name === "help") {
  console.log(USAGE);
  process.exit(name === undefined ? 2 : 0);
}
const command = commands[name];
if (!command) {
  console.error(`governor: unknown command "${name}"\n\n${USAGE}`);
  process.exit(2);
}
try {
  process.exitCode = await command(args);
} catch (error) {
  console.error(`governor ${name}: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
