/** Orchestration versions: compared as the Durable extension compares them, set in host.json, applied by the local runtime. */
import { describe, expect, it } from "vitest";
import { hostVersioning, versioningOf, versionRefusal } from "../../local/durable/index.ts";
import { compareVersions, ORCHESTRATION_VERSIONS } from "../../orchestrations/versions.ts";

describe("compareVersions", () => {
  it.each([
    [null, null, 0],
    ["", undefined, 0],
    [null, "1.0", -1],
    ["1.0", undefined, 1],
    ["1.0", "2.0", -1],
    ["2.0", "1.0", 1],
    ["1.10", "1.9", 1],
    ["1.0", "1.0.0", -1],
    ["2.1.3.4", "2.1.3.4", 0],
    // Not System.Version (one number): compared as text, so 10 sorts before 9.
    ["10", "9", -1],
    ["v1-release", "V2-release", -1],
    ["V1", "v1", 0],
  ])("orders %j against %j as %i", (a, b, order) => {
    expect(compareVersions(a, b)).toBe(order);
  });
});

describe("host.json versioning", () => {
  it("sets the newest orchestration version as defaultVersion, CurrentOrOlder and Reject", () => {
    expect(hostVersioning(new URL("../../host.json", import.meta.url), {})).toEqual({
      defaultVersion: ORCHESTRATION_VERSIONS.at(-1),
      matchStrategy: "CurrentOrOlder",
      failureStrategy: "Reject",
    });
  });

  it("takes an app setting before host.json, as the Functions host does", () => {
    const hostJson = { extensions: { durableTask: { defaultVersion: "1.0", versionMatchStrategy: "CurrentOrOlder" } } };
    const env = {
      AzureFunctionsJobHost__extensions__durableTask__defaultVersion: "2.0",
      AzureFunctionsJobHost__extensions__durableTask__versionMatchStrategy: "strict",
    };
    expect(versioningOf(hostJson, env)).toEqual({ defaultVersion: "2.0", matchStrategy: "Strict" });
    expect(versioningOf({}, {})).toEqual({});
  });

  it("refuses a strategy the extension does not have, naming the setting", () => {
    expect(() => versioningOf({ extensions: { durableTask: { versionFailureStrategy: "Retry" } } }, {})).toThrow(
      'durableTask.versionFailureStrategy must be one of Reject, Fail, not "Retry"',
    );
    expect(() => versioningOf({ extensions: { durableTask: { defaultVersion: 2 } } }, {})).toThrow(
      "durableTask.defaultVersion must be a string, not 2",
    );
  });
});

describe("which instances a runtime runs", () => {
  it("CurrentOrOlder runs its own version, older ones and unversioned ones; not newer ones", () => {
    const runtime = { defaultVersion: "2.0" };
    expect(versionRefusal(runtime, "2.0")).toBeUndefined();
    expect(versionRefusal(runtime, "1.0")).toBeUndefined();
    expect(versionRefusal(runtime, undefined)).toBeUndefined();
    expect(versionRefusal(runtime, "3.0")).toBe(
      "it started with version 3.0, newer than this runtime's version 2.0 (versionMatchStrategy CurrentOrOlder)",
    );
  });

  it("Strict runs only its own version; None runs any", () => {
    expect(versionRefusal({ defaultVersion: "2.0", matchStrategy: "Strict" }, "1.0")).toBe(
      "it started with version 1.0 and this runtime runs only version 2.0 (versionMatchStrategy Strict)",
    );
    expect(versionRefusal({ defaultVersion: "2.0", matchStrategy: "Strict" }, "2.0")).toBeUndefined();
    expect(versionRefusal({ defaultVersion: "1.0", matchStrategy: "None" }, "9.0")).toBeUndefined();
  });

  it("a runtime without a version does not run versioned instances (no version is older than any)", () => {
    expect(versionRefusal({}, "1.0")).toBe(
      "it started with version 1.0, newer than this runtime's no version (versionMatchStrategy CurrentOrOlder)",
    );
    expect(versionRefusal({}, undefined)).toBeUndefined();
  });
});
