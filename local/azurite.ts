/**
 * Azurite's Table service as a child process, for the local runtime and the tests: orchestration
 * history and the audit trail live in real Table Storage, as they do in Azure. With `blob`, its
 * Blob service too (a second process on the same folder), for policies kept in a blob. Each
 * listens on 127.0.0.1 on a free port; `close()` ends the processes it started, by pid.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";

/** Azurite's well-known development account (public, documented; not a secret). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface Azurite {
  port: number;
  /** `http://127.0.0.1:<port>/devstoreaccount1` */
  tableEndpoint: string;
  /** With `blob`: `http://127.0.0.1:<blob port>/devstoreaccount1` */
  blobEndpoint?: string;
  /** For `TableClient.fromConnectionString(..., { allowInsecureConnection: true })`; names the blob endpoint too with `blob`. */
  connectionString: string;
  pid: number;
  /** With `blob`: the Blob service's process. */
  blobPid?: number;
  close(): Promise<void>;
}

export interface StartAzuriteOptions {
  /** Folder of Azurite's data; the same folder on a restart keeps the tables. */
  location: string;
  port?: number;
  /** Milliseconds to wait for Azurite to listen. */
  timeoutMs?: number;
  /** Start the Blob service as well. */
  blob?: boolean;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

type Service = "table" | "blob";

function serviceMain(service: Service): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("azurite/package.json")), "dist", "src", service, "main.js");
}

/** What each service prints once it listens. */
const STARTED: Record<Service, string> = { table: "successfully started", blob: "successfully listens" };

export function azuriteConnectionString(port: number, blobPort?: number): string {
  const blob = blobPort === undefined ? "" : `BlobEndpoint=http://127.0.0.1:${blobPort}/${AZURITE_ACCOUNT};`;
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};TableEndpoint=http://127.0.0.1:${port}/${AZURITE_ACCOUNT};${blob}`;
}

function waitForStart(child: ChildProcess, marker: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`Azurite did not start within ${timeoutMs} ms: ${output.trim()}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString("utf8");
      if (output.includes(marker)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with code ${code}: ${output.trim()}`));
    });
  });
}

interface Started {
  port: number;
  pid: number;
  close(): Promise<void>;
}

async function startService(service: Service, options: StartAzuriteOptions, fixedPort: number | undefined): Promise<Started> {
  // Azurite reports the port it was given, not the one it bound: choose a free one first.
  for (let attempt = 1; ; attempt += 1) {
    const port = fixedPort ?? (await freePort());
    const child = spawn(
      process.execPath,
      [
        serviceMain(service),
        `--${service}Host`,
        "127.0.0.1",
        `--${service}Port`,
        String(port),
        "--location",
        options.location,
        "--disableTelemetry",
        "--skipApiVersionCheck",
        "--silent",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      await waitForStart(child, STARTED[service], options.timeoutMs ?? 20_000);
    } catch (error) {
      if (attempt < 3 && fixedPort === undefined) continue;
      throw error;
    }
    const pid = child.pid as number;
    return {
      port,
      pid,
      close: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        // SIGINT lets Azurite save its database before it exits; SIGTERM would lose the last writes.
        try {
          process.kill(pid, "SIGINT");
        } catch (error) {
          // Ctrl-C in a terminal reaches the whole process group: Azurite may have exited on its own already.
          if ((error as NodeJS.ErrnoException).code === "ESRCH") return;
          throw error;
        }
        await exited;
      },
    };
  }
}

export async function startAzurite(options: StartAzuriteOptions): Promise<Azurite> {
  mkdirSync(options.location, { recursive: true });
  const results = await Promise.allSettled([
    startService("table", options, options.port),
    options.blob ? startService("blob", options, undefined) : Promise.resolve(undefined),
  ]);
  const failed = results.find((result) => result.status === "rejected");
  if (failed) {
    // One service that did start must not outlive the failure of the other.
    await Promise.all(results.map(async (result) => (result.status === "fulfilled" ? result.value?.close() : undefined)));
    throw failed.reason;
  }
  const [table, blob] = results.map((result) => (result as PromiseFulfilledResult<Started | undefined>).value) as [
    Started,
    Started | undefined,
  ];
  return {
    port: table.port,
    pid: table.pid,
    tableEndpoint: `http://127.0.0.1:${table.port}/${AZURITE_ACCOUNT}`,
    ...(blob ? { blobEndpoint: `http://127.0.0.1:${blob.port}/${AZURITE_ACCOUNT}`, blobPid: blob.pid } : {}),
    connectionString: azuriteConnectionString(table.port, blob?.port),
    close: async () => {
      await Promise.all([table.close(), blob?.close()]);
    },
  };
}
