/**
 * The JSON Schema of policy files, generated from the registry: each registered filter adds its
 * condition shape, each action its object form. `governor schema` prints it; editors use it for
 * completion and validation. The loader validates with the same pieces.
 */
import type { JsonSchema, Registry } from "./registry.ts";
import { RESOURCE_KINDS } from "./types.ts";
import { HOLIDAY_CODE_DESCRIPTION, HOLIDAY_CODE_PATTERN } from "../time/holidays.ts";

export const DURATION_PATTERN = "^\\d+(\\.\\d+)?\\s*(ms|s|m|h|d|w)$";
const DATE_PATTERN = "^\\d{4}-\\d{2}-\\d{2}(T.*)?$";

const stringList: JsonSchema = { type: "array", items: { type: "string", minLength: 1 } };

export const settingsSchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  description: "Conventions and guards shared by every policy of the file.",
  properties: {
    tags: {
      type: "object",
      additionalProperties: false,
      description: "Tag names of your conventions (e.g. Env instead of environment).",
      properties: Object.fromEntries(
        ["environment", "owner", "costCenter", "application", "exemptUntil", "schedule", "expiresOn", "keep"].map((key) => [
          key,
          { type: "string", minLength: 1 },
        ]),
      ),
    },
    productionEnvironments: { ...stringList, description: "Environment tag values that mean production." },
    blackouts: {
      type: "array",
      description: "Change freezes: no disruptive or destructive change while one is in force.",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name"],
        properties: {
          name: { type: "string", minLength: 1 },
          environments: stringList,
          from: { type: "string", pattern: DATE_PATTERN },
          to: { type: "string", pattern: DATE_PATTERN },
          lastWorkingDays: { type: "integer", minimum: 1, maximum: 10 },
          months: { type: "array", items: { type: "integer", minimum: 1, maximum: 12 } },
        },
      },
    },
    holidays: { type: "string", pattern: HOLIDAY_CODE_PATTERN, description: HOLIDAY_CODE_DESCRIPTION },
    timeZone: { type: "string", description: "IANA time zone of blackout dates (default Europe/Brussels); schedule tags name their own." },
    maxChangesPerRun: { type: "integer", minimum: 0, description: "Blast-radius cap across all policies of a run." },
    dryRun: { type: "boolean", description: "Decide and record, change nothing." },
    prices: {
      type: "object",
      additionalProperties: { type: "number", minimum: 0 },
      description: "Hourly prices by VM or node size, overriding the bundled list prices.",
    },
    currency: { type: "string", pattern: "^[A-Z]{3}$" },
  },
};

const SCOPED_SETTINGS = ["timeZone", "holidays", "blackouts", "productionEnvironments"] as const;
const settingsProperties = settingsSchema.properties as Record<string, JsonSchema>;

/** A `scopes:` entry; `condition` is how its policies' `when` items are described (the registry's conditions, or any object). */
export function scopeSchema(condition: JsonSchema): JsonSchema {
  return {
    type: "object",
    additionalProperties: false,
    required: ["name", "match"],
    properties: {
      name: { type: "string", minLength: 1, description: "What the scope is (a subsidiary, a customer), as findings name it." },
      description: { type: "string" },
      match: {
        type: "object",
        additionalProperties: false,
        minProperties: 1,
        description: "A management group, a subscription, or a resource group (of one subscription, or by name in any).",
        properties: {
          managementGroup: { type: "string", minLength: 1, description: "Management group name (id), e.g. mg-nordwind-pl." },
          subscription: { type: "string", pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$" },
          resourceGroup: { type: "string", minLength: 1 },
        },
      },
      settings: {
        type: "object",
        additionalProperties: false,
        description: "Settings of the resources in scope; each replaces the file's (or a less specific scope's).",
        properties: Object.fromEntries(SCOPED_SETTINGS.map((key) => [key, settingsProperties[key] as JsonSchema])),
      },
      digest: {
        type: "object",
        additionalProperties: false,
        required: ["to"],
        description:
          "A daily digest of what is in scope (findings, changes, approvals, drills), by email to the scope's own team at 07:00 in its time zone, beside the platform's.",
        properties: {
          to: { type: "array", minItems: 1, uniqueItems: true, items: { type: "string", pattern: "^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$" } },
        },
      },
      policies: {
        type: "object",
        description: "Policies as they apply in scope: off (enabled: false), or with other conditions (when).",
        additionalProperties: {
          type: "object",
          additionalProperties: false,
          properties: { enabled: { type: "boolean" }, when: { type: "array", items: condition } },
        },
      },
    },
  };
}

export const approvalSchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    required: { type: "boolean" },
    approvers: stringList,
    escalation: stringList,
    timeout: { type: "string", pattern: DURATION_PATTERN },
    onTimeout: { enum: ["skip", "approve"] },
  },
};

export const exemptionSchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["resource", "until"],
  properties: {
    resource: { type: "string", minLength: 1, description: "Resource id or name." },
    until: { type: "string", pattern: DATE_PATTERN },
    reason: { type: "string" },
  },
};

/** The object form of an action: `{ type: <name>, ...its arguments }`. */
export function actionObjectSchema(
  name: string,
  args: { properties: Record<string, JsonSchema>; required?: string[] } | undefined,
): JsonSchema {
  return {
    type: "object",
    additionalProperties: false,
    required: ["type", ...(args?.required ?? [])],
    properties: { type: { const: name }, ...(args?.properties ?? {}) },
  };
}

/** The policy object, except `when` and `action`, which the registry defines. */
export function policyFieldsSchema(): Record<string, JsonSchema> {
  return {
    name: { type: "string", pattern: "^[a-z0-9][a-z0-9-]{0,79}$", description: "Unique kebab-case name." },
    description: { type: "string" },
    resource: { enum: [...RESOURCE_KINDS] },
    mode: { enum: ["audit", "enforce"], description: "audit only reports; enforce acts (subject to guards and approval)." },
    approval: approvalSchema,
    limits: {
      type: "object",
      additionalProperties: false,
      properties: { maxResources: { type: "integer", minimum: 0, description: "Blast-radius cap per run." } },
    },
    schedule: {
      type: "string",
      description: "NCRONTAB of the sweep (six fields, or five without the seconds), in settings.timeZone, e.g. '0 0 19 * * 1-5'.",
    },
    exemptions: { type: "array", items: exemptionSchema },
    includeProduction: {
      type: "boolean",
      description: "Allow this policy to stop or delete production resources; requires approval.",
    },
    azurePolicyRemediation: {
      type: "boolean",
      description:
        "Hand the resources Azure Policy also finds non-compliant with this policy's modify or deploy-if-not-exists references (Governor's initiative) to Azure Policy remediation tasks, only those Governor's guards let through, once approved; requires mode enforce and approval.",
    },
  };
}

export function generateSchema(registry: Registry): JsonSchema {
  const conditions: JsonSchema[] = registry.filters.map((filter) => ({ ...filter.schema, description: filter.summary }));
  const actionNames = registry.actions.map((action) => action.name);
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "https://governor.dev/schemas/policy-file.json",
    title: "Governor policy file",
    type: "object",
    additionalProperties: false,
    required: ["policies"],
    properties: {
      version: { const: 1 },
      settings: settingsSchema,
      scopes: {
        type: "array",
        description: "Overrides by management group, subscription or resource group; the most specific scope wins, field by field.",
        items: scopeSchema({ $ref: "#/definitions/condition" }),
      },
      policies: { type: "array", items: { $ref: "#/definitions/policy" } },
    },
    definitions: {
      policy: {
        type: "object",
        additionalProperties: false,
        required: ["name", "resource", "action"],
        properties: {
          ...policyFieldsSchema(),
          when: { type: "array", items: { $ref: "#/definitions/condition" } },
          action: {
            anyOf: [
              { enum: actionNames },
              ...registry.actions.map((action) => ({ ...actionObjectSchema(action.name, action.argsSchema), description: action.summary })),
            ],
          },
        },
      },
      condition: {
        anyOf: [
          ...conditions,
          {
            type: "object",
            additionalProperties: false,
            required: ["all"],
            properties: { all: { type: "array", items: { $ref: "#/definitions/condition" } } },
          },
          {
            type: "object",
            additionalProperties: false,
            required: ["any"],
            properties: { any: { type: "array", items: { $ref: "#/definitions/condition" } } },
          },
          { type: "object", additionalProperties: false, required: ["not"], properties: { not: { $ref: "#/definitions/condition" } } },
        ],
      },
    },
  };
}
