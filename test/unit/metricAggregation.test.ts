/**
 * Governor's reading of metric buckets, whatever their alignment: Azure Monitor starts them at the
 * query's start rounded down to the minute; a shorter window read from a longer query cuts them
 * anywhere; an hour-aligned series starts them on the hour.
 */
import { describe, expect, it } from "vitest";
import { aggregatePoints, coarsenPoints, grainMs, isoGrain, metricFact, windowValues } from "../../shared/inventory/metrics.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = Date.parse("2026-11-23T09:17:23Z");

/** Buckets of `grain` from `first`, with the given averages (undefined: a bucket without data). */
const buckets = (first: number, grain: number, averages: Array<number | undefined>) =>
  averages.map((average, index) => ({ timeStamp: new Date(first + index * grain), ...(average === undefined ? {} : { average }) }));

describe("metric buckets, whatever their alignment", () => {
  it("keeps both hours of a 2-hour window whose first bucket starts at the minute before the window (07:17:00 for 07:17:23)", () => {
    const window = { startMs: NOW - 2 * HOUR, endMs: NOW };
    const points = buckets(Date.parse("2026-11-23T07:17:00Z"), HOUR, [3, 5, undefined]);
    expect(aggregatePoints(points, "average", window, HOUR)).toEqual([3, 5]);
    expect(metricFact(aggregatePoints(points, "average", window, HOUR), "average", 2 * HOUR)).toEqual({
      value: 4,
      points: 2,
      expectedPoints: 2,
    });
  });

  it("keeps the three days of a 3-day window at P1D", () => {
    const window = { startMs: NOW - 3 * DAY, endMs: NOW };
    const points = buckets(Date.parse("2026-11-20T09:17:00Z"), DAY, [1, 2, 3, undefined]);
    expect(aggregatePoints(points, "average", window, DAY)).toEqual([1, 2, 3]);
  });

  it("reads hour-aligned buckets too: the one mostly inside the window counts, and so does the last one up to now", () => {
    const window = { startMs: NOW - 2 * HOUR, endMs: NOW };
    // 07:00 holds 43 minutes of the window, 08:00 all of its hour, 09:00 the 17 minutes up to now.
    const points = buckets(Date.parse("2026-11-23T07:00:00Z"), HOUR, [1, 2, 3]);
    expect(aggregatePoints(points, "average", window, HOUR)).toEqual([1, 2, 3]);
    // From 07:45, the 07:00 bucket is mostly before the window: it is not the window's.
    expect(aggregatePoints(points, "average", { startMs: Date.parse("2026-11-23T07:45:00Z"), endMs: NOW }, HOUR)).toEqual([2, 3]);
  });

  it("reads a shorter window from a longer query: the buckets before it are left out, the one it cuts counts where most is inside", () => {
    // A 72-hour query at PT1H, read for a 2-hour window: the same buckets as a 2-hour query.
    const first = Date.parse("2026-11-20T09:17:00Z");
    const averages = Array.from({ length: 73 }, (_, index) => (index === 72 ? undefined : index));
    const points = buckets(first, HOUR, averages);
    expect(aggregatePoints(points, "average", { startMs: NOW - 2 * HOUR, endMs: NOW }, HOUR)).toEqual([70, 71]);
    expect(aggregatePoints(points, "average", { startMs: NOW - 72 * HOUR, endMs: NOW }, HOUR)).toHaveLength(72);
    // A 90-minute window takes the hour it holds most of, not the one it holds 29 minutes of.
    expect(aggregatePoints(points, "average", { startMs: NOW - 90 * MINUTE, endMs: NOW }, HOUR)).toEqual([71]);
  });

  it("reads no bucket after the window's end nor one without a number", () => {
    const window = { startMs: NOW - 2 * HOUR, endMs: NOW };
    const points = [
      ...buckets(Date.parse("2026-11-23T07:17:00Z"), HOUR, [Number.NaN, 5]),
      { timeStamp: new Date(NOW + MINUTE), average: 9 },
    ];
    expect(aggregatePoints(points, "average", window, HOUR)).toEqual([5]);
  });

  it("reads the grain Azure answered with, as ISO 8601 durations", () => {
    expect([grainMs("PT1H"), grainMs("P1D"), grainMs("PT5M"), grainMs("P1DT12H"), grainMs("pt30s")]).toEqual([
      HOUR,
      DAY,
      5 * MINUTE,
      DAY + 12 * HOUR,
      30_000,
    ]);
    expect([grainMs(undefined), grainMs(""), grainMs("P"), grainMs("PT0S"), grainMs("FULL"), grainMs("1h")]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe("half-hour buckets read as hours", () => {
  const HALF = 30 * MINUTE;

  it("puts two half-hours into the hour that starts with the first: averages averaged, maxima and minima kept, totals added", () => {
    const first = Date.parse("2026-11-23T07:17:00Z");
    const points = [
      { timeStamp: new Date(first), average: 2, maximum: 4, minimum: 1, total: 10 },
      { timeStamp: new Date(first + HALF), average: 4, maximum: 9, minimum: 2, total: 30 },
      { timeStamp: new Date(first + 2 * HALF), average: 6, maximum: 7, minimum: 5, total: 5 },
      // The half-hour without data adds nothing to its hour.
      { timeStamp: new Date(first + 3 * HALF) },
    ];
    expect(coarsenPoints(points, HALF, HOUR)).toEqual([
      { timeStamp: new Date(first), average: 3, maximum: 9, minimum: 1, total: 40 },
      { timeStamp: new Date(first + HOUR), average: 6, maximum: 7, minimum: 5, total: 5 },
    ]);
    // At the same grain, nothing changes.
    expect(coarsenPoints(points, HALF, HALF)).toEqual(points);
  });

  it("gives an hourly request from half-hour buckets the same fact as hourly buckets would: 72 points over 72 hours", () => {
    const window = { startMs: NOW - 72 * HOUR, endMs: NOW };
    const first = Math.floor(window.startMs / MINUTE) * MINUTE;
    const half = buckets(
      first,
      HALF,
      Array.from({ length: 144 }, (_, index) => index % 2),
    );
    const hourly = coarsenPoints(half, HALF, HOUR);
    const fact = metricFact(aggregatePoints(hourly, "average", window, HOUR), "average", 72 * HOUR);
    expect(fact).toEqual({ value: 0.5, points: 72, expectedPoints: 72 });
    // Read at half-hours, the same window expects twice the points.
    expect(metricFact(aggregatePoints(half, "average", window, HALF), "average", 72 * HOUR, HALF).expectedPoints).toBe(144);
  });

  it("reads a window at a coarser grain in one pass exactly as coarsening then aggregating does, gaps, cut buckets and disorder included", () => {
    // A small linear congruential generator: the same cases on every run.
    let state = 7;
    const random = (): number => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 4_294_967_296;
    const first = Math.floor((NOW - 7 * DAY) / MINUTE) * MINUTE;
    const aggregations = ["average", "maximum", "minimum", "total", "p95-of-max", "p95-of-average"] as const;
    for (let round = 0; round < 40; round += 1) {
      const points = Array.from({ length: 336 }, (_, index) => {
        const point: { timeStamp: Date; average?: number; maximum?: number; minimum?: number; total?: number } = {
          timeStamp: new Date(first + index * HALF),
        };
        // About one bucket in five without data, as a VM that was stopped for a while.
        if (random() < 0.2) return point;
        return { ...point, average: random() * 100, maximum: random() * 100, minimum: random() * 100, total: random() * 1e9 };
      });
      // Every few rounds two buckets swapped: the answer must not depend on the order they come in.
      if (round % 5 === 4) [points[11], points[12]] = [points[12] as (typeof points)[number], points[11] as (typeof points)[number]];
      const window = { startMs: NOW - Math.floor(random() * 7 * DAY), endMs: NOW };
      for (const aggregation of aggregations) {
        for (const grain of [HALF, HOUR, 6 * HOUR]) {
          expect(windowValues(points, aggregation, window, HALF, grain)).toEqual(
            aggregatePoints(coarsenPoints(points, HALF, grain), aggregation, window, grain),
          );
        }
      }
    }
  });

  it("spells grains as the metrics API's interval does", () => {
    expect([isoGrain(HALF), isoGrain(HOUR), isoGrain(6 * HOUR)]).toEqual(["PT30M", "PT1H", "PT6H"]);
  });
});
