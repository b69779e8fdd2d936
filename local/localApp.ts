/**
 * Governor running locally: the emulated subscription, Azurite, and the local Durable runtime
 * driving the same orchestrators and activities the Functions host runs, configured through the
 * same app settings (process.env) as in Azure. Used by `governor apply --emulator`, the local
 * host and the workflow tests.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { VirtualClock } from "../emulator/clock.ts";
import { sampleEstate, type SampleEstate, type SampleEstates } from "../emulator/estate/sample.ts";
import { GOVERNOR_EMULATOR_IDENTITY } from "../emulator/identity.ts";
import { type Emulator, startEmulator } from "../emulator/server.ts";
import { type LocalPostgres, type LocalPostgresOptions, startLocalPostgres } from "../emulator/postgres/backend.ts";
import { useClock } from "../shared/clock.ts";
import { type Azurite, startAzurite } from "./azurite.ts";
import { entryFilesIn, loadEntries, REPO_ROOT } from "./entries.ts";
import {
  DurableStore,
  hostVersioning,
  LocalDurableRuntime,
  type OrchestrationStatus,
  type Registration,
  type RuntimeClock,
  type RuntimeLogger,
} from "./durable/index.ts";

let captured: Promise<Registration[]> | undefined;

/** The key of approval links, kept in the work folder: links sent before a restart still open after it. */
function approvalKey(workDir: string): string {
  const file = join(workDir, "approval-key");
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600 });
  return readFileSync(file, "utf8").trim();
}

/**
 * The orchestrations and activities of the entry files (package.json `main`), registered once per
 * process (a module runs once): later apps reuse what was captured. Functions (triggers) are the
 * host's to load.
 */
export function workflowRegistrations(): Promise<Registration[]> {
  captured ??= loadEntries(entryFilesIn("orchestrations"));
  return captured;
}

/** What the workflows run against: the emulated subscription, Azurite, and the settings that point at them. */
export interface LocalEstate {
  sample: SampleEstate;
  clock: VirtualClock;
  emulator: Emulator;
  azurite: Azurite;
  /** Real PostgreSQL behind the drilled servers, when asked for (`postgres`). */
  postgres?: LocalPostgres;
  /** The app settings the activities read. */
  settings: Record<string, string>;
  close(): Promise<void>;
}

export interface LocalApp extends LocalEstate {
  runtime: LocalDurableRuntime;
}

export interface StartLocalAppOptions {
  /** Folder for Azurite's data and the emulator's CA; the same folder resumes workflows. */
  workDir: string;
  /** The estate; one spread over several subscriptions (`sampleEstates`, `generateEstate`'s `subscriptions`) is governed whole. */
  sample?: SampleEstate | SampleEstates;
  policyFile?: string;
  taskHub?: string;
  logger?: RuntimeLogger;
  /** Extra settings (GOVERNOR_KILL_SWITCH, GOVERNOR_DRY_RUN…). */
  settings?: Record<string, string>;
  /**
   * Back the servers tagged `governor-drill` with real PostgreSQL, so restore drills restore and
   * verify for real. Off by default: it costs a few seconds at start (initdb, generated data, a
   * base backup) that tests without drills need not pay.
   */
  postgres?: boolean | Pick<LocalPostgresOptions, "size" | "writeIntervalMs" | "log">;
  /** Start Azurite's Blob service too (AzureWebJobsStorage then names its endpoint), for policies kept in a blob. */
  blob?: boolean;
  /** Activities the runtime runs at once (default 8, one small worker's worth). */
  maxConcurrentActivities?: number;
}

const isSpread = (sample: SampleEstate | SampleEstates): sample is SampleEstates => "subscriptions" in sample;

/** The emulated subscription, Azurite (and PostgreSQL) with their settings; no runtime, nothing in process.env. */
export async function startLocalEstate(options: StartLocalAppOptions): Promise<LocalEstate> {
  const sample = options.sample ?? sampleEstate();
  const clock = new VirtualClock(sample.now);
  const spread = isSpread(sample) && sample.subscriptions.length > 0 ? sample : undefined;
  const others = spread?.subscriptions ?? [];
  const emulator = await startEmulator({
    estate: sample.estate,
    subscriptionId: sample.subscriptionId,
    clock,
    ...(spread ? { displayName: spread.displayName, subscriptions: others, managementGroups: spread.managementGroups } : {}),
  });
  const azurite = await startAzurite({ location: join(options.workDir, "azurite"), ...(options.blob ? { blob: true } : {}) });
  const drillPassword = randomBytes(18).toString("base64url");
  const postgres = options.postgres
    ? await startLocalPostgres(emulator.core, {
        clock,
        password: drillPassword,
        ...(typeof options.postgres === "object" ? options.postgres : {}),
      })
    : undefined;
  const caFile = join(options.workDir, "emulator-ca.pem");
  writeFileSync(caFile, emulator.ca);
  const settings: Record<string, string> = {
    GOVERNOR_SUBSCRIPTION_ID: sample.subscriptionId,
    ...(others.length > 0 ? { GOVERNOR_SUBSCRIPTION_IDS: others.map((other) => other.subscriptionId).join(",") } : {}),
    GOVERNOR_TASK_HUB: options.taskHub ?? "GovernorLocal",
    GOVERNOR_ARM_ENDPOINT: emulator.url,
    GOVERNOR_ARM_CA_FILE: caFile,
    AzureWebJobsStorage: azurite.connectionString,
    // The identity the emulator gives Governor's own requests, so the event path recognises its own writes.
    GOVERNOR_IDENTITY_OBJECT_ID: GOVERNOR_EMULATOR_IDENTITY.objectId,
    GOVERNOR_IDENTITY_CLIENT_ID: GOVERNOR_EMULATOR_IDENTITY.appId,
    ...(options.policyFile ? { GOVERNOR_POLICY_FILE: options.policyFile } : {}),
    ...(postgres ? { GOVERNOR_DRILL_DB_PASSWORD: drillPassword } : {}),
    GOVERNOR_APPROVAL_KEY: approvalKey(options.workDir),
    ...options.settings,
  };
  return {
    sample,
    clock,
    emulator,
    azurite,
    ...(postgres ? { postgres } : {}),
    settings,
    close: async () => {
      await Promise.all([postgres?.close(), emulator.close(), azurite.close()]);
    },
  };
}

export interface StartLocalRuntimeOptions {
  /** The app settings (`LocalEstate.settings`): put in process.env, where the activities read them. */
  settings: Record<string, string>;
  clock: RuntimeClock;
  logger?: RuntimeLogger;
  /** Default: the workflow entry files' (`workflowRegistrations`). */
  registrations?: Registration[];
  maxConcurrentActivities?: number;
}

/**
 * The local Durable runtime over the settings' task hub (`GOVERNOR_TASK_HUB` in
 * `AzureWebJobsStorage`), with host.json's versioning (app settings first, as the host reads
 * them), resuming what is unfinished there. `close` stops it and gives the clock back.
 */
export async function startLocalRuntime(
  options: StartLocalRuntimeOptions,
): Promise<{ runtime: LocalDurableRuntime; close: () => Promise<void> }> {
  const { settings, clock } = options;
  Object.assign(process.env, settings);
  const restoreClock = useClock(() => clock.now());
  const connectionString = settings.AzureWebJobsStorage;
  if (!connectionString) throw new Error("startLocalRuntime: the settings name no AzureWebJobsStorage");
  const registrations = options.registrations ?? (await workflowRegistrations());
  const store = await DurableStore.open({ connectionString, taskHub: settings.GOVERNOR_TASK_HUB ?? "GovernorLocal" });
  const runtime = new LocalDurableRuntime({
    registrations,
    store,
    clock,
    versioning: hostVersioning(join(REPO_ROOT, "host.json"), process.env),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.maxConcurrentActivities === undefined ? {} : { maxConcurrentActivities: options.maxConcurrentActivities }),
  });
  await runtime.start();
  return {
    runtime,
    close: async () => {
      await runtime.stop();
      restoreClock();
    },
  };
}

export async function startLocalApp(options: StartLocalAppOptions): Promise<LocalApp> {
  const estate = await startLocalEstate(options);
  const { runtime, close } = await startLocalRuntime({
    settings: estate.settings,
    clock: estate.clock,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.maxConcurrentActivities === undefined ? {} : { maxConcurrentActivities: options.maxConcurrentActivities }),
  });
  return {
    ...estate,
    runtime,
    close: async () => {
      await close();
      await estate.close();
    },
  };
}

/**
 * Runs workflows until each has completed or waits on a person: a workflow sleeping until a
 * schedule window opens has its durable timer reached by advancing the virtual clock (nothing
 * else moves it). Returns the final statuses, and those still awaiting approval as Running.
 */
export async function finishWorkflows(
  app: LocalApp,
  instanceIds: string[],
  /** `onClockAdvance`: told each time the virtual clock is moved on to a sleeping workflow's timer. */
  options: { timeoutMs?: number; onClockAdvance?: (to: Date) => void } = {},
): Promise<OrchestrationStatus[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    await app.runtime.whenIdle();
    const statuses = await Promise.all(instanceIds.map((id) => app.runtime.getStatus(id)));
    const running = statuses.filter(
      (status) => status !== undefined && !["Completed", "Failed", "Terminated"].includes(status.runtimeStatus),
    );
    // A workflow's sub-orchestrations (the chunks of a large plan) sleep on timers of their own.
    const customs = running.length === 0 ? [] : [...(await app.runtime.runningCustomStatuses()).values()];
    const sleeping = customs
      .map((custom) => custom as { stage?: string; until?: string } | undefined)
      // A workflow sleeping on a durable timer (a schedule window, a restore's next status check) says until when.
      .filter((custom) => custom?.stage?.startsWith("waiting-for-") === true && custom.until !== undefined)
      .map((custom) => new Date(custom?.until as string).getTime());
    const awaitingPeople = running.every(
      (status) => (status?.customStatus as { stage?: string } | undefined)?.stage === "awaiting-approval",
    );
    if (running.length === 0 || (sleeping.length === 0 && awaitingPeople)) return statuses.filter((status) => status !== undefined);
    if (sleeping.length > 0) {
      const to = new Date(Math.max(app.clock.nowMs(), Math.min(...sleeping)) + 1_000);
      options.onClockAdvance?.(to);
      app.clock.set(to);
    }
    if (Date.now() > deadline)
      throw new Error(
        `workflows did not finish within ${options.timeoutMs ?? 120_000} ms: ${running.map((status) => status?.instanceId).join(", ")}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
