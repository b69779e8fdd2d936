/**
 * Approval links carry a signed token: `<payload>.<signature>`, both base64url, the signature an
 * HMAC-SHA256 of the payload text with the app's approval key. The payload binds the token to one
 * approval instance, to the hash of the exact plan it shows, to an expiry, and names it (`jti`)
 * so the decision endpoint can refuse it once used. Verification is pure: the caller passes the
 * time and the instance's current plan hash; single use is the token store's concern.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export interface TokenClaims {
  /** Token id, unique per request round: what single use is recorded against. */
  jti: string;
  /** The approval orchestration instance the token decides on. */
  instanceId: string;
  /** Hash of the plan the token was issued for (see plan.ts). */
  planHash: string;
  /** Expiry, ms since the epoch. */
  exp: number;
}

export type TokenProblem =
  | { code: "malformed"; reason: string }
  | { code: "bad-signature"; reason: string }
  | { code: "expired"; reason: string }
  | { code: "wrong-instance"; reason: string }
  | { code: "wrong-plan"; reason: string };

/** Keys shorter than this are refused at start: an HMAC key should carry at least 256 bits. */
export const MIN_KEY_LENGTH = 32;

const VERSION = 1;

function sign(key: string, payload: string): Buffer {
  return createHmac("sha256", key).update(payload, "utf8").digest();
}

export function signToken(claims: TokenClaims, key: string): string {
  if (key.length < MIN_KEY_LENGTH) throw new Error(`the approval key must be at least ${MIN_KEY_LENGTH} characters`);
  const payload = Buffer.from(JSON.stringify({ v: VERSION, ...claims }), "utf8").toString("base64url");
  return `${payload}.${sign(key, payload).toString("base64url")}`;
}

/** Reads a token's claims after checking its signature, without deciding anything else. */
export function readToken(token: string, key: string): { claims: TokenClaims } | { problem: TokenProblem } {
  const parts = token.split(".");
  if (parts.length !== 2 || !/^[A-Za-z0-9_-]+$/.test(parts[0] ?? "") || !/^[A-Za-z0-9_-]+$/.test(parts[1] ?? "")) {
    return { problem: { code: "malformed", reason: "the token is not <payload>.<signature> in base64url" } };
  }
  const [payload = "", signature = ""] = parts;
  const expected = sign(key, payload);
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { problem: { code: "bad-signature", reason: "the token's signature does not match: it was altered or not issued by Governor" } };
  }
  let claims: Partial<TokenClaims> & { v?: number };
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Partial<TokenClaims> & { v?: number };
  } catch {
    return { problem: { code: "malformed", reason: "the token's payload is not JSON" } };
  }
  if (
    claims.v !== VERSION ||
    typeof claims.jti !== "string" ||
    typeof claims.instanceId !== "string" ||
    typeof claims.planHash !== "string" ||
    typeof claims.exp !== "number"
  ) {
    return { problem: { code: "malformed", reason: "the token's payload lacks its version, id, instance, plan hash or expiry" } };
  }
  return { claims: { jti: claims.jti, instanceId: claims.instanceId, planHash: claims.planHash, exp: claims.exp } };
}

/**
 * Checks a token for one instance at a time: signature, expiry, instance, and (when the instance's
 * current plan is known) the plan hash. The first problem found is returned.
 */
export function verifyToken(
  token: string,
  key: string,
  expected: { instanceId: string; planHash?: string; now: Date },
): { claims: TokenClaims } | { problem: TokenProblem } {
  const read = readToken(token, key);
  if ("problem" in read) return read;
  const { claims } = read;
  if (claims.instanceId !== expected.instanceId) {
    return { problem: { code: "wrong-instance", reason: `the token was issued for another approval, not ${expected.instanceId}` } };
  }
  if (claims.exp <= expected.now.getTime()) {
    return { problem: { code: "expired", reason: `the token expired at ${new Date(claims.exp).toISOString()}` } };
  }
  if (expected.planHash !== undefined && claims.planHash !== expected.planHash) {
    return {
      problem: {
        code: "wrong-plan",
        reason: "the plan changed since this link was sent: the token approves another plan; a new request carries a new link",
      },
    };
  }
  return { claims };
}
