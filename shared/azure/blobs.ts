/**
 * Blob Storage as the Functions host reaches it: the app's storage setting (storage.ts) or one
 * given on the command line, as a connection string (Azurite locally), a blob endpoint URL or an
 * account name (both signed in with DefaultAzureCredential: the managed identity in Azure, az
 * login on a workstation).
 */
import { BlobServiceClient } from "@azure/storage-blob";
import { appStorageSetting, defaultCredential, isConnectionString, isLocalStorage, isServiceEndpoint } from "./storage.ts";

export class BlobStorageError extends Error {}

const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;

/** The blob setting of the app (AzureWebJobsStorage, __blobServiceUri, __accountName); undefined when none is set. */
export const appBlobSetting = (env: Record<string, string | undefined>): string | undefined => appStorageSetting(env, "blob");

export async function blobServiceFor(setting: string): Promise<BlobServiceClient> {
  const trimmed = setting.trim();
  if (isServiceEndpoint(trimmed)) return new BlobServiceClient(trimmed.replace(/\/+$/, ""), await defaultCredential());
  if (ACCOUNT_NAME.test(trimmed)) return new BlobServiceClient(`https://${trimmed}.blob.core.windows.net`, await defaultCredential());
  // Never echo the setting: it holds the account key.
  if (!isConnectionString(trimmed))
    throw new BlobStorageError(
      "the storage is neither a connection string (AccountName=...;AccountKey=...;BlobEndpoint=..., or UseDevelopmentStorage=true), a blob endpoint URL nor an account name",
    );
  // A local connection string naming only the table endpoint would send blob requests to a made-up host.
  if (isLocalStorage(trimmed, "table") && /TableEndpoint=/i.test(trimmed) && !/BlobEndpoint=/i.test(trimmed))
    throw new BlobStorageError(
      "the local storage connection string names no BlobEndpoint: start Azurite's Blob service and add its endpoint",
    );
  try {
    return BlobServiceClient.fromConnectionString(trimmed);
  } catch {
    throw new BlobStorageError("the storage connection string cannot be read (AccountName=...;AccountKey=...;BlobEndpoint=...)");
  }
}
