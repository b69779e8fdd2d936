/**
 * Shape comparison against Microsoft's reference payloads: every property path of the reference
 * must exist in the emulator's answer with the same JSON type. Arrays are compared through the
 * union of their elements; keys under a "dynamic" path (tags, dictionaries keyed by data) are not.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { EstateDefinition } from "../../emulator/estate/load.ts";
import type { Emulator } from "../../emulator/server.ts";

export const EXAMPLES_DIR = fileURLToPath(new URL("../fixtures/azure-examples/", import.meta.url));

export function readExample(relativePath: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${EXAMPLES_DIR}${relativePath}`, "utf8")) as Record<string, unknown>;
}

type JsonType = "string" | "number" | "boolean" | "null" | "object" | "array";

function jsonType(value: unknown): JsonType {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value as JsonType;
}

/** Maps each property path (`properties.hardwareProfile.vmSize`, `value[].id`) to its JSON type. */
export function propertyPaths(value: unknown, dynamic: readonly string[] = [], prefix = ""): Map<string, JsonType> {
  const paths = new Map<string, JsonType>();
  const walk = (node: unknown, path: string): void => {
    const type = jsonType(node);
    if (path !== "") paths.set(path, type);
    if (dynamic.includes(path)) return;
    if (type === "array") {
      for (const element of node as unknown[]) walk(element, `${path}[]`);
    } else if (type === "object") {
      for (const [key, child] of Object.entries(node as Record<string, unknown>)) walk(child, path === "" ? key : `${path}.${key}`);
    }
  };
  walk(value, prefix);
  return paths;
}

export interface ShapeMismatch {
  path: string;
  expected: JsonType;
  actual: JsonType | "missing";
}

export function compareShapes(reference: unknown, actual: unknown, dynamic: readonly string[] = []): ShapeMismatch[] {
  const want = propertyPaths(reference, dynamic);
  const have = propertyPaths(actual, dynamic);
  const mismatches: ShapeMismatch[] = [];
  for (const [path, expected] of want) {
    const found = have.get(path);
    if (found === undefined) mismatches.push({ path, expected, actual: "missing" });
    // A null in a reference says nothing about the type; an empty array's elements are unknown.
    else if (expected !== "null" && found !== expected) mismatches.push({ path, expected, actual: found });
  }
  return mismatches;
}

export interface ShapeCase {
  /** Path below test/fixtures/azure-examples, e.g. `compute/vm-get.json`. */
  example: string;
  /** Which response of the example to compare (default: the first with a body). */
  status?: string;
  /** Paths whose keys are data, not schema (e.g. `tags`, `value[].tags`). */
  dynamic?: string[];
  /** Performs the operation against the emulator and returns the raw status and body. */
  run: (emulator: Emulator) => Promise<{ status: number; body: unknown }>;
}

export interface ShapeFamily {
  name: string;
  /** A small estate the cases read from. */
  estate: EstateDefinition;
  cases: ShapeCase[];
}

export function referenceBody(example: Record<string, unknown>, status?: string): { status: string; body: unknown } {
  // Samples from the docs are a bare response body, not a REST API example with `responses`.
  if (example.responses === undefined) return { status: status ?? "200", body: example };
  const responses = example.responses as Record<string, { body?: unknown }>;
  if (status !== undefined) return { status, body: responses[status]?.body };
  for (const [code, response] of Object.entries(responses)) {
    if (response.body !== undefined) return { status: code, body: response.body };
  }
  const first = Object.keys(responses)[0] as string;
  return { status: first, body: undefined };
}
