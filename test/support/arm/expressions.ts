/**
 * Just enough of ARM template expressions (`[format('{0}/x', parameters('a'))]`) to check the
 * template here, where Azure cannot be reached: a parser for the language, and an evaluator for
 * the functions the template uses. What only a deployment knows (`reference`, `list*`, `utcNow`)
 * evaluates to an opaque value that names where it came from. An unknown function is an error
 * naming it, so the checks never silently skip what they cannot read.
 */

export type Expression =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "call"; name: string; args: Expression[] }
  | { kind: "property"; target: Expression; name: string }
  | { kind: "index"; target: Expression; index: Expression };

/** A value only a deployment knows: `reference(...).principalId`, `listKeys(...)...`. */
export class Opaque {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return `<${this.text}>`;
  }
}

/** Whether a template string is an expression (`[...]`, not the `[[` escape of a literal bracket). */
export function isExpression(text: string): boolean {
  return text.startsWith("[") && text.endsWith("]") && !text.startsWith("[[");
}

export function parseExpression(text: string): Expression {
  if (!isExpression(text)) throw new Error(`not an ARM expression: ${text}`);
  const source = text.slice(1, -1);
  let at = 0;
  const fail = (message: string): never => {
    throw new Error(`${message} at ${at} in ${text}`);
  };
  const space = (): void => {
    while (at < source.length && /\s/.test(source[at] as string)) at += 1;
  };
  const primary = (): Expression => {
    space();
    const char = source[at];
    if (char === "'") {
      let value = "";
      at += 1;
      for (;;) {
        if (at >= source.length) fail("unterminated string");
        if (source[at] === "'") {
          if (source[at + 1] === "'") {
            value += "'";
            at += 2;
            continue;
          }
          at += 1;
          return { kind: "string", value };
        }
        value += source[at];
        at += 1;
      }
    }
    const number = /^-?\d+/.exec(source.slice(at));
    if (number) {
      at += number[0].length;
      return { kind: "number", value: Number(number[0]) };
    }
    const name = /^[A-Za-z_][\w.]*/.exec(source.slice(at));
    if (!name) return fail("expected a string, a number or a function");
    at += name[0].length;
    space();
    if (source[at] !== "(") fail(`expected ( after ${name[0]}`);
    at += 1;
    const args: Expression[] = [];
    space();
    if (source[at] === ")") at += 1;
    else {
      for (;;) {
        args.push(postfix());
        space();
        if (source[at] === ",") {
          at += 1;
          continue;
        }
        if (source[at] === ")") {
          at += 1;
          break;
        }
        fail("expected , or )");
      }
    }
    return { kind: "call", name: name[0], args };
  };
  const postfix = (): Expression => {
    let expression = primary();
    for (;;) {
      space();
      if (source[at] === ".") {
        at += 1;
        const name = /^\w+/.exec(source.slice(at));
        if (!name) fail("expected a property name");
        at += (name as RegExpExecArray)[0].length;
        expression = { kind: "property", target: expression, name: (name as RegExpExecArray)[0] };
      } else if (source[at] === "[") {
        at += 1;
        const index = postfix();
        space();
        if (source[at] !== "]") fail("expected ]");
        at += 1;
        expression = { kind: "index", target: expression, index };
      } else return expression;
    }
  };
  const expression = postfix();
  space();
  if (at !== source.length) fail("unexpected text");
  return expression;
}

/** Every function call in an expression, outermost first. */
export function calls(expression: Expression): Array<{ name: string; args: Expression[] }> {
  switch (expression.kind) {
    case "call":
      return [{ name: expression.name, args: expression.args }, ...expression.args.flatMap(calls)];
    case "property":
      return calls(expression.target);
    case "index":
      return [...calls(expression.target), ...calls(expression.index)];
    default:
      return [];
  }
}

/**
 * Where a template deploys: a management group (a management-group-level template), a
 * subscription, or a resource group of one (a group-level template).
 */
export interface Scope {
  /** Absent only at management-group level. */
  subscriptionId?: string;
  tenantId: string;
  resourceGroup?: string;
  /** The management group's name, for a management-group-level template and the templates below it. */
  managementGroup?: string;
}

/** The subscription of a scope, or an error naming the function that needed one at management-group level. */
export function subscriptionOf(scope: Scope, needed = "a subscription"): string {
  if (scope.subscriptionId === undefined) throw new Error(`${needed} in a management-group-level template`);
  return scope.subscriptionId;
}

export function managementGroupId(name: string): string {
  return `/providers/Microsoft.Management/managementGroups/${name}`;
}

export interface EvaluationContext {
  scope: Scope;
  parameters: Record<string, unknown>;
  /** Raw variable definitions, evaluated when used. */
  variables: Record<string, unknown>;
  /** Inside one instance of a resource's copy loop: that instance's index, for copyIndex(). */
  copyIndex?: number;
}

/** The segments of a resource id after `/providers/`: type segments interleaved with name segments. */
function typedPath(type: string, names: string[]): string {
  const [namespace, ...types] = type.split("/");
  if (types.length !== names.length)
    throw new Error(`${type} needs ${types.length} name segment(s), not ${names.length} (${names.join("/")})`);
  return [namespace, ...types.flatMap((segment, index) => [segment, names[index] as string])].join("/");
}

export function groupId(scope: Scope, group: string): string {
  return `/subscriptions/${subscriptionOf(scope, `the resource group ${group}`)}/resourceGroups/${group}`;
}

export function resourceIdIn(prefix: string, type: string, names: string[]): string {
  // ARM names a resource group /subscriptions/{id}/resourceGroups/{name} however the id was built.
  if (type.toLowerCase() === "microsoft.resources/resourcegroups" && names.length === 1) return `${prefix}/resourceGroups/${names[0]}`;
  return `${prefix}/providers/${typedPath(type, names)}`;
}

/** The id ARM gives a resource of a template deployed at `scope`; `extensionScope` is its `scope` property, evaluated. */
export function templateResourceId(
  scope: Scope,
  type: string,
  name: string,
  extra: { resourceGroup?: string; extensionScope?: string; subscriptionId?: string },
): string {
  if (extra.subscriptionId !== undefined) {
    const { subscriptionId, ...rest } = extra;
    return templateResourceId({ ...scope, subscriptionId }, type, name, rest);
  }
  const names = name.split("/");
  if (type.toLowerCase() === "microsoft.resources/resourcegroups") return groupId(scope, name);
  const group = extra.resourceGroup ?? scope.resourceGroup;
  const container =
    group !== undefined
      ? groupId(scope, group)
      : scope.subscriptionId === undefined && scope.managementGroup !== undefined
        ? managementGroupId(scope.managementGroup)
        : `/subscriptions/${subscriptionOf(scope)}`;
  if (extra.extensionScope !== undefined) {
    const target = extra.extensionScope.startsWith("/") ? extra.extensionScope : `${container}/providers/${extra.extensionScope}`;
    return resourceIdIn(target, type, names);
  }
  return resourceIdIn(container, type, names);
}

/** A stand-in for ARM's deterministic hashes: stable, and different inputs give different outputs. */
function hash(parts: unknown[], length: number): string {
  const text = parts.map(String).join("|");
  let a = 0x811c9dc5;
  let b = 0x2545f491;
  for (let index = 0; index < text.length; index += 1) {
    a = Math.imul(a ^ text.charCodeAt(index), 0x01000193);
    b = Math.imul(b ^ text.charCodeAt(index), 0x5bd1e995);
  }
  return ((a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0")).repeat(3).slice(0, length);
}

function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Opaque) return value.toString();
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

export function evaluate(expression: Expression, context: EvaluationContext, resolving: string[] = []): unknown {
  const recurse = (inner: Expression): unknown => evaluate(inner, context, resolving);
  switch (expression.kind) {
    case "string":
    case "number":
      return expression.value;
    case "property": {
      const target = recurse(expression.target);
      if (target instanceof Opaque) return new Opaque(`${target.text}.${expression.name}`);
      if (typeof target !== "object" || target === null || !(expression.name in target))
        throw new Error(`no property ${expression.name} in ${text(target)}`);
      return (target as Record<string, unknown>)[expression.name];
    }
    case "index": {
      const target = recurse(expression.target);
      const index = recurse(expression.index);
      if (target instanceof Opaque) return new Opaque(`${target.text}[${text(index)}]`);
      if (Array.isArray(target) || typeof index !== "string") return (target as Record<string, unknown>)[String(index)];
      // An object's property names are case-insensitive in ARM: the name as written first, then any case.
      const record = target as Record<string, unknown>;
      if (index in record) return record[index];
      const name = Object.keys(record).find((key) => key.toLowerCase() === index.toLowerCase());
      return name === undefined ? undefined : record[name];
    }
    case "call":
      break;
  }
  const args = (): unknown[] => expression.args.map(recurse);
  const { scope } = context;
  switch (expression.name.toLowerCase()) {
    case "parameters": {
      const [name] = args() as string[];
      if (!(String(name) in context.parameters)) throw new Error(`parameters('${name}') is not declared`);
      return context.parameters[String(name)];
    }
    case "variables": {
      const [name] = args() as string[];
      const key = String(name);
      if (!(key in context.variables)) throw new Error(`variables('${key}') is not declared`);
      if (resolving.includes(key)) throw new Error(`variables('${key}') refers to itself through ${resolving.join(" → ")}`);
      return evaluateValue(context.variables[key], context, [...resolving, key]);
    }
    case "format": {
      const [template, ...values] = args();
      return String(template).replace(/\{(\d+)\}/g, (_match, index: string) => text(values[Number(index)]));
    }
    case "concat": {
      const values = args();
      return values.every(Array.isArray) ? values.flat() : values.map(text).join("");
    }
    case "tolower":
      return text(args()[0]).toLowerCase();
    case "createarray":
      return args();
    case "if": {
      const [condition, then, otherwise] = args();
      if (typeof condition !== "boolean") throw new Error(`if() of ${text(condition)}, not a boolean`);
      return condition ? then : otherwise;
    }
    case "contains": {
      // An object's property names are compared case-insensitively, as ARM does; arrays and strings as written.
      const [container, item] = args();
      if (Array.isArray(container)) return container.some((each) => JSON.stringify(each) === JSON.stringify(item));
      if (typeof container === "string") return container.includes(text(item));
      if (container !== null && typeof container === "object")
        return Object.keys(container).some((name) => name.toLowerCase() === text(item).toLowerCase());
      throw new Error(`contains() of ${text(container)}`);
    }
    case "union": {
      // Arrays: the items of each in order, an item equal to an earlier one left out (as ARM does).
      const values = args();
      if (!values.every(Array.isArray)) throw new Error(`union() of ${values.map(text).join(", ")}: only arrays are supported here`);
      const seen = new Set<string>();
      return values.flat().filter((item) => {
        const key = JSON.stringify(item);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    }
    case "guid":
      return `${hash(args(), 8)}-${hash([...args(), 1], 4)}-${hash([...args(), 2], 4)}-${hash([...args(), 3], 4)}-${hash([...args(), 4], 12)}`;
    case "uniquestring":
      return hash(args(), 13);
    case "subscription": {
      const subscriptionId = subscriptionOf(scope, "subscription()");
      return { id: `/subscriptions/${subscriptionId}`, subscriptionId, tenantId: scope.tenantId };
    }
    case "managementgroup":
      if (scope.managementGroup === undefined) throw new Error("managementGroup() outside a management-group-level template");
      if (scope.subscriptionId !== undefined) throw new Error("managementGroup() in a template below the management group");
      return { id: managementGroupId(scope.managementGroup), name: scope.managementGroup };
    case "tenant":
      return { tenantId: scope.tenantId };
    case "copyindex": {
      if (context.copyIndex === undefined) throw new Error("copyIndex() outside a copy loop");
      const [offset] = args();
      return context.copyIndex + (offset === undefined ? 0 : Number(offset));
    }
    case "join": {
      const [items, delimiter] = args();
      if (!Array.isArray(items)) throw new Error(`join() of ${text(items)}, not an array`);
      return items.map(text).join(text(delimiter));
    }
    case "length": {
      const [value] = args();
      if (Array.isArray(value) || typeof value === "string") return value.length;
      throw new Error(`length() of ${text(value)}`);
    }
    case "resourcegroup":
      if (scope.resourceGroup === undefined) throw new Error("resourceGroup() in a subscription-level template");
      return { id: groupId(scope, scope.resourceGroup), name: scope.resourceGroup };
    case "deployment":
      return { location: "westeurope", name: "governor" };
    case "resourceid": {
      const values = args().map(text);
      const typeAt = values.findIndex((value) => value.includes("/"));
      if (typeAt < 0) throw new Error(`resourceId without a type: ${values.join(", ")}`);
      const before = values.slice(0, typeAt);
      const type = values[typeAt] as string;
      const names = values.slice(typeAt + 1);
      const subscription = before.length === 2 ? (before[0] as string) : subscriptionOf(scope, "resourceId()");
      const group = before.length >= 1 ? (before.at(-1) as string) : scope.resourceGroup;
      const prefix = group === undefined ? `/subscriptions/${subscription}` : groupId({ ...scope, subscriptionId: subscription }, group);
      return resourceIdIn(prefix, type, names);
    }
    case "subscriptionresourceid": {
      const values = args().map(text);
      const typeAt = values.findIndex((value) => value.includes("/"));
      const subscription =
        typeAt === 1 ? (values[0] as string) : subscriptionOf(scope, "subscriptionResourceId() without a subscription id");
      return resourceIdIn(`/subscriptions/${subscription}`, values[typeAt] as string, values.slice(typeAt + 1));
    }
    case "tenantresourceid": {
      const [type, ...names] = args().map(text);
      return resourceIdIn("", type as string, names);
    }
    case "extensionresourceid": {
      const [target, type, ...names] = args().map(text);
      return resourceIdIn(target as string, type as string, names);
    }
    case "reference":
      return new Opaque(`reference(${text(args()[0])})`);
    case "utcnow":
      return new Opaque("utcNow()");
    case "newguid":
      return new Opaque("newGuid()");
    default:
      if (/^list/i.test(expression.name)) return new Opaque(`${expression.name}(${text(args()[0])})`);
      throw new Error(`the checks do not know the ARM function ${expression.name}()`);
  }
}

/** A template value with its expressions evaluated, objects and arrays included. */
export function evaluateValue(value: unknown, context: EvaluationContext, resolving: string[] = []): unknown {
  if (typeof value === "string")
    return isExpression(value) ? evaluate(parseExpression(value), context, resolving) : value.replace(/^\[\[/, "[");
  if (Array.isArray(value)) return value.map((item) => evaluateValue(item, context, resolving));
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        typeof key === "string" && isExpression(key) ? text(evaluateValue(key, context, resolving)) : key,
        evaluateValue(item, context, resolving),
      ]),
    );
  return value;
}
