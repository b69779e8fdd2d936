import type { EstateDefinition } from "../../emulator/estate/load.ts";
import type { Emulator } from "../../emulator/server.ts";
import { rawRequest } from "../support/http.ts";
import type { ShapeFamily } from "../support/shapes.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const RG = "rg-odoo-db";
const RG_ID = `/subscriptions/${SUB}/resourceGroups/${RG}`;
const SERVERS = `${RG_ID}/providers/Microsoft.DBforPostgreSQL/flexibleServers`;
const API = "api-version=2025-08-01";
const IDENTITY = `${RG_ID}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-psql-odoo-cmk`;

const server = (name: string, properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: "Microsoft.DBforPostgreSQL/flexibleServers",
  resourceGroup: RG,
  name,
  body: {
    location: "westeurope",
    tags: { environment: "prod" },
    sku: { name: "Standard_D4ds_v5", tier: "GeneralPurpose" },
    ...extra,
    properties: { version: "17", administratorLogin: "odooadmin", storage: { storageSizeGB: 128 }, createMode: "Create", ...properties },
  },
});

const estate: EstateDefinition = {
  resourceGroups: [{ name: RG, location: "westeurope", tags: { environment: "prod" } }],
  resources: [
    server("psql-odoo-prod", {
      backup: { backupRetentionDays: 7, geoRedundantBackup: "Enabled" },
      network: { publicNetworkAccess: "Enabled" },
    }),
    server("psql-odoo-vnet", {
      storage: { storageSizeGB: 512 },
      network: {
        delegatedSubnetResourceId: `${RG_ID}/providers/Microsoft.Network/virtualNetworks/vnet-odoo/subnets/snet-psql`,
        privateDnsZoneArmResourceId: `${RG_ID}/providers/Microsoft.Network/privateDnsZones/psql-odoo.private.postgres.database.azure.com`,
      },
      authConfig: { activeDirectoryAuth: "Enabled", passwordAuth: "Enabled" },
      highAvailability: { mode: "ZoneRedundant" },
    }),
    server(
      "psql-odoo-cmk",
      {
        dataEncryption: {
          type: "AzureKeyVault",
          primaryKeyURI: "https://kv-odoo-db.vault.azure.net/keys/psql-cmk/0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a",
          primaryUserAssignedIdentityId: IDENTITY,
        },
      },
      { identity: { type: "SystemAssigned,UserAssigned", userAssignedIdentities: { [IDENTITY]: {} } } },
    ),
    server("psql-odoo-v2", { storage: { type: "PremiumV2_LRS", storageSizeGB: 512 } }),
    server("psql-odoo-staging", { backup: { backupRetentionDays: 14 } }),
    server("psql-odoo-old", {}),
  ],
};

/** The reference page has a nextLink: the list is read with a page size that leaves a second page. */
async function withPageSize<T>(emulator: Emulator, size: number, run: () => Promise<T>): Promise<T> {
  const core = emulator.core as { listPageSize: number };
  const before = core.listPageSize;
  core.listPageSize = size;
  try {
    return await run();
  } finally {
    core.listPageSize = before;
  }
}

export const postgresShapes: ShapeFamily = {
  name: "postgres",
  estate,
  cases: [
    {
      example: "postgresql-flexible/server-get.json",
      dynamic: ["tags"],
      run: (emulator) => rawRequest(emulator, "GET", `${SERVERS}/psql-odoo-prod?${API}`),
    },
    {
      example: "postgresql-flexible/server-list-by-subscription.json",
      dynamic: ["value[].tags", "value[].identity.userAssignedIdentities"],
      run: (emulator) =>
        withPageSize(emulator, 4, () =>
          rawRequest(emulator, "GET", `/subscriptions/${SUB}/providers/Microsoft.DBforPostgreSQL/flexibleServers?${API}`),
        ),
    },
    {
      example: "postgresql-flexible/server-create-point-in-time-restore.json",
      run: (emulator) =>
        rawRequest(emulator, "PUT", `${SERVERS}/psql-odoo-prod-drill?${API}`, {
          location: "westeurope",
          properties: {
            createMode: "PointInTimeRestore",
            sourceServerResourceId: `${SERVERS}/psql-odoo-prod`,
            pointInTimeUTC: new Date(emulator.core.clock.nowMs() - 86_400_000).toISOString(),
          },
        }),
    },
    {
      example: "postgresql-flexible/server-delete.json",
      run: (emulator) => rawRequest(emulator, "DELETE", `${SERVERS}/psql-odoo-old?${API}`),
    },
    {
      example: "postgresql-flexible/backups-list-by-server.json",
      run: (emulator) => rawRequest(emulator, "GET", `${SERVERS}/psql-odoo-prod/backups?${API}`),
    },
  ],
};
