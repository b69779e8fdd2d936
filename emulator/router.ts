/**
 * A small ARM-style router: literal path segments match case-insensitively (ARM paths do),
 * `{name}` captures one segment, `{*name}` captures one or more (a scope such as a resource id).
 * When several routes match, the one with the most literal segments wins.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { EmulatorCore } from "./core.ts";

export type OperationKind = "read" | "write" | "delete";

export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  headers: IncomingHttpHeaders;
  /** `https://127.0.0.1:port`, for absolute URLs in headers and nextLink. */
  baseUrl: string;
  path: string;
  core: EmulatorCore;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteDefinition {
  method: string;
  pattern: string;
  /** A stable name for logs and fault rules, e.g. `virtualMachines.deallocate`. */
  name: string;
  /** Which ARM throttling bucket the request draws from; defaults from the method. */
  kind?: OperationKind;
  /** A data-plane route (batch metrics): ARM's per-subscription token buckets do not count it. */
  outsideArm?: boolean;
  /** How callers authenticate: an ARM bearer token (the default), or an access key's HMAC (Communication Services). */
  authentication?: "bearer" | "hmac";
  handler: (ctx: RouteContext) => RouteResult | Promise<RouteResult>;
}

interface CompiledRoute extends RouteDefinition {
  kind: OperationKind;
  regex: RegExp;
  paramNames: string[];
  score: number;
}

export interface RouteMatch {
  route: CompiledRoute;
  params: Record<string, string>;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function defaultKind(method: string): OperationKind {
  if (method === "GET" || method === "HEAD") return "read";
  if (method === "DELETE") return "delete";
  return "write";
}

export class Router {
  readonly #routes: CompiledRoute[] = [];

  add(definition: RouteDefinition): void {
    const paramNames: string[] = [];
    let score = 0;
    const source = definition.pattern
      .split("/")
      .filter((segment) => segment.length > 0)
      .map((segment) => {
        const greedy = /^\{\*(\w+)\}$/.exec(segment);
        if (greedy) {
          paramNames.push(greedy[1] as string);
          return "/(.+?)";
        }
        const single = /^\{(\w+)\}$/.exec(segment);
        if (single) {
          paramNames.push(single[1] as string);
          return "/([^/]+)";
        }
        score += 1;
        return `/${escapeRegex(segment)}`;
      })
      .join("");
    this.#routes.push({
      ...definition,
      method: definition.method.toUpperCase(),
      kind: definition.kind ?? defaultKind(definition.method.toUpperCase()),
      regex: new RegExp(`^${source}/?$`, "i"),
      paramNames,
      score,
    });
  }

  addAll(definitions: RouteDefinition[]): void {
    for (const definition of definitions) this.add(definition);
  }

  match(method: string, path: string): RouteMatch | undefined {
    let best: RouteMatch | undefined;
    for (const route of this.#routes) {
      if (route.method !== method) continue;
      const found = route.regex.exec(path);
      if (!found) continue;
      if (best && best.route.score >= route.score) continue;
      const params: Record<string, string> = {};
      route.paramNames.forEach((name, index) => {
        params[name] = decodeURIComponent(found[index + 1] as string);
      });
      best = { route, params };
    }
    return best;
  }

  /** True when some route answers this path with another method (so the answer is 405, not 404). */
  hasPath(path: string): boolean {
    return this.#routes.some((route) => route.regex.test(path));
  }

  get routes(): readonly RouteDefinition[] {
    return this.#routes;
  }
}
