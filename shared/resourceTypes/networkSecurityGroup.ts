/** Network security groups: one on no subnet and no NIC is an orphan (not billed: clutter). */
import { describeResourceType } from "./descriptor.ts";

export const networkSecurityGroup = describeResourceType({
  kind: "network-security-group",
  armType: "Microsoft.Network/networkSecurityGroups",
  properties: [
    // What it is on (read-only back-references).
    "subnets",
    "networkInterfaces",
  ],
  price: { per: "free" },
  events: [{ operation: "Microsoft.Network/networkSecurityGroups/write", why: "created or changed" }],
  reread: { apiVersion: "2025-03-01" },
});
