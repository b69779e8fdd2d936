/** The built-in filters, in the order the schema and the docs list them. */
import type { FilterDefinition } from "../registry.ts";
import { ageFilter } from "./age.ts";
import { backupFilter } from "./backup.ts";
import { diagnosticSettingFilter } from "./diagnosticSetting.ts";
import { diskAttachedFilter } from "./diskAttached.ts";
import { environmentFilter } from "./environment.ts";
import { expiredFilter } from "./expired.ts";
import { lastSnapshotOfDiskFilter } from "./lastSnapshotOfDisk.ts";
import { locationFilter } from "./location.ts";
import { lockFilter } from "./lock.ts";
import { metricFilter } from "./metric.ts";
import { offHoursFilter } from "./offHours.ts";
import { orphanedFilter } from "./orphaned.ts";
import { powerStateFilter } from "./powerState.ts";
import { serverParameterFilter } from "./serverParameter.ts";
import { skuFilter } from "./sku.ts";
import { snapshotSourceFilter } from "./snapshotSource.ts";
import { tagFilter } from "./tag.ts";
import { valueFilter } from "./value.ts";

export const builtinFilters: FilterDefinition<unknown>[] = [
  tagFilter,
  environmentFilter,
  locationFilter,
  skuFilter,
  powerStateFilter,
  ageFilter,
  metricFilter,
  offHoursFilter,
  backupFilter,
  snapshotSourceFilter,
  lastSnapshotOfDiskFilter,
  diskAttachedFilter,
  orphanedFilter,
  expiredFilter,
  valueFilter,
  serverParameterFilter,
  lockFilter,
  diagnosticSettingFilter,
];
