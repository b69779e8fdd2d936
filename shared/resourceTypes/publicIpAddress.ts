/** Public IP addresses: an address no IP configuration and no NAT gateway uses is an orphan, still billed when static. */
import { describeResourceType } from "./descriptor.ts";

/**
 * Per month of one IPv4 address by `<SKU> <allocation>`, West Europe: Standard addresses are
 * always static and billed from creation; a Basic dynamic one is billed only while associated.
 */
const PUBLIC_IP_MONTH: Readonly<Record<string, number>> = {
  "Standard Static": 3.65,
  "Basic Static": 2.63,
  "Basic Dynamic": 0,
};

export const publicIpAddress = describeResourceType({
  kind: "public-ip",
  armType: "Microsoft.Network/publicIPAddresses",
  properties: [
    // What uses it (read-only back-references), and how it is allocated (the price).
    "ipConfiguration",
    "natGateway",
    "publicIPAllocationMethod",
  ],
  metrics: { namespace: "Microsoft.Network/publicIPAddresses" },
  events: [{ operation: "Microsoft.Network/publicIPAddresses/write", why: "created or changed" }],
  price: { per: "month", what: "public IP", table: PUBLIC_IP_MONTH },
  reread: { apiVersion: "2025-03-01" },
});
