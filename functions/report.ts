/**
 * The report, served by the app: `GET /api/report` (the overview) and `GET /api/report/{page}`
 * (compliance, savings, offenders, backup, drills, approvals), the same pages `governor report`
 * writes, built at each request from the audit trail and the savings ledger on the app's storage,
 * and Azure Policy's compliance read from Policy Insights (one request, recorded as the day's
 * snapshot beside those the trend is drawn from).
 *
 * The route is anonymous behind App Service authentication, as the approval page is: the report
 * names resources, owners and approvers, so nobody signed in gets a 401 and nothing else. The
 * pages run no script: the content security policy allows none, only inline styles and the
 * inline SVG charts; never cached, never framed, no referrer. The report modules (and ECharts)
 * are imported on the first request, so other functions' cold start does not pay for them.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { app } from "@azure/functions";
import { principalFromHeaders } from "../shared/approvals/principal.ts";
import { now } from "../shared/clock.ts";

export const REPORT_HEADERS = {
  "Cache-Control": "no-store",
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  "X-Frame-Options": "DENY",
  "Content-Type": "text/html; charset=utf-8",
};

const PAGE_NAMES = ["compliance", "savings", "offenders", "backup", "drills", "approvals"];

function message(status: number, title: string, text: string): HttpResponseInit {
  const escape = (value: string) => value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
  return {
    status,
    headers: REPORT_HEADERS,
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1><p>${escape(text)}</p></body></html>`,
  };
}

export async function serveReport(
  request: Pick<HttpRequest, "headers" | "params">,
  env: NodeJS.ProcessEnv = process.env,
): Promise<HttpResponseInit> {
  if (principalFromHeaders(request.headers) === undefined)
    return message(401, "Sign in first", "the report is for signed-in people: sign in, then open it again");
  const name = request.params.page?.toLowerCase().replace(/\.html$/, "") ?? "index";
  if (name !== "index" && !PAGE_NAMES.includes(name))
    return message(404, "No such page", `the report has no page "${name}" (there are: ${PAGE_NAMES.join(", ")})`);
  const [
    { loadConfig },
    { openAuditTrail },
    { SavingsLedger },
    { loadPolicyFile },
    { builtinRegistry },
    { buildReport },
    { routeLinks },
    { appComplianceSource },
  ] = await Promise.all([
    import("../shared/config.ts"),
    import("../shared/audit/storage.ts"),
    import("../shared/savings/ledger.ts"),
    import("../shared/policy/loader.ts"),
    import("../shared/policy/builtins.ts"),
    import("../shared/report/build.ts"),
    import("../shared/report/pages.ts"),
    import("../shared/azurePolicy/complianceHistory.ts"),
  ]);
  const config = loadConfig(env);
  const ledger = await SavingsLedger.fromEnv(env);
  if (!ledger) return message(503, "No storage", "AzureWebJobsStorage is not set: there is no audit trail to report on");
  const [trail, policySet] = await Promise.all([
    openAuditTrail(env, { table: config.auditTable }),
    loadPolicyFile(config.policyFile, builtinRegistry()),
  ]);
  const pages = await buildReport(
    { trail, ledger, currency: policySet.settings.currency, now: now(), azurePolicy: appComplianceSource(config, env) },
    routeLinks,
  );
  const body = pages.get(`${name}.html` as Parameters<typeof pages.get>[0]);
  return body === undefined ? message(404, "No such page", name) : { status: 200, headers: REPORT_HEADERS, body };
}

async function handle(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    return await serveReport(request);
  } catch (error) {
    context.error(`report: ${error instanceof Error ? error.message : String(error)}`);
    return message(500, "The report could not be built", "the audit trail or the savings ledger could not be read; the app's log says why");
  }
}

app.http("report", { route: "report", methods: ["GET"], authLevel: "anonymous", handler: handle });
app.http("reportPage", { route: "report/{page}", methods: ["GET"], authLevel: "anonymous", handler: handle });
