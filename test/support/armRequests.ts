/**
 * Tenant-level ARM reads (management groups, the subscriptions list) through the Azure SDK's own
 * pipeline: neither @azure/arm-managementgroups nor @azure/arm-resources-subscriptions is a
 * dependency, so requests go through @azure/core-client's ServiceClient with the bearer token
 * policy, TLS trust and retries every generated client has.
 */
import { ServiceClient } from "@azure/core-client";
import { createPipelineRequest } from "@azure/core-rest-pipeline";
import type { AzureTarget } from "../../shared/azure/target.ts";

export interface ArmAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface ArmReader {
  /** GETs a path (with its query) below the ARM endpoint, or an absolute URL such as a nextLink. */
  get(pathOrUrl: string): Promise<ArmAnswer>;
}

export function armReader(target: AzureTarget): ArmReader {
  const client = new ServiceClient({
    endpoint: target.armEndpoint,
    credential: target.credential,
    credentialScopes: `${target.armEndpoint}/.default`,
    ...target.clientOptions,
  });
  return {
    async get(pathOrUrl) {
      const url = new URL(pathOrUrl, target.armEndpoint).toString();
      const response = await client.sendRequest(createPipelineRequest({ url, method: "GET" }));
      const text = response.bodyAsText ?? "";
      return { status: response.status, headers: response.headers.toJSON(), body: text === "" ? undefined : (JSON.parse(text) as unknown) };
    },
  };
}
