/**
 * Guards apply to every finding whatever its policy says, each with its reason. The same
 * functions run when a workflow is about to act (on a fresh read of the resource), because the
 * world changes while an approval waits.
 */
import { activeBlackout } from "../time/blackouts.ts";
import { environmentOf, isProductionOrUnknown } from "./environment.ts";
import type { EvaluationContext } from "./registry.ts";
import { tagValue } from "./settings.ts";
import { isGovernorAssignment, policyOfReference } from "../azurePolicy/names.ts";
import type { ActionEffect, AzurePolicyExemption, InventoryResource, Policy } from "./types.ts";

export interface GuardBlock {
  /** `refused`: what the action cannot do to this resource at all (its module's `refuses`). */
  guard: "exemption" | "production" | "change-window" | "cap" | "dry-run" | "refused";
  reason: string;
}

export interface GuardPass {
  /** Short notes of guards passed, for the finding's reason ("not exempt"). */
  notes: string[];
  /** Exemptions that had expired: reported, no longer honoured. */
  expiredExemptions: string[];
}

function parseDate(text: string): Date | undefined {
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text.trim()) ? `${text.trim()}T23:59:59Z` : text.trim());
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const changesAzure = (effect: ActionEffect): boolean => effect !== "none";
const stopsOrDeletes = (effect: ActionEffect): boolean => effect === "disruptive" || effect === "destructive";

const within = (scope: string, id: string): boolean => {
  const outer = scope.toLowerCase().replace(/\/+$/, "");
  const inner = id.toLowerCase();
  return inner === outer || inner.startsWith(`${outer}/`);
};

/**
 * Azure Policy exemptions of Governor's assignment on the resource (or its group or subscription)
 * that name one of this policy's references in the initiative, or none (the whole assignment).
 */
export function azurePolicyExemptionsFor(
  resource: InventoryResource,
  policy: Policy,
  exemptions: readonly AzurePolicyExemption[],
): AzurePolicyExemption[] {
  return exemptions.filter(
    (exemption) =>
      isGovernorAssignment(exemption.policyAssignmentId) &&
      within(exemption.scope, resource.id) &&
      (exemption.policyDefinitionReferenceIds.length === 0 ||
        exemption.policyDefinitionReferenceIds.some(
          (reference) => policyOfReference(reference).toLowerCase() === policy.name.toLowerCase(),
        )),
  );
}

/** Exempt by an Azure Policy exemption (formal, seen in the portal) until it expires. */
function azurePolicyExemptionGuard(
  resource: InventoryResource,
  policy: Policy,
  ctx: EvaluationContext,
  pass: GuardPass,
): GuardBlock | undefined {
  for (const exemption of azurePolicyExemptionsFor(resource, policy, ctx.inventory.policyExemptions ?? [])) {
    const why = exemption.reason ? `: ${exemption.reason}` : "";
    if (exemption.expiresOn === undefined)
      return { guard: "exemption", reason: `exempt: Azure Policy exemption ${exemption.name} (${exemption.category}, no end date${why})` };
    if (Date.parse(exemption.expiresOn) > ctx.now.getTime())
      return {
        guard: "exemption",
        reason: `exempt: Azure Policy exemption ${exemption.name} until ${exemption.expiresOn} (${exemption.category}${why})`,
      };
    pass.expiredExemptions.push(`${resource.name}: Azure Policy exemption ${exemption.name} until ${exemption.expiresOn} has expired`);
    pass.notes.push(`Azure Policy exemption until ${exemption.expiresOn} expired`);
  }
  return undefined;
}

/**
 * Exempt by the resource's `governor-exempt-until` tag or by the policy's exemptions list, until a
 * date (inclusive), or by an Azure Policy exemption of Governor's assignment until it expires.
 */
export function exemptionGuard(
  resource: InventoryResource,
  policy: Policy,
  ctx: EvaluationContext,
  pass: GuardPass,
): GuardBlock | undefined {
  const tagged = tagValue(resource.tags, ctx.settings.tags.exemptUntil);
  const listed = policy.exemptions.filter(
    (exemption) =>
      exemption.resource.toLowerCase() === resource.id.toLowerCase() || exemption.resource.toLowerCase() === resource.name.toLowerCase(),
  );
  const candidates = [
    ...(tagged === undefined
      ? []
      : [{ until: tagged, source: `tag ${ctx.settings.tags.exemptUntil}`, reason: tagValue(resource.tags, "governor-exempt-reason") }]),
    ...listed.map((exemption) => ({ until: exemption.until, source: `policy ${policy.name} exemptions`, reason: exemption.reason })),
  ];
  for (const candidate of candidates) {
    const until = parseDate(candidate.until);
    if (until === undefined) {
      // An exemption nobody can read is honoured: acting against the owner's clear intent is worse than waiting.
      return { guard: "exemption", reason: `exempt (${candidate.source} = "${candidate.until}" is not a date; fix it or remove it)` };
    }
    if (until.getTime() >= ctx.now.getTime()) {
      return {
        guard: "exemption",
        reason: `exempt until ${candidate.until} (${candidate.source}${candidate.reason ? `: ${candidate.reason}` : ""})`,
      };
    }
    pass.expiredExemptions.push(`${resource.name}: exemption until ${candidate.until} (${candidate.source}) has expired`);
    pass.notes.push(`exemption until ${candidate.until} expired`);
  }
  const formal = azurePolicyExemptionGuard(resource, policy, ctx, pass);
  if (formal) return formal;
  if (candidates.length === 0 && !pass.notes.some((note) => note.startsWith("Azure Policy exemption"))) pass.notes.push("not exempt");
  return undefined;
}

/** Production (or an unknown environment) is never stopped or deleted unless the policy names it and requires approval. */
export function productionGuard(
  resource: InventoryResource,
  policy: Policy,
  effect: ActionEffect,
  ctx: EvaluationContext,
): GuardBlock | undefined {
  if (!stopsOrDeletes(effect) || !isProductionOrUnknown(resource, ctx)) return undefined;
  const environment = environmentOf(resource, ctx).value;
  if (policy.includeProduction && policy.approval?.required === true) return undefined;
  return {
    guard: "production",
    reason:
      environment === undefined
        ? "environment unknown (no tag on the resource or its group): treated as production, never stopped or deleted"
        : `environment=${environment} is production: never stopped or deleted unless a policy names production and requires approval`,
  };
}

export function changeWindowGuard(
  resource: InventoryResource,
  effect: ActionEffect,
  ctx: EvaluationContext,
  pass: GuardPass,
): GuardBlock | undefined {
  if (!stopsOrDeletes(effect) || ctx.settings.blackouts.length === 0) return undefined;
  const environment = environmentOf(resource, ctx).value;
  const active = activeBlackout(ctx.settings.blackouts, environment, ctx.now, {
    timeZone: ctx.settings.timeZone,
    ...(ctx.settings.holidays === undefined ? {} : { holidays: ctx.settings.holidays }),
  });
  if (active) return { guard: "change-window", reason: `change freeze: ${active.reason}` };
  pass.notes.push("outside change freeze");
  return undefined;
}

export function dryRunGuard(effect: ActionEffect, ctx: EvaluationContext): GuardBlock | undefined {
  if (!changesAzure(effect) || !ctx.settings.dryRun) return undefined;
  return { guard: "dry-run", reason: "dry-run is on: decided and recorded, nothing changed" };
}

/** The guards that depend on one resource, in the order their reasons matter most. */
export function resourceGuards(
  resource: InventoryResource,
  policy: Policy,
  effect: ActionEffect,
  ctx: EvaluationContext,
): { block: GuardBlock | undefined; pass: GuardPass } {
  const pass: GuardPass = { notes: [], expiredExemptions: [] };
  const block =
    (changesAzure(effect) ? exemptionGuard(resource, policy, ctx, pass) : undefined) ??
    productionGuard(resource, policy, effect, ctx) ??
    changeWindowGuard(resource, effect, ctx, pass) ??
    dryRunGuard(effect, ctx);
  return { block, pass };
}
