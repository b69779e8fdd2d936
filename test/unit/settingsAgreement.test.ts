/**
 * Governor's settings agree everywhere: the sample local settings, the typed configuration the
 * app parses at start (shared/config.ts), and the app settings the template deploys. A setting
 * added in one place and forgotten in another fails here, not at the app's first start in Azure.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LOCAL_ONLY_SETTINGS, loadConfig, SETTINGS } from "../../shared/config.ts";
import { Opaque } from "../support/arm/expressions.ts";
import { scoped, settingsProblems, templateAppSettings, TEST_SCOPE } from "../support/governorTemplate.ts";

const sample = (
  JSON.parse(readFileSync(new URL("../../local.settings.sample.json", import.meta.url), "utf8")) as { Values: Record<string, string> }
).Values;
const deployed = templateAppSettings(scoped());

describe("settings agreement", () => {
  it("the sample, the typed configuration and the template hold the same GOVERNOR_* settings (the template all but the local-only ones)", () => {
    expect(
      settingsProblems({
        sample: Object.keys(sample),
        config: Object.keys(SETTINGS),
        template: Object.keys(deployed),
        localOnly: LOCAL_ONLY_SETTINGS,
      }),
    ).toEqual([]);
  });

  it("the local-only settings are Governor settings, and the template never deploys them", () => {
    for (const name of LOCAL_ONLY_SETTINGS) {
      expect(SETTINGS).toHaveProperty(name);
      expect(deployed).not.toHaveProperty(name);
    }
  });

  it("fails naming a setting the template forgot, and one the sample has that the configuration does not know", () => {
    const { GOVERNOR_DRY_RUN: _forgotten, ...template } = deployed;
    expect(
      settingsProblems({
        sample: [...Object.keys(sample), "GOVERNOR_TEAMS_WEBHOOK"],
        config: Object.keys(SETTINGS),
        template: Object.keys(template),
        localOnly: LOCAL_ONLY_SETTINGS,
      }),
    ).toEqual([
      "settings: GOVERNOR_TEAMS_WEBHOOK is in local.settings.sample.json but not in shared/config.ts SETTINGS",
      "settings: GOVERNOR_DRY_RUN is in shared/config.ts SETTINGS (less the local-only ones) but not in the template's app settings",
    ]);
  });

  it("the template's settings, as deployed, are a configuration the app accepts at start", () => {
    // What only the deployment knows (the identity's ids) stands in as plausible values.
    const env = Object.fromEntries(
      Object.entries(deployed).map(([key, value]) => [
        key,
        value instanceof Opaque ? "3f2c1b4a-9d8e-4f7a-b6c5-d4e3f2a1b0c9" : String(value),
      ]),
    );
    const config = loadConfig(env);
    expect(config).toMatchObject({ subscriptionId: TEST_SCOPE.subscriptionId, taskHub: "Governor", dryRun: true, killSwitch: false });
    expect(config.emulator).toBeUndefined();
  });

  it("the sample's settings are a configuration the app accepts", () => {
    const { GOVERNOR_ARM_ENDPOINT: _endpoint, GOVERNOR_ARM_CA_FILE: _ca, ...env } = sample;
    expect(() => loadConfig(env)).not.toThrow();
  });

  it("an unknown or missing setting fails at start with a message naming it", () => {
    expect(() => loadConfig({ GOVERNOR_TASK_HUB: "Governor", GOVERNOR_DRYRUN: "true" })).toThrow(
      /GOVERNOR_DRYRUN is not a Governor setting[\s\S]*GOVERNOR_SUBSCRIPTION_ID is missing/,
    );
  });
});
