import { readExample, type ShapeFamily } from "../support/shapes.ts";
import { rawRequest } from "../support/http.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";

/** The request body of the reference, with the reference's resource ids moved to this subscription. */
function exampleBody(): unknown {
  const parameters = readExample("cost-management/consumption-budget-create-or-update.json").parameters as { parameters: unknown };
  return JSON.parse(JSON.stringify(parameters.parameters).replaceAll("00000000-0000-0000-0000-000000000000", SUB)) as unknown;
}

export const consumptionShapes: ShapeFamily = {
  name: "consumption",
  estate: { resourceGroups: [], resources: [] },
  cases: [
    {
      example: "cost-management/consumption-budget-create-or-update.json",
      status: "201",
      run: (emulator) =>
        rawRequest(
          emulator,
          "PUT",
          `/subscriptions/${SUB}/providers/Microsoft.Consumption/budgets/budget-odoo-monthly?api-version=2024-08-01`,
          exampleBody(),
        ),
    },
  ],
};
