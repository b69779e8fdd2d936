/** Defaults of a policy file's `settings:`, the conventions of the built-in pack. */
import type { Settings } from "./types.ts";

export const DEFAULT_SETTINGS: Settings = Object.freeze({
  tags: Object.freeze({
    environment: "environment",
    owner: "owner",
    costCenter: "cost-center",
    application: "application",
    exemptUntil: "governor-exempt-until",
    schedule: "governor-schedule",
    expiresOn: "expires-on",
    keep: "keep",
  }),
  productionEnvironments: ["prod", "production"],
  blackouts: [],
  timeZone: "Europe/Brussels",
  dryRun: false,
  currency: "EUR",
});

/** Tag lookup as ARM does it: names are case-insensitive, values are not. */
export function tagValue(tags: Record<string, string>, name: string): string | undefined {
  if (name in tags) return tags[name];
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(tags)) if (key.toLowerCase() === lower) return value;
  return undefined;
}
