/** The deciding identity as App Service authentication passes it, and whether it may approve. */
import { describe, expect, it } from "vitest";
import { isApprover, principalFromHeaders, principalHeaders, principalTrust } from "../../../shared/approvals/principal.ts";

const headers = (values: Record<string, string>) => new Headers(values);
/** The decoded `x-ms-client-principal` of a Microsoft Entra sign-in, in the documented shape. */
const ENTRA = {
  auth_typ: "aad",
  claims: [
    { typ: "http://schemas.microsoft.com/identity/claims/objectidentifier", val: "0b8f3a52-1c9d-4e7a-b6f2-8d4c1e9a7b30" },
    { typ: "preferred_username", val: "maria@nordwind.example" },
    { typ: "name", val: "Maria Janssens" },
    { typ: "roles", val: "platform-team" },
    { typ: "groups", val: "5c2e7d91-4a3b-4f8e-9d16-2b7a0c4e8f53" },
  ],
  name_typ: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
  role_typ: "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
};
const encoded = Buffer.from(JSON.stringify(ENTRA)).toString("base64");

describe("the signed-in approver", () => {
  it("is read from App Service's headers, with the names, roles and groups a policy may list", () => {
    const principal = principalFromHeaders(
      headers({ "x-ms-client-principal": encoded, "x-ms-client-principal-name": "maria@nordwind.example" }),
    );
    expect(principal).toMatchObject({
      name: "maria@nordwind.example",
      roles: ["platform-team"],
      groups: ["5c2e7d91-4a3b-4f8e-9d16-2b7a0c4e8f53"],
    });
    if (!principal) throw new Error("unreadable");
    expect(isApprover(principal, ["platform-team"])).toBe(true);
    expect(isApprover(principal, ["MARIA@nordwind.example"])).toBe(true);
    expect(isApprover(principal, ["5c2e7d91-4a3b-4f8e-9d16-2b7a0c4e8f53"])).toBe(true);
    expect(isApprover(principal, ["finance", "ops-lead@nordwind.example"])).toBe(false);
  });

  it("is nobody without the principal header, or with one that is not base64 JSON", () => {
    expect(principalFromHeaders(headers({ "x-ms-client-principal-name": "maria@nordwind.example" }))).toBeUndefined();
    expect(principalFromHeaders(headers({ "x-ms-client-principal": "%%%" }))).toBeUndefined();
    expect(principalFromHeaders(headers({ "x-ms-client-principal": Buffer.from("{}").toString("base64") }))).toBeUndefined();
  });

  it("the local host's headers read back as the configured identity", () => {
    const principal = principalFromHeaders(headers(principalHeaders({ name: "dev@localhost.example", roles: ["platform-team"] })));
    expect(principal).toMatchObject({ name: "dev@localhost.example", roles: ["platform-team"] });
  });
});

describe("whether the principal headers can be believed", () => {
  it("off App Service (the local host drops what clients send) they can", () => {
    expect(principalTrust({})).toEqual({ trusted: true });
  });

  it("on App Service only while its authentication is on", () => {
    expect(principalTrust({ WEBSITE_SITE_NAME: "func-governor", WEBSITE_AUTH_ENABLED: "True" })).toEqual({ trusted: true });
    expect(principalTrust({ WEBSITE_SITE_NAME: "func-governor", WEBSITE_AUTH_ENABLED: "False" })).toMatchObject({ trusted: false });
    expect(principalTrust({ WEBSITE_SITE_NAME: "func-governor" })).toMatchObject({
      trusted: false,
      reason: expect.stringMatching(/authentication is off/) as string,
    });
  });
});
