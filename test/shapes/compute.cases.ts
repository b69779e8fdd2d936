import type { EstateDefinition } from "../../emulator/estate/load.ts";
import { startEmulator } from "../../emulator/server.ts";
import { rawRequest } from "../support/http.ts";
import type { ShapeFamily } from "../support/shapes.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const RG = "rg-odoo-erp";
const RG_ID = `/subscriptions/${SUB}/resourceGroups/${RG}`;
const COMPUTE = `${RG_ID}/providers/Microsoft.Compute`;
const VM_API = "api-version=2025-04-01";
const DISK_API = "api-version=2025-01-02";

const OS_DISK_ID = `${COMPUTE}/disks/vm-erp-01_OsDisk_1`;
const vault = `${RG_ID}/providers/Microsoft.KeyVault/vaults/kv-odoo-erp`;

const adeSettings = {
  enabled: true,
  encryptionSettings: [
    {
      diskEncryptionKey: { sourceVault: { id: vault }, secretUrl: "https://kv-odoo-erp.vault.azure.net/secrets/vm-erp-01-bek/6a7f1c" },
      keyEncryptionKey: { sourceVault: { id: vault }, keyUrl: "https://kv-odoo-erp.vault.azure.net/keys/ade-kek/2b9e04" },
    },
  ],
};

const estate: EstateDefinition = {
  resourceGroups: [{ name: RG, location: "westeurope", tags: { environment: "prod" } }],
  resources: [
    {
      type: "Microsoft.Compute/disks",
      resourceGroup: RG,
      name: "vm-erp-01_OsDisk_1",
      body: {
        location: "westeurope",
        tags: { environment: "prod", owner: "erp-team" },
        sku: { name: "Premium_LRS" },
        properties: {
          osType: "Windows",
          hyperVGeneration: "V2",
          purchasePlan: { name: "odoo-17", publisher: "cloud-infrastructure-services", product: "odoo-windows-server-2022" },
          supportedCapabilities: { acceleratedNetwork: true },
          supportsHibernation: true,
          securityProfile: { securityType: "TrustedLaunch" },
          creationData: {
            createOption: "FromImage",
            imageReference: {
              id: `/Subscriptions/${SUB}/Providers/Microsoft.Compute/Locations/westeurope/Publishers/cloud-infrastructure-services/ArtifactTypes/VMImage/Offers/odoo-windows-server-2022/Skus/odoo-17/Versions/1.0.0`,
            },
          },
          diskSizeGB: 127,
          encryptionSettingsCollection: adeSettings,
          timeCreated: "2026-03-02T08:15:00.000Z",
        },
      },
    },
    {
      type: "Microsoft.Compute/snapshots",
      resourceGroup: RG,
      name: "snap-erp-01-os-2026-11-01",
      body: {
        location: "westeurope",
        tags: { environment: "prod", retention: "30d" },
        properties: {
          creationData: { createOption: "Copy", sourceResourceId: OS_DISK_ID },
          incremental: true,
          timeCreated: "2026-11-01T02:00:00.000Z",
        },
      },
    },
    {
      type: "Microsoft.Compute/snapshots",
      resourceGroup: RG,
      name: "snap-edi-legacy-import",
      body: {
        location: "westeurope",
        tags: { environment: "prod" },
        properties: {
          osType: "Windows",
          creationData: {
            createOption: "Import",
            storageAccountId: `${RG_ID}/providers/Microsoft.Storage/storageAccounts/stodooerplegacy`,
            sourceUri: "https://stodooerplegacy.blob.core.windows.net/vhds/edi-legacy-os.vhd",
          },
          diskSizeGB: 128,
          encryptionSettingsCollection: adeSettings,
        },
      },
    },
    {
      type: "Microsoft.Compute/snapshots",
      resourceGroup: RG,
      name: "snap-erp-01-os-2026-05-01",
      body: {
        location: "westeurope",
        tags: { environment: "prod" },
        properties: { creationData: { createOption: "Copy", sourceResourceId: OS_DISK_ID }, timeCreated: "2026-05-01T02:00:00.000Z" },
      },
    },
    {
      type: "Microsoft.Compute/disks",
      resourceGroup: RG,
      name: "disk-erp-01-restore",
      body: {
        location: "westeurope",
        tags: { environment: "prod" },
        sku: { name: "Premium_LRS" },
        properties: { creationData: { createOption: "Copy", sourceResourceId: `${COMPUTE}/snapshots/snap-erp-01-os-2026-11-01` } },
      },
    },
    {
      type: "Microsoft.Compute/disks",
      resourceGroup: RG,
      name: "vm-erp-01_DataDisk_0",
      body: {
        location: "westeurope",
        tags: { environment: "prod" },
        sku: { name: "Premium_LRS" },
        properties: { creationData: { createOption: "Empty" }, diskSizeGB: 512 },
      },
    },
    {
      type: "Microsoft.Compute/virtualMachines",
      resourceGroup: RG,
      name: "vm-erp-01",
      body: {
        location: "westeurope",
        tags: { environment: "prod", owner: "erp-team" },
        plan: { name: "odoo-17", publisher: "cloud-infrastructure-services", product: "odoo-windows-server-2022" },
        properties: {
          availabilitySet: { id: `${COMPUTE}/availabilitySets/avset-erp` },
          proximityPlacementGroup: { id: `${COMPUTE}/proximityPlacementGroups/ppg-erp` },
          virtualMachineScaleSet: { id: `${COMPUTE}/virtualMachineScaleSets/vmss-erp-flex` },
          hardwareProfile: { vmSize: "Standard_D4s_v5" },
          storageProfile: {
            imageReference: {
              publisher: "cloud-infrastructure-services",
              offer: "odoo-windows-server-2022",
              sku: "odoo-17",
              version: "latest",
            },
            osDisk: {
              osType: "Windows",
              name: "vm-erp-01_OsDisk_1",
              createOption: "FromImage",
              caching: "ReadWrite",
              managedDisk: { id: OS_DISK_ID, storageAccountType: "Premium_LRS" },
            },
            dataDisks: [
              {
                lun: 0,
                name: "vm-erp-01_DataDisk_0",
                createOption: "Empty",
                caching: "ReadOnly",
                managedDisk: { id: `${COMPUTE}/disks/vm-erp-01_DataDisk_0` },
              },
              { lun: 1, name: "disk-erp-01-restore", createOption: "Attach", managedDisk: { id: `${COMPUTE}/disks/disk-erp-01-restore` } },
            ],
          },
          applicationProfile: {
            galleryApplications: [
              {
                tags: "odoo-agent",
                order: 1,
                packageReferenceId: `${COMPUTE}/galleries/gal_odoo/applications/odoo-agent/versions/1.4.0`,
                configurationReference: "https://stodooerpconfig.blob.core.windows.net/config/odoo-agent.json",
              },
            ],
          },
          userData: "IyBvZG9vIGJvb3RzdHJhcA==",
          osProfile: { computerName: "vm-erp-01", adminUsername: "odooadmin", adminPassword: "never-echoed-1!" },
          networkProfile: { networkInterfaces: [{ id: `${RG_ID}/providers/Microsoft.Network/networkInterfaces/vm-erp-01-nic` }] },
          diagnosticsProfile: { bootDiagnostics: { enabled: true, storageUri: "https://stodooerpdiag.blob.core.windows.net/" } },
          timeCreated: "2026-03-02T08:15:00.000Z",
        },
      },
      sim: { powerState: "running", workload: "business-hours" },
    },
    {
      type: "Microsoft.Compute/virtualMachines/extensions",
      resourceGroup: RG,
      name: "vm-erp-01/IaaSAntimalware",
      body: {
        location: "westeurope",
        tags: { displayName: "IaaSAntimalware" },
        properties: {
          publisher: "Microsoft.Azure.Security",
          type: "IaaSAntimalware",
          typeHandlerVersion: "1.5",
          autoUpgradeMinorVersion: true,
          settings: {},
        },
      },
    },
    {
      type: "Microsoft.Compute/virtualMachines",
      resourceGroup: RG,
      name: "vm-edi-legacy-01",
      body: {
        location: "westeurope",
        tags: { environment: "prod", owner: "edi-team" },
        properties: {
          availabilitySet: { id: `${COMPUTE}/availabilitySets/avset-edi` },
          hardwareProfile: { vmSize: "Standard_A2_v2" },
          storageProfile: {
            imageReference: {
              publisher: "MicrosoftWindowsServer",
              offer: "WindowsServer",
              sku: "2016-Datacenter",
              version: "14393.7515.241106",
            },
            osDisk: {
              osType: "Windows",
              name: "edi-legacy-os",
              createOption: "FromImage",
              vhd: { uri: "https://stodooerplegacy.blob.core.windows.net/vhds/edi-legacy-os.vhd" },
              caching: "None",
              diskSizeGB: 127,
            },
            dataDisks: [],
          },
          osProfile: { computerName: "EDILEGACY01", adminUsername: "ediadmin" },
          networkProfile: { networkInterfaces: [{ id: `${RG_ID}/providers/Microsoft.Network/networkInterfaces/vm-edi-legacy-01-nic` }] },
        },
      },
    },
    {
      type: "Microsoft.Compute/virtualMachines",
      resourceGroup: RG,
      name: "vm-ops-01",
      body: { location: "westeurope", tags: { environment: "prod" }, properties: { hardwareProfile: { vmSize: "Standard_B2s" } } },
    },
  ],
};

const vmPath = (name: string, suffix = ""): string => `${COMPUTE}/virtualMachines/${name}${suffix}`;

export const computeShapes: ShapeFamily = {
  name: "compute",
  estate,
  cases: [
    {
      example: "compute/vm-get.json",
      dynamic: ["tags", "resources[].tags"],
      run: (emulator) => rawRequest(emulator, "GET", `${vmPath("vm-erp-01")}?$expand=userData&${VM_API}`),
    },
    {
      example: "compute/vm-instance-view.json",
      run: (emulator) => rawRequest(emulator, "GET", `${vmPath("vm-erp-01", "/instanceView")}?${VM_API}`),
    },
    {
      example: "compute/vm-list-all-minimal.json",
      dynamic: ["value[].tags"],
      run: (emulator) => rawRequest(emulator, "GET", `/subscriptions/${SUB}/providers/Microsoft.Compute/virtualMachines?${VM_API}`),
    },
    {
      example: "compute/vm-list-by-resource-group-minimal.json",
      dynamic: ["value[].tags"],
      run: (emulator) => rawRequest(emulator, "GET", `${COMPUTE}/virtualMachines?${VM_API}`),
    },
    {
      example: "compute/vm-list-by-location.json",
      dynamic: ["value[].tags"],
      run: (emulator) =>
        rawRequest(emulator, "GET", `/subscriptions/${SUB}/providers/Microsoft.Compute/locations/westeurope/virtualMachines?${VM_API}`),
    },
    {
      example: "compute/vm-deallocate.json",
      status: "202",
      run: (emulator) => rawRequest(emulator, "POST", `${vmPath("vm-ops-01", "/deallocate")}?${VM_API}`),
    },
    {
      example: "compute/vm-start.json",
      status: "202",
      run: (emulator) => rawRequest(emulator, "POST", `${vmPath("vm-ops-01", "/start")}?${VM_API}`),
    },
    {
      example: "compute/vm-power-off.json",
      status: "202",
      run: (emulator) => rawRequest(emulator, "POST", `${vmPath("vm-ops-01", "/powerOff")}?${VM_API}`),
    },
    {
      example: "compute/disk-get.json",
      dynamic: ["tags"],
      run: (emulator) => rawRequest(emulator, "GET", `${COMPUTE}/disks/vm-erp-01_OsDisk_1?${DISK_API}`),
    },
    {
      example: "compute/disk-list-by-resource-group.json",
      dynamic: ["value[].tags"],
      // The reference is a first page with a nextLink: two rows a page, from an emulator of its own.
      run: async () => {
        const paged = await startEmulator({ estate, throttle: false, lroPolls: 0, listPageSize: 2 });
        try {
          return await rawRequest(paged, "GET", `${COMPUTE}/disks?${DISK_API}`);
        } finally {
          await paged.close();
        }
      },
    },
    {
      example: "compute/snapshot-get.json",
      dynamic: ["tags"],
      run: (emulator) => rawRequest(emulator, "GET", `${COMPUTE}/snapshots/snap-erp-01-os-2026-11-01?${DISK_API}`),
    },
    {
      example: "compute/snapshot-list-by-resource-group.json",
      dynamic: ["value[].tags"],
      run: (emulator) => rawRequest(emulator, "GET", `${COMPUTE}/snapshots?${DISK_API}`),
    },
    {
      example: "compute/snapshot-list-by-subscription.json",
      dynamic: ["value[].tags"],
      run: (emulator) => rawRequest(emulator, "GET", `/subscriptions/${SUB}/providers/Microsoft.Compute/snapshots?${DISK_API}`),
    },
    {
      example: "compute/snapshot-delete.json",
      status: "202",
      run: (emulator) => rawRequest(emulator, "DELETE", `${COMPUTE}/snapshots/snap-erp-01-os-2026-05-01?${DISK_API}`),
    },
  ],
};
