/**
 * `npm start` as a person runs it: a separate process that brings the whole app up, serves the
 * Functions routes until it is stopped, and stops cleanly on Ctrl-C (SIGINT).
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { REPO_ROOT } from "../../shared/runtime/entries.ts";

it("runs until stopped: serves the app's routes, then stops on SIGINT with exit code 0", async () => {
  const child = spawn(process.execPath, [join(REPO_ROOT, "shared/runtime/main.ts"), "--port", "0", "--speed", "60"], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => void (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    const deadline = Date.now() + 90_000;
    while (!/Press Ctrl-C to stop/.test(output)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`npm start did not come up:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const url = /functions\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    const key = /function key\s+(\S+)/.exec(output)?.[1];
    expect(output).toMatch(
      /resourceEvents \[eventGridTrigger\].*budgetAlerts \[httpTrigger\]|budgetAlerts \[httpTrigger\].*resourceEvents \[eventGridTrigger\]/,
    );
    const missing = await fetch(`${url}/api/instances/no-such-instance?code=${key}`);
    expect(missing.status).toBe(404);
    const handshake = await fetch(`${url}/runtime/webhooks/eventgrid?functionName=resourceEvents`, {
      method: "POST",
      headers: { "content-type": "application/json", "aeg-event-type": "SubscriptionValidation" },
      body: JSON.stringify([
        {
          id: "1",
          topic: "/subscriptions/x",
          subject: "",
          eventType: "Microsoft.EventGrid.SubscriptionValidationEvent",
          eventTime: "2026-11-23T19:30:00Z",
          data: { validationCode: "code-1" },
          dataVersion: "1",
        },
      ]),
    });
    expect(await handshake.json()).toEqual({ validationResponse: "code-1" });
  } finally {
    child.kill("SIGINT");
  }
  expect(await exited).toBe(0);
  expect(output).toMatch(/SIGINT: finishing the work in hand, then stopping\./);
  expect(output).toMatch(/stopped; workflow history and the audit trail are kept/);
  const workDir = /data in (\S+)/.exec(output)?.[1];
  if (workDir?.startsWith(join(REPO_ROOT, ".governor"))) rmSync(workDir, { recursive: true, force: true });
}, 150_000);
