/** `governor schema`: the JSON Schema of policy files, generated from the registry. */
import { builtinRegistry } from "../shared/policy/builtins.ts";
import { generateSchema } from "../shared/policy/schema.ts";

export async function schemaCommand(args: string[]): Promise<number> {
  if (args.length > 0) {
    console.error(`governor schema takes no arguments (got: ${args.join(" ")})`);
    return 2;
  }
  process.stdout.write(`${JSON.stringify(generateSchema(builtinRegistry()), null, 2)}\n`);
  return 0;
}
