/**
 * The vocabulary of Governor's decisions: resources as the inventory sees them, the facts
 * gathered about them, policies as loaded from YAML, and the findings evaluation returns.
 * Everything here is plain data (JSON-serialisable), so it can cross into activities.
 */
import { type DescribedKind, RESOURCE_TYPES, resourceTypeOfArmType } from "../resourceTypes/index.ts";

/** The resource types policies are written for (`resource:` in a policy): the descriptors' kinds (shared/resourceTypes), and `any`. */
export type ResourceKind = DescribedKind | "any";
export const RESOURCE_KINDS: readonly ResourceKind[] = [...RESOURCE_TYPES.map((type) => type.kind), "any"];

/** ARM type (lower case) of each kind; `any` matches every resource. */
export const ARM_TYPE_OF_KIND = Object.fromEntries(RESOURCE_TYPES.map((type) => [type.kind, type.armType.toLowerCase()])) as Record<
  DescribedKind,
  string
>;

export function kindOfArmType(type: string): DescribedKind | undefined {
  return resourceTypeOfArmType(type)?.kind;
}

export type PowerState = "running" | "deallocated" | "stopped" | "starting" | "stopping" | "deallocating" | "unknown";

/** A resource as inventory returns it: Resource Graph's row, plus a few normalised fields. */
export interface InventoryResource {
  id: string;
  name: string;
  /** ARM type in lower case, as Resource Graph returns it. */
  type: string;
  kind: Exclude<ResourceKind, "any"> | undefined;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  tags: Record<string, string>;
  /** VM size, disk or snapshot SKU, AKS node size of the first pool, PostgreSQL SKU name. */
  sku?: string;
  powerState?: PowerState;
  /** ISO time the resource was created, where ARM says (`timeCreated`, `systemData.createdAt`). */
  createdAt?: string;
  managedBy?: string;
  properties: Record<string, unknown>;
}

export interface InventoryResourceGroup {
  id: string;
  name: string;
  location: string;
  tags: Record<string, string>;
  /** The resource that manages the group (an AKS cluster its node group), when one does. */
  managedBy?: string;
}

export interface Inventory {
  subscriptionId: string;
  resources: InventoryResource[];
  /** By lower-case resource group name. */
  resourceGroups: Record<string, InventoryResourceGroup>;
  /** Azure Policy exemptions at or below the subscription, when they were read (the guards honour Governor's). */
  policyExemptions?: AzurePolicyExemption[];
  /** The management groups above each subscription (by lower-case id), nearest first, when read: what `scopes:` by group match. */
  managementGroups?: Record<string, string[]>;
}

/** An Azure Policy exemption (Microsoft.Authorization/policyExemptions), as the guards need it. */
export interface AzurePolicyExemption {
  id: string;
  name: string;
  /** What it is on: the subscription, a resource group or a resource (the id before `/providers/Microsoft.Authorization/`). */
  scope: string;
  policyAssignmentId: string;
  /** The initiative's references it exempts from; empty: all of the assignment. */
  policyDefinitionReferenceIds: string[];
  /** ISO time; absent: no end. */
  expiresOn?: string;
  category: string;
  displayName?: string;
  /** `metadata.reason`, else the description. */
  reason?: string;
  /** Set on the exemptions Governor wrote (its name prefix and metadata say so): the only ones it ever changes or removes. */
  governor?: GovernorExemptionOrigin;
}

/** Where a Governor-written Azure Policy exemption comes from: an approver's "exempt until", or an `exemptions:` entry of the policy file. */
export interface GovernorExemptionOrigin {
  policy: string;
  source: "approval" | "policy-file";
  /** The policy file entry's `resource`, as written. */
  entry?: string;
  /** The metadata as written, for a rewrite that changes only the expiry. */
  metadata: Record<string, string>;
}

/** A metric the evaluation needs, for every resource of a kind. */
export interface MetricRequest {
  kind: Exclude<ResourceKind, "any">;
  metric: string;
  aggregation: MetricAggregation;
  /** Window ending at `now`, in milliseconds. */
  windowMs: number;
  /** The buckets it is computed over (ms): hourly unless it says (rightsizing reads half-hours, as Advisor does). */
  grainMs?: number;
}

/** `p95-of-max` and `p95-of-average`: the 95th percentile of the buckets' maxima (Advisor's CPU) or averages (a rate: network bytes a minute). */
export type MetricAggregation = "average" | "maximum" | "minimum" | "total" | "p95-of-max" | "p95-of-average";

/** What the facts gatherer found for one metric of one resource. */
export interface MetricFact {
  /** The aggregate over the window; null when there was no data point at all. */
  value: number | null;
  /** Data points with a value, and the number the window should have. */
  points: number;
  expectedPoints: number;
}

export interface BackupFact {
  protected: boolean;
  vaultId?: string;
  policyId?: string;
  /** The protected item's id as Azure answers it (its container and item names, in Azure's spelling). */
  itemId?: string;
  /**
   * Protection stopped with its data deleted: Azure Backup keeps the item (soft delete) until
   * `purgeAt`, and refuses to protect the VM again until it is undeleted. ISO times, absent when
   * Azure did not say.
   */
  softDeleted?: { deletedAt?: string; purgeAt?: string };
}

/** A VM size a region offers, as the Resource SKUs API describes it (its capabilities). */
export interface VmSizeFact {
  name: string;
  /** As Resource SKUs spell it: `standardDSv5Family`. */
  family: string;
  vCPUs: number;
  memoryGb: number;
  premiumIO: boolean;
  acceleratedNetworking: boolean;
  maxDataDisks: number;
  maxNics: number;
  /** `x64` or `Arm64`. */
  architecture: string;
}

/**
 * What the earlier sweeps of a policy recommended, newest first, one entry per sweep (the audit
 * trail's sweep marks and findings): by lower-case resource id, the `target` each sweep's finding
 * named, `null` for a sweep without a finding for the resource.
 */
export interface SweepHistory {
  sweeps: Array<{ instanceId: string; at: string }>;
  targets: Record<string, Array<string | null>>;
}

/** A management lock (Microsoft.Authorization/locks) of the subscription. */
export interface LockFact {
  name: string;
  level: "CanNotDelete" | "ReadOnly";
  /** What it is on: the subscription, a resource group or a resource (its id before `/providers/Microsoft.Authorization/locks/`). */
  scope: string;
}

/** One diagnostic setting of a resource: where it sends, and whether it sends anything at all. */
export interface DiagnosticSettingFact {
  name: string;
  workspaceId?: string;
  storageAccountId?: string;
  eventHubAuthorizationRuleId?: string;
  marketplacePartnerId?: string;
  /** Some log category (or group) or metric is enabled. */
  enabled: boolean;
}

/** A resource's diagnostic settings, or why they could not be read. */
export type DiagnosticSettingsFact = { settings: DiagnosticSettingFact[] } | { error: string };

/** A server parameter (a PostgreSQL flexible server's configuration), or why it could not be read. */
export type ServerParameterFact = { value: string; source?: string } | { error: string };

export interface Facts {
  /** By lower-case resource id, then by `metricKey(request)`. */
  metrics: Record<string, Record<string, MetricFact>>;
  /** The VM sizes each region offers (lower-case region), when a policy asked for them: one Resource SKUs list per region. */
  vmSizes?: Record<string, VmSizeFact[]>;
  /** By policy name: what its earlier sweeps recommended, when a policy's action remembers sweeps and the audit trail was read. */
  sweepHistory?: Record<string, SweepHistory>;
  /** By lower-case VM id; present for every VM when any policy asked for backup facts. */
  backup: Record<string, BackupFact>;
  /** Recovery Services vaults: region and policies, for enrolment. */
  vaults: Array<{ id: string; name: string; location: string; policies: string[] }>;
  /**
   * Scale sets' instances counted by power state, by lower-case id, as their instance views count
   * them: `Resources` shows no power state for a scale set; Resource Graph's `ComputeResources`
   * holds the instances of Uniform scale sets. Present when a policy asked (`instance-view`), for
   * the scale sets a policy may act on.
   */
  instanceViews?: Record<string, InstanceViewFact>;
  /** Every lock of the subscription (on it, its groups and its resources), when a policy asked. */
  locks?: LockFact[];
  /** By lower-case resource id, for the resources a policy asked about. */
  diagnosticSettings?: Record<string, DiagnosticSettingsFact>;
  /** By lower-case server id, then lower-case parameter name, for the servers a policy asked about. */
  serverParameters?: Record<string, Record<string, ServerParameterFact>>;
}

/** A scale set's instance view as it counts its instances: `{ code: "PowerState/running", count: 3 }`. */
export interface InstanceViewFact {
  statusesSummary: Array<{ code: string; count: number }>;
}

/** `Percentage CPU|average|259200000`, with `|<grain ms>` when the grain is not hourly. */
export function metricKey(request: Pick<MetricRequest, "metric" | "aggregation" | "windowMs" | "grainMs">): string {
  const grain = request.grainMs === undefined || request.grainMs === 3_600_000 ? "" : `|${request.grainMs}`;
  return `${request.metric}|${request.aggregation}|${request.windowMs}${grain}`;
}

export type FactRequest =
  | { type: "metric"; metric: string; aggregation: MetricAggregation; windowMs: number; grainMs?: number }
  | { type: "backup" }
  /** Scale sets' instances and their power states (one Resource Graph query for all). */
  | { type: "instance-view" }
  /** The VM sizes of the regions the kind's resources are in (Resource SKUs, one list per region). */
  | { type: "vm-sizes" }
  /** One list of the subscription's locks. */
  | { type: "locks" }
  /** A list per resource: only for the resources a policy asks about (shared/policy/factScope.ts). */
  | { type: "diagnostic-settings" }
  /** A read per server and parameter: only for the servers a policy asks about. */
  | { type: "server-parameter"; name: string };

/**
 * Whether a fact is to be read for a resource of a kind that asks for it: the planner narrows the
 * per-resource reads (diagnostic settings, server parameters) and the locks list to the resources
 * a policy could still find (shared/policy/factScope.ts). Every such resource when absent.
 */
export type FactScope = (request: FactRequest, resource: InventoryResource) => boolean;

/** The outcome of one condition on one resource. */
export interface ConditionResult {
  outcome: "match" | "no-match" | "not-applicable" | "unknown";
  /** Human-readable, with the values seen: `CPU average 1.8% over 72h < 5%`. */
  reason: string;
}

export type Mode = "audit" | "enforce";

export interface ApprovalSpec {
  required: boolean;
  approvers: string[];
  escalation: string[];
  timeoutMs: number;
  onTimeout: "skip" | "approve";
}

export interface Exemption {
  /** Resource id or name. */
  resource: string;
  until: string;
  reason?: string;
}

/** A condition after loading: the registered filter's name and its parsed arguments. */
export type Condition =
  { filter: string; args: unknown; source: Record<string, unknown> } | { all: Condition[] } | { any: Condition[] } | { not: Condition };

export interface ActionSpec {
  type: string;
  args: Record<string, unknown>;
}

export interface Policy {
  name: string;
  description?: string;
  resource: ResourceKind;
  mode: Mode;
  when: Condition[];
  action: ActionSpec;
  approval?: ApprovalSpec;
  limits?: { maxResources?: number };
  /** NCRONTAB of the sweep (six fields, or five without the seconds, as Azure Functions timers), in `settings.timeZone`. */
  schedule?: string;
  exemptions: Exemption[];
  /** Set when the policy deliberately acts on production (still only with approval). */
  includeProduction: boolean;
  /**
   * Hand the resources Azure Policy also finds non-compliant with this policy's modify or
   * deploy-if-not-exists references to Azure Policy remediation tasks, once approved, instead of
   * changing them one by one (shared/azurePolicy/remediationTasks.ts).
   */
  azurePolicyRemediation?: true;
}

/** A date range when changes are frozen, for some environments or all. */
export interface Blackout {
  name: string;
  /** Environments it applies to; empty means all. */
  environments: string[];
  /** Fixed dates (YYYY-MM-DD, inclusive) or a rule evaluated per month. */
  from?: string;
  to?: string;
  /** `last-working-days: 3` freezes the last three working days of each month (month-end close). */
  lastWorkingDays?: number;
  /** Months (1-12) when the blackout applies every year, e.g. [11] for a November peak. */
  months?: number[];
}

export interface Settings {
  /** Tag names of the conventions, so an estate using `Env` instead of `environment` works. */
  tags: {
    environment: string;
    owner: string;
    costCenter: string;
    application: string;
    exemptUntil: string;
    schedule: string;
    expiresOn: string;
    keep: string;
  };
  /** Environment tag values that mean production. */
  productionEnvironments: string[];
  blackouts: Blackout[];
  /** Code of the holiday calendar of schedules and blackouts: `BE`, `PL`, `DE-BY` (canonical, as shared/time/holidays.ts spells it). */
  holidays?: string;
  /** IANA time zone of blackouts (schedule tags name their own). */
  timeZone: string;
  /** Cap of disruptive and destructive changes (stop, deallocate, delete) per run across all policies; tag merges and enrolments do not count. */
  maxChangesPerRun?: number;
  dryRun: boolean;
  /** Hourly list prices by VM size or AKS node size, overriding the bundled table. */
  prices?: Record<string, number>;
  currency: string;
}

/** Where a `scopes:` entry applies: a management group (and every subscription under it), a subscription, or a resource group. */
export interface ScopeMatch {
  managementGroup?: string;
  subscription?: string;
  /** A resource group by name; with `subscription`, that subscription's only. */
  resourceGroup?: string;
}

/** The settings a scope may set for the resources under it. */
export type ScopedSettings = Partial<Pick<Settings, "timeZone" | "holidays" | "blackouts" | "productionEnvironments">>;

/** A policy as a scope changes it: off there, or with other conditions (other thresholds). */
export interface ScopedPolicy {
  enabled?: boolean;
  when?: Condition[];
}

/** One `scopes:` entry of a policy file: settings and policies of a subsidiary, a subscription or a group. */
export interface ScopeOverride {
  name: string;
  match: ScopeMatch;
  settings: ScopedSettings;
  policies: Record<string, ScopedPolicy>;
  /** A daily digest of what is in scope, to the scope's own team (a customer's, a subsidiary's), beside the platform's. */
  digest?: { to: string[] };
}

export interface PolicySet {
  settings: Settings;
  /** Overrides by management group, subscription or resource group: the most specific scope wins, field by field. */
  scopes?: ScopeOverride[];
  policies: Policy[];
  /** Files the set was loaded from, for messages. */
  sources: string[];
}

/**
 * - `remediate`: an enforce policy will act without asking;
 * - `needs-approval`: an enforce policy will act once someone approves;
 * - `audit`: reported only (audit mode, or an action that changes nothing);
 * - `blocked`: a guard stopped the action (the reason says which).
 */
export type Verdict = "remediate" | "needs-approval" | "audit" | "blocked";

export interface Finding {
  policy: string;
  resourceId: string;
  resourceName: string;
  resourceGroup: string;
  kind: ResourceKind;
  verdict: Verdict;
  action: string;
  effect: ActionEffect;
  reason: string;
  /** When a guard blocked the action: which guard. */
  guard?: string;
  /** In the settings' currency; 0 when the action saves nothing. */
  estimatedMonthlySavings: number;
  /** What the action proposes, as data (a resize's `target`): recorded with the finding, read by the policy's next sweeps. */
  details?: Record<string, string | number | boolean>;
  /** The `scopes:` entries that decided for this resource, least specific first. */
  scopes?: string[];
}

/** What an action does to a resource: the guards and approvals depend on it. */
export type ActionEffect = "none" | "modify" | "disruptive" | "destructive";
