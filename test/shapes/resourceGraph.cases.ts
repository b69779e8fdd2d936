import type { ShapeFamily } from "../support/shapes.ts";

export const resourceGraphShapes: ShapeFamily = {
  name: "resourceGraph",
  estate: { resourceGroups: [], resources: [] },
  cases: [],
};
