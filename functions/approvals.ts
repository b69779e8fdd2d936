/**
 * The approval page and its decision endpoint:
 *
 * - `GET /api/approvals/{instanceId}?token=...` shows the plan and the buttons. It never decides:
 *   mail scanners and link previews follow links.
 * - `POST /api/approvals/{instanceId}` (the page's form, or JSON) records a decision: approve all
 *   or some, reject, snooze, exempt until a date. The token must be Governor's (HMAC), unexpired,
 *   for this instance and for the plan it awaits a decision on, and unused; the person must be
 *   signed in (App Service authentication; the local host's configured identity locally) and be
 *   one of the policy's approvers. Then the token is spent and the decision raised as the
 *   `ApprovalDecision` event; the workflow records who decided.
 *
 * Refusals are 4xx with the reason and change nothing: 400 unreadable, 401 not signed in,
 * 403 not Governor's token / another instance's / not an approver, 404 no such approval,
 * 409 no decision awaited / the plan changed / the link was used, 410 the link expired.
 * The route is anonymous: the signed token authorises the link, the platform the person.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { app } from "@azure/functions";
import * as df from "durable-functions";
import { eventFromForm, readDecisionBody } from "../shared/approvals/form.ts";
import { approvalPage, messagePage } from "../shared/approvals/page.ts";
import { isApprover, principalFromHeaders, principalTrust } from "../shared/approvals/principal.ts";
import type { ApprovalStore } from "../shared/approvals/store.ts";
import { appApprovalStore } from "../shared/approvals/store.ts";
import { type TokenProblem, verifyToken } from "../shared/approvals/token.ts";
import { now } from "../shared/clock.ts";
import { loadConfig } from "../shared/config.ts";
import type { ApprovalInput, AwaitingApprovalStatus } from "../orchestrations/approval.ts";
import { EVENTS } from "../orchestrations/names.ts";

/** A decision is a few fields; anything near this is not one. */
export const MAX_BODY_BYTES = 64 * 1024;

export interface ApprovalClient {
  getStatus(instanceId: string): Promise<{ runtimeStatus: string; input?: unknown; customStatus?: unknown } | undefined>;
  raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void>;
}

export interface ApprovalDeps {
  client: ApprovalClient;
  store: () => Promise<ApprovalStore>;
  signingKey: string | undefined;
  now: () => Date;
  log: Pick<InvocationContext, "log" | "warn">;
  /** The platform's settings (WEBSITE_*): whether App Service authentication vouches for the principal. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Governor governs several subscriptions: the page names each resource's. */
  nameSubscriptions?: boolean;
}

type Request = Pick<HttpRequest, "headers" | "params" | "query" | "text" | "url">;

const PROBLEM_STATUS: Record<TokenProblem["code"], number> = {
  malformed: 400,
  "bad-signature": 403,
  "wrong-instance": 403,
  expired: 410,
  "wrong-plan": 409,
};

/**
 * Links carry a token: never cached, never sent on as a referrer. The page runs no script, posts
 * only to itself, and may not be framed (a framed Approve button could be clicked by trickery).
 */
const NO_STORE = {
  "Cache-Control": "no-store",
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "X-Frame-Options": "DENY",
};

/** HTML for a browser's form post, JSON for a client that asks for it (or posts JSON). */
function wantsHtml(request: Request, form: boolean): boolean {
  const accept = request.headers.get("accept") ?? "";
  if (/application\/json/i.test(accept) && !/text\/html/i.test(accept)) return false;
  return form;
}

function answer(status: number, title: string, message: string, html: boolean, extra: Record<string, unknown> = {}): HttpResponseInit {
  if (html) {
    return { status, body: messagePage(title, message), headers: { ...NO_STORE, "Content-Type": "text/html; charset=utf-8" } };
  }
  return { status, jsonBody: status >= 400 ? { error: message, ...extra } : { message, ...extra }, headers: NO_STORE };
}

async function statusOf(client: ApprovalClient, instanceId: string): Promise<Awaited<ReturnType<ApprovalClient["getStatus"]>>> {
  try {
    return await client.getStatus(instanceId);
  } catch (error) {
    // DurableClient.getStatus throws on the extension's 404 where the local runtime answers undefined.
    if (/\b404\b/.test(String((error as Error)?.message ?? error))) return undefined;
    throw error;
  }
}

interface Awaiting {
  status: AwaitingApprovalStatus;
  input: ApprovalInput;
}

/** The instance when it awaits a decision; otherwise the refusal to send. */
async function awaiting(client: ApprovalClient, instanceId: string, html: boolean): Promise<Awaiting | HttpResponseInit> {
  const status = await statusOf(client, instanceId);
  if (status === undefined) return answer(404, "No such approval", `there is no approval ${instanceId}`, html);
  const custom = status.customStatus as Partial<AwaitingApprovalStatus> | undefined;
  if (status.runtimeStatus !== "Running" || custom?.stage !== "awaiting-approval" || typeof custom.planHash !== "string") {
    const stage = status.runtimeStatus === "Running" ? (custom?.stage ?? "starting") : status.runtimeStatus.toLowerCase();
    return answer(409, "No decision awaited", `approval ${instanceId} awaits no decision now (${stage})`, html, { stage });
  }
  return { status: custom as AwaitingApprovalStatus, input: status.input as ApprovalInput };
}

export async function showApproval(request: Request, deps: ApprovalDeps): Promise<HttpResponseInit> {
  const instanceId = request.params.instanceId ?? "";
  const token = request.query.get("token") ?? "";
  if (deps.signingKey === undefined) return answer(503, "Approvals are not configured", "GOVERNOR_APPROVAL_KEY is not set", true);
  if (token === "") return answer(400, "No token", "the link carries no token: use the link from the request", true);
  const found = await awaiting(deps.client, instanceId, true);
  if (!("status" in found && "input" in found)) return found;
  const verified = verifyToken(token, deps.signingKey, { instanceId, planHash: found.status.planHash, now: deps.now() });
  if ("problem" in verified)
    return answer(PROBLEM_STATUS[verified.problem.code], "This link cannot be used", verified.problem.reason, true);
  const store = await deps.store();
  if (await store.isUsed(verified.claims.jti)) return answer(409, "This link was used", "a decision was already made with this link", true);
  const plan = await store.planOf(instanceId, found.status.round);
  if (plan === undefined) return answer(409, "No decision awaited", "the request of this approval is not recorded yet", true);
  const principal = principalTrust(deps.env ?? process.env).trusted ? principalFromHeaders(request.headers) : undefined;
  const intent = request.query.get("intent") ?? undefined;
  const url = new URL(request.url);
  const body = approvalPage({
    request: {
      plan,
      expiresAt: found.status.expiresAt,
      approvers: found.status.approvers,
      escalated: found.status.escalated,
      nameSubscriptions: deps.nameSubscriptions ?? false,
    },
    action: url.pathname,
    token,
    ...(intent === undefined ? {} : { intent }),
    today: deps.now().toISOString().slice(0, 10),
    ...(principal === undefined ? {} : { signedInAs: principal.name }),
  });
  return { status: 200, body, headers: { ...NO_STORE, "Content-Type": "text/html; charset=utf-8" } };
}

export async function decideApproval(request: Request, deps: ApprovalDeps): Promise<HttpResponseInit> {
  const instanceId = request.params.instanceId ?? "";
  const contentType = request.headers.get("content-type");
  const html = wantsHtml(request, /x-www-form-urlencoded/i.test(contentType ?? ""));
  const refuse = (status: number, title: string, reason: string, extra: Record<string, unknown> = {}): HttpResponseInit => {
    deps.log.warn(`approvals: ${status} for ${instanceId}: ${reason}`);
    return answer(status, title, reason, html, extra);
  };
  if (deps.signingKey === undefined) return refuse(503, "Approvals are not configured", "GOVERNOR_APPROVAL_KEY is not set");
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES)
    return refuse(413, "Too large", `a decision is under ${MAX_BODY_BYTES} bytes`);
  const text = await request.text();
  if (Buffer.byteLength(text, "utf8") > MAX_BODY_BYTES) return refuse(413, "Too large", `a decision is under ${MAX_BODY_BYTES} bytes`);
  const form = readDecisionBody(contentType, text);
  if ("error" in form)
    return refuse(contentType && !/json|x-www-form-urlencoded/i.test(contentType) ? 415 : 400, "Unreadable decision", form.error);

  const trust = principalTrust(deps.env ?? process.env);
  if (!trust.trusted) return refuse(401, "Sign-in is not in front of Governor", trust.reason);
  const principal = principalFromHeaders(request.headers);
  if (principal === undefined) return refuse(401, "Sign in first", "nobody is signed in: sign in, then open the link again");

  const found = await awaiting(deps.client, instanceId, html);
  if (!("status" in found && "input" in found)) return found;
  const verified = verifyToken(form.token, deps.signingKey, { instanceId, planHash: found.status.planHash, now: deps.now() });
  if ("problem" in verified) {
    return refuse(PROBLEM_STATUS[verified.problem.code], "This link cannot be used", verified.problem.reason, {
      code: verified.problem.code,
    });
  }
  if (!isApprover(principal, found.status.approvers)) {
    return refuse(403, "Not an approver", `${principal.name} is not one of the approvers (${found.status.approvers.join(", ")})`);
  }
  const event = eventFromForm(form, { resourceIds: found.input.resources.map((item) => item.resourceId) }, principal.name, deps.now());
  if ("error" in event) return refuse(400, "Unreadable decision", event.error);

  const store = await deps.store();
  const first = await store.consume(verified.claims.jti, {
    instanceId,
    decidedBy: principal.name,
    decision: event.event.decision,
    at: deps.now().toISOString(),
  });
  if (!first) return refuse(409, "This link was used", "a decision was already made with this link", { code: "used" });
  try {
    await deps.client.raiseEvent(instanceId, EVENTS.approvalDecision, event.event);
  } catch (error) {
    // The decision did not reach the workflow: the link stays usable.
    await store.release(verified.claims.jti);
    throw error;
  }
  deps.log.log(`approvals: ${principal.name} decided ${event.event.decision} on ${instanceId}`);
  const what =
    event.event.decision === "snooze"
      ? `snoozed until ${event.event.snoozeUntil}; you will be asked again then`
      : `${event.event.decision} recorded; the workflow goes on`;
  return answer(202, "Decision recorded", `${what}. Decided by ${principal.name}.`, html, {
    instanceId,
    decision: event.event.decision,
    decidedBy: principal.name,
  });
}

function depsOf(context: InvocationContext): ApprovalDeps {
  const client = df.getClient(context);
  const config = loadConfig(process.env);
  return {
    client: {
      getStatus: (instanceId) => client.getStatus(instanceId, { showInput: true }),
      raiseEvent: (instanceId, eventName, data) => client.raiseEvent(instanceId, eventName, data),
    },
    store: () => appApprovalStore(process.env),
    signingKey: config.approvals.signingKey,
    nameSubscriptions: config.subscriptions.length > 1,
    now,
    log: context,
  };
}

app.http("approvalPage", {
  route: "approvals/{instanceId}",
  methods: ["GET"],
  authLevel: "anonymous",
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, context: InvocationContext) => showApproval(request, depsOf(context)),
});

app.http("approvalDecision", {
  route: "approvals/{instanceId}",
  methods: ["POST"],
  authLevel: "anonymous",
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, context: InvocationContext) => decideApproval(request, depsOf(context)),
});
