import type { ShapeFamily } from "../support/shapes.ts";

export const postgresShapes: ShapeFamily = {
  name: "postgres",
  estate: { resourceGroups: [], resources: [] },
  cases: [],
};
