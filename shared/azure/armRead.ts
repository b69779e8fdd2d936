/**
 * Reading one resource's body through an SDK client as ARM wrote it: the JSON, not the SDK's
 * flattened model (which drops `properties`' nesting), `undefined` for a 404, and the caller's
 * pipeline policies (request counting) on the client.
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";

export type ArmBody = Record<string, unknown>;

export interface ReadOptions {
  /** Added to each client's pipeline once per attempt (request counting). */
  policies?: readonly PipelinePolicy[];
}

const asObject = (value: unknown): ArmBody | undefined =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as ArmBody) : undefined;

function statusCodeOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** `undefined` for a 404 (the resource or its group is gone); every other error is thrown. */
export async function unlessNotFound<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (statusCodeOf(error) === 404) return undefined;
    throw error;
  }
}

export function withPolicies<T extends { pipeline: { addPolicy: (policy: PipelinePolicy, options?: { afterPhase?: "Retry" }) => void } }>(
  client: T,
  options: ReadOptions,
): T {
  for (const policy of options.policies ?? []) client.pipeline.addPolicy(policy, { afterPhase: "Retry" });
  return client;
}

/**
 * The JSON ARM answered, as ARM wrote it: the SDKs' models flatten `properties`, and some SDKs
 * hand `parsedBody` over already deserialised, so the text is parsed here.
 */
export async function rawBody(
  call: (onResponse: (response: { bodyAsText?: string | null; parsedBody?: unknown }) => void) => Promise<unknown>,
): Promise<ArmBody> {
  let body: unknown;
  await call((response) => {
    body = typeof response.bodyAsText === "string" && response.bodyAsText !== "" ? JSON.parse(response.bodyAsText) : response.parsedBody;
  });
  const object = asObject(body);
  if (!object) throw new Error("ARM answered without a JSON body");
  return object;
}
