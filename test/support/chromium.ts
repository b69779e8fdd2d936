/**
 * The browser the page tests drive: Debian's `chromium` (playwright-core brings no browser of its
 * own, and no browser build can be downloaded here). `npm test` runs this file first (`pretest`):
 * a machine without Chromium gets it from apt when the user may install packages, and otherwise
 * the run stops before any test with the one command that installs it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";

export const CHROMIUM_INSTALL_COMMAND = "sudo apt-get update && sudo apt-get install -y chromium";

/** CHROMIUM_PATH when set, else Debian's path. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CHROMIUM_PATH?.trim() || "/usr/bin/chromium";
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function hasCommand(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

/** Makes sure the browser is there; returns a reason when it is not and cannot be installed here. */
export function ensureChromium(log: (line: string) => void = console.log): string | undefined {
  const path = chromiumPath();
  if (executable(path)) return undefined;
  if (process.env.CHROMIUM_PATH?.trim()) return `CHROMIUM_PATH is ${path}, which is not an executable file`;
  const root = process.getuid?.() === 0;
  if (!root || !hasCommand("apt-get")) {
    return `the browser tests need Chromium at ${path}; install it with:\n  ${CHROMIUM_INSTALL_COMMAND}\n(or set CHROMIUM_PATH to another Chromium)`;
  }
  log(`no Chromium at ${path}: installing Debian's chromium package for the browser tests (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  try {
    execFileSync("apt-get", ["update"], { stdio: "inherit", env });
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], { stdio: "inherit", env });
  } catch (error) {
    return `installing chromium with apt-get failed (${(error as Error).message}); install it with:\n  ${CHROMIUM_INSTALL_COMMAND}`;
  }
  return executable(path) ? undefined : `apt-get installed chromium, but ${path} is still missing`;
}

/**
 * Headless Chromium for a page test. As root in a container its sandbox cannot start (the pages are
 * Governor's own); with no network, its background connections only make noise, so they are off.
 */
export async function launchChromium(): Promise<Browser> {
  const path = chromiumPath();
  if (!executable(path))
    throw new Error(`no Chromium at ${path}: ${CHROMIUM_INSTALL_COMMAND} (npm test does it when it may), or set CHROMIUM_PATH`);
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: path,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problem = ensureChromium();
  if (problem !== undefined) {
    console.error(`npm test stopped before the tests: ${problem}`);
    process.exit(1);
  }
}
