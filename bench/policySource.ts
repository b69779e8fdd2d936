/**
 * What reading the policies costs a trigger or activity: the app's policy source over a package
 * file (a stat per call) and over a blob in Azurite (cached between checks; a check is one
 * getProperties, a new version one download and a parse). Prints one JSON line per case:
 * `node bench/policySource.ts`.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BlobServiceClient } from "@azure/storage-blob";
import { builtinRegistry } from "../shared/policy/builtins.ts";
import { createPolicySource } from "../shared/policy/source.ts";
import { startAzurite } from "../local/azurite.ts";

const PACK = fileURLToPath(new URL("../policies/odoo-distribution.yaml", import.meta.url));
const text = readFileSync(PACK, "utf8");
const quiet = (): void => {};

async function perCall(
  label: string,
  calls: number,
  source: { current(): Promise<unknown> } | (() => Promise<unknown>),
  extra: Record<string, unknown> = {},
): Promise<void> {
  const current = typeof source === "function" ? source : () => source.current();
  await current();
  const start = process.hrtime.bigint();
  for (let call = 0; call < calls; call += 1) await current();
  const micros = Number(process.hrtime.bigint() - start) / 1_000 / calls;
  console.log(JSON.stringify({ case: label, calls, microsecondsPerCall: Number(micros.toFixed(2)), ...extra }));
}

const azurite = await startAzurite({ location: mkdtempSync(join(tmpdir(), "governor-bench-policies-")), blob: true });
try {
  const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  await service.getContainerClient("policies").createIfNotExists();
  const blob = service.getContainerClient("policies").getBlockBlobClient("governor.yaml");
  await blob.upload(text, Buffer.byteLength(text));
  const registry = builtinRegistry();
  const options = { registry, storage: azurite.connectionString, log: quiet };

  await perCall("file", 10_000, createPolicySource({ location: PACK, ...options }));
  await perCall("blob, within the refresh interval", 100_000, createPolicySource({ location: "blob:policies/governor.yaml", ...options }));
  await perCall(
    "blob, checked at every call (unchanged ETag)",
    500,
    createPolicySource({ location: "blob:policies/governor.yaml", ...options, refreshMs: 0 }),
  );
  let version = 0;
  const changing = createPolicySource({ location: "blob:policies/governor.yaml", ...options, refreshMs: 0 });
  await perCall("blob, a new version at every call (upload, then check, download and parse)", 100, async () => {
    version += 1;
    const next = `${text}\n# version ${version}\n`;
    await blob.upload(next, Buffer.byteLength(next));
    return changing.current();
  });
} finally {
  await azurite.close();
}
