/** Storage accounts: tagged, and audited on their settings. */
import { describeResourceType } from "./descriptor.ts";

export const storageAccount = describeResourceType({
  kind: "storage-account",
  armType: "Microsoft.Storage/storageAccounts",
  properties: [
    // Age and tier.
    "creationTime",
    "accessTier",
  ],
  createdAt: "creationTime",
  // Blob metrics live on the account's blob service, in that child's namespace.
  metrics: { namespace: "Microsoft.Storage/storageAccounts/blobServices", idSuffix: "/blobServices/default" },
  // The account's own diagnostic settings carry only its metrics (Transaction); the logs of reads,
  // writes and deletes are each service's. Odoo's filestore and the backups are blobs.
  diagnosticSettings: { idSuffix: "/blobServices/default", says: "blob service" },
  events: [{ operation: "Microsoft.Storage/storageAccounts/write", why: "created or changed" }],
  reread: { apiVersion: "2023-05-01" },
});
