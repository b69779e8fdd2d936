import { describe, expect, it } from "vitest";
import { serverParameterFilter } from "../../../../shared/policy/filters/serverParameter.ts";
import type { ServerParameterFact } from "../../../../shared/policy/types.ts";
import { check, condition, context, resource } from "../support.ts";

const TLS_BELOW = "{ server-parameter: ssl_min_protocol_version, versionBelow: 1.2 }";

describe("server-parameter filter", () => {
  const server = resource({ kind: "postgresql-server", name: "psql-odoo-dev" });
  const withParameter = (fact: ServerParameterFact, name = "ssl_min_protocol_version") =>
    context({ resources: [server], facts: { serverParameters: { [server.id.toLowerCase()]: { [name]: fact } } } });

  it("1. matches a server that accepts TLS 1.0, naming the value and who set it", () => {
    expect(check(serverParameterFilter, TLS_BELOW, server, withParameter({ value: "TLSv1", source: "user-override" }))).toEqual({
      outcome: "match",
      reason: "server parameter ssl_min_protocol_version = TLSv1 (version 1.0 < 1.2), user-override",
    });
  });

  it("2. matches TLS 1.1, and any value operator of value's", () => {
    expect(check(serverParameterFilter, TLS_BELOW, server, withParameter({ value: "TLSv1.1" })).outcome).toBe("match");
    expect(
      check(
        serverParameterFilter,
        '{ server-parameter: require_secure_transport, equals: "off" }',
        server,
        withParameter({ value: "off" }, "require_secure_transport"),
      ),
    ).toEqual({ outcome: "match", reason: "server parameter require_secure_transport = off" });
  });

  it("compliant: Azure's default TLSv1.2 is not below 1.2", () => {
    expect(check(serverParameterFilter, TLS_BELOW, server, withParameter({ value: "TLSv1.2", source: "system-default" }))).toEqual({
      outcome: "no-match",
      reason: "server parameter ssl_min_protocol_version = TLSv1.2 (version 1.2 ≥ 1.2), system-default",
    });
  });

  it("is unknown when the parameter was not gathered or could not be read", () => {
    expect(check(serverParameterFilter, TLS_BELOW, server)).toEqual({
      outcome: "unknown",
      reason: "server parameter ssl_min_protocol_version of this server was not gathered",
    });
    expect(check(serverParameterFilter, TLS_BELOW, server, withParameter({ error: "ServerStopped (HTTP 409)" })).reason).toBe(
      "server parameter ssl_min_protocol_version could not be read: ServerStopped (HTTP 409)",
    );
  });

  it("asks inventory for the parameter by its lower-case name, and needs one operator", () => {
    const args = condition(serverParameterFilter, "{ server-parameter: SSL_Min_Protocol_Version, versionBelow: 1.2 }");
    expect(serverParameterFilter.facts?.(args, "postgresql-server")).toEqual([
      { type: "server-parameter", name: "ssl_min_protocol_version" },
    ]);
    expect(() => condition(serverParameterFilter, "{ server-parameter: ssl_min_protocol_version }")).toThrow("needs one of");
  });
});
