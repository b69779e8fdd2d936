/** Every built-in filter documents itself correctly: its schema and example are what the loader and the docs rely on. */
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { builtinFilters } from "../../../../shared/policy/filters/index.ts";

const ajv = new Ajv({ allErrors: true, strict: false });
const keys = builtinFilters.map((filter) => filter.key);

describe("built-in filters", () => {
  it("are registered once each, under kebab-case keys", () => {
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) expect(key).toMatch(/^[a-z]+(-[a-z]+)*$/);
  });

  it.each(builtinFilters.map((filter) => [filter.key, filter] as const))(
    "%s: its example validates against its schema and parses",
    (key, filter) => {
      const schema = filter.schema as { additionalProperties?: unknown; required?: string[] };
      expect(schema.additionalProperties).toBe(false);
      expect(schema.required).toContain(key);
      const example = parseYaml(filter.example) as Record<string, unknown>;
      const validate = ajv.compile(filter.schema);
      expect(validate(example), ajv.errorsText(validate.errors)).toBe(true);
      expect(() => filter.parse(example)).not.toThrow();
      expect(filter.summary.length).toBeGreaterThan(10);
    },
  );

  it("never use another filter's key as a field, so a condition names exactly one filter", () => {
    for (const filter of builtinFilters) {
      const fields = Object.keys((filter.schema as { properties: Record<string, unknown> }).properties).filter(
        (field) => field !== filter.key,
      );
      expect(
        fields.filter((field) => keys.includes(field)),
        filter.key,
      ).toEqual([]);
    }
  });
});
