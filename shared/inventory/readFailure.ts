/**
 * What a failed per-resource read becomes: a fact that says why (`ResourceNotFound (HTTP 404)`),
 * so one resource whose settings cannot be read is undecided instead of failing the whole plan.
 * Anything that is not an answer of Azure's (a programming error) is thrown again.
 */
export function readFailure(error: unknown): string {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status !== "number") throw error;
  const code = (error as { code?: unknown }).code;
  return `${typeof code === "string" && code !== "" ? code : "error"} (HTTP ${status})`;
}
