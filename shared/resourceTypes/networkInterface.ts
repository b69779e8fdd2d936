/** Network interfaces: one attached to no VM and no private endpoint is an orphan (not billed: clutter). */
import { describeResourceType } from "./descriptor.ts";

export const networkInterface = describeResourceType({
  kind: "network-interface",
  armType: "Microsoft.Network/networkInterfaces",
  properties: [
    // What holds it (read-only back-references): a VM, a private endpoint, a Private Link service.
    "virtualMachine",
    "privateEndpoint",
    "privateLinkService",
  ],
  metrics: { namespace: "Microsoft.Network/networkInterfaces" },
  price: { per: "free" },
  events: [{ operation: "Microsoft.Network/networkInterfaces/write", why: "created or changed" }],
  reread: { apiVersion: "2025-03-01" },
});
