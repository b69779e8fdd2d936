/**
 * Who calls the emulator, told by the bearer token, so the events it emits carry the caller's
 * claims as Azure's do: Governor's own managed identity (the token of `emulatorCredential`), a
 * person (`user:<upn>`, from `emulatorUserCredential`), or someone unknown.
 */
import type { TokenCredential } from "@azure/core-auth";
import { stableGuid } from "./json.ts";

/** Governor's managed identity in the emulated tenant; the local app configures the same ids. */
export const GOVERNOR_EMULATOR_IDENTITY = {
  objectId: "5f0e6a3c-8d2b-4e71-9c45-1a7b3d9e6f20",
  appId: "9b7c2d41-3e6f-4a85-b0d9-7e1c5a2f8d36",
  name: "governor-identity",
} as const;

export const GOVERNOR_EMULATOR_TOKEN = "governor-emulator-token";

export interface Caller {
  kind: "governor" | "user" | "unknown";
  objectId: string;
  appId: string;
  name: string;
  upn?: string;
}

export function callerFromAuthorization(authorization: string | undefined): Caller {
  const token = /^Bearer\s+(\S+)/i.exec(authorization ?? "")?.[1] ?? "";
  if (token === GOVERNOR_EMULATOR_TOKEN) return { kind: "governor", ...GOVERNOR_EMULATOR_IDENTITY };
  const user = /^user:(.+@.+)$/.exec(token)?.[1];
  if (user)
    return { kind: "user", objectId: stableGuid(`user:${user}`), appId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46", name: user, upn: user };
  return { kind: "unknown", objectId: stableGuid(`token:${token}`), appId: stableGuid(`app:${token}`), name: "unknown caller" };
}

/** A person's credential for the emulator: their changes raise events with their claims. */
export function emulatorUserCredential(upn: string): TokenCredential {
  return { getToken: async () => ({ token: `user:${upn}`, expiresOnTimestamp: Date.now() + 3_600_000 }) };
}

/** The claims Event Grid puts in `data.claims`, for this caller. */
export function claimsOf(caller: Caller, tenantId: string): Record<string, string> {
  const claims: Record<string, string> = {
    appid: caller.appId,
    name: caller.name,
    "http://schemas.microsoft.com/identity/claims/objectidentifier": caller.objectId,
    "http://schemas.microsoft.com/identity/claims/tenantid": tenantId,
    ver: "1.0",
  };
  if (caller.upn) {
    claims["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"] = caller.upn;
    claims["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"] = caller.upn;
  }
  return claims;
}
