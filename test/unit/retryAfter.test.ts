/** Reading Retry-After (shared/azure/retryAfter.ts): seconds or an HTTP-date, anything else no hint. */
import { createHttpHeaders, RestError } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";
import { retryAfterMs, retryAfterMsOfError } from "../../shared/azure/retryAfter.ts";

const AT = new Date("2026-03-02T10:00:00Z");

describe("Retry-After", () => {
  it("reads delay-seconds as milliseconds", () => {
    expect(retryAfterMs("5", AT)).toBe(5_000);
    expect(retryAfterMs(" 120 ", AT)).toBe(120_000);
    expect(retryAfterMs("0", AT)).toBe(0);
  });

  it("reads an HTTP-date as the time left until it, and a date already past as no wait", () => {
    expect(retryAfterMs("Mon, 02 Mar 2026 10:00:30 GMT", AT)).toBe(30_000);
    // The obsolete forms RFC 9110 still asks recipients to accept.
    expect(retryAfterMs("Monday, 02-Mar-26 10:01:00 GMT", AT)).toBe(60_000);
    expect(retryAfterMs("Mon Mar  2 10:00:10 2026", AT)).toBe(10_000);
    expect(retryAfterMs("Mon, 02 Mar 2026 09:59:00 GMT", AT)).toBe(0);
  });

  it("a negative, malformed or missing value is no hint", () => {
    for (const value of ["-5", "soon", "5s", "0x10", "", "   ", "2026-03-02", "Mon, 99 Foo 2026 GMT", null, undefined]) {
      expect(retryAfterMs(value, AT), String(value)).toBeUndefined();
    }
  });

  it("reads the header from core-rest-pipeline's and fetch's headers alike", () => {
    expect(retryAfterMs(createHttpHeaders({ "Retry-After": "7" }), AT)).toBe(7_000);
    expect(retryAfterMs(new Headers({ "retry-after": "Mon, 02 Mar 2026 10:00:02 GMT" }), AT)).toBe(2_000);
    expect(retryAfterMs(createHttpHeaders({}), AT)).toBeUndefined();
    expect(retryAfterMs(new Headers(), AT)).toBeUndefined();
  });

  it("reads the Retry-After of an Azure SDK error from its response, and none from other errors", () => {
    const throttled = new RestError("Too many requests", {
      statusCode: 429,
      response: {
        status: 429,
        headers: createHttpHeaders({ "retry-after": "3" }),
        request: undefined as never,
      },
    });
    expect(retryAfterMsOfError(throttled, AT)).toBe(3_000);
    expect(retryAfterMsOfError(new Error("boom"), AT)).toBeUndefined();
    expect(retryAfterMsOfError(undefined, AT)).toBeUndefined();
    expect(retryAfterMsOfError({ response: { headers: { "retry-after": "3" } } }, AT)).toBeUndefined();
  });
});
