/**
 * Governor's storage account as the Functions host reaches it, for any of its services (tables,
 * blobs): `AzureWebJobsStorage` as a connection string, else an identity-based connection
 * (`AzureWebJobsStorage__<service>ServiceUri` or `__accountName`) signed in with
 * DefaultAzureCredential. The table and blob openers (tables.ts, blobs.ts) build their clients
 * from this one resolution.
 */
import type { TokenCredential } from "@azure/core-auth";

export type StorageService = "table" | "blob";

const ENDPOINT_KEY: Record<StorageService, RegExp> = { table: /TableEndpoint=([^;]+)/i, blob: /BlobEndpoint=([^;]+)/i };

/** Plain HTTP is allowed only for the local development storage (Azurite on loopback). */
export function isLocalStorage(connectionStringOrUrl: string, service: StorageService = "table"): boolean {
  if (/usedevelopmentstorage=true/i.test(connectionStringOrUrl)) return true;
  const endpoint = ENDPOINT_KEY[service].exec(connectionStringOrUrl)?.[1] ?? connectionStringOrUrl;
  try {
    const url = new URL(endpoint);
    return url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  } catch {
    return false;
  }
}

/** The app's storage setting for a service, read as the host reads it; undefined when none is set. */
export function appStorageSetting(env: Record<string, string | undefined>, service: StorageService = "table"): string | undefined {
  const account = env.AzureWebJobsStorage__accountName?.trim();
  return (
    env.AzureWebJobsStorage?.trim() ||
    env[`AzureWebJobsStorage__${service}ServiceUri`]?.trim() ||
    (account ? `https://${account}.${service}.core.windows.net` : undefined)
  );
}

/** Whether the setting is a service endpoint (identity-based) rather than a connection string. */
export const isServiceEndpoint = (setting: string): boolean => /^https?:\/\//i.test(setting);

/** Whether a setting that is not an endpoint reads as a storage connection string (never echo it: it holds the key). */
export const isConnectionString = (setting: string): boolean =>
  /usedevelopmentstorage=true|accountkey=|sharedaccesssignature=/i.test(setting);

/** DefaultAzureCredential, loaded when an identity-based connection needs it. */
export async function defaultCredential(): Promise<TokenCredential> {
  const { DefaultAzureCredential } = await import("@azure/identity");
  return new DefaultAzureCredential();
}
