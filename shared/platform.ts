/**
 * Where the app runs: Azure, or the local emulator that stands in for it. A port with two
 * implementations, chosen once from the settings where the app is wired (`platformOf`); the
 * activities and triggers ask the platform and never branch on the settings themselves.
 *
 * The emulator implementation only points at an endpoint the local settings name and trusts its
 * CA: none of the emulator's code is part of the app.
 */
import type { GovernorConfig } from "./config.ts";
import { type AzureTarget, azureTarget, emulatorTarget } from "./azure/target.ts";
import type { ServerAddress } from "./drills/connect.ts";
import { DEFAULT_RETRY, type RetryOptions } from "./notifications/channels.ts";
import type { RemediationOptions } from "./remediation/executor.ts";

/** Where a flexible server's databases listen, and how Governor proves who it is there. */
export interface DatabaseEndpoint {
  host: string;
  port: number;
  /** In Azure: TLS with the public CAs, and a Microsoft Entra token of the app's identity as the password. */
  azure: boolean;
}

export interface Platform {
  /** Where the SDK clients point, with the credential and the trust they use. */
  target(subscriptionId: string): Promise<AzureTarget>;
  /** The CA of services Governor reaches with its own HTTPS clients (email), when not the public ones. */
  tlsCa?: string;
  /** Interval of the operation polls Governor makes when the service sends no `Retry-After`; absent: the SDK's default. */
  pollIntervalMs?: number;
  /** Pace of changes' retries and polls; absent: Governor's defaults, Azure's `Retry-After` deciding. */
  remediation?: RemediationOptions;
  /** Attempts and backoff of each notification channel. */
  notificationRetry: RetryOptions;
  /** Where a server's databases listen. */
  database(server: ServerAddress): Promise<DatabaseEndpoint>;
  /** The address a drill server's firewall opens when GOVERNOR_OUTBOUND_IP is not set; absent: none. */
  defaultOutboundIp?: string;
  /** Whether an approval link that no channel carried is printed (locally, where a person reads the console). */
  printsUnsentApprovalLinks: boolean;
}

const azure: Platform = {
  target: (subscriptionId) => azureTarget(subscriptionId),
  notificationRetry: DEFAULT_RETRY,
  async database(server) {
    if (!server.fullyQualifiedDomainName) throw new Error(`server ${server.name} has no DNS name yet`);
    return { host: server.fullyQualifiedDomainName, port: 5432, azure: true };
  },
  printsUnsentApprovalLinks: false,
};

/** The emulator: its clock is virtual and its faults cost no time to recover from, so everything polls and retries sooner. */
function emulatorPlatform(emulator: NonNullable<GovernorConfig["emulator"]>): Platform {
  return {
    // Retry-After is still honoured: only the backoff Governor chooses itself is shorter.
    target: async (subscriptionId) =>
      emulatorTarget({ url: emulator.armEndpoint, ca: emulator.ca }, subscriptionId, {
        retryOptions: { retryDelayInMs: 100, maxRetryDelayInMs: 1_000 },
      }),
    tlsCa: emulator.ca,
    pollIntervalMs: 50,
    remediation: { pollIntervalMs: 50, retryDelayMs: 200, maxRetryDelayMs: 2_000 },
    notificationRetry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 },
    async database(server) {
      const { host, port } = await emulatedDatabase(emulator, server.name);
      return { host, port, azure: false };
    },
    defaultOutboundIp: "127.0.0.1",
    printsUnsentApprovalLinks: true,
  };
}

/** The platform the settings name: the emulator when the local settings point at one, Azure otherwise. */
export function platformOf(config: Pick<GovernorConfig, "emulator">): Platform {
  return config.emulator ? emulatorPlatform(config.emulator) : azure;
}

/** Where the emulator runs a server's database (a local PostgreSQL it started for it). */
async function emulatedDatabase(emulator: { armEndpoint: string; ca: string }, name: string): Promise<{ host: string; port: number }> {
  const { request } = await import("node:https");
  const url = `${emulator.armEndpoint}/_emulator/postgres/${encodeURIComponent(name)}`;
  const answer = await new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const req = request(url, { ca: emulator.ca, method: "GET", timeout: 10_000 }, (response) => {
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
  const address = answer.body as { host?: string; port?: number } | undefined;
  if (answer.status !== 200 || !address?.host || !address.port) throw new Error(`no database runs behind ${name} in the emulator`);
  return { host: address.host, port: address.port };
}
