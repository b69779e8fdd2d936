import type { ShapeFamily } from "../support/shapes.ts";

export const backupShapes: ShapeFamily = {
  name: "backup",
  estate: { resourceGroups: [], resources: [] },
  cases: [],
};
