/**
 * A local stand-in for a Teams Workflows webhook: an HTTP server on 127.0.0.1 that takes what
 * Governor posts, answers 202 as Workflows does, and keeps it, so `npm start` can show the
 * approval links and tests can read what would have reached the channel. It can be told to fail
 * the next requests, to prove delivery retries.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface CapturedPost {
  path: string;
  headers: Record<string, string>;
  body: unknown;
  /** Real time it was received. */
  at: string;
}

export interface WebhookCapture {
  /** The webhook URL to configure. */
  url: string;
  posts: CapturedPost[];
  /** Answer the next `count` posts with this status (503 by default) instead of taking them. */
  failNext(count: number, status?: number): void;
  /** Requests refused by `failNext`. */
  refused: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1_048_576;

export async function startWebhookCapture(options: { onPost?: (post: CapturedPost) => void; port?: number } = {}): Promise<WebhookCapture> {
  const posts: CapturedPost[] = [];
  let failures = 0;
  let failStatus = 503;
  const capture = { refused: 0 };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on("end", () => {
      if (request.method !== "POST") return void response.writeHead(405).end();
      if (size > MAX_BODY_BYTES) return void response.writeHead(413).end();
      if (failures > 0) {
        failures -= 1;
        capture.refused += 1;
        return void response.writeHead(failStatus, { "content-type": "application/json" }).end('{"error":"injected failure"}');
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return void response.writeHead(400, { "content-type": "application/json" }).end('{"error":"the body is not JSON"}');
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) if (typeof value === "string") headers[name] = value;
      const post: CapturedPost = { path: request.url ?? "/", headers, body, at: new Date().toISOString() };
      posts.push(post);
      options.onPost?.(post);
      response.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/workflows/teams-approvals`,
    posts,
    failNext(count, status = 503) {
      failures = count;
      failStatus = status;
    },
    get refused() {
      return capture.refused;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
