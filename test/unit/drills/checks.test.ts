/** The verification suite's judgements: what each check decides from the values a database returned. */
import { describe, expect, it } from "vitest";
import { judgeBalance, judgeBaseInstalled, judgeCoreTables, judgeRowCounts, judgeUuid } from "../../../shared/drills/checks.ts";
import { CORE_TABLES } from "../../../shared/drills/types.ts";

describe("core-tables", () => {
  it("1. fails naming each missing Odoo table", () => {
    const judged = judgeCoreTables(CORE_TABLES.filter((table) => table !== "stock_quant" && table !== "account_move"));
    expect(judged).toMatchObject({ status: "fail", message: "missing Odoo core tables: stock_quant, account_move" });
  });
  it("passes when every core table exists", () => {
    expect(judgeCoreTables([...CORE_TABLES, "res_users"]).status).toBe("pass");
  });
});

describe("base-installed", () => {
  it("1. fails when base is missing, 2. or not installed", () => {
    expect(judgeBaseInstalled(undefined)).toMatchObject({ status: "fail", message: "module base is not in ir_module_module" });
    expect(judgeBaseInstalled("to upgrade")).toMatchObject({ status: "fail", message: "module base is to upgrade, not installed" });
  });
  it("passes when base is installed", () => {
    expect(judgeBaseInstalled("installed").status).toBe("pass");
  });
});

describe("row-counts", () => {
  const expectations = { counts: { res_partner: 1000, stock_move: 200 }, countsFrom: "heartbeat" as const, tolerancePercent: 5 };
  it("1. fails for a count outside the tolerance, 2. and for a missing table", () => {
    const judged = judgeRowCounts({ res_partner: 940, stock_move: null }, expectations);
    expect(judged.status).toBe("fail");
    expect(judged.message).toBe(
      "row counts outside 5% of the newest heartbeat's counts: res_partner 940 (expected 950-1050); stock_move missing (expected 190-210)",
    );
  });
  it("3. is skipped when there is nothing to compare with", () => {
    expect(judgeRowCounts({ res_partner: 3 }, { tolerancePercent: 5 }).status).toBe("skipped");
  });
  it("passes within the tolerance on either side", () => {
    expect(judgeRowCounts({ res_partner: 1050, stock_move: 190 }, expectations).status).toBe("pass");
  });
});

describe("accounting-balanced", () => {
  it("1. fails when the totals differ, naming an unbalanced move and its difference", () => {
    const judged = judgeBalance({ debit: "107.00", credit: "100.00", posted: 2 }, [{ move: 17, difference: "7.00" }]);
    expect(judged).toMatchObject({
      status: "fail",
      message: "posted moves do not balance: total debit 107.00, total credit 100.00; 1 unbalanced move(s), e.g. move 17 off by 7.00",
    });
  });
  it("2. fails when moves are unbalanced even if the totals happen to agree", () => {
    const judged = judgeBalance({ debit: "100", credit: "100", posted: 2 }, [
      { move: 1, difference: "5.00" },
      { move: 2, difference: "-5.00" },
    ]);
    expect(judged.status).toBe("fail");
  });
  it("passes when total debit equals total credit and every move balances", () => {
    expect(judgeBalance({ debit: "100", credit: "100", posted: 2 }, [])).toMatchObject({ status: "pass" });
  });
});

describe("database-uuid", () => {
  it("1. fails on another database's uuid, 2. or none", () => {
    expect(judgeUuid("b", "a")).toMatchObject({ status: "fail", message: "database.uuid b is not the source's a" });
    expect(judgeUuid(undefined, "a")).toMatchObject({ status: "fail", message: "database.uuid is missing from ir_config_parameter" });
  });
  it("3. is skipped when the source's uuid was not read", () => {
    expect(judgeUuid("a", undefined).status).toBe("skipped");
  });
  it("passes when it matches the source", () => {
    expect(judgeUuid("a", "a").status).toBe("pass");
  });
});
