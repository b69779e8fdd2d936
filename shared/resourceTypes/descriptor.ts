/**
 * What Governor knows about one resource type, in one place, Cloud Custodian's `resource_type`
 * style: the kind policies name it by, its ARM type, what the inventory projects of it from
 * Resource Graph and how its SKU, power state and creation time are read from that, where its
 * metrics live, which resource events concern it, how its list price is looked up and how it is
 * read again by id.
 *
 * Nothing else lists types: the Resource Graph projection, `readResource`, the event path's
 * handled operations, the metric batches, the price lookups and the kinds of the policy schema
 * are built from the descriptors that `./index.ts` lists.
 */
import type { ArmBody, ReadOptions } from "../azure/armRead.ts";

export type { ArmBody } from "../azure/armRead.ts";
import type { ResourceIdParts } from "../azure/resourceId.ts";
import type { AzureTarget } from "../azure/target.ts";
import type { PowerState } from "../policy/types.ts";

/** Where a type keeps its power state (as Resource Graph shows it), and what the words there mean. */
export interface PowerStateSource {
  /** Path under `properties`. */
  path: string;
  /** The value found there (a non-empty string), as a power state; `unknown` for a word it does not know. */
  read(value: string): PowerState;
  /**
   * States ARM shows only in `provisioningState` while an operation runs, which a fresh read
   * takes over the power state (an AKS cluster on its way to Stopped still says Running).
   */
  transitions?: readonly PowerState[];
}

/** How the bundled price list prices one resource of the type. */
export type PriceSpec =
  /** Per hour of its compute size (a VM's size, a cluster's node size per node): `settings.prices`, then the bundled sizes. */
  | { per: "hour"; of: "compute-size" }
  /**
   * Per hour of its SKU from the type's own table, where a SKU named like a VM size is priced
   * otherwise (a PostgreSQL server's compute); in the bundled currency, `settings.prices` does not apply.
   */
  | {
      per: "hour";
      of: "sku";
      /** How a reason names it: `PostgreSQL compute`. */
      what: string;
      table: Readonly<Record<string, number>>;
    }
  /** Per GB-month of storage by SKU, from the type's own table (in the bundled currency; `settings.prices` does not apply). */
  | {
      per: "GB-month";
      /** How a reason names it: `disk storage Premium_LRS`. */
      what: string;
      table: Readonly<Record<string, number>>;
      /** The size billed for a resource of `sizeGb` (a disk pays for the tier that holds it); the size itself when absent. */
      billedSizeGb?: (sku: string, sizeGb: number) => number;
    }
  /**
   * Per month of one resource, from the type's own table keyed as the type's estimate says (a
   * public IP's `Standard Static`, a plan's SKU), in the bundled currency; `settings.prices` does
   * not apply. What standing orphans cost.
   */
  | { per: "month"; what: string; table: Readonly<Record<string, number>> }
  /** Not billed at all (a network interface, a resource group): keeping one is clutter, deleting it saves nothing. */
  | { per: "free" };

export interface Reread {
  /** The type's api-version for ARM's GET by id (`readResource`). */
  apiVersion: string;
  /**
   * Reads the body through the type's own SDK instead, when ARM's generic GET is not enough (a
   * VM's power state is only in its instance view, which needs `$expand`); `apiVersion` is then
   * the one that SDK sends. `undefined` for a resource that no longer exists.
   */
  read?: (target: AzureTarget, id: ResourceIdParts, options: ReadOptions) => Promise<ArmBody | undefined>;
}

export interface ResourceTypeDescriptor<K extends string = string> {
  /** How policies name it (`resource: virtual-machine`). */
  kind: K;
  /** As ids and operation names spell it: `Microsoft.Compute/virtualMachines`. */
  armType: string;
  /** As Azure Policy aliases spell it, where that differs from `armType` (`Microsoft.Cache/Redis`). */
  azurePolicyType?: string;
  /**
   * The paths under `properties` the inventory projects for it, each its own Resource Graph
   * column put back at the same path: what its normalisation, filters and actions read. A
   * policy's own paths (`value`) are projected on top, for the policies loaded.
   */
  properties: readonly string[];
  /** Its SKU as filters and prices read it, from the projected properties and Resource Graph's `sku.name`; `sku.name` when absent. */
  sku?: (properties: ArmBody, skuName: string | undefined) => string | undefined;
  powerState?: PowerStateSource;
  /** Path under `properties` of its creation time (ISO); none when ARM does not say. */
  createdAt?: string;
  /** ARM's body put in Resource Graph's shape, where the two differ (a VM's instance view). */
  fromArm?: (properties: ArmBody) => ArmBody;
  /** Azure Monitor namespace of its metrics, and the child they live on (a storage account's blob service). */
  metrics?: { namespace: string; idSuffix?: string };
  /**
   * Where its resource logs' diagnostic settings live when not on the resource itself, and how a
   * reason names that place (a storage account's logs are its blob service's).
   */
  diagnosticSettings?: { idSuffix: string; says: string };
  /** The operations (`data.operationName`) of resource events that the event path checks for it: its write, and actions that matter. */
  events: ReadonlyArray<{ operation: string; why: string }>;
  price?: PriceSpec;
  reread: Reread;
}

/** A descriptor, its kind kept as a literal type so the kinds policies may name are a union. */
export function describeResourceType<const K extends string>(descriptor: ResourceTypeDescriptor<K>): ResourceTypeDescriptor<K> {
  return descriptor;
}

const POWER_WORDS: readonly PowerState[] = ["running", "deallocated", "stopped", "starting", "stopping", "deallocating"];

/** A power word (`Running`, `deallocated`) as a power state; `unknown` for any other. */
export function powerStateWord(word: string): PowerState {
  const lower = word.toLowerCase();
  return POWER_WORDS.find((state) => state === lower) ?? "unknown";
}

export function asObject(value: unknown): ArmBody | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as ArmBody) : undefined;
}

export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The value at a dotted path, `undefined` when a step is missing. */
export function getPath(source: unknown, path: string): unknown {
  let node: unknown = source;
  for (const segment of path.split(".")) node = asObject(node)?.[segment];
  return node;
}
