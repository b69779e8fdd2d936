import type { EstateDefinition } from "../../emulator/estate/load.ts";
import { rawRequest } from "../support/http.ts";
import type { ShapeFamily } from "../support/shapes.ts";

const SUB = "6f1c5a2e-3b8d-4c7e-9a14-2d5e8b7c0f31";
const RG = "rg-odoo-test";
const RG_ID = `/subscriptions/${SUB}/resourceGroups/${RG}`;
const COMPUTE = `${RG_ID}/providers/Microsoft.Compute`;
const API = "api-version=2025-04-01";

const estate: EstateDefinition = {
  resourceGroups: [{ name: RG, location: "westeurope", tags: { environment: "test" } }],
  resources: [
    {
      type: "Microsoft.Compute/virtualMachines",
      resourceGroup: RG,
      name: "vm-odoo-test-reporting-01",
      body: {
        location: "westeurope",
        tags: { environment: "test" },
        properties: {
          hardwareProfile: { vmSize: "Standard_D2s_v5" },
          storageProfile: {
            imageReference: { publisher: "MicrosoftWindowsServer", offer: "WindowsServer", sku: "2016-Datacenter", version: "latest" },
            osDisk: {
              name: "vm-odoo-test-reporting-01-os",
              createOption: "FromImage",
              caching: "ReadWrite",
              managedDisk: { storageAccountType: "Standard_LRS" },
            },
            dataDisks: [
              { lun: 0, diskSizeGB: 1023, createOption: "Empty", toBeDetached: true, managedDisk: { storageAccountType: "Standard_LRS" } },
              { lun: 1, diskSizeGB: 1023, createOption: "Empty", managedDisk: { storageAccountType: "Standard_LRS" } },
            ],
          },
          osProfile: { computerName: "reporting01", adminUsername: "odooadmin" },
          networkProfile: {
            networkInterfaces: [
              { id: `${RG_ID}/providers/Microsoft.Network/networkInterfaces/vm-odoo-test-reporting-01-nic`, properties: { primary: true } },
            ],
          },
        },
      },
    },
    {
      type: "Microsoft.Compute/virtualMachineScaleSets",
      resourceGroup: RG,
      name: "vmss-odoo-test-workers",
      body: {
        location: "westeurope",
        tags: { environment: "test" },
        sku: { name: "Standard_D2s_v5", tier: "Standard", capacity: 3 },
        properties: {
          virtualMachineProfile: {
            extensionProfile: {
              extensions: [
                {
                  name: "odoo-worker-bootstrap",
                  properties: { publisher: "Microsoft.Azure.Extensions", type: "CustomScript", typeHandlerVersion: "2.1" },
                },
              ],
            },
          },
        },
      },
      sim: { powerState: "running" },
    },
  ],
};

const scaleSet = (suffix = ""): string => `${COMPUTE}/virtualMachineScaleSets/vmss-odoo-test-workers${suffix}?${API}`;

export const scaleSetShapes: ShapeFamily = {
  name: "compute: scale sets, sizes and resize",
  estate,
  cases: [
    {
      example: "compute/resource-skus-list.json",
      run: (emulator) =>
        rawRequest(
          emulator,
          "GET",
          `/subscriptions/${SUB}/providers/Microsoft.Compute/skus?api-version=2021-07-01&$filter=${encodeURIComponent("location eq 'westeurope'")}`,
        ),
    },
    {
      example: "compute/vm-list-available-sizes.json",
      run: (emulator) => rawRequest(emulator, "GET", `${COMPUTE}/virtualMachines/vm-odoo-test-reporting-01/vmSizes?${API}`),
    },
    {
      example: "compute/vm-update-patch-with-vm-size.json",
      run: (emulator) =>
        rawRequest(emulator, "PATCH", `${COMPUTE}/virtualMachines/vm-odoo-test-reporting-01?${API}`, {
          properties: { hardwareProfile: { vmSize: "Standard_D4s_v5" } },
        }),
    },
    {
      example: "compute/vmss-list-all-minimal.json",
      dynamic: ["value[].tags"],
      run: (emulator) => rawRequest(emulator, "GET", `/subscriptions/${SUB}/providers/Microsoft.Compute/virtualMachineScaleSets?${API}`),
    },
    { example: "compute/vmss-instance-view.json", run: (emulator) => rawRequest(emulator, "GET", scaleSet("/instanceView")) },
    { example: "compute/vmss-deallocate.json", status: "202", run: (emulator) => rawRequest(emulator, "POST", scaleSet("/deallocate")) },
    { example: "compute/vmss-start.json", status: "202", run: (emulator) => rawRequest(emulator, "POST", scaleSet("/start")) },
  ],
};
