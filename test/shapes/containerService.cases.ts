import type { ShapeFamily } from "../support/shapes.ts";

export const containerServiceShapes: ShapeFamily = {
  name: "containerService",
  estate: { resourceGroups: [], resources: [] },
  cases: [],
};
