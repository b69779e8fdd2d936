import type { ShapeFamily } from "../support/shapes.ts";

export const computeShapes: ShapeFamily = {
  name: "compute",
  estate: { resourceGroups: [], resources: [] },
  cases: [],
};
