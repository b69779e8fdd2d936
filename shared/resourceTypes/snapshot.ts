/** Managed disk snapshots: what snapshot cleanup deletes, never the newest of a disk nor one tagged to keep. */
import { describeResourceType } from "./descriptor.ts";

/** Price per GB-month of snapshot storage by SKU, West Europe (incremental snapshots are billed on the data they hold). */
const SNAPSHOT_GB_MONTH: Readonly<Record<string, number>> = {
  Standard_LRS: 0.05,
  Standard_ZRS: 0.063,
  Premium_LRS: 0.12,
};

export const snapshot = describeResourceType({
  kind: "snapshot",
  armType: "Microsoft.Compute/snapshots",
  properties: [
    // Age, size (the saving of a delete), whether it is incremental, and the disk it was taken from.
    "timeCreated",
    "diskSizeGB",
    "incremental",
    "creationData.sourceResourceId",
  ],
  createdAt: "timeCreated",
  metrics: { namespace: "Microsoft.Compute/snapshots" },
  events: [{ operation: "Microsoft.Compute/snapshots/write", why: "created or changed" }],
  price: { per: "GB-month", what: "snapshot storage", table: SNAPSHOT_GB_MONTH },
  reread: { apiVersion: "2026-03-02" },
});
