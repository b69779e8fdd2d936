/**
 * The emulated Azure Communication Services Email resource: its access key (requests are signed
 * with HMAC-SHA256 as the service requires), the messages accepted, and their send operations
 * (a long-running operation the client polls until `Succeeded`). Tests read what would have been
 * sent from `messages`.
 */
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

export interface SentEmail {
  operationId: string;
  /** Virtual time the send was accepted. */
  at: string;
  senderAddress: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  plainText?: string;
  html?: string;
  /** The request body as the client sent it. */
  body: Record<string, unknown>;
}

export class EmulatedEmail {
  /** Base64, as the Azure portal shows a Communication Services key. */
  readonly accessKey = randomBytes(32).toString("base64");
  readonly messages: SentEmail[] = [];
  readonly #operations = new Map<string, { status: "Running" | "Succeeded"; polls: number }>();

  connectionString(baseUrl: string): string {
    return `endpoint=${baseUrl}/;accesskey=${this.accessKey}`;
  }

  /**
   * Checks the request's `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=...`:
   * the content hash must be the body's, the signature the key's over verb, path and query, date,
   * host and content hash. Returns the problem, or undefined when the request is signed right.
   */
  verify(method: string, pathAndQuery: string, headers: IncomingHttpHeaders, body: string): string | undefined {
    const authorization = headers.authorization ?? "";
    const match = /^HMAC-SHA256 SignedHeaders=([^&]+)&Signature=(.+)$/.exec(authorization);
    if (!match) return "the Authorization header is not HMAC-SHA256 SignedHeaders=...&Signature=...";
    if (match[1]?.toLowerCase() !== "x-ms-date;host;x-ms-content-sha256") return `unexpected SignedHeaders ${match[1]}`;
    const date = String(headers["x-ms-date"] ?? "");
    const contentHash = String(headers["x-ms-content-sha256"] ?? "");
    const host = String(headers.host ?? "");
    if (createHash("sha256").update(body, "utf8").digest("base64") !== contentHash)
      return "x-ms-content-sha256 is not the hash of the body";
    const expected = createHmac("sha256", Buffer.from(this.accessKey, "base64"))
      .update(`${method}\n${pathAndQuery}\n${date};${host};${contentHash}`, "utf8")
      .digest();
    const given = Buffer.from(match[2] ?? "", "base64");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "the signature does not match the access key";
    return undefined;
  }

  accept(message: Omit<SentEmail, "operationId">, operationId: string = randomUUID()): string {
    this.messages.push({ ...message, operationId });
    this.#operations.set(operationId, { status: "Running", polls: 0 });
    return operationId;
  }

  /** The operation's status; the first poll finds it still running, as a real send often is. */
  poll(operationId: string): "Running" | "Succeeded" | undefined {
    const operation = this.#operations.get(operationId);
    if (!operation) return undefined;
    operation.polls += 1;
    if (operation.polls > 1) operation.status = "Succeeded";
    return operation.status;
  }

  status(operationId: string): "Running" | "Succeeded" | undefined {
    return this.#operations.get(operationId)?.status;
  }
}
