/**
 * Loads policy files (YAML) into a PolicySet. Every mistake is reported with the file, line,
 * column and field, all at once; a file with any mistake loads nothing (never a partial load).
 */
import { readFile } from "node:fs/promises";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { isMap, isNode, isPair, isScalar, LineCounter, parseDocument, type Document } from "yaml";
import { validateBlackout } from "../time/blackouts.ts";
import { parseDuration } from "../time/duration.ts";
import { holidayCountry } from "../time/holidays.ts";
import { parseNcrontab } from "../time/ncrontab.ts";
import { unprojectablePath } from "../resourceTypes/projection.ts";
import type { Registry } from "./registry.ts";
import { actionObjectSchema, policyFieldsSchema, scopeSchema, settingsSchema } from "./schema.ts";
import { DEFAULT_SETTINGS } from "./settings.ts";
import type {
  ActionSpec,
  ApprovalSpec,
  Blackout,
  Condition,
  Exemption,
  Policy,
  PolicySet,
  ResourceKind,
  ScopedPolicy,
  ScopedSettings,
  ScopeMatch,
  ScopeOverride,
  Settings,
} from "./types.ts";

export interface PolicyIssue {
  file: string;
  line: number;
  column: number;
  /** Where in the document: `policies[2].when[1].over`. */
  path: string;
  message: string;
}

export class PolicyLoadError extends Error {
  readonly issues: PolicyIssue[];

  constructor(issues: PolicyIssue[]) {
    super(
      issues
        .map((issue) => `${issue.file}:${issue.line}:${issue.column}: ${issue.path ? `${issue.path}: ` : ""}${issue.message}`)
        .join("\n"),
    );
    this.name = "PolicyLoadError";
    this.issues = issues;
  }
}

type PathSegment = string | number;

function formatPath(path: PathSegment[]): string {
  return path.map((segment, index) => (typeof segment === "number" ? `[${segment}]` : index === 0 ? segment : `.${segment}`)).join("");
}

/** Validation state for one document: issues with positions taken from the YAML nodes. */
class Checker {
  readonly issues: PolicyIssue[] = [];
  readonly #file: string;
  readonly #doc: Document;
  readonly #lines: LineCounter;

  constructor(file: string, doc: Document, lines: LineCounter) {
    this.#file = file;
    this.#doc = doc;
    this.#lines = lines;
  }

  #position(path: PathSegment[], key?: string): { line: number; column: number } {
    // The deepest node that exists on the path: a missing field is reported at its parent.
    for (let depth = path.length; depth >= 0; depth -= 1) {
      const node = depth === 0 ? this.#doc.contents : this.#doc.getIn(path.slice(0, depth), true);
      if (!isNode(node)) continue;
      let offset = node.range?.[0];
      if (key !== undefined && depth === path.length && isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
        if (pair && isScalar(pair.key)) offset = pair.key.range?.[0] ?? offset;
      }
      if (offset !== undefined) {
        const position = this.#lines.linePos(offset);
        return { line: position.line, column: position.col };
      }
    }
    return { line: 1, column: 1 };
  }

  report(path: PathSegment[], message: string, key?: string): void {
    const { line, column } = this.#position(path, key);
    const shownPath = key === undefined ? path : [...path, key];
    this.issues.push({ file: this.#file, line, column, path: formatPath(shownPath), message });
  }

  /** Runs a compiled schema and reports each error at its own node. */
  validate(validator: ValidateFunction, value: unknown, path: PathSegment[]): boolean {
    if (validator(value)) return true;
    for (const error of validator.errors ?? []) this.#reportAjv(error, path);
    return false;
  }

  #reportAjv(error: ErrorObject, base: PathSegment[]): void {
    const relative = error.instancePath
      .split("/")
      .slice(1)
      .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment.replaceAll("~1", "/").replaceAll("~0", "~")));
    const path = [...base, ...relative];
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      case "additionalProperty":
      case "additionalProperties":
        this.report(path, `unknown field "${String(params.additionalProperty)}"`, String(params.additionalProperty));
        return;
      case "required":
        this.report(path, `missing required field "${String(params.missingProperty)}"`);
        return;
      case "enum":
        this.report(path, `must be one of ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(", ")}`);
        return;
      case "const":
        this.report(path, `must be ${JSON.stringify(params.allowedValue)}`);
        return;
      case "pattern":
        this.report(path, `"${String(this.#doc.getIn(path))}" does not have the expected form (${String(params.pattern)})`);
        return;
      default:
        this.report(path, error.message ?? `invalid (${error.keyword})`);
    }
  }
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validateTop = ajv.compile({
  type: "object",
  additionalProperties: false,
  required: ["policies"],
  properties: {
    version: { const: 1 },
    settings: settingsSchema,
    scopes: { type: "array", items: { type: "object" } },
    policies: { type: "array", items: { type: "object" } },
  },
});
const validateScope = ajv.compile(scopeSchema({ type: "object" }));
const validatePolicyFields = ajv.compile({
  type: "object",
  additionalProperties: false,
  required: ["name", "resource", "action"],
  properties: {
    ...policyFieldsSchema(),
    when: { type: "array", items: { type: "object" } },
    action: { anyOf: [{ type: "string" }, { type: "object", required: ["type"], properties: { type: { type: "string" } } }] },
  },
});

/** Compiled schemas of a registry's filters and actions, made once per registry. */
const compiledByRegistry = new WeakMap<Registry, { filters: Map<string, ValidateFunction>; actions: Map<string, ValidateFunction> }>();

function compiled(registry: Registry): { filters: Map<string, ValidateFunction>; actions: Map<string, ValidateFunction> } {
  let found = compiledByRegistry.get(registry);
  if (!found) {
    found = {
      filters: new Map(registry.filters.map((filter) => [filter.key, ajv.compile(filter.schema)])),
      actions: new Map(registry.actions.map((action) => [action.name, ajv.compile(actionObjectSchema(action.name, action.argsSchema))])),
    };
    compiledByRegistry.set(registry, found);
  }
  return found;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function parseCondition(
  raw: unknown,
  path: PathSegment[],
  policy: { name: string; kind: ResourceKind },
  registry: Registry,
  checker: Checker,
): Condition | undefined {
  const { kind } = policy;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    checker.report(path, "a condition is an object such as { tag: owner, present: true }");
    return undefined;
  }
  const condition = raw as Record<string, unknown>;
  for (const combinator of ["all", "any"] as const) {
    if (combinator in condition) {
      const items = condition[combinator];
      if (Object.keys(condition).length !== 1 || !Array.isArray(items)) {
        checker.report(path, `"${combinator}" takes a list of conditions and nothing else`);
        return undefined;
      }
      const parsed = items.map((item, index) => parseCondition(item, [...path, combinator, index], policy, registry, checker));
      if (parsed.some((item) => item === undefined)) return undefined;
      return combinator === "all" ? { all: parsed as Condition[] } : { any: parsed as Condition[] };
    }
  }
  if ("not" in condition) {
    if (Object.keys(condition).length !== 1) {
      checker.report(path, '"not" takes one condition and nothing else');
      return undefined;
    }
    const inner = parseCondition(condition.not, [...path, "not"], policy, registry, checker);
    return inner === undefined ? undefined : { not: inner };
  }
  const keys = Object.keys(condition).filter((key) => registry.filter(key) !== undefined);
  if (keys.length !== 1) {
    const known = registry.filters.map((filter) => filter.key).join(", ");
    checker.report(
      path,
      keys.length === 0
        ? `no known filter in this condition (fields: ${Object.keys(condition).join(", ") || "none"}); filters are: ${known}, or all/any/not`
        : `a condition uses one filter; this one names ${keys.join(" and ")}: split it into separate conditions`,
    );
    return undefined;
  }
  const key = keys[0] as string;
  const filter = registry.filter(key);
  if (!filter) return undefined;
  if (!checker.validate(compiled(registry).filters.get(key) as ValidateFunction, condition, path)) return undefined;
  if (filter.appliesTo && kind !== "any" && !filter.appliesTo.includes(kind)) {
    checker.report(path, `the "${key}" filter does not apply to ${kind} (it applies to ${filter.appliesTo.join(", ")})`, key);
    return undefined;
  }
  let args: unknown;
  try {
    args = filter.parse(condition);
  } catch (error) {
    checker.report(path, errorMessage(error), key);
    return undefined;
  }
  // A path the inventory cannot project would silently read as not set on every resource.
  for (const read of filter.reads?.(args, kind) ?? []) {
    const problem = unprojectablePath(read);
    if (problem !== undefined) {
      checker.report(path, `policy "${policy.name}" reads ${read}, which the inventory cannot project: ${problem}`, key);
      return undefined;
    }
  }
  return { filter: key, args, source: condition };
}

function parseAction(raw: unknown, path: PathSegment[], kind: ResourceKind, registry: Registry, checker: Checker): ActionSpec | undefined {
  const object = typeof raw === "string" ? { type: raw } : (raw as Record<string, unknown>);
  const name = String(object.type);
  const action = registry.action(name);
  if (!action) {
    checker.report(path, `unknown action "${name}"; actions are: ${registry.actions.map((item) => item.name).join(", ")}`);
    return undefined;
  }
  if (
    !checker.validate(compiled(registry).actions.get(name) as ValidateFunction, object, typeof raw === "string" ? path.slice(0, -1) : path)
  ) {
    return undefined;
  }
  // A policy for every kind can only take an action that suits every kind (tag, notify).
  if (!action.appliesTo.includes("any") && (kind === "any" || !action.appliesTo.includes(kind))) {
    checker.report(path, `the "${name}" action does not apply to ${kind} (it applies to ${action.appliesTo.join(", ")})`);
    return undefined;
  }
  const { type: _type, ...args } = object;
  try {
    return { type: name, args: action.parse ? (action.parse(args) as Record<string, unknown>) : args };
  } catch (error) {
    checker.report(path, errorMessage(error));
    return undefined;
  }
}

function parseApproval(raw: Record<string, unknown> | undefined, path: PathSegment[], checker: Checker): ApprovalSpec | undefined {
  if (raw === undefined) return undefined;
  let timeoutMs = 8 * 3_600_000;
  if (typeof raw.timeout === "string") {
    try {
      timeoutMs = parseDuration(raw.timeout);
    } catch (error) {
      checker.report([...path, "timeout"], errorMessage(error));
    }
  }
  const approval: ApprovalSpec = {
    required: raw.required !== false,
    approvers: (raw.approvers as string[] | undefined) ?? [],
    escalation: (raw.escalation as string[] | undefined) ?? [],
    timeoutMs,
    onTimeout: (raw.onTimeout as "skip" | "approve" | undefined) ?? "skip",
  };
  if (approval.required && approval.approvers.length === 0)
    checker.report(path, "an approval that is required needs at least one approver");
  return approval;
}

function isValidDate(text: string): boolean {
  return !Number.isNaN(new Date(text.length === 10 ? `${text}T00:00:00Z` : text).getTime());
}

function parsePolicy(raw: Record<string, unknown>, index: number, registry: Registry, checker: Checker): Policy | undefined {
  const path: PathSegment[] = ["policies", index];
  if (!checker.validate(validatePolicyFields, raw, path)) return undefined;
  const kind = raw.resource as ResourceKind;
  const when = ((raw.when as unknown[] | undefined) ?? []).map((condition, conditionIndex) =>
    parseCondition(condition, [...path, "when", conditionIndex], { name: raw.name as string, kind }, registry, checker),
  );
  const action = parseAction(raw.action, [...path, "action"], kind, registry, checker);
  const approval = parseApproval(raw.approval as Record<string, unknown> | undefined, [...path, "approval"], checker);
  const exemptions = (raw.exemptions as Exemption[] | undefined) ?? [];
  exemptions.forEach((exemption, exemptionIndex) => {
    if (!isValidDate(exemption.until))
      checker.report([...path, "exemptions", exemptionIndex, "until"], `"${exemption.until}" is not a date`);
  });
  const includeProduction = raw.includeProduction === true;
  if (includeProduction && approval?.required !== true) {
    checker.report(
      path,
      "includeProduction needs an approval that is required: production is never changed without a person's approval",
      "includeProduction",
    );
  }
  const azurePolicyRemediation = raw.azurePolicyRemediation === true;
  if (azurePolicyRemediation && (raw.mode ?? "audit") !== "enforce") {
    checker.report(
      path,
      "azurePolicyRemediation needs mode: enforce: an audit policy is exported with the Audit effect, which no remediation task can correct",
      "azurePolicyRemediation",
    );
  }
  if (azurePolicyRemediation && approval?.required !== true) {
    checker.report(
      path,
      "azurePolicyRemediation needs an approval that is required: a remediation task changes resources as the assignment's identity, outside Governor's executors, so a person approves each",
      "azurePolicyRemediation",
    );
  }
  const needsApproval = action === undefined ? undefined : registry.action(action.type)?.needsApproval?.(action.args);
  if (needsApproval !== undefined && approval?.required !== true) {
    checker.report([...path, "action"], `${needsApproval}: it needs an approval that is required`);
  }
  if (typeof raw.schedule === "string") {
    try {
      parseNcrontab(raw.schedule);
    } catch (error) {
      checker.report([...path, "schedule"], errorMessage(error));
    }
  }
  if (when.some((condition) => condition === undefined) || action === undefined) return undefined;
  const policy: Policy = {
    name: raw.name as string,
    resource: kind,
    mode: (raw.mode as "audit" | "enforce" | undefined) ?? "audit",
    when: when as Condition[],
    action,
    exemptions,
    includeProduction,
  };
  if (typeof raw.description === "string") policy.description = raw.description;
  if (approval) policy.approval = approval;
  if (raw.limits) policy.limits = raw.limits;
  if (typeof raw.schedule === "string") policy.schedule = raw.schedule;
  if (azurePolicyRemediation) policy.azurePolicyRemediation = true;
  return policy;
}

/** Time zone, holidays and blackouts as the file's settings or a scope's set them: checked, blackouts given their defaults. */
function parseCalendar(raw: Record<string, unknown>, path: PathSegment[], checker: Checker): { holidays?: string; blackouts?: Blackout[] } {
  const parsed: { holidays?: string; blackouts?: Blackout[] } = {};
  if (typeof raw.timeZone === "string") {
    try {
      new Intl.DateTimeFormat("en", { timeZone: raw.timeZone });
    } catch {
      checker.report([...path, "timeZone"], `"${raw.timeZone}" is not an IANA time zone`);
    }
  }
  if (typeof raw.holidays === "string") {
    try {
      parsed.holidays = holidayCountry(raw.holidays);
    } catch (error) {
      checker.report([...path, "holidays"], errorMessage(error));
    }
  }
  if (raw.blackouts !== undefined) {
    const blackouts = raw.blackouts as Blackout[];
    blackouts.forEach((blackout, index) => {
      for (const problem of validateBlackout(blackout)) checker.report([...path, "blackouts", index], problem);
    });
    parsed.blackouts = blackouts.map((blackout) => ({ ...blackout, environments: blackout.environments ?? [] }));
  }
  return parsed;
}

const matchKey = (match: ScopeMatch): string =>
  JSON.stringify([match.managementGroup?.toLowerCase(), match.subscription?.toLowerCase(), match.resourceGroup?.toLowerCase()]);

function describeMatch(match: ScopeMatch): string {
  if (match.managementGroup !== undefined) return `management group ${match.managementGroup}`;
  const group = match.resourceGroup === undefined ? undefined : `resource group ${match.resourceGroup}`;
  const subscription = match.subscription === undefined ? undefined : `subscription ${match.subscription}`;
  return [group, subscription].filter((part) => part !== undefined).join(" of ");
}

/** The `scopes:` entries: each checked with the same care as settings and policies, against the policies of the file. */
function parseScopes(raw: unknown[] | undefined, policies: readonly Policy[], registry: Registry, checker: Checker): ScopeOverride[] {
  const scopes: ScopeOverride[] = [];
  const names = new Map<string, number>();
  const matches = new Map<string, number>();
  (raw ?? []).forEach((entry, index) => {
    const path: PathSegment[] = ["scopes", index];
    if (!checker.validate(validateScope, entry, path)) return;
    const scope = entry as {
      name: string;
      match: ScopeMatch;
      settings?: Record<string, unknown>;
      policies?: Record<string, ScopedPolicy>;
      digest?: { to: string[] };
    };
    const firstName = names.get(scope.name.toLowerCase());
    if (firstName !== undefined) checker.report([...path, "name"], `scope name "${scope.name}" is already used by scopes[${firstName}]`);
    else names.set(scope.name.toLowerCase(), index);
    if (scope.match.managementGroup !== undefined && (scope.match.subscription !== undefined || scope.match.resourceGroup !== undefined)) {
      checker.report(
        [...path, "match"],
        "a scope matches a management group, or a subscription and resource group, not both: a management group holds subscriptions, not resource groups",
      );
      return;
    }
    const key = matchKey(scope.match);
    const firstMatch = matches.get(key);
    if (firstMatch !== undefined) {
      checker.report(
        [...path, "match"],
        `scopes[${firstMatch}] already matches ${describeMatch(scope.match)}: two scopes of the same place would leave which one wins to their order`,
      );
    } else matches.set(key, index);
    const settingsPath = [...path, "settings"];
    const rawSettings = scope.settings ?? {};
    const calendar = parseCalendar(rawSettings, settingsPath, checker);
    const settings: ScopedSettings = {
      ...(typeof rawSettings.timeZone === "string" ? { timeZone: rawSettings.timeZone } : {}),
      ...(calendar.holidays === undefined ? {} : { holidays: calendar.holidays }),
      ...(calendar.blackouts === undefined ? {} : { blackouts: calendar.blackouts }),
      ...(rawSettings.productionEnvironments === undefined
        ? {}
        : { productionEnvironments: rawSettings.productionEnvironments as string[] }),
    };
    const scoped: Record<string, ScopedPolicy> = {};
    let complete = true;
    for (const [name, override] of Object.entries(scope.policies ?? {})) {
      const policyPath = [...path, "policies", name];
      const policy = policies.find((candidate) => candidate.name === name);
      if (!policy) {
        checker.report([...path, "policies"], `no policy named "${name}" in this file`, name);
        complete = false;
        continue;
      }
      const when = override.when?.map((condition, conditionIndex) =>
        parseCondition(condition, [...policyPath, "when", conditionIndex], { name, kind: policy.resource }, registry, checker),
      );
      if (when?.some((condition) => condition === undefined)) {
        complete = false;
        continue;
      }
      scoped[name] = {
        ...(override.enabled === undefined ? {} : { enabled: override.enabled }),
        ...(when === undefined ? {} : { when: when as Condition[] }),
      };
    }
    if (complete)
      scopes.push({
        name: scope.name,
        match: scope.match,
        settings,
        policies: scoped,
        ...(scope.digest === undefined ? {} : { digest: { to: [...scope.digest.to] } }),
      });
  });
  return scopes;
}

function parseSettings(raw: Record<string, unknown> | undefined, checker: Checker): Settings {
  const settings: Settings = {
    ...DEFAULT_SETTINGS,
    tags: { ...DEFAULT_SETTINGS.tags, ...((raw?.tags as Partial<Settings["tags"]> | undefined) ?? {}) },
  };
  if (raw === undefined) return settings;
  for (const key of ["productionEnvironments", "holidays", "timeZone", "maxChangesPerRun", "dryRun", "prices", "currency"] as const) {
    if (raw[key] !== undefined) (settings as unknown as Record<string, unknown>)[key] = raw[key];
  }
  const calendar = parseCalendar(raw, ["settings"], checker);
  if (calendar.holidays !== undefined) settings.holidays = calendar.holidays;
  settings.blackouts = calendar.blackouts ?? [];
  return settings;
}

/** Parses the text of one policy file. Throws PolicyLoadError listing every issue. */
export function parsePolicyText(text: string, file: string, registry: Registry): PolicySet {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new PolicyLoadError(
      doc.errors.map((error) => {
        const position = lines.linePos(error.pos[0]);
        return {
          file,
          line: position.line,
          column: position.col,
          path: "",
          message: `YAML: ${error.message.split("\n")[0] ?? error.code}`,
        };
      }),
    );
  }
  const checker = new Checker(file, doc, lines);
  const data = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (!checker.validate(validateTop, data, [])) throw new PolicyLoadError(checker.issues);
  const top = data as { settings?: Record<string, unknown>; scopes?: unknown[]; policies: Array<Record<string, unknown>> };
  const settings = parseSettings(top.settings, checker);
  const policies: Policy[] = [];
  const seen = new Map<string, number>();
  top.policies.forEach((raw, index) => {
    const policy = parsePolicy(raw, index, registry, checker);
    if (typeof raw.name === "string") {
      const first = seen.get(raw.name);
      if (first !== undefined)
        checker.report(["policies", index, "name"], `policy name "${raw.name}" is already used by policies[${first}]`);
      else seen.set(raw.name, index);
    }
    if (policy) policies.push(policy);
  });
  const scopes = parseScopes(top.scopes, policies, registry, checker);
  if (checker.issues.length > 0) throw new PolicyLoadError(checker.issues);
  return { settings, ...(scopes.length > 0 ? { scopes } : {}), policies, sources: [file] };
}

export async function loadPolicyFile(path: string, registry: Registry): Promise<PolicySet> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new PolicyLoadError([{ file: path, line: 1, column: 1, path: "", message: `cannot read the file: ${errorMessage(error)}` }]);
  }
  return parsePolicyText(text, path, registry);
}
