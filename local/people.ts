/**
 * What people do in the emulated subscription with their own credentials, for `npm start` and the
 * demo: the emulator raises the Event Grid events with their claims, as Azure would.
 */
import type { VirtualMachine } from "@azure/arm-compute";
import { emulatorUserCredential } from "../emulator/identity.ts";
import { computeClient } from "../shared/azure/clients.ts";
import { emulatorTarget } from "../shared/azure/target.ts";
import type { LocalApp } from "./localApp.ts";

/** Creates a VM without tags in `group`, as `upn` would from the portal or the CLI; returns it as ARM answered. */
export async function createUntaggedVm(
  app: Pick<LocalApp, "emulator" | "sample">,
  upn: string,
  group: string,
  name: string,
): Promise<VirtualMachine> {
  const subscription = app.sample.subscriptionId;
  const compute = await computeClient({ ...emulatorTarget(app.emulator, subscription), credential: emulatorUserCredential(upn) });
  return compute.virtualMachines.beginCreateOrUpdateAndWait(
    group,
    name,
    {
      location: "westeurope",
      hardwareProfile: { vmSize: "Standard_B2ms" },
      storageProfile: {
        imageReference: { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" },
        osDisk: { createOption: "FromImage", managedDisk: { storageAccountType: "Premium_LRS" } },
      },
      osProfile: { computerName: name, adminUsername: "odoo", adminPassword: "Local-only-never-returned1!" },
      networkProfile: {
        networkInterfaces: [
          { id: `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.Network/networkInterfaces/nic-${name}` },
        ],
      },
    },
    { updateIntervalInMs: 10 },
  );
}
