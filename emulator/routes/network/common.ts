/**
 * What the Microsoft.Network types share: the shape of sub-resources (IP configurations, pools,
 * rules, subnets: `name`, `id` under the parent, `etag`, `type`, `properties.provisioningState`),
 * weak etags, stable addresses derived from ids.
 */
import { asObject, asString, type Json, stableGuid, stableHex } from "../../json.ts";

export const NETWORK = "Microsoft.Network";
export const PUBLIC_IP_TYPE = "Microsoft.Network/publicIPAddresses";
export const NIC_TYPE = "Microsoft.Network/networkInterfaces";
export const LOAD_BALANCER_TYPE = "Microsoft.Network/loadBalancers";
export const NSG_TYPE = "Microsoft.Network/networkSecurityGroups";
export const NAT_GATEWAY_TYPE = "Microsoft.Network/natGateways";
export const VNET_TYPE = "Microsoft.Network/virtualNetworks";
export const PRIVATE_ENDPOINT_TYPE = "Microsoft.Network/privateEndpoints";

/** Network's weak etag, stable for a resource's current model. */
export function weakEtag(seed: string): string {
  return `W/"${stableGuid(seed)}"`;
}

/** An address in a public range that is the same for the same resource every run. */
export function publicAddressOf(id: string): string {
  const hex = stableHex(id, 6);
  return `20.${Number.parseInt(hex.slice(0, 2), 16) % 200}.${Number.parseInt(hex.slice(2, 4), 16)}.${(Number.parseInt(hex.slice(4, 6), 16) % 250) + 4}`;
}

/** A private address in 10.0.0.0/8, stable per IP configuration. */
export function privateAddressOf(id: string): string {
  const hex = stableHex(id, 4);
  return `10.${Number.parseInt(hex.slice(0, 2), 16) % 250}.${Number.parseInt(hex.slice(2, 4), 16) % 250}.${(Number.parseInt(hex, 16) % 250) + 4}`;
}

/** The given sub-resources of a collection, each as ARM shows it, named `{fallback}{n}` when unnamed. */
export function subResources(
  parentId: string,
  given: unknown,
  collection: string,
  type: string,
  fallback: string,
  build: (properties: Json, id: string, index: number) => Json = (properties) => properties,
): Json[] {
  const items = Array.isArray(given) ? given : [];
  return items.map((item, index) => {
    const entry = asObject(item) ?? {};
    const name = asString(entry.name) ?? `${fallback}${index + 1}`;
    const id = `${parentId}/${collection}/${name}`;
    const properties = build({ ...(asObject(entry.properties) ?? {}) }, id, index);
    return { name, id, etag: weakEtag(id), type: `${type}/${collection}`, properties: { ...properties, provisioningState: "Succeeded" } };
  });
}

/** The `id` of an `{ id }` reference, if it is one. */
export function refId(value: unknown): string | undefined {
  return asString(asObject(value)?.id);
}

/** The ids of a list of `{ id }` references. */
export function refIds(value: unknown): string[] {
  return (Array.isArray(value) ? value : []).map(refId).filter((id): id is string => id !== undefined);
}
