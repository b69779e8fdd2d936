/**
 * The local Durable runtime: Governor's orchestrators and activities, driven through
 * durable-functions' own replay machinery, with their history in Table Storage (Azurite).
 *
 *   const registrations = await captureRegistrations(() => import(entryModuleUrl)); // before anything else imports it
 *   const store = await DurableStore.open({ connectionString, taskHub: "Governor" });
 *   const runtime = new LocalDurableRuntime({ registrations, store, clock });
 *   await runtime.start();
 *   const id = await runtime.startNew("remediate", { instanceId, input });
 */
export { captureRegistrations, byTriggerType, type FunctionHandler, type Registration } from "./registrations.ts";
export {
  DurableStore,
  type DurableStoreOptions,
  type HistoryRow,
  type InstanceRecord,
  instanceKey,
  isTerminal,
  MAX_ENTITY_TEXT,
  PayloadTooLargeError,
  type RuntimeStatus,
  sequenceKey,
  type StoredEvent,
  TERMINAL_STATUSES,
} from "./store.ts";
export {
  type FailureOutput,
  type HistoryEntry,
  LocalDurableRuntime,
  type LocalDurableRuntimeOptions,
  NonDeterministicOrchestrationError,
  OrchestrationVersionMismatchError,
  type OrchestrationStatus,
  type RuntimeClock,
  type RuntimeLogger,
  type StartNewOptions,
} from "./runtime.ts";
export { SUPPORTED_DURABLE_FUNCTIONS_VERSION } from "./internals.ts";
export {
  hostVersioning,
  type OrchestrationVersioning,
  type VersionFailureStrategy,
  type VersionMatchStrategy,
  versioningOf,
  versionRefusal,
} from "./versioning.ts";
