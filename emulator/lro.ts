/**
 * Long-running operations as ARM runs them: the first answer is 202 (or 201) with
 * `Azure-AsyncOperation` and `Location`; the status URL reports InProgress, then Succeeded or
 * Failed; the Location URL answers 202 until done, then the final body. The change itself is
 * applied when the operation completes, so a client that reads before then sees the
 * transitional state (e.g. `PowerState/deallocating`).
 */
import { randomUUID } from "node:crypto";
import { ArmError } from "./errors.ts";
import type { VirtualClock } from "./clock.ts";

export type OperationStatus = "InProgress" | "Succeeded" | "Failed" | "Canceled";

export interface LroSpec {
  subscriptionId: string;
  /** Resource provider namespace, e.g. `Microsoft.Compute`. */
  provider: string;
  location: string;
  /** Applies the change; its return value is the final body served at the Location URL. */
  complete: () => unknown;
  /** How many status polls answer InProgress before the operation completes. */
  polls?: number;
  /** Status code of the first answer (202 for actions and deletes; 201 or 200 for some PUTs). */
  initialStatus?: number;
  initialBody?: unknown;
  /** Status of the Location answer once done when `complete()` returns nothing: 204 unless set (Compute's actions answer 200). */
  finalStatus?: number;
}

interface Operation {
  id: string;
  status: OperationStatus;
  pollsLeft: number;
  startTime: string;
  endTime?: string;
  result?: unknown;
  error?: { code: string; message: string };
  spec: LroSpec;
}

export interface LroOptions {
  polls: number;
  /** Sent as `Retry-After` on the first answer and status polls; 0 leaves the interval to the client. */
  retryAfterSeconds: number;
}

export class LroManager {
  #operations = new Map<string, Operation>();
  #clock: VirtualClock;
  readonly options: LroOptions;

  constructor(clock: VirtualClock, options: Partial<LroOptions> = {}) {
    this.#clock = clock;
    this.options = { polls: options.polls ?? 1, retryAfterSeconds: options.retryAfterSeconds ?? 0 };
  }

  start(spec: LroSpec, baseUrl: string): { status: number; body?: unknown; headers: Record<string, string> } {
    const id = randomUUID();
    const operation: Operation = {
      id,
      status: "InProgress",
      pollsLeft: spec.polls ?? this.options.polls,
      startTime: this.#clock.now().toISOString(),
      spec,
    };
    this.#operations.set(id, operation);
    if (operation.pollsLeft <= 0) this.#finish(operation);
    const base = `${baseUrl}/subscriptions/${spec.subscriptionId}/providers/${spec.provider}/locations/${spec.location}`;
    const headers: Record<string, string> = {
      "Azure-AsyncOperation": `${base}/operations/${id}?api-version=2025-01-01`,
      Location: `${base}/operationResults/${id}?api-version=2025-01-01`,
      ...this.#retryAfter(),
    };
    return { status: spec.initialStatus ?? 202, body: spec.initialBody, headers };
  }

  #retryAfter(): Record<string, string> {
    return this.options.retryAfterSeconds > 0 ? { "Retry-After": String(this.options.retryAfterSeconds) } : {};
  }

  #finish(operation: Operation): void {
    if (operation.status !== "InProgress") return;
    try {
      operation.result = operation.spec.complete();
      operation.status = "Succeeded";
    } catch (error) {
      operation.status = "Failed";
      operation.error =
        error instanceof ArmError ? { code: error.code, message: error.message } : { code: "InternalServerError", message: String(error) };
    }
    operation.endTime = this.#clock.now().toISOString();
  }

  #poll(id: string): Operation {
    const operation = this.#operations.get(id);
    if (!operation) throw new ArmError(404, "OperationNotFound", `Operation '${id}' was not found.`);
    if (operation.status === "InProgress") {
      if (operation.pollsLeft <= 0) this.#finish(operation);
      else operation.pollsLeft -= 1;
    }
    return operation;
  }

  /** The `Azure-AsyncOperation` status document. */
  status(id: string): { status: number; body: unknown; headers: Record<string, string> } {
    const operation = this.#poll(id);
    const body: Record<string, unknown> = {
      id,
      name: id,
      status: operation.status,
      startTime: operation.startTime,
    };
    if (operation.endTime) body.endTime = operation.endTime;
    if (operation.error) body.error = operation.error;
    return { status: 200, body, headers: operation.status === "InProgress" ? this.#retryAfter() : {} };
  }

  /** The `Location` result: 202 while running, then the final body (or 204 when there is none). */
  result(id: string): { status: number; body?: unknown; headers: Record<string, string> } {
    const operation = this.#poll(id);
    if (operation.status === "InProgress") return { status: 202, headers: this.#retryAfter() };
    if (operation.status === "Failed" && operation.error) {
      throw new ArmError(400, operation.error.code, operation.error.message);
    }
    return operation.result === undefined
      ? { status: operation.spec.finalStatus ?? 204, headers: {} }
      : { status: 200, body: operation.result, headers: {} };
  }

  /** Completes every operation still in progress (for tests that do not poll). */
  settleAll(): void {
    for (const operation of this.#operations.values()) this.#finish(operation);
  }

  get pending(): number {
    return [...this.#operations.values()].filter((operation) => operation.status === "InProgress").length;
  }
}
