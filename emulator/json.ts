/** Small readers of request bodies and stable ids, shared by the route families. */
import { createHash } from "node:crypto";

export type Json = Record<string, unknown>;

/** The value as a plain object, or undefined. */
export function asObject(value: unknown): Json | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

export function stableHex(seed: string, length = 32): string {
  return createHash("sha256").update(seed.toLowerCase()).digest("hex").slice(0, length);
}

/** The same GUID every time for the same seed (a resource id), as ARM keeps vmId and uniqueId. */
export function stableGuid(seed: string): string {
  const hex = stableHex(seed, 32);
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** ARM answers with the canonical region name: `West Europe` becomes `westeurope`. */
export function normaliseLocation(location: string): string {
  return location.replace(/\s+/g, "").toLowerCase();
}
