/** Parsing and building ARM resource ids. ARM compares ids case-insensitively. */
export interface ParsedResourceId {
  subscriptionId: string;
  resourceGroup?: string;
  /** e.g. `Microsoft.Compute` */
  provider?: string;
  /** Full type, e.g. `Microsoft.Compute/virtualMachines` or `Microsoft.ContainerService/managedClusters/agentPools`. */
  type?: string;
  name?: string;
}

export function parseResourceId(id: string): ParsedResourceId {
  const parts = id.split("/").filter((part) => part.length > 0);
  if (parts[0]?.toLowerCase() !== "subscriptions" || parts[1] === undefined) {
    throw new Error(`not an ARM resource id: ${id}`);
  }
  const parsed: ParsedResourceId = { subscriptionId: parts[1] };
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

export const idKey = (id: string): string => id.toLowerCase().replace(/\/+$/, "");
