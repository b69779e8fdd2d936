/**
 * `npm run bench:drill`: a restore drill of an Odoo-like database of 100k and 1M rows in the key
 * tables (stock moves, sale orders and posted journal entries each; two lines per entry), run by
 * the drill workflow on the local runtime against real PostgreSQL while the writer keeps
 * committing: a real point-in-time restore (base backup copy and WAL replay), then the whole
 * verification suite (amcheck included).
 *
 * Prints one JSON line per size: `{ rows, restoreSeconds, verifySeconds, rpoSeconds, outcome }`.
 * `restoreSeconds` runs from the restore request to the restored server ready (the virtual clock
 * runs at real speed meanwhile: in the emulator the request performs the restore itself);
 * `verifySeconds` the verification suite; `rpoSeconds` what the drill measured. The suite must
 * grow no more than linearly with rows and verify 1M rows in under 30 s.
 *
 * Usage: node bench/drill.ts [--sizes 100000,1000000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { drillInstanceId } from "../orchestrations/names.ts";
import type { DrillInput } from "../orchestrations/restoreDrill.ts";
import type { DrillRecord } from "../shared/drills/record.ts";
import { finishWorkflows, startLocalApp } from "../local/localApp.ts";

const { values } = parseArgs({ options: { sizes: { type: "string", default: "100000,1000000" } } });
const sizes = values.sizes.split(",").map((size) => Number(size.trim()));
if (sizes.some((size) => !Number.isInteger(size) || size < 1_000))
  throw new Error(`--sizes takes whole numbers of at least 1000, not "${values.sizes}"`);

const quiet = { info: () => {}, warn: (message: string) => console.error(message), error: (message: string) => console.error(message) };

for (const rows of sizes) {
  const workDir = mkdtempSync(join(tmpdir(), "governor-bench-drill-"));
  const seeded = performance.now();
  const app = await startLocalApp({
    workDir,
    taskHub: `BenchDrill${rows}`,
    logger: quiet,
    postgres: { size: { partners: Math.ceil(rows / 10), products: Math.ceil(rows / 20), moves: rows } },
  });
  const seedSeconds = Math.round(performance.now() - seeded) / 1000;
  // The virtual clock at real speed: the RTO is the time the drill really took.
  let last = Date.now();
  const tick = setInterval(() => {
    const now = Date.now();
    app.clock.advance(now - last);
    last = now;
  }, 100);
  try {
    const server = app.emulator.core.store
      .list({ type: "Microsoft.DBforPostgreSQL/flexibleServers" })
      .find((resource) => resource.arm.name === "psql-odoo-prod");
    if (!server) throw new Error("the sample estate has no psql-odoo-prod");
    // Some writes after the base backup, for the restore to replay.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const instanceId = drillInstanceId(server.arm.id, `bench-${rows}`);
    const input: DrillInput = { serverId: server.arm.id, args: {}, trigger: { type: "manual", id: "bench" } };
    await app.runtime.startNew("restoreDrill", { instanceId, input });
    const [status] = await finishWorkflows(app, [instanceId], { timeoutMs: 30 * 60_000 });
    const record = status?.output as DrillRecord;
    console.log(
      JSON.stringify({
        rows,
        restoreSeconds: record.timings.restoreSeconds,
        requestSeconds: record.timings.requestSeconds,
        verifySeconds: record.timings.verifySeconds,
        rpoSeconds: record.rpoSeconds,
        rtoSeconds: record.rtoSeconds,
        seedSeconds,
        outcome: record.outcome,
        ...(record.failures.length > 0 ? { failures: record.failures } : {}),
        checks: Object.fromEntries(record.checks.map((check) => [check.name, check.durationMs])),
      }),
    );
  } finally {
    clearInterval(tick);
    await app.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}
