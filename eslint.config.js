// Lint: typescript-eslint with type information everywhere (no floating promises), and the
// determinism rules Durable replay demands on orchestrator files.
import tseslint from "typescript-eslint";

const NODE_BUILTINS = [
  "assert",
  "buffer",
  "child_process",
  "cluster",
  "crypto",
  "dgram",
  "dns",
  "events",
  "fs",
  "fs/promises",
  "http",
  "http2",
  "https",
  "net",
  "os",
  "path",
  "perf_hooks",
  "process",
  "readline",
  "stream",
  "timers",
  "tls",
  "url",
  "util",
  "worker_threads",
  "zlib",
];

/**
 * What ships (functions/, orchestrations/, shared/) never imports what does not: the emulator, the
 * local runtime and host, the CLI, tests and benchmarks. One stray import would put them in the
 * bundle (durable-functions internals that fail at cold start); the bundle test checks the rest.
 */
export const SHIPPED_BOUNDARY = {
  regex: "^(\\.\\./)+(emulator|local|cli|test|bench)(/|$)",
  message: "Shipped code must not import local tools (emulator/, local/, cli/, test/, bench/): pass what it needs in instead.",
};

/** Orchestrators replay: no I/O, no clock, no randomness of their own (context.df provides them). */
export const orchestratorRules = {
  "no-restricted-imports": [
    "error",
    {
      paths: NODE_BUILTINS.map((name) => ({ name, message: "Orchestrators must not do I/O: use an activity." })),
      patterns: [
        SHIPPED_BOUNDARY,
        { group: ["node:*"], message: "Orchestrators must not import Node built-ins: use an activity." },
        {
          group: [
            "@azure/arm-*",
            "@azure/identity",
            "@azure/data-tables",
            "@azure/monitor-*",
            "@azure/communication-*",
            "pg",
            "axios",
            "undici",
            "node-fetch",
          ],
          message: "Orchestrators must not call the network: use an activity.",
        },
      ],
    },
  ],
  "no-restricted-globals": [
    "error",
    { name: "fetch", message: "Orchestrators must not call the network: use an activity." },
    { name: "setTimeout", message: "Use context.df.createTimer: replay must be deterministic." },
    { name: "setInterval", message: "Use context.df.createTimer: replay must be deterministic." },
    { name: "process", message: "Read settings in an activity or pass them as input." },
  ],
  "no-restricted-syntax": [
    "error",
    {
      selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
      message: "Use context.df.currentUtcDateTime: Date.now() breaks replay.",
    },
    {
      selector: "NewExpression[callee.name='Date'][arguments.length=0]",
      message: "Use context.df.currentUtcDateTime: new Date() breaks replay.",
    },
    {
      selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
      message: "Use context.df.newGuid(): Math.random() breaks replay.",
    },
    { selector: "CallExpression[callee.property.name='randomUUID']", message: "Use context.df.newGuid(): random ids break replay." },
  ],
};

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "out/", "coverage/", "test/fixtures/"] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ["*.js"] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    files: ["**/*.js"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ["functions/**/*.ts", "orchestrations/**/*.ts", "shared/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [SHIPPED_BOUNDARY] }] },
  },
  // After the boundary: an orchestrator's rule holds the boundary too (a later rule replaces an earlier one).
  {
    files: ["orchestrations/**/*.ts"],
    ignores: ["orchestrations/**/activities/**", "orchestrations/**/*.activities.ts"],
    rules: orchestratorRules,
  },
);
