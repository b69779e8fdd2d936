/**
 * ARM resource ids: parsing, building, comparing. The one parser of shipped code and the emulator.
 * Azure mixes the casing of ids (`resourceGroups` and `resourcegroups`, a VM's name as typed or
 * upper-cased by Activity Log), so ids are compared case-insensitively, never with `===`.
 */

/** What an ARM id names, as far as it goes: a subscription, a group, or a resource in either. */
export interface ParsedArmId {
  subscriptionId: string;
  resourceGroup?: string;
  /** e.g. `Microsoft.Compute` */
  provider?: string;
  /** Full type, e.g. `Microsoft.Compute/virtualMachines` or `Microsoft.ContainerService/managedClusters/agentPools`. */
  type?: string;
  name?: string;
}

/** A resource in a resource group; child resources keep their full type. */
export interface ResourceIdParts {
  subscriptionId: string;
  resourceGroup: string;
  /** `Microsoft.Compute/virtualMachines`, as written in the id. */
  type: string;
  name: string;
}

/** Any ARM id below `/subscriptions/{id}`: a subscription, a resource group (typed `Microsoft.Resources/resourceGroups`) or a resource. */
export function parseArmId(id: string): ParsedArmId {
  const parts = id.split("/").filter((part) => part.length > 0);
  if (parts[0]?.toLowerCase() !== "subscriptions" || parts[1] === undefined) {
    throw new Error(`not an ARM resource id: ${id}`);
  }
  const parsed: ParsedArmId = { subscriptionId: parts[1] };
  let index = 2;
  if (parts[index]?.toLowerCase() === "resourcegroups" && parts[index + 1] !== undefined) {
    parsed.resourceGroup = parts[index + 1];
    index += 2;
  }
  const provider = parts[index + 1];
  if (parts[index]?.toLowerCase() === "providers" && provider !== undefined) {
    parsed.provider = provider;
    const typeSegments: string[] = [provider];
    let name: string | undefined;
    for (let i = index + 2; i + 1 < parts.length; i += 2) {
      typeSegments.push(parts[i] as string);
      name = parts[i + 1];
    }
    if (name !== undefined) {
      parsed.type = typeSegments.join("/");
      parsed.name = name;
    }
  } else if (parsed.resourceGroup !== undefined && index === parts.length) {
    parsed.type = "Microsoft.Resources/resourceGroups";
    parsed.name = parsed.resourceGroup;
  }
  return parsed;
}

/** The subscription an ARM id is in, as the id spells it; undefined for what is below no subscription. Cheap: on the evaluation's hot path. */
export function subscriptionOfId(id: string): string | undefined {
  return /^\/subscriptions\/([^/]+)/i.exec(id)?.[1];
}

/** The subscription an id names, lower-cased for grouping and comparing (ARM compares ids without case); `undefined` for none. */
export const subscriptionKeyOf = (id: string | undefined): string | undefined => (id ? subscriptionOfId(id)?.toLowerCase() : undefined);

/** The parts of the id of a resource in a resource group; anything else (a group, a subscription, a half id) is refused. */
/** The id's parts, or `undefined` for what is no ARM id (an imported VHD's URL, an empty string). */
export function armIdOrUndefined(id: string): ParsedArmId | undefined {
  try {
    return parseArmId(id);
  } catch {
    return undefined;
  }
}

export function parseResourceId(id: string): ResourceIdParts {
  const match = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+)\/(.+)$/i.exec(id.trim());
  const rest = match?.[4]?.split("/").filter((segment) => segment !== "");
  if (!match || !rest || rest.length < 2 || rest.length % 2 !== 0) throw new Error(`not the id of a resource in a resource group: ${id}`);
  const types = rest.filter((_, index) => index % 2 === 0);
  return {
    subscriptionId: match[1] as string,
    resourceGroup: match[2] as string,
    type: [match[3] as string, ...types].join("/"),
    name: rest.at(-1) as string,
  };
}

/** `/subscriptions/{s}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}` exactly: a top-level resource in a group, else `undefined`. */
export function parseTopLevelResourceId(id: string): ResourceIdParts | undefined {
  if (id.split("/").length !== 9) return undefined;
  try {
    const parts = parseResourceId(id);
    return parts.type.split("/").length === 2 && id === id.trim() ? parts : undefined;
  } catch {
    return undefined;
  }
}

/** The last segment of an id: the resource's name, for people to read. Not a parse: any string gives an answer. */
export const resourceNameOf = (id: string): string => id.split("/").filter(Boolean).at(-1) ?? id;

export function resourceGroupId(subscriptionId: string, resourceGroup: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
}

export function resourceId(
  subscriptionId: string,
  resourceGroup: string,
  type: string,
  name: string,
  ...children: Array<[string, string]>
): string {
  const [provider, ...typeParts] = type.split("/");
  let id = `${resourceGroupId(subscriptionId, resourceGroup)}/providers/${provider}/${typeParts.join("/")}/${name}`;
  for (const [childType, childName] of children) id += `/${childType}/${childName}`;
  return id;
}

/** The form in which two ids of one resource are equal: lower case, no trailing slash. */
export const idKey = (id: string): string => id.toLowerCase().replace(/\/+$/, "");

/** Whether two ids (or two id parts, e.g. subscription ids) name the same thing, as ARM compares them. */
export const sameResourceId = (a: string, b: string): boolean => idKey(a) === idKey(b);
