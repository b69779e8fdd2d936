/**
 * The local host serves the routes the Functions host serves: the Event Grid webhook with its
 * validation handshake, HTTP functions with their function keys, and the Durable client's calls
 * (df.getClient in a function) answered by the local runtime.
 */
import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VirtualClock } from "../../emulator/clock.ts";
import { startAzurite, type Azurite } from "../../local/azurite.ts";
import { captureRegistrations, DurableStore, LocalDurableRuntime, type Registration } from "../../local/durable/index.ts";
import { type LocalHost, startLocalHost } from "../../local/host.ts";

const EXAMPLES = new URL("../fixtures/azure-examples/event-grid/", import.meta.url);
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
let azurite: Azurite;
let runtime: LocalDurableRuntime;
let host: LocalHost;
let received: unknown[];
let ticks: string[];
let clock: VirtualClock;

beforeAll(async () => {
  const workDir = mkdtempSync(join(tmpdir(), "governor-host-"));
  azurite = await startAzurite({ location: join(workDir, "azurite") });
  let fixture: { received: unknown[]; ticks: string[] } | undefined;
  const registrations: Registration[] = await captureRegistrations(async () => {
    fixture = await import("../fixtures/host/functions.ts");
  });
  received = fixture?.received ?? [];
  ticks = fixture?.ticks ?? [];
  clock = new VirtualClock("2026-11-23T19:30:00Z");
  runtime = new LocalDurableRuntime({
    registrations,
    store: await DurableStore.open({ connectionString: azurite.connectionString, taskHub: "HostTest" }),
    clock,
    logger: quiet,
  });
  await runtime.start();
  host = await startLocalHost({
    registrations,
    runtime,
    taskHub: "HostTest",
    functionKey: "secret-key",
    clock,
    timeZone: "Europe/Brussels",
    port: 0,
    logger: quiet,
  });
}, 60_000);
afterAll(async () => {
  await host.close();
  await runtime.stop();
  await azurite.close();
});

const post = (path: string, body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
  fetch(`${host.url}${path}`, { method: "POST", headers, body });

describe("the Event Grid webhook", () => {
  it("answers the subscription validation handshake as Azure documents it", async () => {
    const response = await post(
      "/runtime/webhooks/eventgrid?functionName=fixtureEvents",
      readFileSync(new URL("subscription-validation-event.json", EXAMPLES), "utf8"),
    );
    expect(response.status).toBe(200);
    const expected = JSON.parse(readFileSync(new URL("subscription-validation-response.json", EXAMPLES), "utf8")) as unknown;
    expect(await response.json()).toEqual(expected);
  });

  it("invokes the function once per event of a delivery", async () => {
    const before = received.length;
    const response = await post(
      "/runtime/webhooks/eventgrid?functionName=fixtureEvents",
      readFileSync(new URL("resource-write-success.eventgrid-schema.json", EXAMPLES), "utf8"),
    );
    // As the Functions host answers a delivery its function handled.
    expect(response.status).toBe(202);
    expect(received.length - before).toBe(1);
  });

  it("answers 500 when the function throws, as the Functions host does, so Event Grid delivers again; the other events still run", async () => {
    const events = JSON.parse(readFileSync(new URL("resource-write-success.eventgrid-schema.json", EXAMPLES), "utf8")) as Array<
      Record<string, unknown>
    >;
    const good = events[0] as Record<string, unknown>;
    const delivery = [
      { ...good, id: "fails", subject: "fail" },
      { ...good, id: "after-the-failure" },
    ];
    const before = received.length;
    const response = await post("/runtime/webhooks/eventgrid?functionName=fixtureFailingEvents", JSON.stringify(delivery));
    expect(response.status).toBe(500);
    expect(await response.text()).toContain("could not handle fails");
    // The host invokes every event of the delivery before it answers.
    expect(received.slice(before).map((event) => (event as { id: string }).id)).toEqual(["after-the-failure"]);
  });

  it("refuses malformed JSON, a wrong content type and an oversized body, and invokes nothing", async () => {
    const before = received.length;
    expect((await post("/runtime/webhooks/eventgrid?functionName=fixtureEvents", "[{")).status).toBe(400);
    expect((await post("/runtime/webhooks/eventgrid?functionName=fixtureEvents", "[]", { "content-type": "text/plain" })).status).toBe(415);
    expect((await post("/runtime/webhooks/eventgrid?functionName=fixtureEvents", `[${"x".repeat(1_100_000)}]`)).status).toBe(413);
    expect(received.length).toBe(before);
  });
});

describe("HTTP functions and the Durable client", () => {
  it("requires the function key where the function says so", async () => {
    expect((await post("/api/fixture/a", JSON.stringify({ value: 2 }))).status).toBe(401);
    expect((await post("/api/fixture/a?code=wrong", JSON.stringify({ value: 2 }))).status).toBe(401);
  });

  it("starts an orchestration through df.getClient and reads its status back", async () => {
    const response = await post("/api/fixture/b?code=secret-key", JSON.stringify({ value: 21 }));
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ id: "fixture-b" });
    await runtime.waitForCompletion("fixture-b", { timeoutMs: 30_000 });
    const status = await fetch(`${host.url}/api/fixture/b`);
    expect(await status.json()).toEqual({ runtimeStatus: "Completed", output: 42 });
  });

  it("answers 404 for a route no function serves", async () => {
    expect((await fetch(`${host.url}/api/nothing-here`)).status).toBe(404);
  });
});

describe("timer functions", () => {
  it("fire at their NCRONTAB occurrences as the virtual clock passes them, in the app's time zone", async () => {
    expect(ticks).toEqual([]);
    clock.set("2026-11-23T23:30:00Z"); // 00:30 in Brussels: the 00:00 occurrence has passed
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The first run ever has no last occurrence; the next is 06:00 in Brussels.
    expect(ticks).toEqual(["last none, next 2026-11-24T05:00:00.000Z"]);
    expect(host.timerRuns.get("fixtureTimer")).toBe(1);
    clock.set("2026-11-24T05:30:00Z");
    await new Promise((resolve) => setTimeout(resolve, 50));
    // As the Functions host keeps it: `last` is the occurrence the previous run fired for.
    expect(ticks.at(-1)).toBe("last 2026-11-23T23:00:00.000Z, next 2026-11-24T11:00:00.000Z");
    expect(host.timerRuns.get("fixtureTimer")).toBe(2);
  });
});
