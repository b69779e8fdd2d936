/**
 * Opens the audit trail on the storage the app is configured with, as the Functions host reads
 * it: `AzureWebJobsStorage` as a connection string, else an identity-based connection
 * (`AzureWebJobsStorage__tableServiceUri` or `__accountName`) signed in with DefaultAzureCredential.
 */
import { appStorageSetting, defaultCredential, isConnectionString, isTableEndpoint } from "../azure/tables.ts";
import { TableAuditTrail } from "./trail.ts";

export class AuditStorageError extends Error {}

export function openAuditTrail(
  env: Record<string, string | undefined>,
  options: { table: string; storage?: string },
): Promise<TableAuditTrail> | TableAuditTrail {
  const setting = options.storage?.trim() || appStorageSetting(env);
  if (setting === undefined) {
    throw new AuditStorageError("give --storage <connection string> or set AzureWebJobsStorage to the storage of Governor's audit trail");
  }
  if (isTableEndpoint(setting)) {
    return defaultCredential().then((credential) => TableAuditTrail.fromEndpoint(setting, credential, { table: options.table }));
  }
  // Never echo the setting: it holds the account key.
  const notUsable = new AuditStorageError(
    "the storage is neither a connection string (AccountName=...;AccountKey=... or ...;SharedAccessSignature=..., or UseDevelopmentStorage=true) nor a table endpoint URL",
  );
  if (!isConnectionString(setting)) throw notUsable;
  try {
    return TableAuditTrail.fromConnectionString(setting, { table: options.table });
  } catch {
    throw notUsable;
  }
}
