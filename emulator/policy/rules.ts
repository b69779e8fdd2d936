/**
 * Azure Policy's rule language, the subset Governor's export and the built-ins it uses need:
 * `field` (names, tags, aliases) and `value` operands; `equals`, `notEquals`, `in`, `notIn`,
 * `exists`, `like`, `notLike`, `contains`, `notContains`, `less`, `lessOrEquals`, `greater`,
 * `greaterOrEquals`, `containsKey`; `allOf`, `anyOf`, `not`; `count` over an alias's `[*]`
 * array with `where`. String comparisons are case-insensitive, as in Azure Policy.
 */
import { asText, evaluateExpression, type ExpressionScope } from "./expressions.ts";

/** A resource as a rule sees it: the model of a PUT, or the stored resource. */
export interface PolicyResource {
  id: string;
  name: string;
  type: string;
  location?: string;
  kind?: string;
  tags: Record<string, string>;
  sku?: unknown;
  properties: Record<string, unknown>;
  resourceGroup?: { name: string; location?: string; tags: Record<string, string> };
}

/** Aliases whose path is not the property path under `properties` (the rest are). */
const SPECIAL_ALIASES: Record<string, string[]> = {
  "microsoft.compute/virtualmachines/sku.name": ["properties", "hardwareProfile", "vmSize"],
  "microsoft.compute/imagepublisher": ["properties", "storageProfile", "imageReference", "publisher"],
  "microsoft.compute/imageoffer": ["properties", "storageProfile", "imageReference", "offer"],
  "microsoft.compute/imagesku": ["properties", "storageProfile", "imageReference", "sku"],
};

function child(container: unknown, key: string): unknown {
  if (container === null || typeof container !== "object" || Array.isArray(container)) return undefined;
  const record = container as Record<string, unknown>;
  if (key in record) return record[key];
  const found = Object.keys(record).find((candidate) => candidate.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : record[found];
}

const at = (root: unknown, path: string[]): unknown => path.reduce<unknown>((value, key) => child(value, key), root);

function tagOf(tags: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(tags).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : tags[key];
}

/** The value of a `field` operand; an array for a `[*]` alias. */
export function fieldValue(resource: PolicyResource, field: string): unknown {
  const lower = field.toLowerCase();
  switch (lower) {
    case "name":
    case "fullname":
      return resource.name;
    case "type":
      return resource.type;
    case "location":
      return resource.location;
    case "id":
      return resource.id;
    case "kind":
      return resource.kind;
    case "tags":
      return resource.tags;
  }
  const tag = /^tags\[['"]?(.+?)['"]?\]$/i.exec(field) ?? /^tags\.(.+)$/i.exec(field);
  if (tag) return tagOf(resource.tags, tag[1] as string);
  const special = SPECIAL_ALIASES[lower];
  if (special)
    return lower.startsWith(resource.type.toLowerCase()) || !lower.includes("/virtualmachines/") ? at(resource, special) : undefined;
  // `<Namespace>/<type>/<property path>`: applies to resources of that type only.
  const prefix = `${resource.type.toLowerCase()}/`;
  if (!lower.startsWith(prefix)) return undefined;
  const path = field.slice(prefix.length).split(".");
  const root = path[0]?.toLowerCase() === "sku" || path[0]?.toLowerCase() === "kind" ? resource : resource.properties;
  return arrayPath(root, path);
}

/** A path with `[*]` segments flattens the arrays it crosses. */
function arrayPath(root: unknown, path: string[]): unknown {
  let values: unknown[] = [root];
  let spread = false;
  for (const segment of path) {
    const star = segment.endsWith("[*]");
    const key = star ? segment.slice(0, -3) : segment;
    values = values.map((value) => child(value, key));
    if (star) {
      spread = true;
      values = values.flatMap((value): unknown[] => (Array.isArray(value) ? (value as unknown[]) : []));
    }
  }
  return spread ? values : values[0];
}

export interface RuleScope extends Omit<ExpressionScope, "field"> {
  resource: PolicyResource;
}

const lowered = (value: unknown): unknown => (typeof value === "string" ? value.toLowerCase() : value);
const same = (a: unknown, b: unknown): boolean =>
  lowered(a) === lowered(b) ||
  (a !== undefined && b !== undefined && typeof a !== typeof b && asText(a).toLowerCase() === asText(b).toLowerCase());

function like(value: unknown, pattern: unknown): boolean {
  if (typeof value !== "string" || typeof pattern !== "string") return false;
  const regex = new RegExp(
    `^${pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
    "i",
  );
  return regex.test(value);
}

function compare(value: unknown, operand: unknown): number | undefined {
  if (typeof value === "number" && typeof operand === "number") return value - operand;
  if (value === undefined || value === null) return undefined;
  const a = Number(value);
  const b = Number(operand);
  if (Number.isFinite(a) && Number.isFinite(b) && asText(value).trim() !== "") return a - b;
  return asText(value).localeCompare(asText(operand));
}

const OPERATORS = [
  "equals",
  "notEquals",
  "in",
  "notIn",
  "exists",
  "like",
  "notLike",
  "contains",
  "notContains",
  "less",
  "lessOrEquals",
  "greater",
  "greaterOrEquals",
  "containsKey",
  "notContainsKey",
] as const;

function test(operator: (typeof OPERATORS)[number], value: unknown, operand: unknown): boolean {
  const list = Array.isArray(operand) ? operand : [];
  switch (operator) {
    case "equals":
      return same(value, operand);
    case "notEquals":
      return !same(value, operand);
    case "in":
      return value !== undefined && list.some((candidate) => same(value, candidate));
    case "notIn":
      return !list.some((candidate) => same(value, candidate));
    case "exists":
      return (value !== undefined && value !== null) === (asText(operand).toLowerCase() === "true");
    case "like":
      return like(value, operand);
    case "notLike":
      return !like(value, operand);
    case "contains":
      return typeof value === "string"
        ? value.toLowerCase().includes(asText(operand).toLowerCase())
        : Array.isArray(value) && value.some((item) => same(item, operand));
    case "notContains":
      return !test("contains", value, operand);
    case "containsKey":
      return value !== null && typeof value === "object" && child(value, asText(operand)) !== undefined;
    case "notContainsKey":
      return !test("containsKey", value, operand);
    case "less":
    case "lessOrEquals":
    case "greater":
    case "greaterOrEquals": {
      const difference = compare(value, operand);
      if (difference === undefined) return false;
      return operator === "less"
        ? difference < 0
        : operator === "lessOrEquals"
          ? difference <= 0
          : operator === "greater"
            ? difference > 0
            : difference >= 0;
    }
  }
}

/** Whether a condition (the `if` of a rule, or a part of it) holds for the resource. */
export function evaluateCondition(condition: unknown, scope: RuleScope, current?: unknown): boolean {
  if (condition === null || typeof condition !== "object")
    throw new Error(`a condition must be an object, not ${JSON.stringify(condition)}`);
  const node = condition as Record<string, unknown>;
  if (Array.isArray(node.allOf)) return node.allOf.every((part) => evaluateCondition(part, scope, current));
  if (Array.isArray(node.anyOf)) return node.anyOf.some((part) => evaluateCondition(part, scope, current));
  if (node.not !== undefined) return !evaluateCondition(node.not, scope, current);
  const expressionScope: ExpressionScope = { ...scope, field: (path) => fieldValue(scope.resource, path) };
  let value: unknown;
  if (node.count !== undefined) {
    const count = node.count as { field?: string; where?: unknown };
    const items = count.field === undefined ? [] : fieldValue(scope.resource, asText(evaluateExpression(count.field, expressionScope)));
    const list = Array.isArray(items) ? items : [];
    value = count.where === undefined ? list.length : list.filter((item) => evaluateCondition(count.where, scope, item)).length;
  } else if (node.field !== undefined) {
    const field = asText(evaluateExpression(node.field, expressionScope));
    // Inside a count's `where`, a `[*]` field names the current array member.
    value =
      current !== undefined && field.includes("[*]")
        ? arrayPath(
            current,
            field
              .slice(field.indexOf("[*]") + 4)
              .split(".")
              .filter(Boolean),
          )
        : fieldValue(scope.resource, field);
  } else if ("value" in node) {
    value = evaluateExpression(node.value, expressionScope);
  } else {
    throw new Error(`a condition needs field, value, count, allOf, anyOf or not: ${JSON.stringify(condition)}`);
  }
  const operator = OPERATORS.find((name) => name in node);
  if (operator === undefined) throw new Error(`no operator the emulator knows in ${JSON.stringify(condition)}`);
  return test(operator, value, evaluateExpression(node[operator], expressionScope));
}

/** The effect of a rule's `then`, lower case (`deny`, `audit`, `modify`, `deployifnotexists`…). */
export function effectOf(then: unknown, scope: RuleScope): string {
  const effect = evaluateExpression((then as { effect?: unknown }).effect, { ...scope, field: (path) => fieldValue(scope.resource, path) });
  return asText(effect).toLowerCase();
}
