/**
 * Table Storage as the Functions host reaches it: `AzureWebJobsStorage` as a connection string,
 * else an identity-based connection (`AzureWebJobsStorage__tableServiceUri` or `__accountName`)
 * signed in with DefaultAzureCredential. One place for the audit trail, the seen-events store and
 * the approvals store.
 */
import type { TokenCredential } from "@azure/core-auth";
import { TableClient, type TableServiceClientOptions } from "@azure/data-tables";

/** Plain HTTP is allowed only for the local development storage (Azurite on loopback). */
export function isLocalStorage(connectionStringOrUrl: string): boolean {
  if (/usedevelopmentstorage=true/i.test(connectionStringOrUrl)) return true;
  const endpoint = /TableEndpoint=([^;]+)/i.exec(connectionStringOrUrl)?.[1] ?? connectionStringOrUrl;
  try {
    const url = new URL(endpoint);
    return url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  } catch {
    return false;
  }
}

const clientOptions = (setting: string): TableServiceClientOptions => (isLocalStorage(setting) ? { allowInsecureConnection: true } : {});

/** The app's storage setting, read as the host reads it; undefined when none is set. */
export function appStorageSetting(env: Record<string, string | undefined>): string | undefined {
  const account = env.AzureWebJobsStorage__accountName?.trim();
  return (
    env.AzureWebJobsStorage?.trim() ||
    env.AzureWebJobsStorage__tableServiceUri?.trim() ||
    (account ? `https://${account}.table.core.windows.net` : undefined)
  );
}

export const isTableEndpoint = (setting: string): boolean => /^https?:\/\//i.test(setting);

/** Whether a setting that is not an endpoint reads as a storage connection string (never echo it: it holds the key). */
export const isConnectionString = (setting: string): boolean =>
  /usedevelopmentstorage=true|accountkey=|sharedaccesssignature=/i.test(setting);

export function tableFromConnectionString(connectionString: string, table: string): TableClient {
  return TableClient.fromConnectionString(connectionString, table, clientOptions(connectionString));
}

export function tableFromEndpoint(endpoint: string, table: string, credential: TokenCredential): TableClient {
  return new TableClient(endpoint, table, credential, clientOptions(endpoint));
}

/** DefaultAzureCredential, loaded when an identity-based connection needs it. */
export async function defaultCredential(): Promise<TokenCredential> {
  const { DefaultAzureCredential } = await import("@azure/identity");
  return new DefaultAzureCredential();
}

/** A table of the app's storage, reached as the host reaches `AzureWebJobsStorage`; `purpose` names it in the error. */
export async function appTableClient(env: Record<string, string | undefined>, table: string, purpose: string): Promise<TableClient> {
  const setting = appStorageSetting(env);
  if (setting === undefined) throw new Error(`set AzureWebJobsStorage (or AzureWebJobsStorage__accountName) for ${purpose}`);
  if (isTableEndpoint(setting)) return tableFromEndpoint(setting, table, await defaultCredential());
  // Never echo the setting: it holds the account key.
  if (!isConnectionString(setting)) throw new Error("AzureWebJobsStorage is neither a storage connection string nor a table endpoint URL");
  return tableFromConnectionString(setting, table);
}
