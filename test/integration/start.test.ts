/**
 * `npm start` as a person runs it: a separate process that brings the whole app up, shows the
 * first journey within a minute of its banner (a sweep's findings with their reasons, an approval
 * link, a person's untagged VM tagged from its resource group), serves the Functions routes, and
 * stops cleanly on Ctrl-C: the terminal sends SIGINT to the whole process group, PostgreSQL's
 * writer connections included.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { expect, it } from "vitest";
import { REPO_ROOT } from "../../local/entries.ts";

/** What the first minute must show, each as a line of the terminal. */
const JOURNEY = {
  findings:
    /sweep stop-idle-nonprod-vms found \d+[^\n]*\n(?:[^\n]*\n)*?[^\n]*vm-odoo-dev-01: needs-approval deallocate \([^\n]*CPU average [\d.]+% over 72h < 5%/,
  approvalLink: /open http:\/\/127\.0\.0\.1:\d+\/api\/approvals\/\S+\?token=\S+/,
  personTagged: /vm-odoo-test-maria-01 applied: merged tags .*environment=test/,
} as const;
const FIRST_MINUTE_MS = 60_000;

const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(true));
  });

it("shows the first journey within a minute, serves the app's routes, and stops on a terminal's Ctrl-C with exit code 0", async () => {
  // Its own process group, as a shell gives a foreground job: Ctrl-C signals the whole group.
  const child = spawn(process.execPath, [join(REPO_ROOT, "local/main.ts"), "--port", "0"], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => void (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, until: number, what: string): Promise<void> => {
    while (!pattern.test(output)) {
      if (Date.now() > until || child.exitCode !== null) throw new Error(`npm start did not show ${what}:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  let signalled = false;
  try {
    await waitFor(/Press Ctrl-C to stop/, Date.now() + 120_000, "its banner");
    const banner = Date.now();
    const seconds: Record<string, number> = {};
    for (const [name, pattern] of Object.entries(JOURNEY)) {
      await waitFor(pattern, banner + FIRST_MINUTE_MS, `${name} within a minute of its banner`);
      seconds[name] = (Date.now() - banner) / 1_000;
    }
    console.log(JSON.stringify({ secondsAfterBanner: seconds }));

    const url = /functions\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    const key = /function key\s+(\S+)/.exec(output)?.[1];
    expect(output).toMatch(
      /resourceEvents \[eventGridTrigger\].*budgetAlerts \[httpTrigger\]|budgetAlerts \[httpTrigger\].*resourceEvents \[eventGridTrigger\]/,
    );
    expect(output).toMatch(/--speed 60 runs an hour a minute/);
    const missing = await fetch(`${url}/api/instances/no-such-instance?code=${key}`);
    expect(missing.status).toBe(404);
    const link = JOURNEY.approvalLink.exec(output)?.[0].replace(/^open /, "") as string;
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/Approve/);

    const postgresPort = Number(/postgres: psql-odoo-prod runs on 127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
    expect(await refused(postgresPort)).toBe(false);
    process.kill(-(child.pid as number), "SIGINT");
    signalled = true;
    expect(await exited).toBe(0);
    expect(await refused(postgresPort)).toBe(true);
  } finally {
    if (!signalled) process.kill(-(child.pid as number), "SIGKILL");
  }
  expect(output).toMatch(/SIGINT: finishing the work in hand, then stopping\./);
  expect(output).toMatch(/stopped; workflow history and the audit trail are kept/);
  // No stack trace, no unhandled error event (pg's 57P01 on a writer connection was one).
  expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(output).not.toMatch(/57P01|Unhandled|uncaught/i);
  const workDir = /data in (\S+)/.exec(output)?.[1];
  if (workDir?.startsWith(join(REPO_ROOT, ".governor"))) rmSync(workDir, { recursive: true, force: true });
}, 240_000);
