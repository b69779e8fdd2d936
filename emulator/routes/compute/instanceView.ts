/**
 * A VM's instance view, as `.../instanceView` and `$expand=instanceView` answer it: the power
 * state lives here (`statuses[]` with `PowerState/<state>`), not in the VM model. What the guest
 * agent reports (computer name, OS, agent, extension statuses) is there only while the VM runs.
 */
import type { EmulatorCore } from "../../core.ts";
import type { StoredResource } from "../../store.ts";
import { asObject, asString, EXTENSION_TYPE, type Json, stableGuid } from "./common.ts";

/** How the instance view (and Resource Graph) words each power state. */
export const POWER_DISPLAY: Record<string, string> = {
  running: "VM running",
  deallocated: "VM deallocated",
  deallocating: "VM deallocating",
  stopped: "VM stopped",
  stopping: "VM stopping",
  starting: "VM starting",
};

const PROVISIONING_DISPLAY: Record<string, string> = {
  succeeded: "Provisioning succeeded",
  creating: "Creating",
  updating: "Updating",
  deleting: "Deleting",
  failed: "Provisioning failed",
};

export function powerStateOf(vm: StoredResource): string {
  return asString(vm.sim.powerState) ?? "running";
}

function guestOs(osType: string, image: Json | undefined): { osName: string; osVersion: string } {
  const offer = `${asString(image?.offer) ?? ""} ${asString(image?.sku) ?? ""}`.toLowerCase();
  if (osType === "Windows") {
    if (offer.includes("2016")) return { osName: "Windows Server 2016 Datacenter", osVersion: "Microsoft Windows NT 10.0.14393.0" };
    if (offer.includes("2019")) return { osName: "Windows Server 2019 Datacenter", osVersion: "Microsoft Windows NT 10.0.17763.0" };
    return { osName: "Windows Server 2022 Datacenter Azure Edition", osVersion: "Microsoft Windows NT 10.0.20348.0" };
  }
  const ubuntu = /ubuntu.*?(\d{2})[_.](\d{2})|(jammy)|(focal)|(noble)/.exec(offer);
  if (ubuntu) {
    const version = ubuntu[1] !== undefined ? `${ubuntu[1]}.${ubuntu[2]}` : ubuntu[3] ? "22.04" : ubuntu[4] ? "20.04" : "24.04";
    return { osName: "ubuntu", osVersion: version };
  }
  return { osName: asString(image?.offer) ?? "linux", osVersion: asString(image?.sku) ?? "" };
}

function extensionHandlerType(extension: StoredResource): string {
  const properties = extension.arm.properties ?? {};
  const publisher = asString(properties.publisher);
  const type = asString(properties.type) ?? extension.arm.name;
  return publisher === undefined ? type : `${publisher}.${type}`;
}

function bootDiagnosticsUris(vm: StoredResource, vmId: string): Json | undefined {
  const boot = asObject(asObject(vm.arm.properties?.diagnosticsProfile)?.bootDiagnostics);
  const storageUri = asString(boot?.storageUri);
  if (boot?.enabled !== true || storageUri === undefined) return undefined;
  const container = `${storageUri.replace(/\/+$/, "")}/bootdiagnostics-${vm.arm.name.toLowerCase().slice(0, 9)}-${vmId}`;
  return {
    consoleScreenshotBlobUri: `${container}/${vm.arm.name}.${vmId}.screenshot.bmp`,
    serialConsoleLogBlobUri: `${container}/${vm.arm.name}.${vmId}.serialconsole.log`,
  };
}

function patchStatus(vm: StoredResource, at: string): Json {
  return {
    availablePatchSummary: {
      status: "Succeeded",
      assessmentActivityId: stableGuid(`${vm.arm.id}/assessPatches`),
      rebootPending: false,
      criticalAndSecurityPatchCount: 0,
      otherPatchCount: 0,
      startTime: at,
      lastModifiedTime: at,
      error: null,
    },
    lastPatchInstallationSummary: {
      status: "Succeeded",
      installationActivityId: stableGuid(`${vm.arm.id}/installPatches`),
      maintenanceWindowExceeded: false,
      notSelectedPatchCount: 0,
      excludedPatchCount: 0,
      pendingPatchCount: 0,
      installedPatchCount: 0,
      failedPatchCount: 0,
      startTime: at,
      lastModifiedTime: at,
      error: null,
    },
    configurationStatuses: [
      { code: "PatchModeConfigurationState/Ready", level: "Info", displayStatus: "Status_PatchModeConfigurationState_Ready", time: at },
      {
        code: "AssessmentModeConfigurationState/Ready",
        level: "Info",
        displayStatus: "Status_AssessmentModeConfigurationState_Ready",
        time: at,
      },
    ],
  };
}

export function vmInstanceView(core: EmulatorCore, vm: StoredResource): Json {
  const properties = vm.arm.properties ?? {};
  const storage = asObject(properties.storageProfile) ?? {};
  const osDisk = asObject(storage.osDisk) ?? {};
  const osType = asString(osDisk.osType) ?? "Linux";
  const vmId = asString(properties.vmId) ?? stableGuid(vm.arm.id);
  const provisionedAt = asString(properties.timeCreated) ?? core.nowIso();
  const powerState = powerStateOf(vm);
  const guestRunning = powerState === "running";
  const extensions = core.store.children(vm.arm.id, EXTENSION_TYPE);
  const provisioning = (asString(properties.provisioningState) ?? "Succeeded").toLowerCase();

  const view: Json = { platformUpdateDomain: 0, platformFaultDomain: 0 };
  if (guestRunning) {
    const { osName, osVersion } = guestOs(osType, asObject(storage.imageReference));
    view.computerName = asString(asObject(properties.osProfile)?.computerName) ?? vm.arm.name;
    view.osName = osName;
    view.osVersion = osVersion;
    view.vmAgent = {
      vmAgentVersion: osType === "Windows" ? "2.7.41491.1102" : "2.12.0.2",
      statuses: [
        {
          code: "ProvisioningState/succeeded",
          level: "Info",
          displayStatus: "Ready",
          message: "GuestAgent is running and processing the extensions.",
          time: asString(vm.sim.powerStateChangedAt) ?? provisionedAt,
        },
      ],
      extensionHandlers: extensions.map((extension) => ({
        type: extensionHandlerType(extension),
        typeHandlerVersion: asString(extension.arm.properties?.typeHandlerVersion) ?? "1.0",
        status: { code: "ProvisioningState/succeeded", level: "Info", displayStatus: "Ready" },
      })),
    };
  }
  const dataDisks = Array.isArray(storage.dataDisks) ? storage.dataDisks.map(asObject) : [];
  view.disks = [osDisk, ...dataDisks]
    .map((disk) => asString(disk?.name))
    .filter((name): name is string => name !== undefined)
    .map((name) => ({
      name,
      statuses: [{ code: "ProvisioningState/succeeded", level: "Info", displayStatus: "Provisioning succeeded", time: provisionedAt }],
    }));
  const boot = bootDiagnosticsUris(vm, vmId);
  if (boot) view.bootDiagnostics = boot;
  if (guestRunning && extensions.length > 0) {
    view.extensions = extensions.map((extension) => ({
      name: extension.arm.name,
      type: extensionHandlerType(extension),
      typeHandlerVersion: asString(extension.arm.properties?.typeHandlerVersion) ?? "1.0",
      statuses: [
        { code: "ProvisioningState/succeeded", level: "Info", displayStatus: "Provisioning succeeded", message: "Enable succeeded" },
      ],
    }));
  }
  const osDiskId = asString(asObject(osDisk.managedDisk)?.id);
  const osDiskResource = osDiskId === undefined ? undefined : core.store.get(osDiskId);
  view.hyperVGeneration = asString(osDiskResource?.arm.properties?.hyperVGeneration) ?? "V2";
  view.patchStatus = patchStatus(vm, core.nowIso());
  view.isVMInStandbyPool = false;
  view.statuses = [
    {
      code: `ProvisioningState/${provisioning}`,
      level: "Info",
      displayStatus: PROVISIONING_DISPLAY[provisioning] ?? provisioning,
      time: provisionedAt,
    },
    { code: `PowerState/${powerState}`, level: "Info", displayStatus: POWER_DISPLAY[powerState] ?? `VM ${powerState}` },
  ];
  return view;
}
