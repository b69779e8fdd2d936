/**
 * Microsoft.Network: public IPs, NICs, load balancers, NSGs, NAT gateways, virtual networks and
 * private endpoints, with the read-only back-references that show what uses each (see
 * emulator/references.ts). Each type lives in emulator/routes/network/.
 */
import type { ResourceTypeHandler } from "../core.ts";
import type { RouteDefinition } from "../router.ts";
import { familyRoutes } from "./family.ts";
import { loadBalancerFamily, loadBalancerType } from "./network/loadBalancers.ts";
import { nicFamily, nicType } from "./network/networkInterfaces.ts";
import { nsgFamily, nsgType } from "./network/networkSecurityGroups.ts";
import { publicIpFamily, publicIpType } from "./network/publicIPAddresses.ts";
import { natGatewayFamily, natGatewayType, privateEndpointType, vnetFamily, vnetType } from "./network/virtualNetworks.ts";

export function networkRoutes(): RouteDefinition[] {
  return [publicIpFamily, nicFamily, loadBalancerFamily, nsgFamily, natGatewayFamily, vnetFamily].flatMap(familyRoutes);
}

export function networkTypes(): ResourceTypeHandler[] {
  return [publicIpType, nicType, loadBalancerType, nsgType, natGatewayType, vnetType, privateEndpointType];
}
