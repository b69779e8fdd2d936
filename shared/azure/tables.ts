/**
 * Table Storage as the Functions host reaches it (the resolution of the setting is storage.ts's):
 * one place for the audit trail, the seen-events store and the approvals store.
 */
import type { TokenCredential } from "@azure/core-auth";
import { TableClient, type TableServiceClientOptions } from "@azure/data-tables";
import {
  appStorageSetting as storageSetting,
  defaultCredential,
  isConnectionString,
  isLocalStorage,
  isServiceEndpoint,
} from "./storage.ts";

export { defaultCredential, isConnectionString } from "./storage.ts";

const clientOptions = (setting: string): TableServiceClientOptions => (isLocalStorage(setting) ? { allowInsecureConnection: true } : {});

/** The app's storage setting for tables, read as the host reads it; undefined when none is set. */
export const appStorageSetting = (env: Record<string, string | undefined>): string | undefined => storageSetting(env, "table");

export const isTableEndpoint = isServiceEndpoint;

export function tableFromConnectionString(connectionString: string, table: string): TableClient {
  return TableClient.fromConnectionString(connectionString, table, clientOptions(connectionString));
}

export function tableFromEndpoint(endpoint: string, table: string, credential: TokenCredential): TableClient {
  return new TableClient(endpoint, table, credential, clientOptions(endpoint));
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

/**
 * Creates `client`'s table on the first call (createTable answers an existing table without
 * error) and resolves at once after that; a failed attempt is tried again on the next call.
 */
export function tableCreatedOnce(client: TableClient): () => Promise<void> {
  let ready: Promise<void> | undefined;
  return () => {
    ready ??= client.createTable().then(
      () => undefined,
      (error: unknown) => {
        ready = undefined;
        throw error;
      },
    );
    return ready;
  };
}

/**
 * `open`, called once per process and storage setting: a store of the app's storage is shared by
 * every invocation of this worker; a failed open is tried again on the next call.
 */
export function oncePerStorageSetting<T>(
  open: (env: Record<string, string | undefined>) => Promise<T>,
): (env?: Record<string, string | undefined>) => Promise<T> {
  let opened: { key: string; value: Promise<T> } | undefined;
  return (env = process.env) => {
    const key = JSON.stringify([env.AzureWebJobsStorage, env.AzureWebJobsStorage__accountName, env.AzureWebJobsStorage__tableServiceUri]);
    if (opened?.key !== key) {
      const value = open(env);
      opened = { key, value };
      value.catch(() => {
        if (opened?.value === value) opened = undefined;
      });
    }
    return opened.value;
  };
}
