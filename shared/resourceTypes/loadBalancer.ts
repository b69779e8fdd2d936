/** Load balancers: one with no backend address in any pool is an orphan, billed by its rules when Standard. */
import { describeResourceType } from "./descriptor.ts";

/**
 * Per month, West Europe: a Standard load balancer pays for its first five load-balancing and
 * outbound rules together, then per rule (`Standard per rule beyond 5`); one with no rule is not
 * billed, nor is Basic (retired). Data processed is not counted: a load balancer without
 * backends processes none.
 */
const LOAD_BALANCER_MONTH: Readonly<Record<string, number>> = {
  Standard: 18.25,
  "Standard per rule beyond 5": 7.3,
  Basic: 0,
};

export const loadBalancer = describeResourceType({
  kind: "load-balancer",
  armType: "Microsoft.Network/loadBalancers",
  properties: [
    // The pools (their backendIPConfigurations and loadBalancerBackendAddresses) and the rules that make the price.
    "backendAddressPools",
    "loadBalancingRules",
    "outboundRules",
  ],
  metrics: { namespace: "Microsoft.Network/loadBalancers" },
  events: [{ operation: "Microsoft.Network/loadBalancers/write", why: "created or changed" }],
  price: { per: "month", what: "load balancer", table: LOAD_BALANCER_MONTH },
  reread: { apiVersion: "2025-03-01" },
});
