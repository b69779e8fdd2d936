/**
 * Where Governor's Azure clients point: the real Azure (with `DefaultAzureCredential`) or the
 * emulator (its URL, its CA and a static token). The same code runs against either.
 */
import type { TokenCredential } from "@azure/core-auth";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";

export interface AzureTarget {
  subscriptionId: string;
  credential: TokenCredential;
  /** ARM endpoint; `https://management.azure.com` in Azure. */
  armEndpoint: string;
  /** Batch metrics endpoint for a region; in Azure `https://{region}.metrics.monitor.azure.com`. */
  metricsEndpoint: (region: string) => string;
  /** Options every SDK client receives (TLS trust for the emulator, retry settings). */
  clientOptions: AzureClientOptions;
}

export interface AzureClientOptions {
  tlsOptions?: { ca: string };
  retryOptions?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
  /** Pipeline policies every client adds (the remediation's ARM pacer, per retry). */
  additionalPolicies?: Array<{ policy: PipelinePolicy; position: "perCall" | "perRetry" }>;
}

/** A credential for the emulator, which accepts any bearer token: no identity is involved. */
export const emulatorCredential: TokenCredential = {
  // The emulator recognises this token as Governor's own managed identity (emulator/identity.ts).
  getToken: async () => ({ token: "governor-emulator-token", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

export function emulatorTarget(
  emulator: { url: string; ca: string },
  subscriptionId: string,
  clientOptions: AzureClientOptions = {},
): AzureTarget {
  return {
    subscriptionId,
    credential: emulatorCredential,
    armEndpoint: emulator.url,
    metricsEndpoint: () => emulator.url,
    clientOptions: { ...clientOptions, tlsOptions: { ca: emulator.ca } },
  };
}

export async function azureTarget(subscriptionId: string): Promise<AzureTarget> {
  // Loaded lazily: identity pulls in MSAL, which the emulator path never needs.
  const { DefaultAzureCredential } = await import("@azure/identity");
  return {
    subscriptionId,
    credential: new DefaultAzureCredential(),
    armEndpoint: "https://management.azure.com",
    metricsEndpoint: (region) => `https://${region.toLowerCase()}.metrics.monitor.azure.com`,
    clientOptions: {},
  };
}
