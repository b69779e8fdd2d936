/**
 * Governor running locally: the emulated subscription, Azurite, and the local Durable runtime
 * driving the same orchestrators and activities the Functions host runs, configured through the
 * same app settings (process.env) as in Azure. Used by `governor apply --emulator`, the local
 * host and the workflow tests.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { VirtualClock } from "../../emulator/clock.ts";
import { sampleEstate, type SampleEstate } from "../../emulator/estate/sample.ts";
import { type Emulator, startEmulator } from "../../emulator/server.ts";
import { useClock } from "../clock.ts";
import { type Azurite, startAzurite } from "./azurite.ts";
import { captureRegistrations, DurableStore, LocalDurableRuntime, type Registration, type RuntimeLogger } from "./durable/index.ts";

/** Every module that registers orchestrations and activities, as the worker's `main` glob would load them. */
export const WORKFLOW_MODULES = [
  "../../orchestrations/remediate.ts",
  "../../orchestrations/approval.ts",
  "../../orchestrations/activities/remediation.activities.ts",
];

let captured: Promise<Registration[]> | undefined;

/** The workflow modules register once per process (a module runs once): later apps reuse what was captured. */
function workflowRegistrations(): Promise<Registration[]> {
  captured ??= captureRegistrations(async () => {
    for (const module of WORKFLOW_MODULES) await import(new URL(module, import.meta.url).href);
  });
  return captured;
}

export interface LocalApp {
  sample: SampleEstate;
  clock: VirtualClock;
  emulator: Emulator;
  azurite: Azurite;
  runtime: LocalDurableRuntime;
  /** The app settings the activities read. */
  settings: Record<string, string>;
  close(): Promise<void>;
}

export interface StartLocalAppOptions {
  /** Folder for Azurite's data and the emulator's CA; the same folder resumes workflows. */
  workDir: string;
  sample?: SampleEstate;
  policyFile?: string;
  taskHub?: string;
  logger?: RuntimeLogger;
  /** Extra settings (GOVERNOR_KILL_SWITCH, GOVERNOR_DRY_RUN…). */
  settings?: Record<string, string>;
}

export async function startLocalApp(options: StartLocalAppOptions): Promise<LocalApp> {
  const sample = options.sample ?? sampleEstate();
  const clock = new VirtualClock(sample.now);
  const emulator = await startEmulator({ estate: sample.estate, subscriptionId: sample.subscriptionId, clock });
  const azurite = await startAzurite({ location: join(options.workDir, "azurite") });
  const caFile = join(options.workDir, "emulator-ca.pem");
  writeFileSync(caFile, emulator.ca);
  const settings: Record<string, string> = {
    GOVERNOR_SUBSCRIPTION_ID: sample.subscriptionId,
    GOVERNOR_TASK_HUB: options.taskHub ?? "GovernorLocal",
    GOVERNOR_ARM_ENDPOINT: emulator.url,
    GOVERNOR_ARM_CA_FILE: caFile,
    AzureWebJobsStorage: azurite.connectionString,
    ...(options.policyFile ? { GOVERNOR_POLICY_FILE: options.policyFile } : {}),
    ...options.settings,
  };
  Object.assign(process.env, settings);
  const restoreClock = useClock(() => clock.now());

  const registrations = await workflowRegistrations();
  const store = await DurableStore.open({ connectionString: azurite.connectionString, taskHub: settings.GOVERNOR_TASK_HUB });
  const runtime = new LocalDurableRuntime({ registrations, store, clock, ...(options.logger ? { logger: options.logger } : {}) });
  await runtime.start();

  return {
    sample,
    clock,
    emulator,
    azurite,
    runtime,
    settings,
    close: async () => {
      await runtime.stop();
      restoreClock();
      await Promise.all([emulator.close(), azurite.close()]);
    },
  };
}
