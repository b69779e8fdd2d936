/**
 * The report's page frame: navigation, styles (screen and print: each page prints to PDF on its
 * own, without the navigation), no script. Every value put into a page goes through `escapeHtml`.
 */
import { escapeHtml } from "../approvals/html.ts";

export const PAGES = [
  { file: "index.html", title: "Overview" },
  { file: "compliance.html", title: "Compliance" },
  { file: "savings.html", title: "Savings ledger" },
  { file: "offenders.html", title: "Top offenders" },
  { file: "backup.html", title: "Backup coverage" },
  { file: "drills.html", title: "Restore drills" },
  { file: "approvals.html", title: "Approvals" },
] as const;

export type PageFile = (typeof PAGES)[number]["file"];

/** How a page names another: relative files in the static folder, `/api/report/...` from the app. */
export type LinkTo = (file: PageFile) => string;

const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1b1f24; background: #fff; }
header { padding: 16px 24px 8px; border-bottom: 1px solid #d0d7de; }
header h1 { margin: 0 0 4px; font-size: 20px; }
header p { margin: 0; color: #57606a; }
nav { display: flex; flex-wrap: wrap; gap: 4px 16px; padding: 8px 24px; border-bottom: 1px solid #d0d7de; background: #f6f8fa; }
nav a { color: #0969da; text-decoration: none; }
nav a[aria-current="page"] { font-weight: 600; color: #1b1f24; }
main { padding: 16px 24px 32px; max-width: 1200px; }
h2 { font-size: 17px; margin: 24px 0 8px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
table { border-collapse: collapse; margin: 8px 0 16px; width: 100%; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.note { color: #57606a; }
.pass { color: #1a7f37; font-weight: 600; }
.fail { color: #cf222e; font-weight: 600; }
.skip { color: #9a6700; }
figure { margin: 8px 0 16px; }
figcaption { color: #57606a; font-size: 13px; }
.figures { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0 16px; }
.figure { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 12px; min-width: 180px; }
.figure b { display: block; font-size: 20px; }
code, pre { font: 12px ui-monospace, monospace; }
pre { white-space: pre-wrap; margin: 0; }
section.drill { border-top: 1px solid #d0d7de; margin-top: 16px; }
@media print {
  nav { display: none; }
  main { max-width: none; padding: 0 12px; }
  header { padding: 0 12px 8px; }
  section, figure, table { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
`;

export function page(options: { file: PageFile; title: string; generatedAt: string; body: string; link: LinkTo }): string {
  const nav = PAGES.map(
    (entry) =>
      `<a href="${escapeHtml(options.link(entry.file))}"${entry.file === options.file ? ' aria-current="page"' : ""}>${escapeHtml(entry.title)}</a>`,
  ).join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(options.title)} · Governor report</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(options.title)}</h1><p>Governor report, from the audit trail and the savings ledger as of ${escapeHtml(options.generatedAt)}</p></header>
<nav aria-label="Report pages">${nav}</nav>
<main>
${options.body}
</main>
</body>
</html>
`;
}

/** A chart's SVG with its caption; the SVG is ECharts' own output, not user data. */
export function figure(svg: string, caption: string, name: string): string {
  return `<figure data-chart="${escapeHtml(name)}" role="img" aria-label="${escapeHtml(caption)}">${svg}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

export function table(headers: Array<string | { text: string; num?: boolean }>, rows: string[][], empty: string): string {
  if (rows.length === 0) return `<p class="note">${escapeHtml(empty)}</p>`;
  const head = headers
    .map((header) =>
      typeof header === "string"
        ? `<th>${escapeHtml(header)}</th>`
        : `<th${header.num ? ' class="num"' : ""}>${escapeHtml(header.text)}</th>`,
    )
    .join("");
  const numeric = headers.map((header) => typeof header !== "string" && header.num === true);
  const body = rows
    .map((row) => `<tr>${row.map((cell, index) => `<td${numeric[index] ? ' class="num"' : ""}>${cell}</td>`).join("")}</tr>`)
    .join("\n");
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export { escapeHtml };
