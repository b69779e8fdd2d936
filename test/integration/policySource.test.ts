/**
 * Policies that change without a rebuild: `governor policies push` (a real process) uploads a
 * validated file to a blob in real Blob Storage (Azurite's Blob service), and the app's policy
 * source reads it with the real Blob SDK, follows its ETag, never loads a version with a mistake
 * (the last good set stays and the refusal is in the audit trail, in real Table Storage), and
 * still reads a file in the package. Then through a real entry: the Event Grid webhook of the
 * local host, whose resourceEvents function decides from the policies in the blob.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BlobServiceClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TableAuditTrail } from "../../shared/audit/trail.ts";
import { loadConfig } from "../../shared/config.ts";
import { checkInstanceId } from "../../orchestrations/names.ts";
import { appPolicies } from "../../shared/policy/appSource.ts";
import { builtinRegistry } from "../../shared/policy/builtins.ts";
import { PolicyLoadError } from "../../shared/policy/loader.ts";
import { createPolicySource, type PolicySourceOptions } from "../../shared/policy/source.ts";
import { type Azurite, startAzurite } from "../../local/azurite.ts";
import { entryFilesIn, loadEntries } from "../../local/entries.ts";
import { type LocalHost, startLocalHost } from "../../local/host.ts";
import { type LocalApp, startLocalApp } from "../../local/localApp.ts";
import { readExample } from "../support/shapes.ts";

const CLI = fileURLToPath(new URL("../../cli/governor.ts", import.meta.url));
const PACK = fileURLToPath(new URL("../../policies/odoo-distribution.yaml", import.meta.url));
const PACK_TEXT = readFileSync(PACK, "utf8");
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

/** The pack with one policy's mode changed (the first `mode:` after its name). */
function withMode(text: string, policy: string, mode: "audit" | "enforce"): string {
  const start = text.indexOf(`- name: ${policy}\n`);
  const at = text.indexOf("mode: ", start);
  if (start < 0 || at < 0) throw new Error(`no policy ${policy} with a mode in the pack`);
  return `${text.slice(0, at)}mode: ${mode}${text.slice(text.indexOf("\n", at))}`;
}

/** The pack with a mistake `governor validate` names: a duration written in words. */
const BAD_PACK = PACK_TEXT.replace("over: 72h", "over: 72 hours");
const BAD_LINE = PACK_TEXT.split("\n").findIndex((line) => line.includes("over: 72h")) + 1;

function governor(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  // The push must not pick up the test process's own settings by accident: only those given.
  const { GOVERNOR_POLICY_FILE: _policyFile, AzureWebJobsStorage: _storage, ...inherited } = process.env;
  const childEnv = { ...inherited, ...env };
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 60_000, env: childEnv }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const pushedEtag = (stdout: string): string => {
  const etag = /ETag (\S+)/.exec(stdout)?.[1];
  if (!etag) throw new Error(`no ETag in the push's output: ${stdout}`);
  return etag;
};

const modeOf = (set: { policies: Array<{ name: string; mode: string }> }, policy: string): string | undefined =>
  set.policies.find((candidate) => candidate.name === policy)?.mode;

describe("policies kept in a blob", () => {
  let azurite: Azurite;
  let dir: string;
  let service: BlobServiceClient;
  let containers = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "governor-policy-source-"));
    azurite = await startAzurite({ location: join(dir, "azurite"), blob: true });
    service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  }, 60_000);
  afterAll(async () => {
    await azurite?.close();
  });

  /** A container of its own per test: tests do not see each other's blobs. */
  const freshContainer = (): string => `policies-${(containers += 1)}`;
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const push = (path: string, to: string) => governor(["policies", "push", path, "--to", to, "--storage", azurite.connectionString]);
  const etagOf = async (container: string, blob: string): Promise<string | undefined> =>
    (await service.getContainerClient(container).getBlobClient(blob).getProperties()).etag;
  const source = (location: string, extra: Partial<PolicySourceOptions> = {}) =>
    createPolicySource({ location, registry: builtinRegistry(), storage: azurite.connectionString, refreshMs: 0, log: () => {}, ...extra });

  it("push uploads a valid file, creating the container, and the app's source loads that version", async () => {
    const container = freshContainer();
    const pushed = await push(file("ours.yaml", PACK_TEXT), `blob:${container}/governor.yaml`);
    expect(pushed.stderr).toBe("");
    expect(pushed.code).toBe(0);
    expect(pushed.stdout).toContain("33 policies (18 enforce, 15 audit): valid");
    expect(pushed.stdout).toContain(`pushed to blob:${container}/governor.yaml, ETag`);
    const etag = pushedEtag(pushed.stdout);
    expect(await etagOf(container, "governor.yaml")).toBe(etag);

    const policies = source(`blob:${container}/governor.yaml`);
    const set = await policies.current();
    expect(set.policies).toHaveLength(33);
    expect(set.sources).toEqual([`blob:${container}/governor.yaml`]);
    expect(policies.version()).toBe(etag);
  });

  it("a changed file pushed again is loaded by its new ETag: the policy's mode changes in the running source", async () => {
    const container = freshContainer();
    const location = `blob:${container}/governor.yaml`;
    const first = pushedEtag((await push(file("enforce.yaml", PACK_TEXT), location)).stdout);
    const policies = source(location);
    expect(modeOf(await policies.current(), "stop-idle-nonprod-vms")).toBe("enforce");

    const second = await push(file("audit.yaml", withMode(PACK_TEXT, "stop-idle-nonprod-vms", "audit")), location);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("33 policies (17 enforce, 16 audit): valid");
    const etag = pushedEtag(second.stdout);
    expect(etag).not.toBe(first);
    expect(modeOf(await policies.current(), "stop-idle-nonprod-vms")).toBe("audit");
    expect(policies.version()).toBe(etag);
  });

  it("checks the blob at most once per refresh interval: a new version shows only once the interval has passed", async () => {
    const container = freshContainer();
    const location = `blob:${container}/governor.yaml`;
    await push(file("interval-1.yaml", PACK_TEXT), location);
    let clock = Date.UTC(2026, 11, 1, 9, 0, 0);
    const policies = source(location, { refreshMs: 60_000, now: () => new Date(clock) });
    expect(modeOf(await policies.current(), "stop-idle-nonprod-vms")).toBe("enforce");

    await push(file("interval-2.yaml", withMode(PACK_TEXT, "stop-idle-nonprod-vms", "audit")), location);
    clock += 59_000;
    expect(modeOf(await policies.current(), "stop-idle-nonprod-vms")).toBe("enforce");
    clock += 1_000;
    expect(modeOf(await policies.current(), "stop-idle-nonprod-vms")).toBe("audit");
  });

  it("push goes to the blob and storage the app's own settings name when not told", async () => {
    const container = freshContainer();
    const pushed = await governor(["policies", "push", file("settings.yaml", PACK_TEXT)], {
      GOVERNOR_POLICY_FILE: `blob:${container}/from-settings.yaml`,
      AzureWebJobsStorage: azurite.connectionString,
    });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(await etagOf(container, "from-settings.yaml")).toBe(pushedEtag(pushed.stdout));
  });

  it("push refuses a file with a mistake before uploading: each mistake with file:line:column, exit 1, the blob unchanged", async () => {
    const container = freshContainer();
    const location = `blob:${container}/governor.yaml`;
    const good = pushedEtag((await push(file("good.yaml", PACK_TEXT), location)).stdout);
    const bad = file("bad.yaml", BAD_PACK);

    const refused = await push(bad, location);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    const lines = refused.stderr.trim().split("\n");
    expect(lines[0]).toMatch(
      new RegExp(`^${bad}:${BAD_LINE}:\\d+: policies\\[3\\]\\.when\\[2\\]\\.over: "72 hours" does not have the expected form`),
    );
    expect(lines.at(-1)).toBe(`governor policies push: ${bad} has mistakes: nothing was pushed`);
    expect(await etagOf(container, "governor.yaml")).toBe(good);
    // The same lines as `governor validate` prints.
    expect((await governor(["validate", bad])).stderr.trim()).toBe(lines.slice(0, -1).join("\n"));

    // Refused before anything is written: not even the container is created.
    const untouched = freshContainer();
    expect((await push(bad, `blob:${untouched}/governor.yaml`)).code).toBe(1);
    expect(await service.getContainerClient(untouched).exists()).toBe(false);
  });

  it("push refuses a destination that is not a blob, and a storage setting it cannot read, naming the form", async () => {
    const path = file("valid.yaml", PACK_TEXT);
    const notBlob = await push(path, "policies/governor.yaml");
    expect(notBlob.code).toBe(2);
    expect(notBlob.stderr).toContain("--to must name a blob (blob:<container>/<blob name>)");
    const badContainer = await push(path, "blob:Policies/governor.yaml");
    expect(badContainer.code).toBe(2);
    expect(badContainer.stderr).toContain('"Policies" is not a container name');
    const badStorage = await governor(["policies", "push", path, "--to", "blob:policies/x.yaml", "--storage", "not a setting"]);
    expect(badStorage.code).toBe(2);
    expect(badStorage.stderr).toContain("the storage is neither a connection string");
    expect(badStorage.stderr).not.toContain("not a setting");
  });

  it("a version with a mistake written to the blob directly is not loaded: the last good set stays, the refusal is recorded once", async () => {
    const container = freshContainer();
    const location = `blob:${container}/governor.yaml`;
    const good = pushedEtag((await push(file("direct-good.yaml", PACK_TEXT), location)).stdout);
    const table = `PolicySource${process.pid}`;
    const trail = TableAuditTrail.fromConnectionString(azurite.connectionString, { table });
    const warnings: string[] = [];
    const policies = source(location, { trail: () => trail, log: (level, line) => void (level === "warn" && warnings.push(line)) });
    await policies.current();

    // Bypassing push: the blob written with the SDK, as anyone holding a data role could.
    const badText = withMode(BAD_PACK, "stop-idle-nonprod-vms", "audit");
    const written = await service
      .getContainerClient(container)
      .getBlockBlobClient("governor.yaml")
      .upload(badText, Buffer.byteLength(badText));
    const bad = written.etag as string;
    for (let read = 0; read < 3; read += 1) {
      const set = await policies.current();
      expect(modeOf(set, "stop-idle-nonprod-vms")).toBe("enforce");
      expect(policies.version()).toBe(good);
    }

    const notices = await trail.query({ kind: "notice" });
    expect(notices).toHaveLength(1);
    const [notice] = notices;
    expect(notice).toMatchObject({
      id: `policies:${location}:refused:${bad}`,
      action: "load-policies",
      actor: { type: "governor", id: "governor" },
      details: { location, refusedVersion: bad, keptVersion: good, issueCount: 1 },
    });
    expect(notice?.reason).toContain(`${location} version ${bad} was not loaded: 1 mistake; the policies of version ${good}`);
    expect((notice?.details as { issues: string[] }).issues[0]).toMatch(
      new RegExp(`^${location}:${BAD_LINE}:\\d+: policies\\[3\\]\\.when\\[2\\]\\.over: "72 hours"`),
    );
    expect(warnings).toHaveLength(1);

    // Fixed, the next version loads.
    const fixed = pushedEtag(
      (await push(file("direct-fixed.yaml", withMode(PACK_TEXT, "stop-idle-nonprod-vms", "audit")), location)).stdout,
    );
    expect(modeOf(await policies.current(), "stop-idle-nonprod-vms")).toBe("audit");
    expect(policies.version()).toBe(fixed);
  });

  it("a deleted blob leaves the last good set in force, recorded once", async () => {
    const container = freshContainer();
    const location = `blob:${container}/governor.yaml`;
    const good = pushedEtag((await push(file("deleted.yaml", PACK_TEXT), location)).stdout);
    const table = `PolicyDeleted${process.pid}`;
    const trail = TableAuditTrail.fromConnectionString(azurite.connectionString, { table });
    const policies = source(location, { trail: () => trail });
    await policies.current();
    await service.getContainerClient(container).deleteBlob("governor.yaml");
    expect((await policies.current()).policies).toHaveLength(33);
    expect((await policies.current()).policies).toHaveLength(33);
    const notices = await trail.query({ kind: "notice" });
    expect(notices.map((notice) => notice.id)).toEqual([`policies:${location}:refused:missing-after-${good}`]);
    expect(notices[0]?.reason).toContain("does not exist");
  });

  it("with no good set yet, a blob with a mistake fails the load with every mistake, and a missing blob says so", async () => {
    const container = freshContainer();
    const location = `blob:${container}/governor.yaml`;
    await service.getContainerClient(container).create();
    await service.getContainerClient(container).getBlockBlobClient("governor.yaml").upload(BAD_PACK, Buffer.byteLength(BAD_PACK));
    const error = await source(location)
      .current()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PolicyLoadError);
    expect((error as PolicyLoadError).message).toMatch(new RegExp(`^${location}:${BAD_LINE}:\\d+: policies\\[3\\]\\.when\\[2\\]\\.over`));

    const missing = await source(`blob:${container}/other.yaml`)
      .current()
      .catch((caught: unknown) => caught);
    expect((missing as PolicyLoadError).message).toMatch(
      new RegExp(`^blob:${container}/other.yaml:1:1: cannot read the blob: .*does not exist`),
    );
  });

  it("a package path works as before, and a file rewritten with a mistake keeps the last good set too", async () => {
    const config = loadConfig({ GOVERNOR_SUBSCRIPTION_ID: "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31", GOVERNOR_TASK_HUB: "GovernorTest" });
    expect(config.policyFile).toBe("policies/odoo-distribution.yaml");
    expect((await appPolicies(config, {})).policies).toHaveLength(33);

    const path = file("local.yaml", PACK_TEXT);
    const trail = TableAuditTrail.fromConnectionString(azurite.connectionString, { table: `PolicyFile${process.pid}` });
    const policies = source(path, { trail: () => trail });
    expect(modeOf(await policies.current(), "stop-idle-nonprod-vms")).toBe("enforce");
    writeFileSync(path, `${BAD_PACK}\n`);
    expect(modeOf(await policies.current(), "stop-idle-nonprod-vms")).toBe("enforce");
    expect(await trail.query({ kind: "notice" })).toHaveLength(1);
    writeFileSync(path, withMode(PACK_TEXT, "stop-idle-nonprod-vms", "audit"));
    expect(modeOf(await policies.current(), "stop-idle-nonprod-vms")).toBe("audit");
  });
});

describe("the resourceEvents function deciding from the policies in the blob", () => {
  const TASK_HUB = "GovernorPolicyBlob";
  const KEY = "policy-blob-test-key";
  const LOCATION = "blob:policies/governor.yaml";
  let app: LocalApp;
  let host: LocalHost;
  let dir: string;
  const lines: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "governor-policy-blob-app-"));
    app = await startLocalApp({ workDir: dir, logger: quiet, taskHub: TASK_HUB, blob: true, settings: { GOVERNOR_POLICY_FILE: LOCATION } });
    host = await startLocalHost({
      registrations: await loadEntries(entryFilesIn("functions")),
      runtime: app.runtime,
      taskHub: TASK_HUB,
      functionKey: KEY,
      clock: app.clock,
      timeZone: "Europe/Brussels",
      port: 0,
      logger: { info: (line) => void lines.push(line), warn: (line) => void lines.push(line), error: (line) => void lines.push(line) },
    });
  }, 120_000);
  afterAll(async () => {
    await host?.close();
    await app?.close();
    delete process.env.GOVERNOR_POLICY_FILE;
  });

  const storageId = () =>
    `/subscriptions/${app.sample.subscriptionId}/resourceGroups/rg-odoo-test/providers/Microsoft.Storage/storageAccounts/stodootestexports`;
  /** Microsoft's reference write event on a storage account of the estate, with an id of its own. */
  async function deliverWrite(eventId: string): Promise<void> {
    const events = JSON.parse(
      JSON.stringify(readExample("event-grid/resource-write-success.eventgrid-schema.json"))
        .replaceAll("{subscription-id}", app.sample.subscriptionId)
        .replaceAll("{resource-group}", "rg-odoo-test")
        .replaceAll("{storage-name}", "stodootestexports"),
    ) as Array<Record<string, unknown>>;
    for (const event of events) event.id = eventId;
    const response = await fetch(`${host.url}/runtime/webhooks/eventgrid?functionName=resourceEvents`, {
      method: "POST",
      headers: { "content-type": "application/json", "aeg-event-type": "Notification" },
      body: JSON.stringify(events),
    });
    expect(response.status, await response.text()).toBe(202);
  }
  const pushToApp = async (name: string, text: string): Promise<string> => {
    const path = join(dir, name);
    writeFileSync(path, text);
    const pushed = await governor(["policies", "push", path, "--to", LOCATION, "--storage", app.azurite.connectionString]);
    expect(pushed.code, pushed.stderr).toBe(0);
    return pushedEtag(pushed.stdout);
  };

  it("drops a storage account's write while required-tags is audit-only, acts on it once a push enforces it, and ignores a bad blob", async () => {
    // Only required-tags is enforced for a storage account: in audit mode no enforced policy concerns it.
    await pushToApp("audit.yaml", withMode(PACK_TEXT, "required-tags", "audit"));
    await deliverWrite("policy-blob-1");
    expect(lines.some((line) => line.includes("event policy-blob-1 dropped: no enforced policy is written for storage-account"))).toBe(
      true,
    );

    await pushToApp("enforce.yaml", PACK_TEXT);
    // The app checks the blob at most once a minute, on its (virtual) clock.
    app.clock.advance(61_000);
    await deliverWrite("policy-blob-2");
    const status = await app.runtime.waitForCompletion(checkInstanceId(storageId()), { timeoutMs: 60_000 });
    expect(status.runtimeStatus, JSON.stringify(status.output)).toBe("Completed");

    // A bad version written straight to the blob: the app keeps enforcing, and the trail says why.
    const service = BlobServiceClient.fromConnectionString(app.azurite.connectionString);
    const bad = withMode(BAD_PACK, "required-tags", "audit");
    const written = await service.getContainerClient("policies").getBlockBlobClient("governor.yaml").upload(bad, Buffer.byteLength(bad));
    app.clock.advance(61_000);
    await deliverWrite("policy-blob-3");
    expect(lines.some((line) => line.includes("event policy-blob-3 dropped"))).toBe(false);
    const trail = TableAuditTrail.fromConnectionString(app.azurite.connectionString, { table: "GovernorAudit" });
    const notices = (await trail.query({ kind: "notice" })).filter((notice) => notice.action === "load-policies");
    expect(notices.map((notice) => notice.id)).toEqual([`policies:${LOCATION}:refused:${written.etag}`]);
  }, 180_000);
});
