import type { ShapeFamily } from "../support/shapes.ts";

export const consumptionShapes: ShapeFamily = {
  name: "consumption",
  estate: { resourceGroups: [], resources: [] },
  cases: [],
};
