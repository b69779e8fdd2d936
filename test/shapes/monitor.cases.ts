import type { ShapeFamily } from "../support/shapes.ts";

export const monitorShapes: ShapeFamily = {
  name: "monitor",
  estate: { resourceGroups: [], resources: [] },
  cases: [],
};
