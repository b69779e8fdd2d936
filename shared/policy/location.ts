/**
 * Where GOVERNOR_POLICY_FILE says the policies are: a file (a path inside the package, or any
 * path locally), or `blob:<container>/<blob name>`, a blob in Governor's own storage account (the
 * account of AzureWebJobsStorage), which can be replaced without a rebuild or a redeployment.
 * Only Governor's account: the identity already holds its data roles there, and a setting naming
 * another account would need roles nobody reviewed.
 */
export const BLOB_PREFIX = "blob:";
/** Where `governor policies push` puts a file unless told: the template deploys its container. */
export const DEFAULT_POLICY_BLOB = "blob:policies/governor.yaml";

export type PolicyLocation = { kind: "file"; path: string } | { kind: "blob"; container: string; blob: string };

export class PolicyLocationError extends Error {}

// Azure's container names: 3-63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit.
const CONTAINER = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;
const CONTROL = /[\u0000-\u001f\u007f\\]/;

export function isBlobLocation(text: string): boolean {
  return text.trim().toLowerCase().startsWith(BLOB_PREFIX);
}

/** The location a setting names, or a PolicyLocationError saying what form it should have. */
export function parsePolicyLocation(text: string): PolicyLocation {
  const trimmed = text.trim();
  if (!isBlobLocation(trimmed)) return { kind: "file", path: trimmed };
  const rest = trimmed.slice(BLOB_PREFIX.length);
  const slash = rest.indexOf("/");
  const container = slash < 0 ? rest : rest.slice(0, slash);
  const blob = slash < 0 ? "" : rest.slice(slash + 1);
  const form = `${BLOB_PREFIX}<container>/<blob name>, e.g. ${BLOB_PREFIX}policies/governor.yaml`;
  if (!CONTAINER.test(container))
    throw new PolicyLocationError(
      `"${trimmed}": "${container}" is not a container name (3-63 lower-case letters, digits and single hyphens); expected ${form}`,
    );
  if (
    blob === "" ||
    blob.length > 1024 ||
    blob.endsWith("/") ||
    CONTROL.test(blob) ||
    blob.split("/").some((part) => part === "" || part === "." || part === "..")
  )
    throw new PolicyLocationError(
      `"${trimmed}": "${blob}" is not a blob name (1-1024 characters, no empty, "." or ".." segment); expected ${form}`,
    );
  return { kind: "blob", container, blob };
}

export const formatPolicyLocation = (location: PolicyLocation): string =>
  location.kind === "file" ? location.path : `${BLOB_PREFIX}${location.container}/${location.blob}`;
