/**
 * A database connection to a flexible server as Governor makes it: in Azure to the server's
 * DNS name over TLS, as Governor's database user with a Microsoft Entra token of its managed
 * identity as the password; locally to wherever the emulator says the server's database listens,
 * with the password from the settings.
 */
import pg from "pg";
import type { GovernorConfig } from "../config.ts";
import type { AzureTarget } from "../azure/target.ts";
import { platformOf } from "../platform.ts";

/** The scope of Microsoft Entra tokens for Azure Database for PostgreSQL. */
export const POSTGRES_TOKEN_SCOPE = "https://ossrdbms-aad.database.windows.net/.default";

export interface ServerAddress {
  name: string;
  fullyQualifiedDomainName?: string;
  administratorLogin?: string;
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
  const endpoint = await platformOf(config).database(server);
  if (!endpoint.azure) {
    if (config.drills.dbPassword === undefined) throw new Error("GOVERNOR_DRILL_DB_PASSWORD is not set (the local servers' password)");
    return { ...base, host: endpoint.host, port: endpoint.port, password: config.drills.dbPassword };
  }
  const password =
    config.drills.dbPassword ??
    (async (): Promise<string> => {
      const token = await target.credential.getToken(POSTGRES_TOKEN_SCOPE);
      if (!token) throw new Error("no Microsoft Entra token for Azure Database for PostgreSQL");
      return token.token;
    });
  return { ...base, host: endpoint.host, port: endpoint.port, password, ssl: { rejectUnauthorized: true } };
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
