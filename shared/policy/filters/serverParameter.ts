/**
 * `server-parameter`: a server parameter of a PostgreSQL flexible server (one of its
 * `configurations`), with the operators of `value`.
 *
 * ```yaml
 * - server-parameter: ssl_min_protocol_version
 *   versionBelow: 1.2         # TLSv1 and TLSv1.1 are below 1.2
 * - { server-parameter: require_secure_transport, equals: "off" }
 * ```
 *
 * A parameter is a configuration of the server, not a property: Resource Graph does not carry
 * it. It is read by name (one `configurations.get` per server and parameter), and only for the
 * servers a loaded policy asks about (shared/policy/factScope.ts). Its value is as Azure reports
 * it, its default included. Without it, or when it could not be read, the outcome is `unknown`.
 */
import type { FilterDefinition } from "../registry.ts";
import { parseValueTest, testValue, type ValueTest, valueTestProperties } from "./valueTest.ts";

export interface ServerParameterArgs {
  /** As Azure names it, in lower case (PostgreSQL's names are). */
  name: string;
  test: ValueTest;
}

export const serverParameterFilter: FilterDefinition<ServerParameterArgs> = {
  key: "server-parameter",
  summary:
    "A server parameter of a PostgreSQL flexible server (ssl_min_protocol_version), compared as value compares: equals, notEquals, in, notIn, below, above, versionBelow or present.",
  example: "{ server-parameter: ssl_min_protocol_version, versionBelow: 1.2 }",
  appliesTo: ["postgresql-server"],
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["server-parameter"],
    properties: {
      "server-parameter": {
        type: "string",
        pattern: "^[A-Za-z_][A-Za-z0-9_.]*$",
        description: "The parameter's name, as the server's configurations name it: ssl_min_protocol_version.",
      },
      ...valueTestProperties,
    },
  },
  parse(condition) {
    const name = String(condition["server-parameter"]).toLowerCase();
    return { name, test: parseValueTest(condition, `server-parameter "${name}"`) };
  },
  facts(args) {
    return [{ type: "server-parameter", name: args.name }];
  },
  evaluate(resource, args, ctx) {
    const fact = ctx.facts.serverParameters?.[resource.id.toLowerCase()]?.[args.name];
    if (fact === undefined) return { outcome: "unknown", reason: `server parameter ${args.name} of this server was not gathered` };
    if ("error" in fact) return { outcome: "unknown", reason: `server parameter ${args.name} could not be read: ${fact.error}` };
    const result = testValue(`server parameter ${args.name}`, fact.value, args.test);
    return fact.source === undefined ? result : { ...result, reason: `${result.reason}, ${fact.source}` };
  },
};
