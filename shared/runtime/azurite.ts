/**
 * Azurite's Table service as a child process, for the local runtime and the tests: orchestration
 * history and the audit trail live in real Table Storage, as they do in Azure. Listens on
 * 127.0.0.1 on a free port; `close()` ends the process it started, by pid.
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
  /** For `TableClient.fromConnectionString(..., { allowInsecureConnection: true })`. */
  connectionString: string;
  pid: number;
  close(): Promise<void>;
}

export interface StartAzuriteOptions {
  /** Folder of Azurite's data; the same folder on a restart keeps the tables. */
  location: string;
  port?: number;
  /** Milliseconds to wait for Azurite to listen. */
  timeoutMs?: number;
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

function tableMain(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("azurite/package.json")), "dist", "src", "table", "main.js");
}

export function azuriteConnectionString(port: number): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};TableEndpoint=http://127.0.0.1:${port}/${AZURITE_ACCOUNT};`;
}

function waitForStart(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`Azurite did not start within ${timeoutMs} ms: ${output.trim()}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString("utf8");
      if (output.includes("successfully started")) {
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

export async function startAzurite(options: StartAzuriteOptions): Promise<Azurite> {
  mkdirSync(options.location, { recursive: true });
  // Azurite reports the port it was given, not the one it bound: choose a free one first.
  for (let attempt = 1; ; attempt += 1) {
    const port = options.port ?? (await freePort());
    const child = spawn(
      process.execPath,
      [
        tableMain(),
        "--tableHost",
        "127.0.0.1",
        "--tablePort",
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
      await waitForStart(child, options.timeoutMs ?? 20_000);
    } catch (error) {
      if (attempt < 3 && options.port === undefined) continue;
      throw error;
    }
    const pid = child.pid as number;
    return {
      port,
      pid,
      tableEndpoint: `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`,
      connectionString: azuriteConnectionString(port),
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
