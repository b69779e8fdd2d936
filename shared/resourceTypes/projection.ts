/**
 * The inventory's projection: the paths under `properties` that the Resource Graph query of
 * resources carries, each as its own column (`p_<path>`) put back at the same path. Whole
 * `properties` bags would make pages of 1,000 resources large, so the query carries what the
 * descriptors need plus every path the loaded policies read (`FilterDefinition.reads`): a
 * `value` filter on any property is projected for the policies that name it.
 *
 * A path, as the `value` filter spells it, may name:
 * - `properties.<name>` and below: `<name>.<name>` or a list index (`agentPoolProfiles.0.count`),
 *   names being identifiers (letters, digits and `_`, not starting with a digit), which is what
 *   a Resource Graph column can be projected from; a path is projected up to its first index
 *   (the whole list);
 * - `tags` or `tags.<tag name>`;
 * - one of the fields every inventoried resource has (`FIELDS`), alone: each holds one value
 *   (`sku` is the SKU's name, not ARM's `sku` object).
 *
 * Anything else (`identity.type`, `zones`, `sku.tier`, `properties`, `properties.a-b`) the
 * inventory cannot carry, and a policy naming it is refused when it loads
 * (`unprojectablePath`). Resource Graph projects a `properties` path for every type (null where
 * a type has none), so no path is refused for its type.
 */
import { RESOURCE_TYPES } from "./index.ts";

export interface ProjectedColumn {
  /** The column's name in the query: `p_hardwareProfile_vmSize`. */
  column: string;
  /** The path under `properties`: `hardwareProfile.vmSize`. */
  path: string;
}

export interface Projection {
  columns: readonly ProjectedColumn[];
}

/** The fields of an inventoried resource besides `tags` and `properties`, each one value. */
export const FIELDS = [
  "id",
  "name",
  "type",
  "kind",
  "location",
  "resourceGroup",
  "subscriptionId",
  "sku",
  "powerState",
  "createdAt",
  "managedBy",
] as const;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INDEX = /^\d+$/;

/** Why the inventory cannot carry `path`, or `undefined` when it can. */
export function unprojectablePath(path: string): string | undefined {
  const segments = path.split(".");
  const [first = "", ...rest] = segments;
  if (segments.some((segment) => segment === "")) return `"${path}" has an empty step`;
  const head = first.toLowerCase();
  if (head === "properties") {
    if (rest.length === 0) return "properties is the whole properties bag: name a property under it (properties.<name>)";
    for (const [index, segment] of rest.entries()) {
      if (NAME.test(segment) || (index > 0 && INDEX.test(segment))) continue;
      return `"${segment}" is ${index === 0 ? "not a property name" : "neither a property name nor a list index"}: Resource Graph projects names of letters, digits and _ (not starting with a digit)`;
    }
    return undefined;
  }
  if (head === "tags") return rest.length <= 1 ? undefined : `a tag holds one value: nothing is under tags.${rest[0] ?? ""}`;
  const field = FIELDS.find((candidate) => candidate.toLowerCase() === head);
  if (field !== undefined)
    return rest.length === 0
      ? undefined
      : `${field} holds one value${field === "sku" ? " (the SKU's name, not ARM's sku object)" : ""}: nothing is under it`;
  return `the inventory has no "${first}": a path is properties.<name>..., tags.<name> or one of ${FIELDS.join(", ")}`;
}

/** The path under `properties` a resource path needs projected, up to its first list index; `undefined` for the fields every row has. */
export function propertyPathOf(path: string): string | undefined {
  const [first, ...rest] = path.split(".");
  if (first?.toLowerCase() !== "properties" || unprojectablePath(path) !== undefined) return undefined;
  const index = rest.findIndex((segment) => INDEX.test(segment));
  return (index === -1 ? rest : rest.slice(0, index)).join(".");
}

const covers = (projected: string, path: string): boolean => path === projected || path.startsWith(`${projected}.`);

/**
 * The descriptors' paths, in their order, then each of `paths` (resource paths, as `value`
 * spells them) that no projected path covers yet. Paths the inventory cannot carry are left out:
 * the loader refuses the policies that name them.
 */
export function projectionOf(paths: readonly string[] = []): Projection {
  const wanted: string[] = [];
  const add = (path: string): void => {
    if (!wanted.some((projected) => covers(projected, path))) wanted.push(path);
  };
  for (const type of RESOURCE_TYPES) for (const path of type.properties) add(path);
  for (const path of paths) {
    const property = propertyPathOf(path);
    if (property !== undefined) add(property);
  }
  const used = new Set<string>();
  const columns = wanted.map((path) => {
    const base = `p_${path.replaceAll(".", "_")}`;
    let column = base;
    // `a_b.c` and `a.b_c` would share a name.
    for (let n = 2; used.has(column); n += 1) column = `${base}_${n}`;
    used.add(column);
    return { column, path };
  });
  return { columns };
}

/** What the descriptors alone need: the projection of a policy set that reads nothing more. */
export const DESCRIBED_PROJECTION: Projection = projectionOf();
