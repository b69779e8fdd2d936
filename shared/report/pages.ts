/**
 * The report's pages, from the report model (shared/report/model.ts) to HTML with inline SVG
 * charts. The same pages make the static folder (`governor report`) and `GET /api/report`; only
 * the links differ.
 */
import { resourceNameOf } from "../azure/resourceId.ts";
import type { EChartsOption } from "echarts";
import { changeText } from "../azurePolicy/complianceChanges.ts";
import { formatMoney } from "../policy/prices.ts";
import { estimatedBetween, type LedgerRow } from "../savings/rows.ts";
import { svgChart } from "./charts.ts";
import { escapeHtml, figure, type LinkTo, page, type PageFile, PAGES, table } from "./layout.ts";
import type { AzurePolicyModel, ReportModel } from "./model.ts";
import { subscriptionKeyOf } from "../azure/resourceId.ts";

const WIDE = { width: 1000, height: 320 };
const DAY_MS = 86_400_000;

const money = (amount: number, currency: string): string => escapeHtml(formatMoney(amount, currency));
const text = (value: string | number | boolean | undefined | null): string =>
  escapeHtml(value === undefined || value === null ? "-" : String(value));
const nameOf = (resourceId: string | undefined): string => (resourceId === undefined ? "-" : resourceNameOf(resourceId));
const when = (iso: string | undefined): string => (iso === undefined ? "-" : escapeHtml(`${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`));
const minutes = (seconds: number | undefined): string => (seconds === undefined ? "-" : `${(seconds / 60).toFixed(1)} min`);
const titleOf = (file: PageFile): string => PAGES.find((entry) => entry.file === file)?.title ?? file;

/**
 * With data of several subscriptions, `render` once per subscription under a heading naming it
 * (in the model's order, what names none last); with one, `render` of everything, as the page
 * looked before Governor governed several.
 */
function bySubscription<T>(
  model: ReportModel,
  items: readonly T[],
  resourceIdOf: (item: T) => string | undefined,
  render: (items: T[]) => string,
): string {
  if (model.subscriptions.length <= 1) return render([...items]);
  const groups = model.subscriptions.map(({ subscriptionId }) => ({
    heading: `Subscription ${subscriptionId}`,
    key: subscriptionId.toLowerCase(),
    items: items.filter((item) => subscriptionKeyOf(resourceIdOf(item)) === subscriptionId.toLowerCase()),
  }));
  const none = items.filter((item) => subscriptionKeyOf(resourceIdOf(item)) === undefined);
  if (none.length > 0) groups.push({ heading: "No subscription", key: "", items: none });
  return groups
    .map((group) => `<h3 data-subscription-group="${escapeHtml(group.key)}">${escapeHtml(group.heading)}</h3>\n${render(group.items)}`)
    .join("\n");
}

function statusClass(status: string | undefined): string {
  if (status === "pass" || status === "passed" || status === "applied") return "pass";
  if (status === "fail" || status === "failed") return "fail";
  return "skip";
}

/** The estimate for the same days as the realised figure: what the two columns compare. */
export function estimateForMeasuredDays(row: LedgerRow): number | undefined {
  const first = row.realised?.pairs[0]?.[0];
  if (row.realised === undefined || first === undefined) return undefined;
  const from = Date.parse(`${first}T00:00:00Z`);
  return Math.round(estimatedBetween(row, from, from + row.realised.days * DAY_MS) * 100) / 100;
}

/** The overview's figure: the count, or in a few words why there is none. */
export function azurePolicyFigure(azurePolicy: AzurePolicyModel): string {
  if (azurePolicy.status === "ok") return String(azurePolicy.today?.nonCompliantResources ?? 0);
  if (azurePolicy.status === "unavailable") return `unavailable: ${azurePolicy.code ?? "unknown"}`;
  return azurePolicy.status === "not-assigned" ? "baseline not assigned" : "not read";
}

/** Non-compliant resources of each reference at the end of each day that has a snapshot (30 and 90 days); none before the first snapshot. */
async function azurePolicyCharts(azurePolicy: AzurePolicyModel): Promise<{ trend30: string; trend90: string } | undefined> {
  const { trend } = azurePolicy;
  if (trend.days.every((point) => point.total === null)) return undefined;
  const option = (days: number): EChartsOption => {
    const points = trend.days.slice(-days);
    return {
      legend: { bottom: 0, type: "plain" },
      grid: { left: 48, right: 16, top: 16, bottom: 90 },
      xAxis: { type: "category", data: points.map((point) => point.day.slice(5)) },
      yAxis: { type: "value", name: "non-compliant resources", minInterval: 1 },
      series: [
        {
          type: "line",
          name: "Governor baseline (resources)",
          showSymbol: true,
          data: points.map((point) => point.total),
        },
        ...trend.references.map((reference) => ({
          type: "line" as const,
          name: reference,
          showSymbol: true,
          data: points.map((point) => (point.total === null ? null : (point.byReference[reference] ?? 0))),
        })),
      ],
    };
  };
  const [trend30, trend90] = await Promise.all([
    svgChart(option(30), { width: 1000, height: 340 }),
    svgChart(option(90), { width: 1000, height: 340 }),
  ]);
  return { trend30, trend90 };
}

function azurePolicyBody(azurePolicy: AzurePolicyModel, charts: { trend30: string; trend90: string } | undefined): string {
  const { today } = azurePolicy;
  const status =
    azurePolicy.status === "unavailable"
      ? `<p class="fail" data-azure-policy="unavailable">Azure Policy compliance unavailable: ${text(azurePolicy.code)}${azurePolicy.message ? ` <span class="note">(${text(azurePolicy.message)})</span>` : ""}</p>`
      : azurePolicy.status === "not-assigned"
        ? `<p class="note" data-azure-policy="not-assigned">The Governor baseline is not assigned in this subscription: Policy Insights has no compliance of it to show.</p>`
        : azurePolicy.status === "not-read"
          ? `<p class="note" data-azure-policy="not-read">Azure Policy compliance was not read for this report (no subscription to read it from).</p>`
          : `<p data-azure-policy="ok">Governor baseline (${text(nameOf(today?.initiativeId ?? today?.assignmentId))}): <b data-azure-policy-total>${today?.nonCompliantResources ?? 0}</b> non-compliant resource(s), ${today?.nonCompliantPolicies ?? 0} non-compliant polic${today?.nonCompliantPolicies === 1 ? "y" : "ies"}${today?.since ? `; ${escapeHtml(changeText(today.change))} since ${text(today.since)}` : ""}. Read from Policy Insights ${when(today?.at)}.</p>`;
  const rows = (today?.references ?? []).map((reference) => [
    text(reference.governorPolicy),
    `<span data-reference="${escapeHtml(reference.referenceId)}">${text(reference.referenceId)}</span>`,
    text(reference.definition),
    text(reference.effect),
    text(reference.groups.join(", ")),
    String(reference.nonCompliantResources),
    reference.change === undefined ? "-" : escapeHtml(changeText(reference.change)),
  ]);
  const table_ =
    azurePolicy.status === "ok"
      ? table(
          [
            "Governor policy",
            "Reference",
            "Definition",
            "Effect",
            "Group",
            { text: "Non-compliant resources", num: true },
            { text: today?.since ? `Since ${today.since}` : "Change", num: true },
          ],
          rows,
          "The initiative has no references.",
        )
      : "";
  const recorded = azurePolicy.trend.days.filter((point) => point.total !== null).reverse();
  const snapshotRows = recorded.map((point, index) => {
    const before = recorded[index + 1]?.total;
    return [
      `<span data-snapshot-day="${escapeHtml(point.day)}">${text(point.day)}</span>`,
      String(point.total),
      before === undefined || before === null ? "-" : escapeHtml(changeText((point.total ?? 0) - before)),
    ];
  });
  const trend = charts
    ? `${figure(charts.trend30, "Non-compliant resources of the Governor baseline and of each reference, from the daily snapshots (30 days)", "azure-policy-trend-30")}
${figure(charts.trend90, "Non-compliant resources of the Governor baseline and of each reference, from the daily snapshots (90 days)", "azure-policy-trend-90")}
<h3>Daily snapshots</h3>
${table(["Day (UTC)", { text: "Non-compliant resources", num: true }, { text: "Change", num: true }], snapshotRows, "")}`
    : `<p class="note">No compliance snapshot recorded yet: the trend starts with the first.</p>`;
  const notes = azurePolicy.notes.map((note) => `<p class="note">${text(note)}</p>`).join("\n");
  return `<h2 id="azure-policy">Azure Policy: the Governor baseline</h2>
${status}
${table_}
${trend}
${notes}
<p class="note">Azure Policy judges resources as they are created and as it re-evaluates them; Governor's findings above come from its own sweeps. The counts are Policy Insights' summary of the latest states of Governor's assignment; the trend is the last snapshot of each day Governor recorded (at the daily digest and at each report).</p>`;
}

async function complianceCharts(model: ReportModel): Promise<{ now: string; trend30: string; trend90: string }> {
  const { policies, environments, now, trend } = model.compliance;
  const nowOption: EChartsOption = {
    tooltip: {},
    legend: { bottom: 0 },
    grid: { left: 48, right: 16, top: 16, bottom: 120 },
    xAxis: { type: "category", data: policies, axisLabel: { rotate: 30, fontSize: 10 } },
    yAxis: { type: "value", name: "open findings", minInterval: 1 },
    series: environments.map((environment) => ({
      type: "bar",
      stack: "environment",
      name: environment,
      data: policies.map((policy) => now[policy]?.[environment] ?? 0),
    })),
  };
  const trendOption = (days: number): EChartsOption => {
    const points = trend.slice(-days);
    return {
      legend: { bottom: 0, type: "plain" },
      grid: { left: 48, right: 16, top: 16, bottom: 90 },
      xAxis: { type: "category", data: points.map((point) => point.day.slice(5)) },
      yAxis: { type: "value", name: "open findings", minInterval: 1 },
      series: policies.map((policy) => ({
        type: "line",
        stack: "policy",
        areaStyle: {},
        showSymbol: false,
        name: policy,
        data: points.map((point) => point.byPolicy[policy] ?? 0),
      })),
    };
  };
  const [nowSvg, trend30, trend90] = await Promise.all([
    svgChart(nowOption, { width: 1000, height: 380 }),
    svgChart(trendOption(30), { width: 1000, height: 340 }),
    svgChart(trendOption(90), { width: 1000, height: 340 }),
  ]);
  return { now: nowSvg, trend30, trend90 };
}

/** One subscription's figures on the overview: those the overview shows for all, less what no resource id ties to one. */
function subscriptionSection(subscription: ReportModel["subscriptions"][number], currency: string): string {
  const mtd = subscription.monthToDate;
  const figures = [
    ["Open findings", String(subscription.openFindings)],
    ["Open findings would save (estimated monthly)", formatMoney(subscription.findingsEstimatedMonthly, currency)],
    ["Savings this month (estimated)", formatMoney(mtd?.estimated ?? 0, mtd?.currency ?? currency)],
    ["Savings this month (realised)", mtd?.realised === undefined ? "not measured yet" : formatMoney(mtd.realised, mtd.currency)],
    ["Changes in the ledger", String(subscription.changes)],
    ["In effect (estimated monthly)", formatMoney(subscription.estimatedMonthly, currency)],
    ["Production without backup", String(subscription.unprotected)],
  ] as const;
  const cards = figures
    .map(
      ([title, value]) =>
        `<div class="figure" data-figure="${escapeHtml(title)}"><span>${escapeHtml(title)}</span><b>${escapeHtml(value)}</b></div>`,
    )
    .join("");
  return `<section class="subscription" data-subscription="${escapeHtml(subscription.subscriptionId)}">
<h3>Subscription ${escapeHtml(subscription.subscriptionId)}</h3>
<div class="figures">${cards}</div>
</section>`;
}

function overviewBody(model: ReportModel, link: LinkTo): string {
  const mtd = model.savings.monthToDate;
  const lastDrills = new Map<string, ReportModel["drills"][number]>();
  for (const entry of model.drills) {
    const server = entry.drill.server?.name ?? nameOf(entry.record.resourceId);
    if (!lastDrills.has(server)) lastDrills.set(server, entry);
  }
  const figures = [
    ["Open findings", String(model.compliance.open.length), "compliance.html"],
    ["Azure Policy: non-compliant resources", azurePolicyFigure(model.azurePolicy), "compliance.html"],
    ["Savings this month (estimated)", mtd ? formatMoney(mtd.estimated, mtd.currency) : formatMoney(0, model.currency), "savings.html"],
    [
      "Savings this month (realised)",
      mtd?.realised === undefined ? "not measured yet" : formatMoney(mtd.realised, mtd.currency),
      "savings.html",
    ],
    ["Changes in the ledger", String(model.savings.rows.length), "savings.html"],
    ["Production without backup", String(model.backup.unprotectedNow.length), "backup.html"],
    ["Restore drills recorded", String(model.drills.length), "drills.html"],
    ["Approval decisions", String(model.approvals.length), "approvals.html"],
  ] as const;
  const cards = figures
    .map(
      ([title, value, file]) =>
        `<a class="figure" href="${escapeHtml(link(file))}" data-figure="${escapeHtml(title)}"><span>${escapeHtml(title)}</span><b>${escapeHtml(value)}</b></a>`,
    )
    .join("");
  const drills = [...lastDrills.entries()].map(([server, { record, drill }]) => [
    text(server),
    when(record.at),
    `<span class="${statusClass(drill.outcome)}">${text(drill.outcome ?? record.outcome)}</span>`,
    `${minutes(drill.rtoSeconds)} / ${drill.objectives?.rtoMinutes === undefined ? "-" : `${drill.objectives.rtoMinutes} min`}`,
    `${minutes(drill.rpoSeconds)} / ${drill.objectives?.rpoMinutes === undefined ? "-" : `${drill.objectives.rpoMinutes} min`}`,
  ]);
  const subscriptions =
    model.subscriptions.length <= 1
      ? ""
      : `<h2>By subscription</h2>
${model.subscriptions.map((subscription) => subscriptionSection(subscription, model.currency)).join("\n")}`;
  const kinds = Object.entries(model.counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, count]) => `${escapeHtml(kind)}: ${count}`)
    .join(", ");
  return `<div class="figures">${cards}</div>
${subscriptions}
<h2>Last drill of each server</h2>
${table(["Server", "When", "Outcome", { text: "RTO / objective", num: true }, { text: "RPO / objective", num: true }], drills, "No restore drill recorded.")}
<p class="note">Built from ${kinds || "no records"} in the audit trail (the findings of the sweeps shown) and ${model.savings.rows.length} ledger row(s). Amounts in ${escapeHtml(model.currency)}.</p>`;
}

function complianceBody(
  model: ReportModel,
  charts: { now: string; trend30: string; trend90: string },
  azurePolicyCharts: { trend30: string; trend90: string } | undefined,
): string {
  const { policies, environments, now, open } = model.compliance;
  const rows = policies.map((policy) => [
    text(policy),
    ...environments.map((environment) => String(now[policy]?.[environment] ?? 0)),
    String(Object.values(now[policy] ?? {}).reduce((sum, count) => sum + count, 0)),
  ]);
  const findings = bySubscription(
    model,
    open,
    (finding) => finding.record.resourceId,
    (group) =>
      table(
        ["Policy", "Resource", "Environment", "Verdict", "Reason", "Found"],
        group.map((finding) => [
          text(finding.record.policy),
          text(nameOf(finding.record.resourceId)),
          text(finding.environment),
          text(finding.record.verdict),
          text(finding.record.reason),
          when(finding.record.at),
        ]),
        "No open findings.",
      ),
  );
  return `<h2>Now: open findings by policy and environment</h2>
${figure(charts.now, "Open findings of each policy's latest sweep, by environment", "compliance-now")}
${table(["Policy", ...environments.map((environment) => ({ text: environment, num: true })), { text: "total", num: true }], rows, "No findings recorded: no policy has been swept yet, or none found anything.")}
<h2>Trend: the last 30 days</h2>
${figure(charts.trend30, "Open findings at the end of each day, by policy (30 days)", "compliance-trend-30")}
<h2>Trend: the last 90 days</h2>
${figure(charts.trend90, "Open findings at the end of each day, by policy (90 days)", "compliance-trend-90")}
<h2>Open findings</h2>
${findings}
<p class="note">A finding is open from its sweep until a later sweep of its policy no longer records it, or a change of that policy is applied to the resource. A sweep that finds nothing closes them all: every sweep leaves its mark.</p>
${azurePolicyBody(model.azurePolicy, azurePolicyCharts)}`;
}

async function savingsBody(model: ReportModel): Promise<string> {
  const { rows, monthToDate } = model.savings;
  const measured = rows.filter((row) => row.realised !== undefined);
  const chart =
    measured.length === 0
      ? ""
      : figure(
          await svgChart(
            {
              tooltip: {},
              legend: { bottom: 0 },
              grid: { left: 64, right: 16, top: 16, bottom: 110 },
              xAxis: { type: "category", data: measured.map((row) => row.resourceName), axisLabel: { rotate: 30, fontSize: 10 } },
              yAxis: { type: "value", name: measured[0]?.realised?.currency ?? model.currency },
              series: [
                { type: "bar", name: "estimated for the measured days", data: measured.map((row) => estimateForMeasuredDays(row) ?? 0) },
                { type: "bar", name: "realised over the measured days", data: measured.map((row) => row.realised?.saving ?? 0) },
              ],
            },
            WIDE,
          ),
          "Estimated and realised saving of each measured change, over the same days",
          "savings",
        );
  const rowCells = (row: LedgerRow): string[] => {
    const estimate = estimateForMeasuredDays(row);
    return [
      when(row.appliedAt),
      text(row.resourceName),
      text(row.action),
      text(row.policy),
      money(row.estimatedMonthly, row.currency),
      String(row.hoursAvoided),
      row.endedAt ? `ended ${when(row.endedAt)}` : "in effect",
      row.realised ? String(row.realised.days) : "-",
      estimate === undefined ? "-" : money(estimate, row.currency),
      row.realised
        ? `<span data-realised="${escapeHtml(row.id)}">${money(row.realised.saving, row.realised.currency)}</span>`
        : `<span class="note">${text(row.realisedNote ?? "not measured yet")}</span>`,
      row.realised ? `${money(row.realised.before, row.realised.currency)} → ${money(row.realised.after, row.realised.currency)}` : "-",
    ];
  };
  const mtd = monthToDate
    ? `This month: estimated <b data-mtd="estimated">${money(monthToDate.estimated, monthToDate.currency)}</b>, realised <b data-mtd="realised">${monthToDate.realised === undefined ? "not measured yet" : money(monthToDate.realised, monthToDate.currency)}</b>.`
    : "No change saved anything this month.";
  return `<p>${mtd} In effect now: ${money(model.savings.estimatedMonthly, model.currency)} a month estimated. Realised over the measured windows of ${model.savings.measured} change(s): ${money(model.savings.realised, model.currency)}.</p>
${chart}
${bySubscription(
  model,
  rows,
  (row) => row.resourceId,
  (group) =>
    table(
      [
        "Applied",
        "Resource",
        "Action",
        "Policy",
        { text: "Estimated monthly", num: true },
        { text: "Hours avoided", num: true },
        "Saving",
        { text: "Days measured", num: true },
        { text: "Estimated, those days", num: true },
        { text: "Realised, those days", num: true },
        { text: "Cost before → after", num: true },
      ],
      group.map(rowCells),
      "No applied change that saves money yet.",
    ),
)}
<p class="note">One row per applied deallocate, stop or delete in the audit trail. The estimate is the one Governor decided with (the plan's record); hours avoided run until a later start of the resource. Realised: the resource's actual cost from Cost Management over the whole days after the change (at most 30) against as many days before it; the day of the change is left out.</p>`;
}

async function offendersBody(model: ReportModel): Promise<string> {
  const bars = async (entries: ReportModel["offenders"]["byOwner"], name: string): Promise<string> => {
    const top = entries.slice(0, 10).reverse();
    if (top.length === 0) return "";
    return figure(
      await svgChart(
        {
          tooltip: {},
          grid: { left: 200, right: 24, top: 16, bottom: 32 },
          xAxis: { type: "value", minInterval: 1, name: "open findings" },
          yAxis: { type: "category", data: top.map((entry) => entry.name) },
          series: [{ type: "bar", name: "open findings", data: top.map((entry) => entry.findings) }],
        },
        { width: 1000, height: 60 + top.length * 28 },
      ),
      `Open findings by ${name} (top 10)`,
      `offenders-${name.replace(/\s+/g, "-")}`,
    );
  };
  const rows = (entries: ReportModel["offenders"]["byOwner"]): string[][] =>
    entries.map((entry) => [text(entry.name), String(entry.findings), money(entry.estimatedMonthly, model.currency)]);
  const headers = ["Name", { text: "Open findings", num: true }, { text: "Estimated monthly saving", num: true }];
  return `<h2>By owner</h2>
${await bars(model.offenders.byOwner, "owner")}
${table(headers, rows(model.offenders.byOwner), "No open findings.")}
<h2>By cost centre</h2>
${await bars(model.offenders.byCostCenter, "cost centre")}
${table(headers, rows(model.offenders.byCostCenter), "No open findings.")}
<p class="note">The owner and cost centre are the tags (or the resource group's) the sweep recorded with each finding; "unknown" when there were none.</p>`;
}

async function backupBody(model: ReportModel): Promise<string> {
  const days = model.backup.days;
  const svg = await svgChart(
    {
      tooltip: {},
      legend: { bottom: 0 },
      grid: { left: 48, right: 48, top: 16, bottom: 56 },
      xAxis: { type: "category", data: days.map((day) => day.day.slice(5)) },
      yAxis: [
        { type: "value", name: "without backup", minInterval: 1 },
        { type: "value", name: "enrolled", minInterval: 1 },
      ],
      series: [
        { type: "line", name: "production resources without backup", showSymbol: false, data: days.map((day) => day.unprotected) },
        { type: "bar", name: "enrolments applied", yAxisIndex: 1, data: days.map((day) => day.enrolled) },
      ],
    },
    WIDE,
  );
  const rows = model.backup.unprotectedNow.map((finding) => [
    text(nameOf(finding.record.resourceId)),
    text(finding.record.policy),
    text(finding.environment),
    text(finding.record.reason),
    when(finding.record.at),
  ]);
  return `<p>Policies: ${model.backup.policies.map(text).join(", ") || "no backup enrolment policy has recorded a finding"}.</p>
${figure(svg, "Production resources without backup at the end of each day, and enrolments applied (90 days)", "backup")}
<h2>Without backup now</h2>
${table(["Resource", "Policy", "Environment", "Reason", "Found"], rows, "Every production resource the backup policies cover is protected.")}`;
}

async function drillsBody(model: ReportModel): Promise<string> {
  const byServer = new Map<string, ReportModel["drills"]>();
  for (const entry of model.drills) {
    const server = entry.drill.server?.name ?? nameOf(entry.record.resourceId);
    byServer.set(server, [...(byServer.get(server) ?? []), entry]);
  }
  const sections: string[] = [];
  for (const [server, drills] of [...byServer.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const oldestFirst = [...drills].reverse();
    const objectives = drills[0]?.drill.objectives ?? {};
    const markLine = (value: number | undefined) =>
      value === undefined ? undefined : { silent: true, symbol: "none", data: [{ yAxis: value, name: "objective" }] };
    const svg = await svgChart(
      {
        tooltip: {},
        legend: { bottom: 0 },
        grid: { left: 48, right: 16, top: 24, bottom: 56 },
        xAxis: { type: "category", data: oldestFirst.map((entry) => entry.record.at.slice(0, 16).replace("T", " ")) },
        yAxis: { type: "value", name: "minutes" },
        series: [
          {
            type: "bar",
            name: "RTO",
            data: oldestFirst.map((entry) => Math.round(((entry.drill.rtoSeconds ?? 0) / 60) * 10) / 10),
            ...(markLine(objectives.rtoMinutes) ? { markLine: markLine(objectives.rtoMinutes) } : {}),
          },
          {
            type: "bar",
            name: "RPO",
            data: oldestFirst.map((entry) => Math.round(((entry.drill.rpoSeconds ?? 0) / 60) * 10) / 10),
            ...(markLine(objectives.rpoMinutes) ? { markLine: markLine(objectives.rpoMinutes) } : {}),
          },
        ],
      },
      { width: 1000, height: 280 },
    );
    const details = drills.map(({ record, drill }) => {
      const checks = (drill.checks ?? []).map((check) => [
        text(check.name),
        `<span class="${statusClass(check.status)}">${text(check.status)}</span>`,
        text(check.message),
        `<pre>${escapeHtml(JSON.stringify(check.values ?? {}, null, 1))}</pre>`,
      ]);
      const rto = `${minutes(drill.rtoSeconds)} against ${drill.objectives?.rtoMinutes === undefined ? "no objective" : `${drill.objectives.rtoMinutes} min`}${drill.rtoMet === undefined ? "" : drill.rtoMet ? " (met)" : " (MISSED)"}`;
      const rpo = `${minutes(drill.rpoSeconds)} against ${drill.objectives?.rpoMinutes === undefined ? "no objective" : `${drill.objectives.rpoMinutes} min`}${drill.rpoMet === undefined ? "" : drill.rpoMet ? " (met)" : " (MISSED)"}`;
      return `<section class="drill" data-drill="${escapeHtml(record.id)}">
<h3>${when(record.at)}: <span class="${statusClass(drill.outcome)}">${text(drill.outcome ?? record.outcome)}</span></h3>
${table(
  ["Restore point", "Point in time", "RTO", "RPO", "RPO evidence", "Drill server", "Teardown"],
  [
    [
      text(drill.restorePoint),
      when(drill.pointInTime),
      escapeHtml(rto),
      escapeHtml(rpo),
      text(drill.recoveryPoint?.note ?? drill.recoveryPoint?.method),
      text(drill.drillServer?.name),
      `<span class="${drill.teardown?.confirmed ? "pass" : "fail"}">${drill.teardown?.confirmed ? "deleted" : "NOT confirmed deleted"}</span>: ${text(drill.teardown?.note)}`,
    ],
  ],
  "",
)}
${(drill.failures ?? []).length > 0 ? `<p class="fail">Failures: ${(drill.failures ?? []).map(text).join("; ")}</p>` : ""}
${drill.skipped ? `<p class="skip">Skipped: ${text(drill.skipped)}</p>` : ""}
${table(["Check", "Status", "Message", "Values seen"], checks, "No check ran.")}
<p class="note">Instance ${text(record.instanceId)}; requested ${when(drill.timings?.requestedAt)}, ready ${when(drill.timings?.readyAt)}, verified ${when(drill.timings?.verifiedAt)}, torn down ${when(drill.timings?.tornDownAt)}.</p>
</section>`;
    });
    sections.push(`<h2>${text(server)}</h2>
${figure(svg, `RTO and RPO of each drill of ${server}, against the objectives`, `drill-${server}`)}
${details.join("\n")}`);
  }
  return sections.length === 0 ? `<p class="note">No restore drill recorded.</p>` : sections.join("\n");
}

function approvalsBody(model: ReportModel): string {
  const rows = model.approvals.map(({ record, requestedAt, requestedFrom, delivery }) => [
    when(record.at),
    text(record.policy),
    text(record.action),
    text(record.reason),
    record.actor.type === "person" ? `<b>${text(record.actor.name ?? record.actor.id)}</b>` : text(`Governor (${record.actor.id})`),
    `${text(record.instanceId)}${requestedAt ? `<br><span class="note">requested ${when(requestedAt)}${delivery ? `, ${text(delivery)}` : ""}: ${text(requestedFrom)}</span>` : ""}`,
  ]);
  return `${table(["When", "Policy", "Action", "Decision", "Decided by", "Request"], rows, "No approval recorded.")}
<p class="note">Each decision as the approval workflow recorded it, with the request it answered (the workflow instance, and when and to whom the request went).</p>`;
}

/** Every page of the report, by file name. */
export async function reportPages(model: ReportModel, link: LinkTo): Promise<Map<PageFile, string>> {
  const [charts, policyCharts] = await Promise.all([complianceCharts(model), azurePolicyCharts(model.azurePolicy)]);
  const bodies: Record<PageFile, string> = {
    "index.html": overviewBody(model, link),
    "compliance.html": complianceBody(model, charts, policyCharts),
    "savings.html": await savingsBody(model),
    "offenders.html": await offendersBody(model),
    "backup.html": await backupBody(model),
    "drills.html": await drillsBody(model),
    "approvals.html": approvalsBody(model),
  };
  const pages = new Map<PageFile, string>();
  for (const { file } of PAGES)
    pages.set(file, page({ file, title: titleOf(file), generatedAt: model.generatedAt, body: bodies[file], link }));
  return pages;
}

/** Links of the static folder: files side by side. */
export const staticLinks: LinkTo = (file) => file;
/** Links of the app's route. */
export const routeLinks: LinkTo = (file) => (file === "index.html" ? "/api/report" : `/api/report/${file.replace(/\.html$/, "")}`);
