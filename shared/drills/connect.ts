/**
 * A database connection to a flexible server as Governor makes it: in Azure to the server's
 * DNS name over TLS, as Governor's database user with a Microsoft Entra token of its managed
 * identity as the password; locally to wherever the emulator says the server's database listens,
 * with the password from the settings.
 */
import { request } from "node:https";
import pg from "pg";
import type { GovernorConfig } from "../config.ts";
import type { AzureTarget } from "../azure/target.ts";

/** The scope of Microsoft Entra tokens for Azure Database for PostgreSQL. */
export const POSTGRES_TOKEN_SCOPE = "https://ossrdbms-aad.database.windows.net/.default";

export interface ServerAddress {
  name: string;
  fullyQualifiedDomainName?: string;
  administratorLogin?: string;
}

function getJson(url: string, ca: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, method: "GET", timeout: 10_000 }, (response) => {
      let text = "";
      response.on("data", (chunk: Buffer) => (text += chunk.toString()));
      response.on("end", () => {
        try {
          resolve({ status: response.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : undefined });
        } catch {
          reject(new Error(`${url} answered ${response.statusCode ?? 0} with something that is not JSON`));
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url}`)));
    req.on("error", reject);
    req.end();
  });
}

/** The client configuration for a server's database (not yet connected). */
export async function connectionConfig(
  config: Pick<GovernorConfig, "emulator" | "drills">,
  target: AzureTarget,
  server: ServerAddress,
  database: string,
): Promise<pg.ClientConfig> {
  const user = config.drills.dbUser ?? server.administratorLogin;
  if (!user) throw new Error(`no database user for ${server.name}: set GOVERNOR_DRILL_DB_USER`);
  const base: pg.ClientConfig = { user, database, connectionTimeoutMillis: 30_000 };
  if (config.emulator) {
    const answer = await getJson(
      `${config.emulator.armEndpoint}/_emulator/postgres/${encodeURIComponent(server.name)}`,
      config.emulator.ca,
    );
    const address = answer.body as { host?: string; port?: number } | undefined;
    if (answer.status !== 200 || !address?.host || !address.port) throw new Error(`no database runs behind ${server.name} in the emulator`);
    if (config.drills.dbPassword === undefined) throw new Error("GOVERNOR_DRILL_DB_PASSWORD is not set (the local servers' password)");
    return { ...base, host: address.host, port: address.port, password: config.drills.dbPassword };
  }
  if (!server.fullyQualifiedDomainName) throw new Error(`server ${server.name} has no DNS name yet`);
  const password =
    config.drills.dbPassword ??
    (async (): Promise<string> => {
      const token = await target.credential.getToken(POSTGRES_TOKEN_SCOPE);
      if (!token) throw new Error("no Microsoft Entra token for Azure Database for PostgreSQL");
      return token.token;
    });
  return { ...base, host: server.fullyQualifiedDomainName, port: 5432, password, ssl: { rejectUnauthorized: true } };
}

/** Connects, runs `use`, and always closes the connection. */
export async function withDatabase<T>(clientConfig: pg.ClientConfig, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(clientConfig);
  // A server dropping the connection mid-drill must fail the query, not crash the process.
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
