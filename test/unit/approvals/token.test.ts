/** Signed approval tokens: what each check refuses, with nothing but the token, the key and the time. */
import { describe, expect, it } from "vitest";
import { readToken, signToken, type TokenClaims, verifyToken } from "../../../shared/approvals/token.ts";

const KEY = "k".repeat(32);
const NOW = new Date("2026-11-23T19:00:00Z");
const CLAIMS: TokenClaims = {
  jti: "7d1c",
  instanceId: "remediate:stop-idle-nonprod-vms:x:approval",
  planHash: "hash-a",
  exp: NOW.getTime() + 60_000,
};
const expected = { instanceId: CLAIMS.instanceId, planHash: "hash-a", now: NOW };
const problem = (result: ReturnType<typeof verifyToken>) => ("problem" in result ? result.problem.code : "accepted");

describe("approval tokens", () => {
  it("a token Governor signed is accepted for its instance and plan until it expires", () => {
    expect(verifyToken(signToken(CLAIMS, KEY), KEY, expected)).toEqual({ claims: CLAIMS });
  });

  it("a changed payload, a changed signature or another key is refused as not Governor's", () => {
    const [payload = "", signature = ""] = signToken(CLAIMS, KEY).split(".");
    const widened = Buffer.from(JSON.stringify({ v: 1, ...CLAIMS, exp: CLAIMS.exp + 86_400_000 })).toString("base64url");
    expect(problem(verifyToken(`${widened}.${signature}`, KEY, expected))).toBe("bad-signature");
    const flipped = `${signature.slice(0, -2)}${signature.endsWith("AA") ? "AB" : "AA"}`;
    expect(problem(verifyToken(`${payload}.${flipped}`, KEY, expected))).toBe("bad-signature");
    expect(problem(verifyToken(signToken(CLAIMS, "x".repeat(32)), KEY, expected))).toBe("bad-signature");
  });

  it("an expired token, another instance's and another plan's are refused, each with its reason", () => {
    expect(problem(verifyToken(signToken({ ...CLAIMS, exp: NOW.getTime() }, KEY), KEY, expected))).toBe("expired");
    expect(problem(verifyToken(signToken({ ...CLAIMS, instanceId: "remediate:other:approval" }, KEY), KEY, expected))).toBe(
      "wrong-instance",
    );
    const changed = verifyToken(signToken({ ...CLAIMS, planHash: "hash-b" }, KEY), KEY, expected);
    expect(changed).toMatchObject({ problem: { code: "wrong-plan", reason: expect.stringMatching(/plan changed/) as string } });
  });

  it("text that is not a token is refused as malformed", () => {
    for (const text of ["", "abc", "a.b.c", "not base64!.x"]) expect(problem(verifyToken(text, KEY, expected)), text).toBe("malformed");
    const unsigned = Buffer.from("{}").toString("base64url");
    expect(problem(verifyToken(signToken(CLAIMS, KEY).replace(/^[^.]+/, unsigned), KEY, expected))).toBe("bad-signature");
  });

  it("a key shorter than 32 characters signs nothing", () => {
    expect(() => signToken(CLAIMS, "short")).toThrow(/at least 32/);
  });

  it("readToken gives the claims of a genuine token without judging time or plan", () => {
    const old = signToken({ ...CLAIMS, exp: 0 }, KEY);
    expect(readToken(old, KEY)).toEqual({ claims: { ...CLAIMS, exp: 0 } });
  });
});
