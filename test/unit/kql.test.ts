import { describe, expect, it } from "vitest";
import { KqlError } from "../../emulator/kql/errors.ts";
import { type Column, type QueryContext, rowsAsJson, runQuery } from "../../emulator/kql/evaluate.ts";

const NOW = new Date("2026-11-23T09:00:00Z");

const COLUMNS: Column[] = [
  { name: "id", type: "string" },
  { name: "name", type: "string" },
  { name: "type", type: "string" },
  { name: "location", type: "string" },
  { name: "resourceGroup", type: "string" },
  { name: "properties", type: "dynamic" },
  { name: "tags", type: "dynamic" },
];

const vm = (name: string, tags: Record<string, string>, properties: Record<string, unknown>, location = "westeurope") => ({
  id: `/subscriptions/s1/resourceGroups/rg-odoo/providers/Microsoft.Compute/virtualMachines/${name}`,
  name,
  type: "microsoft.compute/virtualmachines",
  location,
  resourceGroup: "rg-odoo",
  properties,
  tags,
});

const ROWS = [
  vm(
    "vm-erp-prod-01",
    { environment: "prod", Owner: "erp" },
    { hardwareProfile: { vmSize: "Standard_D4s_v5" }, timeCreated: "2025-01-10T08:00:00Z", cores: 4 },
  ),
  vm(
    "vm-erp-dev-01",
    { environment: "dev" },
    { hardwareProfile: { vmSize: "Standard_B2s" }, timeCreated: "2026-11-20T08:00:00Z", cores: 2 },
  ),
  vm(
    "VM-EDI-TEST-01",
    { environment: "Test" },
    { hardwareProfile: { vmSize: "Standard_B2s" }, timeCreated: "2026-10-01T08:00:00Z", cores: 2 },
    "northeurope",
  ),
  vm("vm-production-report", {}, { hardwareProfile: { vmSize: "Standard_E8s_v5" }, cores: 8 }),
  {
    id: "/subscriptions/s1/resourceGroups/rg-odoo/providers/Microsoft.Compute/disks/vm-erp-prod-01_OsDisk_1",
    name: "vm-erp-prod-01_OsDisk_1",
    type: "microsoft.compute/disks",
    location: "westeurope",
    resourceGroup: "rg-odoo",
    properties: { diskSizeGB: 128, diskState: "Attached" },
    tags: { environment: "prod" },
  },
];

const context: QueryContext = { tables: { Resources: { columns: COLUMNS, rows: ROWS } }, now: NOW };

const run = (query: string) => rowsAsJson(runQuery(query, context));
const names = (query: string): string[] => run(query).map((row) => row.name as string);

function kqlError(query: string): KqlError {
  try {
    runQuery(query, context);
  } catch (error) {
    if (error instanceof KqlError) return error;
    throw error;
  }
  throw new Error(`expected "${query}" to fail`);
}

describe("where: string comparisons as KQL does them", () => {
  it("== is case-sensitive and =~ is not", () => {
    expect(names("Resources | where name == 'vm-edi-test-01'")).toEqual([]);
    expect(names("Resources | where name =~ 'vm-edi-test-01'")).toEqual(["VM-EDI-TEST-01"]);
  });

  it("!= and !~ are the negations of == and =~", () => {
    expect(names("Resources | where type == 'microsoft.compute/virtualmachines' and tags.environment != 'test'")).toHaveLength(4);
    expect(names("Resources | where type == 'microsoft.compute/virtualmachines' and tags.environment !~ 'test'")).toHaveLength(3);
  });

  it("a missing tag compares as the empty string, so != matches it", () => {
    expect(names("Resources | where tags.environment != 'prod'")).toEqual(["vm-erp-dev-01", "VM-EDI-TEST-01", "vm-production-report"]);
  });

  it("in is case-sensitive, in~ is not, and !in / !in~ negate them", () => {
    expect(names("Resources | where tags.environment in ('dev', 'test')")).toEqual(["vm-erp-dev-01"]);
    expect(names("Resources | where tags.environment in~ ('dev', 'test')")).toEqual(["vm-erp-dev-01", "VM-EDI-TEST-01"]);
    expect(names("Resources | where type =~ 'Microsoft.Compute/virtualMachines' and tags.environment !in ('prod', 'dev')")).toEqual([
      "VM-EDI-TEST-01",
      "vm-production-report",
    ]);
    expect(
      names("Resources | where type =~ 'Microsoft.Compute/virtualMachines' and tags.environment !in~ ('PROD', 'DEV', 'TEST')"),
    ).toEqual(["vm-production-report"]);
  });

  it("contains and !contains ignore case; contains_cs does not", () => {
    expect(names("Resources | where name contains 'EDI'")).toEqual(["VM-EDI-TEST-01"]);
    expect(names("Resources | where name contains_cs 'edi'")).toEqual([]);
    expect(names("Resources | where name !contains 'erp'")).toEqual(["VM-EDI-TEST-01", "vm-production-report"]);
  });

  it("has matches whole terms only, ignoring case", () => {
    expect(names("Resources | where name has 'prod'")).toEqual(["vm-erp-prod-01", "vm-erp-prod-01_OsDisk_1"]);
    expect(names("Resources | where name has 'PRODUCTION'")).toEqual(["vm-production-report"]);
    expect(names("Resources | where name has 'erp-prod' and type =~ 'microsoft.compute/virtualmachines'")).toEqual(["vm-erp-prod-01"]);
  });

  it("startswith and endswith ignore case", () => {
    expect(names("Resources | where name startswith 'VM-ERP'")).toEqual(["vm-erp-prod-01", "vm-erp-dev-01", "vm-erp-prod-01_OsDisk_1"]);
    expect(names("Resources | where name endswith '_osdisk_1'")).toEqual(["vm-erp-prod-01_OsDisk_1"]);
  });
});

describe("where: numbers, dates and logic", () => {
  it("orders numbers held in dynamic properties", () => {
    expect(names("Resources | where properties.cores > 2")).toEqual(["vm-erp-prod-01", "vm-production-report"]);
    expect(names("Resources | where properties.cores >= 8")).toEqual(["vm-production-report"]);
    expect(names("Resources | where properties.cores < 4")).toEqual(["vm-erp-dev-01", "VM-EDI-TEST-01"]);
    expect(names("Resources | where properties.cores <= 2")).toEqual(["vm-erp-dev-01", "VM-EDI-TEST-01"]);
  });

  it("compares todatetime() with ago() and now() on the clock it is given", () => {
    expect(names("Resources | where todatetime(properties.timeCreated) > ago(30d)")).toEqual(["vm-erp-dev-01"]);
    expect(names("Resources | where todatetime(properties.timeCreated) < now() - 365d")).toEqual(["vm-erp-prod-01"]);
    const later = rowsAsJson(
      runQuery("Resources | where todatetime(properties.timeCreated) > ago(30d)", { ...context, now: new Date("2027-01-01T00:00:00Z") }),
    );
    expect(later).toEqual([]);
  });

  it("compares with datetime() literals", () => {
    expect(names("Resources | where todatetime(properties.timeCreated) >= datetime(2026-10-01)")).toEqual([
      "vm-erp-dev-01",
      "VM-EDI-TEST-01",
    ]);
  });

  it("binds and tighter than or, and parentheses and not() change that", () => {
    expect(names("Resources | where tags.environment == 'dev' or tags.environment == 'prod' and properties.cores > 100")).toEqual([
      "vm-erp-dev-01",
    ]);
    expect(names("Resources | where (tags.environment == 'dev' or tags.environment == 'prod') and properties.cores > 2")).toEqual([
      "vm-erp-prod-01",
    ]);
    expect(names("Resources | where type =~ 'microsoft.compute/virtualmachines' and not(tags.environment in~ ('prod', 'test'))")).toEqual([
      "vm-erp-dev-01",
      "vm-production-report",
    ]);
  });

  it("isempty, isnotempty, isnull and isnotnull tell a missing tag from a present one", () => {
    expect(names("Resources | where isempty(tags.environment)")).toEqual(["vm-production-report"]);
    expect(names("Resources | where isnotempty(tags.environment) and type =~ 'microsoft.compute/virtualmachines'")).toHaveLength(3);
    expect(names("Resources | where isnull(properties.timeCreated)")).toEqual(["vm-production-report", "vm-erp-prod-01_OsDisk_1"]);
    expect(names("Resources | where isnotnull(tags.Owner)")).toEqual(["vm-erp-prod-01"]);
    expect(names("Resources | where isnull(name)")).toEqual([]);
  });

  it("tostring, tolower and toupper convert before comparing", () => {
    expect(names("Resources | where tolower(tostring(tags.environment)) == 'test'")).toEqual(["VM-EDI-TEST-01"]);
    expect(names("Resources | where toupper(name) == 'VM-ERP-DEV-01'")).toEqual(["vm-erp-dev-01"]);
    expect(names("Resources | where tostring(properties.cores) == '8'")).toEqual(["vm-production-report"]);
  });
});

describe("property access", () => {
  it("reads nested properties with dots and brackets, and tags either way", () => {
    const rows = run(
      "Resources | where name == 'vm-erp-prod-01' | project size = properties.hardwareProfile.vmSize, size2 = properties['hardwareProfile']['vmSize'], env = tags['environment'], env2 = tags.environment, owner = tags.Owner",
    );
    expect(rows).toEqual([{ size: "Standard_D4s_v5", size2: "Standard_D4s_v5", env: "prod", env2: "prod", owner: "erp" }]);
  });

  it("gives null for a property that is not there, and tag names are case-sensitive", () => {
    expect(run("Resources | where name == 'vm-erp-prod-01' | project x = properties.nothing.deeper, owner = tags.owner")).toEqual([
      { x: null, owner: null },
    ]);
  });
});

describe("tabular operators", () => {
  it("project keeps the named columns in order, renames, and names paths as KQL does", () => {
    expect(
      run(
        "Resources | where name == 'vm-erp-dev-01' | project name, vmSize = properties.hardwareProfile.vmSize, properties.cores, tags['environment']",
      ),
    ).toEqual([{ name: "vm-erp-dev-01", vmSize: "Standard_B2s", properties_cores: 2, tags_environment: "dev" }]);
  });

  it("project-away drops columns and extend adds or replaces them", () => {
    const [row] = run(
      "Resources | where name == 'vm-erp-dev-01' | extend env = tostring(tags.environment), name = toupper(name) | project-away properties, tags, id",
    );
    expect(row).toEqual({
      name: "VM-ERP-DEV-01",
      type: "microsoft.compute/virtualmachines",
      location: "westeurope",
      resourceGroup: "rg-odoo",
      env: "dev",
    });
  });

  it("order by sorts descending unless asc is given, on expressions too", () => {
    expect(names("Resources | where type =~ 'microsoft.compute/virtualmachines' | order by name asc")).toEqual([
      "VM-EDI-TEST-01",
      "vm-erp-dev-01",
      "vm-erp-prod-01",
      "vm-production-report",
    ]);
    expect(names("Resources | where type =~ 'microsoft.compute/virtualmachines' | sort by tolower(name)")).toEqual([
      "vm-production-report",
      "vm-erp-prod-01",
      "vm-erp-dev-01",
      "VM-EDI-TEST-01",
    ]);
    expect(names("Resources | where type =~ 'microsoft.compute/virtualmachines' | order by location asc, name desc")).toEqual([
      "VM-EDI-TEST-01",
      "vm-production-report",
      "vm-erp-prod-01",
      "vm-erp-dev-01",
    ]);
  });

  it("limit and take keep the first rows", () => {
    expect(names("Resources | limit 2")).toEqual(["vm-erp-prod-01", "vm-erp-dev-01"]);
    expect(names("Resources | order by name asc | take 1")).toEqual(["VM-EDI-TEST-01"]);
  });

  it("summarize count() by a column counts each group, by-columns first", () => {
    expect(run("Resources | summarize count() by type")).toEqual([
      { type: "microsoft.compute/virtualmachines", count_: 4 },
      { type: "microsoft.compute/disks", count_: 1 },
    ]);
    expect(
      run("Resources | summarize vms = count() by env = tostring(tags.environment), location | order by vms desc, env asc | take 2"),
    ).toEqual([
      { env: "prod", location: "westeurope", vms: 2 },
      { env: "", location: "westeurope", vms: 1 },
    ]);
    expect(run("Resources | where name == 'nothing' | summarize count()")).toEqual([{ count_: 0 }]);
    expect(run("Resources | count")).toEqual([{ Count: 5 }]);
  });

  it("reads the table name case-insensitively, as Resource Graph does", () => {
    expect(names("resources | take 1")).toEqual(["vm-erp-prod-01"]);
  });
});

describe("queries outside the subset are refused, never guessed at", () => {
  it("names the column it cannot resolve, with its position", () => {
    const error = kqlError("Resources | where enviroment == 'prod'");
    expect(error.kind).toBe("SemanticError");
    expect(error.message).toContain("Failed to resolve scalar expression named 'enviroment'");
    expect(error.position).toEqual({ line: 1, column: 18 });
    expect(error.token).toBe("enviroment");
  });

  it("reports a syntax error at its line and position, with the token", () => {
    const error = kqlError("Resources\n| where name == 'x'\n| project name,");
    expect(error.kind).toBe("ParserFailure");
    expect(error.position).toEqual({ line: 3, column: 15 });
    expect(kqlError("Resources | where name == 'unterminated").kind).toBe("ParserFailure");
    expect(kqlError("Resources | where name = 'x'").kind).toBe("ParserFailure");
    expect(kqlError("Resources | frobnicate").token).toBe("frobnicate");
  });

  it("refuses operators and functions the emulator does not implement, by name", () => {
    const join = kqlError("Resources | join kind=inner (ResourceContainers) on subscriptionId");
    expect(join.kind).toBe("UnsupportedByEmulator");
    expect(join.message).toContain("'join'");
    expect(kqlError("Resources | mv-expand tags").message).toContain("'mv-expand'");
    expect(kqlError("Resources | where name matches regex 'x'").kind).toBe("UnsupportedByEmulator");
    expect(kqlError("Resources | where name in (dynamic(['a']))").kind).toBe("UnsupportedByEmulator");
    expect(kqlError("Resources | where strrev(name) == 'x'").message).toContain("Unknown function: 'strrev'");
    expect(kqlError("Resources | where count() > 1").message).toContain("can only be used in summarize");
  });

  it("refuses what KQL refuses: dynamic against datetime, grouping or sorting by dynamic, an unknown table", () => {
    expect(kqlError("Resources | where properties.timeCreated < ago(30d)").message).toContain(
      "Cannot compare values of types dynamic and datetime",
    );
    expect(kqlError("Resources | summarize count() by tags.environment").message).toContain("'dynamic' type");
    expect(kqlError("Resources | order by tags.environment").message).toContain("dynamic");
    expect(kqlError("Resources | where name > 5").message).toContain("Cannot compare values of types string and long");
    expect(kqlError("ResourceChanges | take 1").message).toContain("Table 'ResourceChanges'");
    expect(kqlError("Resources | where name").message).toContain("must be of type bool");
  });
});
