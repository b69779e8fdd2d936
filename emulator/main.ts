/**
 * `npm run emulator`: starts the emulated subscription with the sample estate (or a generated one,
 * `--estate-size N`; over several subscriptions in `mg-nordwind`, `--subscriptions N`) and says where it listens. The CA certificate is written to a file so that
 * other processes can trust the emulator without disabling TLS checks.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { generateEstate } from "./estate/generate.ts";
import { NORDWIND_MANAGEMENT_GROUP, sampleEstates } from "./estate/sample.ts";
import { startEmulator } from "./server.ts";
import { VirtualClock } from "./clock.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "estate-size": { type: "string" },
    subscriptions: { type: "string", default: "1" },
    "ca-file": { type: "string", default: ".emulator/ca.pem" },
    "no-throttle": { type: "boolean", default: false },
  },
});

const port = Number.parseInt(values.port, 10);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`--port must be a port number, not "${values.port}"`);
  process.exit(2);
}
const size = values["estate-size"] === undefined ? undefined : Number.parseInt(values["estate-size"], 10);
if (size !== undefined && (!Number.isInteger(size) || size <= 0)) {
  console.error(`--estate-size must be a positive whole number, not "${values["estate-size"]}"`);
  process.exit(2);
}

const subscriptions = Number.parseInt(values.subscriptions, 10);
if (!Number.isInteger(subscriptions) || subscriptions < 1 || String(subscriptions) !== values.subscriptions.trim()) {
  console.error(`--subscriptions must be a whole number from 1, not "${values.subscriptions}"`);
  process.exit(2);
}

const sample = size === undefined ? sampleEstates(subscriptions) : generateEstate({ resources: size, subscriptions });
const emulator = await startEmulator({
  estate: sample.estate,
  subscriptionId: sample.subscriptionId,
  displayName: sample.displayName,
  subscriptions: sample.subscriptions,
  managementGroups: sample.managementGroups,
  clock: new VirtualClock(sample.now),
  port,
  ...(values["no-throttle"] ? { throttle: false as const } : {}),
});

const caFile = values["ca-file"];
mkdirSync(caFile.split("/").slice(0, -1).join("/") || ".", { recursive: true });
writeFileSync(caFile, emulator.ca);

const groups =
  sample.estate.resourceGroups.length +
  sample.subscriptions.reduce((total, other) => total + (other.estate?.resourceGroups.length ?? 0), 0);
console.log(
  `Governor emulator: ${subscriptions === 1 ? "an Azure subscription" : `${subscriptions} Azure subscriptions`} on ${emulator.url}`,
);
console.log(`  subscription   ${sample.subscriptionId} (${sample.displayName})`);
for (const other of sample.subscriptions) console.log(`  subscription   ${other.subscriptionId} (${other.displayName})`);
if (subscriptions > 1)
  console.log(`  management group ${NORDWIND_MANAGEMENT_GROUP}, under the tenant root group ${emulator.core.tenantId}`);
console.log(`  resources      ${emulator.core.store.size} in ${groups} resource groups`);
console.log(`  planted drift  ${sample.plantedViolations.length} violations`);
console.log(`  virtual clock  ${emulator.core.nowIso()}`);
console.log(`  CA certificate ${caFile} (pass it to clients as tlsOptions.ca)`);
console.log(`  control        ${emulator.url}/_emulator/health, /_emulator/requests, /_emulator/clock, /_emulator/faults`);
console.log("Press Ctrl-C to stop.");

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the emulator after ${emulator.core.log.total} requests.`);
  emulator.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
