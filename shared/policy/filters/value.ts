/**
 * `value`: any property of the resource, for what has no dedicated filter.
 *
 * ```yaml
 * - { value: properties.backup.backupRetentionDays, below: 14 }
 * - { value: properties.backup.geoRedundantBackup, equals: Disabled }
 * - { value: properties.network.publicNetworkAccess, present: true }
 * - { value: properties.minimumTlsVersion, versionBelow: 1.2 }
 * ```
 *
 * The path is dotted into the resource as inventory returns it: `properties.x.y`, `sku`,
 * `location`, `tags.owner` (tag names case-insensitive), list items by index
 * (`properties.agentPoolProfiles.0.count`). Property names fall back to a case-insensitive match,
 * because Resource Graph and ARM do not always agree on case. The operators are shared with
 * other filters (./valueTest.ts): values compare exactly, except that a number or boolean equals
 * its string form (`7` = `"7"`), as ARM returns either; `versionBelow: 1.2` holds for a value
 * naming TLS 1.0 or 1.1 (`TLS1_0`, `1.1`). A property that is not set matches only `present: false`.
 *
 * The inventory projects the path for the policies that read it. A path it cannot carry (not
 * under `properties.` with names Resource Graph can project, nor `tags.<name>`, nor one of the
 * resource's own fields) is refused when the policy loads: see shared/resourceTypes/projection.ts.
 */
import type { FilterDefinition } from "../registry.ts";
import { tagValue } from "../settings.ts";
import type { InventoryResource } from "../types.ts";
import { parseValueTest, testValue, type ValueTest, valueTestProperties } from "./valueTest.ts";

export type { ValueTest } from "./valueTest.ts";

export interface ValueArgs {
  path: string;
  segments: string[];
  test: ValueTest;
}

function child(container: unknown, key: string): unknown {
  if (Array.isArray(container)) return /^\d+$/.test(key) ? container[Number(key)] : undefined;
  if (container === null || typeof container !== "object") return undefined;
  const record = container as Record<string, unknown>;
  if (key in record) return record[key];
  const lower = key.toLowerCase();
  const found = Object.keys(record).find((name) => name.toLowerCase() === lower);
  return found === undefined ? undefined : record[found];
}

/** The value at a dotted path in the resource; undefined when any step is missing. */
export function valueAt(resource: InventoryResource, segments: readonly string[]): unknown {
  const [first, second, ...rest] = segments;
  if (first?.toLowerCase() === "tags" && second !== undefined && rest.length === 0) return tagValue(resource.tags, second);
  return segments.reduce<unknown>((container, key) => child(container, key), resource);
}

export const valueFilter: FilterDefinition<ValueArgs> = {
  key: "value",
  summary:
    "Any property of the resource by dotted path (properties.backup.backupRetentionDays), compared with equals, notEquals, in, notIn, below, above, versionBelow or present.",
  example: "{ value: properties.backup.backupRetentionDays, below: 14 }",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["value"],
    properties: {
      value: {
        type: "string",
        pattern: "^[^.\\s]+(\\.[^.\\s]+)*$",
        description: "Dotted path into the resource, e.g. properties.backup.backupRetentionDays.",
      },
      ...valueTestProperties,
    },
  },
  parse(condition) {
    const path = String(condition.value);
    return { path, segments: path.split("."), test: parseValueTest(condition, `value "${path}"`) };
  },
  reads(args) {
    return [args.path];
  },
  evaluate(resource, args) {
    return testValue(args.path, valueAt(resource, args.segments), args.test);
  },
};
