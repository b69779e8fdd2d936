/**
 * Governor's policies as Azure Policy: each policy with an equivalent becomes references of one
 * initiative, preferring Microsoft's built-in definitions with parameters, else a custom
 * definition of Governor's own; the references are grouped by domain (tagging, cost, security,
 * resilience). What Azure Policy cannot express (metrics, schedules, approvals, drills, dates
 * compared with today, stopping or deleting) stays Governor's, and the export says why for each.
 * Pure: a policy set in, JSON documents out.
 *
 * Governor's `mode: audit` becomes the Audit effect (AuditIfNotExists for existence checks);
 * `mode: enforce` becomes Deny, Modify or DeployIfNotExists. The assignment itself starts in
 * `DoNotEnforce` (the template), so nothing is denied before someone decides it should be.
 */
import { BUILTINS, type BuiltinReference, builtinId } from "./builtins.ts";
import { GOVERNOR_INITIATIVE_NAME, referenceId } from "./names.ts";
import type { LocationArgs } from "../policy/filters/location.ts";
import type { SkuArgs } from "../policy/filters/sku.ts";
import type { TagArgs as TagFilterArgs } from "../policy/filters/tag.ts";
import type { EnvironmentArgs } from "../policy/filters/environment.ts";
import type { BackupArgs } from "../policy/filters/backup.ts";
import type { DiagnosticSettingArgs } from "../policy/filters/diagnosticSetting.ts";
import type { ValueArgs } from "../policy/filters/value.ts";
import { type Condition, type Policy, type PolicySet } from "../policy/types.ts";
import { resourceTypeOfKind } from "../resourceTypes/index.ts";

export const DOMAINS = ["tagging", "cost", "security", "resilience"] as const;
export type Domain = (typeof DOMAINS)[number];

const DOMAIN_DESCRIPTIONS: Record<Domain, string> = {
  tagging: "Tags every resource must carry, inherited from its resource group",
  cost: "Sizes and SKUs that keep spending predictable",
  security: "Where resources may live and how they are exposed",
  resilience: "Backups and their redundancy",
};

/** The JSON of a policy rule (`if` / `then`), as Azure Policy reads it. */
export type PolicyRule = { if: Record<string, unknown>; then: Record<string, unknown> };

export interface CustomDefinition {
  name: string;
  properties: {
    displayName: string;
    description: string;
    policyType: "Custom";
    mode: "Indexed" | "All";
    metadata: { category: string; version: string; governor: { policies: string[] } };
    parameters: Record<string, Record<string, unknown>>;
    policyRule: PolicyRule;
  };
}

export interface InitiativeReference {
  policyDefinitionReferenceId: string;
  policyDefinitionId: string;
  parameters: Record<string, { value: unknown }>;
  groupNames: [Domain];
}

export interface Initiative {
  name: string;
  properties: {
    displayName: string;
    description: string;
    policyType: "Custom";
    metadata: { category: string; version: string };
    policyDefinitionGroups: Array<{ name: Domain; displayName: string; description: string }>;
    parameters: Record<string, never>;
    policyDefinitions: InitiativeReference[];
  };
}

export interface NotExported {
  policy: string;
  reason: string;
}

export interface AzurePolicyExport {
  definitions: CustomDefinition[];
  initiative: Initiative;
  /** Roles the assignment's identity needs for the modify and deploy-if-not-exists references (lower-case ids). */
  roleDefinitionIds: string[];
  notExported: NotExported[];
  /** What a reader should know about a reference (an effect lowered for want of an option). */
  notes: string[];
}

export interface ExportOptions {
  /** How a custom definition is referred to by id: at a subscription, a management group, or an ARM expression. */
  definitionId?: (name: string) => string;
  /** Backup policy id of each region's vault (`westeurope` → `/subscriptions/…/backupPolicies/gold`): enables deploy-if-not-exists. */
  backupPolicies?: Record<string, string>;
}

/** In a subscription-level ARM template, the custom definition deployed beside the initiative. */
export const templateDefinitionId = (name: string): string =>
  `[subscriptionResourceId('Microsoft.Authorization/policyDefinitions', '${name}')]`;

const VERSION = "1.0.0";
const FILTER_REASONS: Record<string, string> = {
  metric: "metrics over time (CPU averages): Azure Policy sees a resource's properties, never its metrics",
  "off-hours": "schedules (a governor-schedule tag against the clock and holidays): Azure Policy has no clock",
  "power-state": "power state: Azure Policy sees the resource's model, not its instance view",
  age: "age compared with today: Azure Policy rules cannot compare a date with the current time",
  expired: "dates in tags compared with today: Azure Policy rules cannot compare a date with the current time",
  "snapshot-source": "snapshots by source: relations between resources of an inventory",
  "last-snapshot-of-disk": "the newest snapshot of a disk: relations between resources of an inventory",
  "disk-attached": "attachment of disks: relations between resources of an inventory",
  orphaned:
    "what uses a resource (IP configurations, VMs, backends, apps, a group's contents): relations between resources of an inventory",
  "server-parameter":
    "server parameters: a PostgreSQL server's configurations are resources of their own, not properties a rule on the server reads, and no built-in Governor refers to audits them",
  lock: "management locks: a lock is a resource of its own, and the one that protects a resource may sit on its group or the subscription, where a rule on the resource does not look",
};
const ACTION_REASONS: Record<string, string> = {
  deallocate: "deallocating: no Azure Policy effect stops or deallocates a resource",
  stop: "stopping: no Azure Policy effect stops a resource",
  delete: "deleting: no Azure Policy effect deletes a resource",
  "snapshot-then-delete": "snapshotting, then deleting: no Azure Policy effect takes a snapshot or deletes a resource",
  resize: "resizing on metrics: no Azure Policy effect resizes a VM, and its rules do not read metrics",
  "restore-drill": "restore drills: Azure Policy does not restore or verify backups",
};

class Exporter {
  readonly definitions = new Map<string, CustomDefinition>();
  readonly references: InitiativeReference[] = [];
  readonly roles = new Set<string>();
  readonly notes: string[] = [];

  readonly set: PolicySet;
  readonly options: Required<Pick<ExportOptions, "definitionId">> & ExportOptions;

  constructor(set: PolicySet, options: Required<Pick<ExportOptions, "definitionId">> & ExportOptions) {
    this.set = set;
    this.options = options;
  }

  builtin(policy: Policy, part: string | undefined, builtin: BuiltinReference, parameters: Record<string, unknown>, domain: Domain): void {
    for (const name of Object.keys(parameters)) {
      if (!builtin.parameters.includes(name)) throw new Error(`built-in ${builtin.displayName} has no parameter ${name}`);
    }
    this.reference(policy, part, builtinId(builtin), parameters, domain);
    for (const role of builtin.roleDefinitionIds) this.roles.add(role.toLowerCase());
  }

  custom(
    policy: Policy,
    part: string | undefined,
    definition: CustomDefinition,
    parameters: Record<string, unknown>,
    domain: Domain,
  ): void {
    const existing = this.definitions.get(definition.name);
    if (existing)
      existing.properties.metadata.governor.policies = [...new Set([...existing.properties.metadata.governor.policies, policy.name])];
    else this.definitions.set(definition.name, definition);
    this.reference(policy, part, this.options.definitionId(definition.name), parameters, domain);
  }

  reference(policy: Policy, part: string | undefined, id: string, parameters: Record<string, unknown>, domain: Domain): void {
    this.references.push({
      policyDefinitionReferenceId: referenceId(policy.name, part),
      policyDefinitionId: id,
      parameters: Object.fromEntries(Object.entries(parameters).map(([name, value]) => [name, { value }])),
      groupNames: [domain],
    });
  }
}

/** The effect a built-in accepts, spelt as its allowed values spell it. */
function effectOf(builtin: BuiltinReference, wanted: string): string | undefined {
  return (
    builtin.effects.find((effect) => effect === wanted) ?? builtin.effects.find((effect) => effect.toLowerCase() === wanted.toLowerCase())
  );
}

const effectParameter = (allowed: string[]): Record<string, unknown> => ({
  type: "String",
  allowedValues: allowed,
  defaultValue: allowed[0],
  metadata: { displayName: "Effect", description: "Audit reports; Deny refuses a create or update that breaks the rule." },
});

function customDefinition(
  name: string,
  displayName: string,
  description: string,
  category: string,
  policy: Policy,
  parameters: Record<string, Record<string, unknown>>,
  policyRule: PolicyRule,
): CustomDefinition {
  return {
    name,
    properties: {
      displayName,
      description,
      policyType: "Custom",
      mode: "Indexed",
      metadata: { category, version: VERSION, governor: { policies: [policy.name] } },
      parameters,
      policyRule,
    },
  };
}

/** Leaves of the top-level conditions, looking into `any` / `all` (not into `not`). */
function leaves(conditions: readonly Condition[]): Array<Extract<Condition, { filter: string }> | { not: Condition }> {
  return conditions.flatMap((condition) =>
    "all" in condition ? leaves(condition.all) : "any" in condition ? leaves(condition.any) : [condition],
  );
}

const filterLeaves = (policy: Policy, name: string) =>
  leaves(policy.when).filter((leaf): leaf is Extract<Condition, { filter: string }> => "filter" in leaf && leaf.filter === name);

function allowedLocations(set: PolicySet): string[] | undefined {
  for (const policy of set.policies) {
    for (const leaf of filterLeaves(policy, "location")) {
      const args = leaf.args as LocationArgs;
      if (args.operator === "notIn") return args.regions;
    }
  }
  return undefined;
}

/** Why a policy cannot become Azure Policy, or undefined when some rule of the export takes it. */
function blockers(policy: Policy): string[] {
  const reasons: string[] = [];
  const filters = new Set(leaves(policy.when).flatMap((leaf) => ("filter" in leaf ? [leaf.filter] : ["not"])));
  for (const filter of filters) if (FILTER_REASONS[filter]) reasons.push(FILTER_REASONS[filter]);
  const versions = leaves(policy.when).filter(
    (leaf) => "filter" in leaf && leaf.filter === "value" && (leaf.args as ValueArgs).test.operator === "versionBelow",
  );
  if (versions.some((leaf) => "filter" in leaf && valueBuiltinOf(policy, leaf.args as ValueArgs) === undefined)) {
    reasons.push("versions compared (versionBelow): Azure Policy compares strings, not versions, and no built-in covers this property");
  }
  const action = ACTION_REASONS[policy.action.type];
  if (action) reasons.push(action);
  // A policy that hands its resources to remediation tasks has its approval for those tasks: Governor asks it before each.
  if (policy.approval?.required && !policy.azurePolicyRemediation) reasons.push("approvals: Azure Policy has no approval step");
  return reasons;
}

type Rule = (exporter: Exporter, policy: Policy) => boolean;

const locationRule: Rule = (exporter, policy) => {
  const [leaf, ...others] = leaves(policy.when);
  if (!leaf || others.length > 0 || !("filter" in leaf) || leaf.filter !== "location" || policy.resource !== "any") return false;
  const args = leaf.args as LocationArgs;
  if (args.operator !== "notIn") return false;
  const builtin = BUILTINS.allowedLocations;
  exporter.builtin(
    policy,
    undefined,
    builtin,
    { listOfAllowedLocations: args.regions, effect: effectOf(builtin, policy.mode === "enforce" ? "Deny" : "Audit") },
    "security",
  );
  return true;
};

const vmSizeRule: Rule = (exporter, policy) => {
  const [leaf, ...others] = leaves(policy.when);
  if (!leaf || others.length > 0 || !("filter" in leaf) || leaf.filter !== "sku" || policy.resource !== "virtual-machine") return false;
  const args = leaf.args as SkuArgs;
  if (args.operator !== "notIn") return false;
  if (policy.mode === "enforce") {
    exporter.builtin(policy, undefined, BUILTINS.allowedVmSizes, { listOfAllowedSKUs: args.values }, "cost");
    return true;
  }
  // The built-in denies and nothing else: auditing needs a rule of Governor's with the same test.
  const definition = customDefinition(
    "governor-allowed-vm-sizes",
    "Governor: allowed virtual machine size SKUs",
    "Virtual machines of a size outside the list (the built-in Allowed virtual machine size SKUs, with an effect to choose).",
    "Compute",
    policy,
    {
      listOfAllowedSKUs: { type: "Array", metadata: { displayName: "Allowed Size SKUs", strongType: "VMSKUs" } },
      effect: effectParameter(["Audit", "Deny", "Disabled"]),
    },
    {
      if: {
        allOf: [
          { field: "type", equals: "Microsoft.Compute/virtualMachines" },
          { not: { field: "Microsoft.Compute/virtualMachines/sku.name", in: "[parameters('listOfAllowedSKUs')]" } },
        ],
      },
      then: { effect: "[parameters('effect')]" },
    },
  );
  exporter.custom(policy, undefined, definition, { listOfAllowedSKUs: args.values, effect: "Audit" }, "cost");
  return true;
};

const requireTagDefinition = (policy: Policy): CustomDefinition =>
  customDefinition(
    "governor-require-tag",
    "Governor: require a tag on resources",
    "Resources without the tag (the built-in Require a tag on resources, with an effect to choose).",
    "Tags",
    policy,
    {
      tagName: { type: "String", metadata: { displayName: "Tag Name", description: "Name of the tag, such as 'environment'" } },
      effect: effectParameter(["Audit", "Deny", "Disabled"]),
    },
    {
      if: { field: "[concat('tags[', parameters('tagName'), ']')]", exists: "false" },
      then: { effect: "[parameters('effect')]" },
    },
  );

/** `tag: X, present: false` conditions (any of them) with a tag action: require each tag, inherit those the action inherits. */
const requiredTagsRule: Rule = (exporter, policy) => {
  if (policy.action.type !== "tag" || policy.resource !== "any") return false;
  const all = leaves(policy.when);
  const missing = all.flatMap((leaf) => {
    if (!("filter" in leaf) || leaf.filter !== "tag") return [];
    const args = leaf.args as TagFilterArgs;
    return args.test.operator === "present" && !args.test.present ? [args.name] : [];
  });
  if (missing.length === 0 || missing.length !== all.length) return false;
  const inherit = Array.isArray(policy.action.args.inherit) ? (policy.action.args.inherit as string[]) : [];
  for (const tag of missing) {
    if (policy.mode === "enforce") {
      if (inherit.includes(tag)) exporter.builtin(policy, `inherit-${tag}`, BUILTINS.inheritTagIfMissing, { tagName: tag }, "tagging");
      exporter.builtin(policy, `require-${tag}`, BUILTINS.requireTag, { tagName: tag }, "tagging");
    } else {
      exporter.custom(policy, `require-${tag}`, requireTagDefinition(policy), { tagName: tag, effect: "Audit" }, "tagging");
    }
  }
  return true;
};

/** `backup: unprotected` (with an environment list) and enroll-backup: the built-in that enrols tagged VMs in their region's vault. */
const backupRule: Rule = (exporter, policy) => {
  if (policy.resource !== "virtual-machine") return false;
  const all = leaves(policy.when);
  const backup = all.find((leaf) => "filter" in leaf && leaf.filter === "backup");
  const environment = all.find((leaf) => "filter" in leaf && leaf.filter === "environment");
  if (!backup || all.length !== (environment ? 2 : 1) || !("filter" in backup) || (backup.args as BackupArgs).protected) return false;
  if (policy.action.type !== "enroll-backup" && policy.action.type !== "notify") return false;
  const environments = environment && "filter" in environment ? (environment.args as EnvironmentArgs) : undefined;
  if (environments?.operator === "notIn") return false;
  const regions = [...new Set([...Object.keys(exporter.options.backupPolicies ?? {}), ...(allowedLocations(exporter.set) ?? [])])].sort();
  if (regions.length === 0) return false;
  const builtin = BUILTINS.backupVmsWithTag;
  for (const region of regions) {
    const backupPolicyId = exporter.options.backupPolicies?.[region];
    const deploy = policy.mode === "enforce" && policy.action.type === "enroll-backup" && backupPolicyId !== undefined;
    if (policy.mode === "enforce" && !deploy) {
      exporter.notes.push(
        `${referenceId(policy.name, region)}: AuditIfNotExists until the backup policy of the ${region} vault is given (--backup-policy ${region}=<id>)`,
      );
    }
    exporter.builtin(
      policy,
      region,
      builtin,
      {
        vaultLocation: region,
        inclusionTagName: exporter.set.settings.tags.environment,
        inclusionTagValue: environments?.values ?? [],
        backupPolicyId: backupPolicyId ?? "",
        effect: effectOf(builtin, deploy ? "DeployIfNotExists" : "AuditIfNotExists"),
      },
      "resilience",
    );
  }
  return true;
};

/** Property tests Microsoft ships a built-in for, by kind, path and the value that breaks the rule; the parameters it takes for that test, and what a reader should know. */
const VALUE_BUILTINS: Array<{
  kind: Policy["resource"];
  path: string;
  operator: string;
  expected: unknown;
  builtin: BuiltinReference;
  parameters?: Record<string, unknown>;
  note?: string;
}> = [
  {
    kind: "postgresql-server",
    path: "properties.backup.geoRedundantBackup",
    operator: "equals",
    expected: "Disabled",
    builtin: BUILTINS.postgresGeoRedundantBackup,
  },
  {
    kind: "postgresql-server",
    path: "properties.network.publicNetworkAccess",
    operator: "equals",
    expected: "Enabled",
    builtin: BUILTINS.postgresPublicNetworkAccess,
  },
  {
    kind: "storage-account",
    path: "properties.supportsHttpsTrafficOnly",
    operator: "equals",
    expected: false,
    builtin: BUILTINS.storageHttpsOnly,
  },
  {
    kind: "storage-account",
    path: "properties.allowBlobPublicAccess",
    operator: "equals",
    expected: true,
    builtin: BUILTINS.storagePublicBlobAccess,
  },
  {
    kind: "storage-account",
    path: "properties.minimumTlsVersion",
    operator: "versionBelow",
    expected: "1.2",
    builtin: BUILTINS.storageMinimumTls,
    parameters: { minimumTlsVersion: "TLS1_2" },
    note: "the built-in also reports a storage account whose minimumTlsVersion is not set, which Governor's value test leaves out",
  },
  {
    kind: "redis-cache",
    path: "properties.enableNonSslPort",
    operator: "equals",
    expected: true,
    builtin: BUILTINS.redisSecureConnectionsOnly,
  },
];

/** The built-in for a policy's value test, if Microsoft ships one. */
function valueBuiltinOf(policy: Policy, test: ValueArgs): (typeof VALUE_BUILTINS)[number] | undefined {
  return VALUE_BUILTINS.find(
    (entry) =>
      entry.kind === policy.resource &&
      entry.path === test.path &&
      entry.operator === test.test.operator &&
      String(entry.expected) === String(test.test.expected),
  );
}

const OPERATOR_OF_TEST: Record<string, string> = {
  equals: "equals",
  notEquals: "notEquals",
  in: "in",
  notIn: "notIn",
  below: "less",
  above: "greater",
  present: "exists",
};

/** Each `value` test on a kind's properties (any of them): a built-in where Microsoft has one, else a rule on the property's alias. */
const valueRule: Rule = (exporter, policy) => {
  if (policy.resource === "any") return false;
  const all = leaves(policy.when);
  if (all.length === 0 || !all.every((leaf) => "filter" in leaf && leaf.filter === "value")) return false;
  if (policy.when.length !== 1 && !policy.when.every((condition) => "filter" in condition)) return false;
  const typeName = azurePolicyTypeOf(policy.resource);
  if (typeName === undefined) return false;
  const tests = all.map((leaf) => ("filter" in leaf ? (leaf.args as ValueArgs) : undefined)).filter((args) => args !== undefined);
  if (!tests.every((test) => test.segments[0] === "properties" && test.segments.length > 1)) return false;
  tests.forEach((test) => {
    const known = valueBuiltinOf(policy, test);
    const part = test.segments.at(-1) as string;
    const domain: Domain = /backup|redundan/i.test(test.path) ? "resilience" : "security";
    if (known) {
      const effect = effectOf(known.builtin, policy.mode === "enforce" ? "Deny" : "Audit") ?? effectOf(known.builtin, "Audit");
      if (policy.mode === "enforce" && effect?.toLowerCase() !== "deny") {
        exporter.notes.push(`${referenceId(policy.name, part)}: ${known.builtin.displayName} can only audit`);
      }
      exporter.builtin(policy, part, known.builtin, { ...known.parameters, effect }, domain);
      if (known.note) exporter.notes.push(`${referenceId(policy.name, part)}: ${known.note}`);
      return;
    }
    const alias = `${typeName}/${test.segments.slice(1).join(".")}`;
    const operator = OPERATOR_OF_TEST[test.test.operator] as string;
    const expected = test.test.operator === "present" ? String(test.test.expected) : test.test.expected;
    const definition = customDefinition(
      `governor-${policy.name}-${part.toLowerCase()}`.slice(0, 64),
      `Governor: ${policy.name} (${test.path})`,
      `${policy.description ?? policy.name} — ${test.path} ${test.test.operator} ${JSON.stringify(test.test.expected)}.`,
      "Governor",
      policy,
      { effect: effectParameter(["Audit", "Deny", "Disabled"]) },
      {
        if: {
          allOf: [
            { field: "type", equals: typeName },
            { field: alias, [operator]: expected },
          ],
        },
        then: { effect: "[parameters('effect')]" },
      },
    );
    exporter.custom(policy, part, definition, { effect: policy.mode === "enforce" ? "Deny" : "Audit" }, domain);
  });
  return true;
};

/**
 * Resources of some kinds (`value: kind, in: [...]`) without a diagnostic setting that sends to a
 * Log Analytics workspace: Microsoft's audit of a diagnostic setting for selected resource types.
 * It is weaker than Governor's test, and the export says so: it asks for a setting that enables
 * logs and metrics, wherever it sends them.
 */
const diagnosticsRule: Rule = (exporter, policy) => {
  if (policy.resource !== "any") return false;
  const all = leaves(policy.when);
  const kinds = all.find((leaf) => "filter" in leaf && leaf.filter === "value" && (leaf.args as ValueArgs).path === "kind");
  const setting = all.find((leaf) => "filter" in leaf && leaf.filter === "diagnostic-setting");
  if (all.length !== 2 || !kinds || !setting || !("filter" in kinds) || !("filter" in setting)) return false;
  const kindTest = (kinds.args as ValueArgs).test;
  const { destination, present } = setting.args as DiagnosticSettingArgs;
  if (kindTest.operator !== "in" || destination !== "log-analytics" || present) return false;
  const types = kindTest.expected.map((kind) => azurePolicyTypeOf(String(kind) as Exclude<Policy["resource"], "any">));
  if (types.some((type) => type === undefined)) return false;
  exporter.builtin(
    policy,
    undefined,
    BUILTINS.diagnosticSettingsForTypes,
    { listOfResourceTypes: types, logsEnabled: true, metricsEnabled: true },
    "security",
  );
  exporter.notes.push(
    `${referenceId(policy.name)}: the built-in asks for a diagnostic setting that enables logs and metrics, wherever it sends them; Governor's finding asks for one that sends to a Log Analytics workspace`,
  );
  return true;
};

/** ARM types as Azure Policy aliases spell them (the descriptors' `azurePolicyType`, else their ARM type). */
function azurePolicyTypeOf(kind: Exclude<Policy["resource"], "any">): string | undefined {
  const descriptor = resourceTypeOfKind(kind);
  return descriptor && (descriptor.azurePolicyType ?? descriptor.armType);
}

const RULES: Rule[] = [locationRule, vmSizeRule, requiredTagsRule, backupRule, valueRule, diagnosticsRule];

export function exportAzurePolicy(set: PolicySet, options: ExportOptions = {}): AzurePolicyExport {
  const exporter = new Exporter(set, { definitionId: templateDefinitionId, ...options });
  const notExported: NotExported[] = [];
  for (const policy of set.policies) {
    const blocked = blockers(policy);
    if (blocked.length > 0) {
      notExported.push({ policy: policy.name, reason: blocked.join("; ") });
      continue;
    }
    if (!RULES.some((rule) => rule(exporter, policy))) {
      notExported.push({ policy: policy.name, reason: "no Azure Policy equivalent for its conditions and action" });
    } else if (policy.azurePolicyRemediation) {
      exporter.notes.push(
        `${policy.name}: its approval is asked before each remediation task Governor starts for existing resources; once the assignment enforces, Azure Policy corrects new and updated resources itself, without asking`,
      );
    }
  }
  const used = new Set(exporter.references.map((reference) => reference.groupNames[0]));
  return {
    definitions: [...exporter.definitions.values()],
    initiative: {
      name: GOVERNOR_INITIATIVE_NAME,
      properties: {
        displayName: "Governor baseline",
        description: "Governor's policies that Azure Policy can evaluate, prevent or remediate, grouped by domain.",
        policyType: "Custom",
        metadata: { category: "Governor", version: VERSION },
        policyDefinitionGroups: DOMAINS.filter((domain) => used.has(domain)).map((domain) => ({
          name: domain,
          displayName: domain[0]?.toUpperCase() + domain.slice(1),
          description: DOMAIN_DESCRIPTIONS[domain],
        })),
        parameters: {},
        policyDefinitions: exporter.references,
      },
    },
    roleDefinitionIds: [...exporter.roles].sort(),
    notExported,
    notes: exporter.notes,
  };
}

/** The reference ids of the initiative that come from one Governor policy. */
export function referencesOf(exported: AzurePolicyExport, policy: string): string[] {
  return exported.initiative.properties.policyDefinitions
    .map((reference) => reference.policyDefinitionReferenceId)
    .filter((id) => id === policy || id.startsWith(`${policy}.`));
}
