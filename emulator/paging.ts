/** ARM list paging: `{ value, nextLink }`, continued with `$skiptoken`. */
import type { RouteContext, RouteResult } from "./router.ts";

export function pagedList(ctx: RouteContext, items: unknown[], pageSize = ctx.core.listPageSize): RouteResult {
  const token = ctx.query.get("$skiptoken");
  const start = token === null ? 0 : Number.parseInt(token, 10);
  const offset = Number.isFinite(start) && start > 0 ? start : 0;
  const page = items.slice(offset, offset + pageSize);
  const body: { value: unknown[]; nextLink?: string } = { value: page };
  if (offset + pageSize < items.length) {
    const next = new URL(ctx.path, ctx.baseUrl);
    for (const [key, value] of ctx.query) if (key !== "$skiptoken") next.searchParams.set(key, value);
    next.searchParams.set("$skiptoken", String(offset + pageSize));
    body.nextLink = next.toString();
  }
  return { status: 200, body };
}
