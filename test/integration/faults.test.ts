/**
 * Fault injection and throttling, seen through the real SDK: its retry policy honours
 * Retry-After on 429, retries 5xx and dropped connections, and the emulator's request log
 * counts every attempt.
 */
import { ResourceManagementClient } from "@azure/arm-resources";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/server.ts";
import { emulatorTarget } from "../../shared/azure/target.ts";
import { rawRequest } from "../support/http.ts";

let emulator: Emulator;
let client: ResourceManagementClient;

beforeAll(async () => {
  emulator = await startEmulator({
    estate: { resourceGroups: [{ name: "rg-odoo-dev", location: "westeurope" }], resources: [] },
    throttle: false,
  });
  const target = emulatorTarget(emulator, emulator.core.subscriptionId, { retryOptions: { retryDelayInMs: 50, maxRetryDelayInMs: 200 } });
  client = new ResourceManagementClient(target.credential, target.subscriptionId, {
    endpoint: target.armEndpoint,
    ...target.clientOptions,
  });
});
afterAll(async () => emulator.close());
afterEach(() => {
  emulator.core.faults.clear();
  emulator.core.throttle.configure(undefined);
});

describe("fault injection through the real SDK", () => {
  it("the SDK waits for Retry-After on 429 and the request log counts each retry", async () => {
    emulator.core.faults.add({ route: "resourceGroups.get", rate429: 1, maxFaults: 2, retryAfterSeconds: 1 });
    const mark = emulator.core.log.mark;

    const group = await client.resourceGroups.get("rg-odoo-dev");

    expect(group.name).toBe("rg-odoo-dev");
    const attempts = emulator.core.log.entries({ since: mark, route: "resourceGroups.get" });
    expect(attempts.map((entry) => entry.status)).toEqual([429, 429, 200]);
    expect(attempts.filter((entry) => entry.fault === "fault:429")).toHaveLength(2);
    // Each retry came no sooner than the Retry-After the emulator asked for (1 s).
    for (let i = 1; i < attempts.length; i += 1) {
      expect((attempts[i]?.atMs ?? 0) - (attempts[i - 1]?.atMs ?? 0)).toBeGreaterThanOrEqual(950);
    }
  });

  it("the SDK retries a 503 and a dropped connection, then succeeds", async () => {
    emulator.core.faults.add({ route: "resourceGroups.list", rate5xx: 1, maxFaults: 1 });
    emulator.core.faults.add({ route: "resourceGroups.list", dropRate: 1, maxFaults: 1 });
    const mark = emulator.core.log.mark;

    const names: string[] = [];
    for await (const group of client.resourceGroups.list()) names.push(group.name as string);

    expect(names).toEqual(["rg-odoo-dev"]);
    const attempts = emulator.core.log.entries({ since: mark, route: "resourceGroups.list" });
    expect(attempts.map((entry) => entry.fault ?? String(entry.status))).toEqual(["fault:503", "fault:drop", "200"]);
  });

  it("gives up after the SDK's retries when a route keeps failing, with the ARM error surfaced", async () => {
    emulator.core.faults.add({ route: "resourceGroups.get", rate5xx: 1, status5xx: 500 });
    const target = emulatorTarget(emulator, emulator.core.subscriptionId, {
      retryOptions: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 20 },
    });
    const impatient = new ResourceManagementClient(target.credential, target.subscriptionId, {
      endpoint: target.armEndpoint,
      ...target.clientOptions,
    });
    const mark = emulator.core.log.mark;

    await expect(impatient.resourceGroups.get("rg-odoo-dev")).rejects.toMatchObject({ statusCode: 500 });
    expect(emulator.core.log.entries({ since: mark, route: "resourceGroups.get" })).toHaveLength(3);
  });

  it("latency is added to matching routes only", async () => {
    emulator.core.faults.add({ route: "resourceGroups.get", latencyMs: 120 });
    const mark = emulator.core.log.mark;
    await client.resourceGroups.get("rg-odoo-dev");
    await client.resourceGroups.checkExistence("rg-odoo-dev");
    const [get, head] = emulator.core.log.entries({ since: mark });
    expect(get?.durationMs).toBeGreaterThanOrEqual(115);
    expect(head?.route).toBe("resourceGroups.checkExistence");
    expect(head?.durationMs).toBeLessThan(get?.durationMs ?? 0);
  });
});

describe("ARM-like throttling", () => {
  it("empties the subscription's read bucket, answers 429 with Retry-After and the remaining-reads header, and the SDK recovers", async () => {
    emulator.core.throttle.configure({
      read: { capacity: 3, refillPerSecond: 1 },
      write: { capacity: 3, refillPerSecond: 1 },
      delete: { capacity: 3, refillPerSecond: 1 },
    });
    const path = `/subscriptions/${emulator.core.subscriptionId}/resourcegroups/rg-odoo-dev?api-version=2025-04-01`;
    const remaining: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const answer = await rawRequest(emulator, "GET", path);
      expect(answer.status).toBe(200);
      remaining.push(String(answer.headers["x-ms-ratelimit-remaining-subscription-reads"]));
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    const throttled = await rawRequest(emulator, "GET", path);
    expect(throttled.status).toBe(429);
    expect(throttled.body).toMatchObject({ error: { code: "TooManyRequests" } });
    expect(Number(throttled.headers["retry-after"])).toBeGreaterThanOrEqual(1);

    const mark = emulator.core.log.mark;
    const group = await client.resourceGroups.get("rg-odoo-dev");
    expect(group.name).toBe("rg-odoo-dev");
    const attempts = emulator.core.log.entries({ since: mark });
    expect(attempts.at(-1)?.status).toBe(200);
  });
});
