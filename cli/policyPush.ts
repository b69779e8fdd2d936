/**
 * `governor policies push FILE [--to blob:<container>/<blob name>] [--storage S]`: replaces the
 * policies the running app reads (GOVERNOR_POLICY_FILE=blob:...) without a rebuild. The file is
 * validated first with the app's own loader; a file with a mistake is refused with every mistake
 * named (file:line:column, as `governor validate` prints them) and nothing is uploaded. A valid
 * file is uploaded as it is, byte for byte (the container is created when missing), and the new
 * ETag printed: the app loads that version at its next check, within a minute.
 *
 * `--to` defaults to GOVERNOR_POLICY_FILE when it names a blob, else `blob:policies/governor.yaml`.
 * `--storage` is a connection string (Azurite locally), a blob endpoint URL or an account name
 * (signed in with the Azure CLI's or the environment's credentials), else the app's
 * AzureWebJobsStorage settings.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { appBlobSetting, BlobStorageError, blobServiceFor } from "../shared/azure/blobs.ts";
import { builtinRegistry } from "../shared/policy/builtins.ts";
import { parsePolicyText, PolicyLoadError } from "../shared/policy/loader.ts";
import {
  DEFAULT_POLICY_BLOB,
  formatPolicyLocation,
  isBlobLocation,
  parsePolicyLocation,
  PolicyLocationError,
} from "../shared/policy/location.ts";

const USAGE = `Usage:
  governor policies push FILE [--to blob:<container>/<blob name>] [--storage <connection string | blob endpoint | account>]
      Validate FILE and, when it has no mistake, upload it to the blob the app reads its policies from.`;

export async function policiesCommand(args: string[]): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand === "push") return pushCommand(rest);
  console.error(subcommand === undefined ? USAGE : `governor policies: unknown subcommand "${subcommand}"\n\n${USAGE}`);
  return 2;
}

async function pushCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { to: { type: "string" }, storage: { type: "string" } } });
  } catch (error) {
    console.error(`governor policies push: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    console.error(`governor policies push: name one policy file\n\n${USAGE}`);
    return 2;
  }
  const file = positionals[0] as string;
  const setting = process.env.GOVERNOR_POLICY_FILE;
  const to = values.to ?? (setting !== undefined && isBlobLocation(setting) ? setting : DEFAULT_POLICY_BLOB);
  let location;
  try {
    location = parsePolicyLocation(to);
  } catch (error) {
    if (!(error instanceof PolicyLocationError)) throw error;
    console.error(`governor policies push: --to ${error.message}`);
    return 2;
  }
  if (location.kind !== "blob") {
    console.error(`governor policies push: --to must name a blob (blob:<container>/<blob name>), not "${to}"`);
    return 2;
  }

  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    console.error(`${file}:1:1: cannot read the file: ${(error as Error).message}`);
    return 1;
  }
  // Validated and uploaded from the same bytes: what was checked is what the app will read.
  let summary: string;
  try {
    const set = parsePolicyText(bytes.toString("utf8"), file, builtinRegistry());
    const enforced = set.policies.filter((policy) => policy.mode === "enforce").length;
    summary = `${set.policies.length} policies (${enforced} enforce, ${set.policies.length - enforced} audit)`;
  } catch (error) {
    if (!(error instanceof PolicyLoadError)) throw error;
    console.error(error.message);
    console.error(`governor policies push: ${file} has mistakes: nothing was pushed`);
    return 1;
  }

  const storage = values.storage?.trim() || appBlobSetting(process.env);
  if (storage === undefined) {
    console.error("governor policies push: give --storage <connection string | blob endpoint | account> or set AzureWebJobsStorage");
    return 2;
  }
  let service;
  try {
    service = await blobServiceFor(storage);
  } catch (error) {
    if (!(error instanceof BlobStorageError)) throw error;
    console.error(`governor policies push: ${error.message}`);
    return 2;
  }
  const container = service.getContainerClient(location.container);
  const upload = () =>
    container
      .getBlockBlobClient(location.blob)
      .uploadData(bytes, { blobHTTPHeaders: { blobContentType: "application/yaml; charset=utf-8" } });
  let response;
  try {
    response = await upload();
  } catch (error) {
    // Created only when missing: a role on the container alone (no right to create one) is enough for the usual push.
    if ((error as { code?: string }).code !== "ContainerNotFound") throw error;
    await container.createIfNotExists();
    response = await upload();
  }
  console.log(`${file}: ${summary}: valid`);
  console.log(`pushed to ${formatPolicyLocation(location)}, ETag ${response.etag ?? "(none)"}`);
  return 0;
}
