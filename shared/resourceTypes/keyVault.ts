/** Key vaults: audited on where their logs go (the diagnostic-setting filter), tagged like every resource. */
import { describeResourceType } from "./descriptor.ts";

export const keyVault = describeResourceType({
  kind: "key-vault",
  armType: "Microsoft.KeyVault/vaults",
  // Nothing of its own: its baselines read facts (diagnostic settings, locks), and a policy's `value` paths are projected on top.
  properties: [],
  metrics: { namespace: "Microsoft.KeyVault/vaults" },
  events: [{ operation: "Microsoft.KeyVault/vaults/write", why: "created or changed" }],
  reread: { apiVersion: "2023-07-01" },
});
