/**
 * Server parameters of PostgreSQL flexible servers (their `configurations`): not properties of
 * the server, so Resource Graph does not carry them. Each is read by name, one request per server
 * and parameter, only for the servers a policy asks about, at most the limiter's number at a time.
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { postgresClient } from "../azure/clients.ts";
import { parseResourceId } from "../azure/resourceId.ts";
import type { AzureTarget } from "../azure/target.ts";
import type { InventoryResource, ServerParameterFact } from "../policy/types.ts";
import { createLimiter, type Limiter } from "./concurrency.ts";
import { readFailure } from "./readFailure.ts";

/** By lower-case server id, then the parameter's lower-case name. */
export async function gatherServerParameters(
  target: AzureTarget,
  servers: readonly InventoryResource[],
  names: readonly string[],
  options: { limiter?: Limiter; policies?: readonly PipelinePolicy[]; onRead?: (progress: { done: number; total: number }) => void } = {},
): Promise<Record<string, Record<string, ServerParameterFact>>> {
  const run = options.limiter ?? createLimiter();
  const client = await postgresClient(target);
  for (const policy of options.policies ?? []) client.pipeline.addPolicy(policy, { afterPhase: "Retry" });
  const facts: Record<string, Record<string, ServerParameterFact>> = {};
  const reads = servers.flatMap((server) => names.map((name) => ({ server, name: name.toLowerCase() })));
  let done = 0;
  await Promise.all(
    reads.map(({ server, name }) =>
      run(async () => {
        const { resourceGroup, name: serverName } = parseResourceId(server.id);
        let fact: ServerParameterFact;
        try {
          const configuration = await client.configurations.get(resourceGroup, serverName, name);
          fact =
            configuration.value === undefined
              ? { error: "Azure answered without a value" }
              : { value: configuration.value, ...(configuration.source ? { source: configuration.source } : {}) };
        } catch (error) {
          fact = { error: readFailure(error) };
        }
        (facts[server.id.toLowerCase()] ??= {})[name] = fact;
        done += 1;
        options.onRead?.({ done, total: reads.length });
      }),
    ),
  );
  return facts;
}
