/**
 * Who is deciding: App Service authentication (Easy Auth) injects the signed-in identity into
 * `x-ms-client-principal` (base64 JSON: `auth_typ`, `claims[{typ, val}]`, `name_typ`, `role_typ`)
 * and `x-ms-client-principal-name`, and strips those headers from what clients send. Locally the
 * local host plays that part with a configured identity.
 */

export interface Principal {
  /** The name people know (UPN or email). */
  name: string;
  /** Other names of the same person (email, preferred_username, object id) and their roles and groups. */
  aliases: string[];
  roles: string[];
  groups: string[];
}

interface ClientPrincipal {
  auth_typ?: string;
  claims?: Array<{ typ?: string; val?: string }>;
  name_typ?: string;
  role_typ?: string;
}

const NAME_CLAIMS = ["name", "preferred_username", "upn", "email", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"];
const ROLE_CLAIMS = ["roles", "role", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"];
const ALIAS_CLAIMS = [
  ...NAME_CLAIMS,
  "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
  "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
  "http://schemas.microsoft.com/identity/claims/objectidentifier",
  "oid",
];

/** The principal App Service passed, or undefined when nobody is signed in (or the header is unreadable). */
export function principalFromHeaders(headers: { get(name: string): string | null }): Principal | undefined {
  const encoded = headers.get("x-ms-client-principal");
  const headerName = headers.get("x-ms-client-principal-name")?.trim();
  if (!encoded) return undefined;
  let parsed: ClientPrincipal;
  try {
    parsed = JSON.parse(Buffer.from(encoded, "base64").toString("utf8")) as ClientPrincipal;
  } catch {
    return undefined;
  }
  const claims = Array.isArray(parsed.claims)
    ? parsed.claims.filter((claim) => typeof claim?.typ === "string" && typeof claim.val === "string")
    : [];
  const values = (types: string[]): string[] =>
    claims
      .filter((claim) => types.includes(claim.typ as string))
      .map((claim) => (claim.val as string).trim())
      .filter(Boolean);
  const name = headerName || values(parsed.name_typ ? [parsed.name_typ, ...NAME_CLAIMS] : NAME_CLAIMS)[0];
  if (!name) return undefined;
  return {
    name,
    aliases: [...new Set([name, ...values(ALIAS_CLAIMS)])],
    roles: values(parsed.role_typ ? [parsed.role_typ, ...ROLE_CLAIMS] : ROLE_CLAIMS),
    groups: values(["groups"]),
  };
}

/**
 * Whether `x-ms-client-principal` can be believed. App Service strips client-sent principal headers
 * only while its authentication is on (it then sets WEBSITE_AUTH_ENABLED=True); on an app where
 * someone turned it off, or deployed without it, anyone could send the header and pose as an
 * approver. Off App Service (no WEBSITE_SITE_NAME: the local host) the host itself drops what
 * clients send and signs the configured identity in.
 */
export function principalTrust(env: Readonly<Record<string, string | undefined>>): { trusted: true } | { trusted: false; reason: string } {
  if (!env.WEBSITE_SITE_NAME?.trim()) return { trusted: true };
  if (env.WEBSITE_AUTH_ENABLED?.trim().toLowerCase() === "true") return { trusted: true };
  return {
    trusted: false,
    reason:
      "App Service authentication is off on this app, so the signed-in identity could have been sent by anyone: turn it on (the template's authsettingsV2, see the README) and sign in again",
  };
}

/** The headers App Service would inject for this identity (what the local host sends on). */
export function principalHeaders(identity: { name: string; roles: string[] }): Record<string, string> {
  const principal: ClientPrincipal = {
    auth_typ: "aad",
    claims: [
      { typ: "preferred_username", val: identity.name },
      { typ: "name", val: identity.name },
      ...identity.roles.map((role) => ({ typ: "roles", val: role })),
    ],
    name_typ: "preferred_username",
    role_typ: "roles",
  };
  return {
    "x-ms-client-principal": Buffer.from(JSON.stringify(principal), "utf8").toString("base64"),
    "x-ms-client-principal-name": identity.name,
    "x-ms-client-principal-idp": "aad",
  };
}

/**
 * Whether the principal is one of the approvers: an approver entry names a person (their UPN or
 * email), an app role assigned to them, or a group they are in (by object id), case-insensitively.
 */
export function isApprover(principal: Principal, approvers: readonly string[]): boolean {
  const mine = new Set([...principal.aliases, ...principal.roles, ...principal.groups].map((item) => item.toLowerCase()));
  return approvers.some((approver) => mine.has(approver.trim().toLowerCase()));
}
