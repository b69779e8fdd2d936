import { describe, expect, it } from "vitest";
import { orphanedFilter } from "../../../../shared/policy/filters/orphaned.ts";
import { check, condition, context, resource, resourceId } from "../support.ts";

const NIC = resourceId("network-interface", "rg-odoo-prod", "vm-odoo-prod-app-01-nic");
const VM = resourceId("virtual-machine", "rg-odoo-prod", "vm-odoo-prod-app-01");
const ORPHANED = "{ orphaned: true }";

describe("orphaned filter", () => {
  it("1. matches a Standard public IP with no IP configuration and no NAT gateway, naming its monthly cost", () => {
    expect(check(orphanedFilter, ORPHANED, resource({ kind: "public-ip", name: "pip-odoo-dev-old-bastion" }))).toEqual({
      outcome: "match",
      reason: "public IP pip-odoo-dev-old-bastion: no IP configuration, no NAT gateway; Standard static ≈ 3.65 EUR/month",
    });
  });

  it("2. matches a Basic dynamic public IP nothing uses, which Azure does not bill while unused", () => {
    const basic = resource({ kind: "public-ip", name: "pip-basic", sku: "Basic", properties: { publicIPAllocationMethod: "Dynamic" } });
    expect(check(orphanedFilter, ORPHANED, basic).reason).toBe(
      "public IP pip-basic: no IP configuration, no NAT gateway; no charge: a Basic dynamic address is billed only while in use",
    );
  });

  it("3. matches a NIC attached to no VM and no private endpoint: no charge, clutter", () => {
    expect(check(orphanedFilter, ORPHANED, resource({ kind: "network-interface", name: "nic-odoo-dev-05-detached" }))).toEqual({
      outcome: "match",
      reason: "network interface nic-odoo-dev-05-detached: attached to no VM and no private endpoint; no charge: clutter",
    });
  });

  it("4. matches a Standard load balancer with no backend address in any pool, priced by its rules", () => {
    const lb = resource({
      kind: "load-balancer",
      name: "lb-odoo-test-legacy",
      properties: {
        backendAddressPools: [{ name: "bepool-legacy", properties: { backendIPConfigurations: [], loadBalancerBackendAddresses: [] } }],
        loadBalancingRules: Array.from({ length: 7 }, (_, index) => ({ name: `rule-${index}` })),
      },
    });
    expect(check(orphanedFilter, ORPHANED, lb)).toEqual({
      outcome: "match",
      reason: "load balancer lb-odoo-test-legacy: no backend address in pool bepool-legacy; Standard, 7 rules ≈ 32.85 EUR/month",
    });
    const ruleless = { ...lb, properties: { backendAddressPools: [] } };
    expect(check(orphanedFilter, ORPHANED, ruleless).reason).toBe(
      "load balancer lb-odoo-test-legacy: no backend pool; no charge: a Standard load balancer with no rules is not billed",
    );
  });

  it("5. matches an NSG on no subnet and no NIC", () => {
    expect(check(orphanedFilter, ORPHANED, resource({ kind: "network-security-group", name: "nsg-odoo-test-old" })).reason).toBe(
      "network security group nsg-odoo-test-old: on no subnet and no NIC; no charge: clutter",
    );
  });

  it("6. matches an App Service plan with no apps, billed for each instance", () => {
    const plan = resource({ kind: "app-service-plan", name: "asp-odoo-dev-webhooks", sku: "P1v3", properties: { numberOfWorkers: 2 } });
    expect(check(orphanedFilter, ORPHANED, plan).reason).toBe(
      "App Service plan asp-odoo-dev-webhooks: no apps (numberOfSites 0); P1v3 × 2 instances ≈ 227.76 EUR/month",
    );
    const windows = { ...plan, properties: { ...plan.properties, numberOfWorkers: 1, reserved: false } };
    expect(check(orphanedFilter, ORPHANED, windows).reason).toContain(
      "P1v3 × 1 instance (Linux price: Windows costs more) ≈ 113.88 EUR/month",
    );
  });

  it("7. matches a resource group with no resource in it", () => {
    const group = resource({ kind: "resource-group", name: "rg-odoo-poc-2025" });
    const elsewhere = resource({ kind: "network-interface", name: "nic-1", resourceGroup: "rg-odoo-dev" });
    expect(check(orphanedFilter, ORPHANED, group, context({ resources: [group, elsewhere] }))).toEqual({
      outcome: "match",
      reason: "resource group rg-odoo-poc-2025: no resources in it; no charge: clutter",
    });
  });

  it("8. matches an unattached disk, with when Azure saw it detached and its storage's price", () => {
    const disk = resource({
      kind: "disk",
      name: "disk-odoo-dev-02-data-old",
      sku: "Premium_LRS",
      properties: { diskSizeGB: 200, diskState: "Unattached", LastOwnershipUpdateTime: "2026-10-14T19:30:00Z" },
    });
    expect(check(orphanedFilter, ORPHANED, disk).reason).toBe(
      "disk disk-odoo-dev-02-data-old: not attached to any VM since 2026-10-14 (LastOwnershipUpdateTime); 200 GB Premium_LRS (the 256 GB tier) ≈ 35.84 EUR/month",
    );
  });

  it("compliant: what something uses is not an orphan, and the reason names what uses it", () => {
    const cases = [
      [
        resource({
          kind: "public-ip",
          name: "pip-odoo-prod-lb",
          properties: { ipConfiguration: { id: `${NIC}/ipConfigurations/ipconfig1` } },
        }),
        "public IP pip-odoo-prod-lb: used by IP configuration ipconfig1 of vm-odoo-prod-app-01-nic",
      ],
      [
        resource({
          kind: "public-ip",
          name: "pip-natgw",
          properties: {
            natGateway: { id: resourceId("public-ip", "rg-network", "x").replace("publicIPAddresses/x", "natGateways/natgw-odoo") },
          },
        }),
        "public IP pip-natgw: used by NAT gateway natgw-odoo",
      ],
      [
        resource({ kind: "network-interface", name: "vm-odoo-prod-app-01-nic", properties: { virtualMachine: { id: VM } } }),
        "network interface vm-odoo-prod-app-01-nic: attached to VM vm-odoo-prod-app-01",
      ],
      [
        resource({
          kind: "load-balancer",
          name: "lb-odoo-prod",
          properties: {
            backendAddressPools: [
              { name: "bepool", properties: { backendIPConfigurations: [{ id: `${NIC}/ipConfigurations/ipconfig1` }] } },
            ],
          },
        }),
        "load balancer lb-odoo-prod: 1 backend address in pool bepool",
      ],
      [
        resource({ kind: "network-security-group", name: "nsg-edi-gateway", properties: { networkInterfaces: [{ id: NIC }] } }),
        "network security group nsg-edi-gateway: on NIC vm-odoo-prod-app-01-nic",
      ],
      [
        resource({ kind: "app-service-plan", name: "asp-edi-portal-prod", properties: { numberOfSites: 1 } }),
        "App Service plan asp-edi-portal-prod: 1 app",
      ],
      [
        resource({ kind: "disk", name: "vm-odoo-prod-app-01_OsDisk_1", managedBy: VM, properties: { diskState: "Attached" } }),
        "disk vm-odoo-prod-app-01_OsDisk_1: attached to vm-odoo-prod-app-01",
      ],
    ] as const;
    for (const [subject, reason] of cases)
      expect(check(orphanedFilter, ORPHANED, subject), subject.name).toEqual({ outcome: "no-match", reason });
    expect(check(orphanedFilter, "{ orphaned: false }", cases[0][0]).outcome).toBe("match");
  });

  it("compliant: a group that holds a resource, or that another resource manages, is not empty", () => {
    const group = resource({ kind: "resource-group", name: "rg-odoo-dev" });
    const vm = resource({ name: "vm-odoo-dev-01", resourceGroup: "rg-odoo-dev" });
    expect(check(orphanedFilter, ORPHANED, group, context({ resources: [group, vm] })).reason).toBe(
      "resource group rg-odoo-dev: holds 1 resource (vm-odoo-dev-01)",
    );
    const aks = resourceId("aks-cluster", "rg-odoo-dev", "aks-odoo-dev");
    const nodes = resource({ kind: "resource-group", name: "MC_rg-odoo-dev_aks-odoo-dev_westeurope", managedBy: aks });
    expect(check(orphanedFilter, ORPHANED, nodes).reason).toBe(
      "resource group MC_rg-odoo-dev_aks-odoo-dev_westeurope: managed by aks-odoo-dev: its owner removes it",
    );
  });

  it("compliant: Governor's own drill group, empty between restore drills, is never an orphan", () => {
    const drills = resource({ kind: "resource-group", name: "rg-governor-drills", tags: { "governor-managed": "true" } });
    expect(check(orphanedFilter, ORPHANED, drills, context({ resources: [drills] }))).toEqual({
      outcome: "no-match",
      reason: "resource group rg-governor-drills: Governor's own group (tag governor-managed): empty between restore drills",
    });
  });

  it("is unknown when it cannot tell: a plan whose app count is unknown, a disk being exported", () => {
    expect(
      check(orphanedFilter, ORPHANED, resource({ kind: "app-service-plan", name: "asp-x", properties: { numberOfSites: undefined } })),
    ).toEqual({
      outcome: "unknown",
      reason: "App Service plan asp-x: the number of apps on it (numberOfSites) is not known",
    });
    expect(
      check(orphanedFilter, ORPHANED, resource({ kind: "disk", name: "disk-x", properties: { diskState: "ActiveSAS" } })).outcome,
    ).toBe("unknown");
  });

  it("does not apply to kinds it has no meaning for, and takes only a boolean", () => {
    expect(check(orphanedFilter, ORPHANED, resource({ name: "vm-1" })).outcome).toBe("not-applicable");
    expect(() => condition(orphanedFilter, "{ orphaned: yes please }")).toThrow("schema:");
  });
});
