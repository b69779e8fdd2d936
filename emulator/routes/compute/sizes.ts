/**
 * The VM sizes the emulated regions offer, with the capabilities the Resource SKUs API reports
 * (`vCPUs`, `MemoryGB`, `PremiumIO`, `AcceleratedNetworkingEnabled`, `MaxDataDiskCount`,
 * `MaxNetworkInterfaces`, `CpuArchitectureType`) and the hardware cluster each runs on.
 *
 * The cluster is the emulator's model of Azure's resize rule: a running (or stopped) VM can be
 * resized in place only to a size its current hardware cluster offers; any other size needs the
 * VM deallocated first (Azure then finds hardware for the new size). Sizes of one generation and
 * vendor share a cluster here: Dv5/Dsv5/Ddsv5 with Ev5/Esv5/Edsv5 (Intel, v5), Dv2/DSv2 (Intel,
 * v2), Av2, the B-series, Dasv5 (AMD), Dpsv5 (Arm64) and the M-series each on their own.
 */

export interface VmSizeSpec {
  name: string;
  /** SKU family as the Resource SKUs API spells it, e.g. `standardDSv5Family`. */
  family: string;
  vCPUs: number;
  memoryGb: number;
  premiumIO: boolean;
  acceleratedNetworking: boolean;
  maxDataDisks: number;
  maxNics: number;
  architecture: "x64" | "Arm64";
  /** Temporary (resource) disk in MiB; 0 for sizes without one. */
  resourceDiskMb: number;
  cluster: string;
  /** Regions that offer it (all emulated regions when omitted). */
  regions?: string[];
}

export const EMULATED_REGIONS = ["westeurope", "northeurope", "germanywestcentral", "francecentral", "eastus"];

type Row = [name: string, vCPUs: number, memoryGb: number, maxDataDisks: number, maxNics: number, resourceDiskMb: number];

function series(
  family: string,
  cluster: string,
  traits: { premiumIO: boolean; acceleratedNetworking: boolean; architecture?: "x64" | "Arm64"; regions?: string[] },
  rows: Row[],
): VmSizeSpec[] {
  return rows.map(([name, vCPUs, memoryGb, maxDataDisks, maxNics, resourceDiskMb]) => ({
    name,
    family,
    vCPUs,
    memoryGb,
    maxDataDisks,
    maxNics,
    resourceDiskMb,
    cluster,
    premiumIO: traits.premiumIO,
    acceleratedNetworking: traits.acceleratedNetworking,
    architecture: traits.architecture ?? "x64",
    ...(traits.regions ? { regions: traits.regions } : {}),
  }));
}

export const VM_SIZES: readonly VmSizeSpec[] = [
  ...series("standardBSFamily", "burstable", { premiumIO: true, acceleratedNetworking: false }, [
    ["Standard_B1s", 1, 1, 2, 2, 4096],
    ["Standard_B1ms", 1, 2, 2, 2, 4096],
    ["Standard_B2s", 2, 4, 4, 3, 8192],
    ["Standard_B2ms", 2, 8, 4, 3, 16384],
    ["Standard_B4ms", 4, 16, 8, 4, 32768],
    ["Standard_B8ms", 8, 32, 16, 4, 65536],
    ["Standard_B12ms", 12, 48, 16, 6, 98304],
    ["Standard_B16ms", 16, 64, 32, 8, 131072],
  ]),
  ...series("standardDSv5Family", "intel-v5", { premiumIO: true, acceleratedNetworking: true }, [
    ["Standard_D2s_v5", 2, 8, 4, 2, 0],
    ["Standard_D4s_v5", 4, 16, 8, 2, 0],
    ["Standard_D8s_v5", 8, 32, 16, 4, 0],
    ["Standard_D16s_v5", 16, 64, 32, 8, 0],
    ["Standard_D32s_v5", 32, 128, 32, 8, 0],
    ["Standard_D48s_v5", 48, 192, 32, 8, 0],
    ["Standard_D64s_v5", 64, 256, 32, 8, 0],
  ]),
  ...series("standardDv5Family", "intel-v5", { premiumIO: false, acceleratedNetworking: true }, [
    ["Standard_D2_v5", 2, 8, 4, 2, 0],
    ["Standard_D4_v5", 4, 16, 8, 2, 0],
    ["Standard_D8_v5", 8, 32, 16, 4, 0],
    ["Standard_D16_v5", 16, 64, 32, 8, 0],
  ]),
  ...series("standardDDSv5Family", "intel-v5", { premiumIO: true, acceleratedNetworking: true }, [
    ["Standard_D2ds_v5", 2, 8, 4, 2, 76800],
    ["Standard_D4ds_v5", 4, 16, 8, 2, 153600],
    ["Standard_D8ds_v5", 8, 32, 16, 4, 307200],
    ["Standard_D16ds_v5", 16, 64, 32, 8, 614400],
  ]),
  ...series("standardESv5Family", "intel-v5", { premiumIO: true, acceleratedNetworking: true }, [
    ["Standard_E2s_v5", 2, 16, 4, 2, 0],
    ["Standard_E4s_v5", 4, 32, 8, 2, 0],
    ["Standard_E8s_v5", 8, 64, 16, 4, 0],
    ["Standard_E16s_v5", 16, 128, 32, 8, 0],
    ["Standard_E32s_v5", 32, 256, 32, 8, 0],
  ]),
  ...series("standardEDSv5Family", "intel-v5", { premiumIO: true, acceleratedNetworking: true }, [
    ["Standard_E2ds_v5", 2, 16, 4, 2, 76800],
    ["Standard_E4ds_v5", 4, 32, 8, 2, 153600],
    ["Standard_E8ds_v5", 8, 64, 16, 4, 307200],
    ["Standard_E16ds_v5", 16, 128, 32, 8, 614400],
  ]),
  ...series("standardDSv2Family", "intel-v2", { premiumIO: true, acceleratedNetworking: true }, [["Standard_DS2_v2", 2, 7, 8, 2, 14336]]),
  ...series("standardDv2Family", "intel-v2", { premiumIO: false, acceleratedNetworking: true }, [["Standard_D2_v2", 2, 7, 8, 2, 102400]]),
  ...series("standardAv2Family", "av2", { premiumIO: false, acceleratedNetworking: false }, [
    ["Standard_A1_v2", 1, 2, 2, 2, 10240],
    ["Standard_A2_v2", 2, 4, 4, 2, 20480],
    ["Standard_A4_v2", 4, 8, 8, 4, 40960],
  ]),
  ...series("standardDASv5Family", "amd-v5", { premiumIO: true, acceleratedNetworking: true }, [
    ["Standard_D2as_v5", 2, 8, 4, 2, 0],
    ["Standard_D4as_v5", 4, 16, 8, 2, 0],
    ["Standard_D8as_v5", 8, 32, 16, 4, 0],
  ]),
  ...series(
    "standardDPSv5Family",
    "arm-v5",
    { premiumIO: true, acceleratedNetworking: true, architecture: "Arm64", regions: ["westeurope", "northeurope", "eastus"] },
    [
      ["Standard_D2ps_v5", 2, 8, 4, 2, 0],
      ["Standard_D4ps_v5", 4, 16, 8, 2, 0],
      ["Standard_D8ps_v5", 8, 32, 16, 4, 0],
    ],
  ),
  ...series("standardMSFamily", "m", { premiumIO: true, acceleratedNetworking: true, regions: ["westeurope", "northeurope", "eastus"] }, [
    ["Standard_M32ls", 32, 256, 32, 8, 1024000],
    ["Standard_M32ts", 32, 192, 32, 8, 1024000],
    ["Standard_M64ls", 64, 512, 64, 8, 2048000],
    ["Standard_M64s", 64, 1024, 64, 8, 2048000],
    ["Standard_M64ms", 64, 1792, 64, 8, 2048000],
    ["Standard_M128s", 128, 2048, 64, 8, 4096000],
  ]),
];

const BY_NAME = new Map(VM_SIZES.map((size) => [size.name.toLowerCase(), size]));

export function vmSize(name: string | undefined): VmSizeSpec | undefined {
  return name === undefined ? undefined : BY_NAME.get(name.toLowerCase());
}

export function offeredIn(size: VmSizeSpec, region: string): boolean {
  return (size.regions ?? EMULATED_REGIONS).includes(region.toLowerCase());
}

export function sizesIn(region: string): VmSizeSpec[] {
  return VM_SIZES.filter((size) => offeredIn(size, region));
}
