/** The readable form of a plan: one block per policy, one line per finding, totals at the end. */
import type { Evaluation } from "../shared/policy/evaluate.ts";
import type { Finding } from "../shared/policy/types.ts";

const VERDICT_LABEL: Record<Finding["verdict"], string> = {
  remediate: "ACT",
  "needs-approval": "ASK",
  audit: "AUDIT",
  blocked: "BLOCKED",
};

function money(amount: number, currency: string): string {
  return `${amount.toLocaleString("en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

export function renderPlan(evaluation: Evaluation): string {
  const { summary } = evaluation;
  const lines: string[] = [];
  const byPolicy = new Map<string, Finding[]>();
  for (const finding of evaluation.findings) byPolicy.set(finding.policy, [...(byPolicy.get(finding.policy) ?? []), finding]);

  for (const policy of summary.policies) {
    const findings = byPolicy.get(policy.policy) ?? [];
    const counts = [
      policy.remediate ? `${policy.remediate} to act on` : "",
      policy.needsApproval ? `${policy.needsApproval} awaiting approval` : "",
      policy.audit ? `${policy.audit} reported` : "",
      policy.blocked ? `${policy.blocked} blocked by guards` : "",
      policy.undecided ? `${policy.undecided} undecided (missing data)` : "",
    ].filter(Boolean);
    lines.push(
      `${policy.policy}  [${policy.mode}, ${policy.action}]  ${findings.length === 0 ? "compliant" : counts.join(", ")}` +
        (policy.estimatedMonthlySavings > 0 ? `  saves ${money(policy.estimatedMonthlySavings, summary.currency)}/month` : ""),
    );
    if (findings.length === 0) {
      lines.push(`  ${policy.evaluated} resources evaluated, nothing to do`, "");
      continue;
    }
    const nameWidth = Math.min(40, Math.max(...findings.map((finding) => finding.resourceName.length)));
    for (const finding of findings) {
      const savings = finding.estimatedMonthlySavings > 0 ? money(finding.estimatedMonthlySavings, summary.currency) : "";
      lines.push(
        `  ${pad(VERDICT_LABEL[finding.verdict], 8)}${pad(finding.resourceName, nameWidth + 2)}${pad(savings, 14)}${finding.reason}`,
      );
    }
    lines.push("");
  }

  const total = (verdict: Finding["verdict"]): number => evaluation.findings.filter((finding) => finding.verdict === verdict).length;
  lines.push(
    `${summary.resources} resources, ${summary.policies.length} policies at ${summary.now}: ` +
      `${total("remediate")} to act on, ${total("needs-approval")} awaiting approval, ${total("audit")} reported, ${total("blocked")} blocked by guards.`,
  );
  lines.push(`Estimated savings of what Governor would act on: ${money(summary.estimatedMonthlySavings, summary.currency)} a month.`);
  const capped = evaluation.findings.filter((finding) => finding.guard === "cap");
  if (capped.length > 0) {
    // Which findings a blast-radius cap held back and why: the guard text, once per distinct reason.
    const byReason = new Map<string, Map<string, number>>();
    for (const finding of capped) {
      const reason = finding.reason.split("; ").find((part) => part.startsWith("blast-radius cap")) ?? "blast-radius cap";
      const policies = byReason.get(reason) ?? new Map<string, number>();
      policies.set(finding.policy, (policies.get(finding.policy) ?? 0) + 1);
      byReason.set(reason, policies);
    }
    for (const [reason, policies] of byReason) {
      const list = [...policies].map(([policy, count]) => `${policy} ${count}`).join(", ");
      lines.push(`Held back by the cap (${[...policies.values()].reduce((sum, count) => sum + count, 0)}: ${list}): ${reason}.`);
    }
  }
  if (summary.dryRun) lines.push("Dry-run is on in the settings: workflows would record their decisions and change nothing.");
  for (const note of summary.expiredExemptions) lines.push(`Expired exemption (no longer honoured): ${note}`);
  lines.push("This was a plan: nothing was changed.");
  return lines.join("\n");
}
