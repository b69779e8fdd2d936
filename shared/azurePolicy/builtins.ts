/**
 * The Microsoft built-in policy definitions Governor's export refers to: by definition id, with
 * the parameter names Governor passes and, for modify and deploy-if-not-exists, the roles their
 * rule declares (`then.details.roleDefinitionIds`), which the assignment's identity must hold.
 * Only references: the definitions themselves are Microsoft's, and a test compares every entry
 * with Microsoft's published JSON (test/fixtures/azure-policy-builtins).
 */

export interface BuiltinReference {
  /** The definition's name (a GUID); its id is `/providers/Microsoft.Authorization/policyDefinitions/<name>`. */
  name: string;
  displayName: string;
  /** Every parameter Governor may pass. */
  parameters: readonly string[];
  /** The effects the definition can take (its `effect` parameter's allowed values), or its one fixed effect. */
  effects: readonly string[];
  roleDefinitionIds: readonly string[];
}

export const builtinId = (builtin: BuiltinReference): string => `/providers/Microsoft.Authorization/policyDefinitions/${builtin.name}`;

export const BUILTINS = {
  allowedLocations: {
    name: "e56962a6-4747-49cd-b67b-bf8b01975c4c",
    displayName: "Allowed locations",
    parameters: ["listOfAllowedLocations", "effect"],
    effects: ["Audit", "Deny", "Disabled"],
    roleDefinitionIds: [],
  },
  allowedVmSizes: {
    name: "cccc23c7-8427-4f53-ad12-b6a63eb452b3",
    displayName: "Allowed virtual machine size SKUs",
    parameters: ["listOfAllowedSKUs"],
    effects: ["Deny"],
    roleDefinitionIds: [],
  },
  requireTag: {
    name: "871b6d14-10aa-478d-b590-94f262ecfa99",
    displayName: "Require a tag on resources",
    parameters: ["tagName"],
    effects: ["deny"],
    roleDefinitionIds: [],
  },
  inheritTagIfMissing: {
    name: "ea3f2387-9b95-492a-a190-fcdc54f7b070",
    displayName: "Inherit a tag from the resource group if missing",
    parameters: ["tagName"],
    effects: ["modify"],
    roleDefinitionIds: ["/providers/microsoft.authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c"],
  },
  backupVmsWithTag: {
    name: "345fa903-145c-4fe1-8bcd-93ec2adccde8",
    displayName: "Configure backup on virtual machines with a given tag to an existing recovery services vault in the same location",
    parameters: ["vaultLocation", "inclusionTagName", "inclusionTagValue", "backupPolicyId", "effect"],
    effects: ["auditIfNotExists", "AuditIfNotExists", "deployIfNotExists", "DeployIfNotExists", "disabled", "Disabled"],
    roleDefinitionIds: [
      "/providers/microsoft.authorization/roleDefinitions/9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
      "/providers/microsoft.authorization/roleDefinitions/5e467623-bb1f-42f4-a55d-6e525e11384b",
    ],
  },
  postgresGeoRedundantBackup: {
    name: "cee2f9fd-3968-44be-a863-bd62c9884423",
    displayName: "Geo-redundant backup should be enabled for Azure Database for PostgreSQL flexible servers",
    parameters: ["effect"],
    effects: ["Audit", "Disabled"],
    roleDefinitionIds: [],
  },
  postgresPublicNetworkAccess: {
    name: "5e1de0e3-42cb-4ebc-a86d-61d0c619ca48",
    displayName: "Public network access should be disabled for PostgreSQL flexible servers",
    parameters: ["effect"],
    effects: ["Audit", "Deny", "Disabled"],
    roleDefinitionIds: [],
  },
  storageHttpsOnly: {
    name: "404c3081-a854-4457-ae30-26a93ef643f9",
    displayName: "Secure transfer to storage accounts should be enabled",
    parameters: ["effect"],
    effects: ["Audit", "Deny", "Disabled"],
    roleDefinitionIds: [],
  },
  storagePublicBlobAccess: {
    name: "4fa4b6c0-31ca-4c0d-b10d-24b96f62a751",
    displayName: "Storage account public access should be disallowed",
    parameters: ["effect"],
    effects: ["audit", "Audit", "deny", "Deny", "disabled", "Disabled"],
    roleDefinitionIds: [],
  },
  storageMinimumTls: {
    name: "fe83a0eb-a853-422d-aac2-1bffd182c5d0",
    displayName: "Storage accounts should have the specified minimum TLS version",
    parameters: ["effect", "minimumTlsVersion"],
    effects: ["Audit", "Deny", "Disabled"],
    roleDefinitionIds: [],
  },
  redisSecureConnectionsOnly: {
    name: "22bee202-a82f-4305-9a2a-6d7f44d4dedb",
    displayName: "Only secure connections to your Azure Cache for Redis should be enabled",
    parameters: ["effect"],
    effects: ["Audit", "Deny", "Disabled"],
    roleDefinitionIds: [],
  },
  diagnosticSettingsForTypes: {
    name: "7f89b1eb-583c-429a-8828-af049802c1d9",
    displayName: "Audit diagnostic setting for selected resource types",
    parameters: ["listOfResourceTypes", "logsEnabled", "metricsEnabled"],
    effects: ["AuditIfNotExists"],
    roleDefinitionIds: [],
  },
} as const satisfies Record<string, BuiltinReference>;
