/**
 * Charts as inline SVG, rendered on the server by Apache ECharts' server-side rendering
 * (`renderToSVGString`: no DOM, no script in the page). ECharts is imported on first use, so a
 * function that never draws a chart never loads it.
 */
import type * as ECharts from "echarts";
import type { EChartsOption } from "echarts";

let loading: Promise<typeof ECharts> | undefined;

export interface ChartSize {
  width: number;
  height: number;
}

/** The SVG of one chart; animation off (there is nothing to animate in a file). */
export async function svgChart(option: EChartsOption, size: ChartSize): Promise<string> {
  const echarts = await (loading ??= import("echarts"));
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width: size.width, height: size.height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: "system-ui, sans-serif" }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}
