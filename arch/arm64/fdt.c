// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 guest's device tree. Bindings followed (Linux's
 * Documentation/devicetree/bindings/ and the Devicetree Specification):
 *
 *   /                     #address-cells = #size-cells = 2, so every reg is
 *                         <addr-hi addr-lo size-hi size-lo>
 *   /chosen               bootargs, linux,initrd-start/-end (chosen.yaml in
 *                         dt-schema), stdout-path, kaslr-seed
 *   /memory@...           device_type "memory"
 *   /cpus/cpu@...         reg = MPIDR_EL1 affinity (arm/cpus.yaml),
 *                         enable-method "psci"
 *   /psci                 arm,psci-0.2, method "hvc" (arm/psci.yaml)
 *   /intc@...             arm,gic-v3 (GICD + GICR regions) or
 *                         arm,cortex-a15-gic (GICD + GICC), three
 *                         interrupt cells <type number flags>
 *   /timer                arm,armv8-timer: four PPIs (arm/arch_timer.yaml)
 *   /serial@...           ns16550a with reg-shift 0, reg-io-width 1,
 *                         clock-frequency (serial/8250.yaml)
 *
 * Interrupt specifiers: type 0 = SPI (number from 0 = ID 32), 1 = PPI
 * (number from 0 = ID 16); flags 4 = level high, 8 = level low, and on
 * GICv2 bits 15:8 of a PPI's flags are the CPU mask.
 */
#include "fdt.h"

#include <errno.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#include "vmm/device.h"
#include "vmm/util.h"
#include "layout.h"

#define GIC_SPI 0
#define GIC_PPI 1
#define IRQ_TYPE_EDGE_RISING 1
#define IRQ_TYPE_LEVEL_HIGH 4
#define IRQ_TYPE_LEVEL_LOW 8

/* Architected timer PPIs (arm/arch_timer.yaml order), as KVM wires them. */
#define PPI_SEC_PHYS_TIMER 13 /* ID 29 */
#define PPI_PHYS_TIMER 14     /* ID 30, KVM's default ptimer */
#define PPI_VIRT_TIMER 11     /* ID 27, KVM's default vtimer */
#define PPI_HYP_TIMER 10      /* ID 26 */

/* libfdt returns -FDT_ERR_*; every call below goes through this. */
#define FDT_TRY(call)                                        \
	do {                                                 \
		int __r = (call);                            \
		if (__r < 0)                                 \
			return rv_arm64_fdt_err(__r, #call); \
	} while (0)

static int rv_arm64_fdt_err(int fdt_err, const char *what)
{
	if (fdt_err == -FDT_ERR_NOSPACE)
		return rv_err(-ENOSPC, "device tree: out of space");
	return rv_err(-EINVAL, "device tree: %s: %s", what, fdt_strerror(fdt_err));
}

/* A reg property of (address, size) pairs in 2 + 2 cells. */
static int rv_fdt_reg(void *fdt, const uint64_t *pairs, unsigned int n)
{
	fdt64_t cells[4];

	if (n > 2)
		return -EINVAL;
	for (unsigned int i = 0; i < 2 * n; i++)
		cells[i] = cpu_to_fdt64(pairs[i]);
	FDT_TRY(fdt_property(fdt, "reg", cells, 2 * n * sizeof(cells[0])));
	return 0;
}

static int rv_fdt_irq(void *fdt, uint32_t type, uint32_t num, uint32_t flags)
{
	fdt32_t cells[3] = { cpu_to_fdt32(type), cpu_to_fdt32(num), cpu_to_fdt32(flags) };

	FDT_TRY(fdt_property(fdt, "interrupts", cells, sizeof(cells)));
	return 0;
}

static int rv_fdt_chosen(void *fdt, const struct rv_arm64_fdt_cfg *cfg, const char *stdout_path)
{
	FDT_TRY(fdt_begin_node(fdt, "chosen"));
	if (cfg->bootargs)
		FDT_TRY(fdt_property_string(fdt, "bootargs", cfg->bootargs));
	if (cfg->initrd_end > cfg->initrd_addr) {
		/* linux,initrd-end is exclusive: the first byte after the initrd. */
		FDT_TRY(fdt_property_u64(fdt, "linux,initrd-start", cfg->initrd_addr));
		FDT_TRY(fdt_property_u64(fdt, "linux,initrd-end", cfg->initrd_end));
	}
	if (stdout_path)
		FDT_TRY(fdt_property_string(fdt, "stdout-path", stdout_path));
	/* arm64 KASLR takes its randomness from here (booting.rst is silent). */
	if (cfg->kaslr_seed)
		FDT_TRY(fdt_property_u64(fdt, "kaslr-seed", cfg->kaslr_seed));
	FDT_TRY(fdt_end_node(fdt));
	return 0;
}

static int rv_fdt_cpus(void *fdt, const struct rv_arm64_fdt_cfg *cfg)
{
	char name[32];

	FDT_TRY(fdt_begin_node(fdt, "cpus"));
	/* One cell: Aff2.Aff1.Aff0 (Aff3 must then be 0, checked below). */
	FDT_TRY(fdt_property_u32(fdt, "#address-cells", 1));
	FDT_TRY(fdt_property_u32(fdt, "#size-cells", 0));
	for (unsigned int i = 0; i < cfg->nr_cpus; i++) {
		uint64_t aff = cfg->mpidr[i] & 0xffffffULL;

		if (cfg->mpidr[i] & 0xff00000000ULL)
			return rv_err(-EINVAL, "vCPU %u: MPIDR 0x%" PRIx64 " has Aff3 set", i,
				      cfg->mpidr[i]);
		snprintf(name, sizeof(name), "cpu@%" PRIx64, aff);
		FDT_TRY(fdt_begin_node(fdt, name));
		FDT_TRY(fdt_property_string(fdt, "device_type", "cpu"));
		FDT_TRY(fdt_property_string(fdt, "compatible", "arm,arm-v8"));
		/* Secondaries start with PSCI CPU_ON (KVM_ARM_VCPU_POWER_OFF). */
		FDT_TRY(fdt_property_string(fdt, "enable-method", "psci"));
		FDT_TRY(fdt_property_u32(fdt, "reg", (uint32_t)aff));
		FDT_TRY(fdt_end_node(fdt));
	}
	FDT_TRY(fdt_end_node(fdt));
	return 0;
}

static int rv_fdt_gic(void *fdt, const struct rv_arm64_gic_layout *gic)
{
	uint64_t reg[4] = { gic->dist_addr, gic->dist_size, gic->cpu_addr, gic->cpu_size };
	char name[32];
	int ret;

	if (gic->version != 2 && gic->version != 3)
		return rv_err(-EINVAL, "device tree: GIC version %u", gic->version);
	snprintf(name, sizeof(name), "intc@%" PRIx64, gic->dist_addr);
	FDT_TRY(fdt_begin_node(fdt, name));
	if (gic->version == 3) {
		FDT_TRY(fdt_property_string(fdt, "compatible", "arm,gic-v3"));
		FDT_TRY(fdt_property_u32(fdt, "#redistributor-regions", 1));
	} else {
		FDT_TRY(fdt_property_string(fdt, "compatible", "arm,cortex-a15-gic"));
	}
	FDT_TRY(fdt_property_u32(fdt, "#interrupt-cells", 3));
	FDT_TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
	/* No children (no ITS, no v2m): no ranges, address cells 0. */
	FDT_TRY(fdt_property_u32(fdt, "#address-cells", 0));
	ret = rv_fdt_reg(fdt, reg, 2);
	if (ret)
		return ret;
	FDT_TRY(fdt_property_u32(fdt, "phandle", RV_ARM64_FDT_GIC_PHANDLE));
	FDT_TRY(fdt_end_node(fdt));
	return 0;
}

static int rv_fdt_timer(void *fdt, const struct rv_arm64_fdt_cfg *cfg)
{
	static const uint32_t ppis[4] = {
		PPI_SEC_PHYS_TIMER,
		PPI_PHYS_TIMER,
		PPI_VIRT_TIMER,
		PPI_HYP_TIMER,
	};
	uint32_t flags = IRQ_TYPE_LEVEL_HIGH;
	fdt32_t cells[12];

	/* GICv2: level low as the timer's output is, plus the CPU mask. */
	if (cfg->gic.version == 2)
		flags = IRQ_TYPE_LEVEL_LOW | ((1u << cfg->nr_cpus) - 1) << 8;
	for (unsigned int i = 0; i < 4; i++) {
		cells[3 * i] = cpu_to_fdt32(GIC_PPI);
		cells[3 * i + 1] = cpu_to_fdt32(ppis[i]);
		cells[3 * i + 2] = cpu_to_fdt32(flags);
	}
	FDT_TRY(fdt_begin_node(fdt, "timer"));
	FDT_TRY(fdt_property_string(fdt, "compatible", "arm,armv8-timer"));
	FDT_TRY(fdt_property(fdt, "interrupts", cells, sizeof(cells)));
	/* KVM keeps a vCPU's timer running while it is descheduled. */
	FDT_TRY(fdt_property(fdt, "always-on", NULL, 0));
	FDT_TRY(fdt_end_node(fdt));
	return 0;
}

/*
 * devices/serial8250.c on MMIO: Linux's of_serial drives it as a 16550A
 * (port type from "ns16550a") with byte registers one byte apart.
 */
static int rv_fdt_serial8250(void *fdt, const struct rv_device_cfg *dev, const char *name)
{
	uint64_t reg[2] = { dev->base, RV_ARM64_UART_SIZE };
	int ret;

	FDT_TRY(fdt_begin_node(fdt, name));
	FDT_TRY(fdt_property_string(fdt, "compatible", "ns16550a"));
	ret = rv_fdt_reg(fdt, reg, 1);
	if (ret)
		return ret;
	FDT_TRY(fdt_property_u32(fdt, "reg-shift", 0));
	FDT_TRY(fdt_property_u32(fdt, "reg-io-width", 1));
	FDT_TRY(fdt_property_u32(fdt, "clock-frequency", RV_ARM64_UART_CLOCK));
	/* No interrupt: Linux's 8250 driver polls the port instead. */
	if (dev->irq) {
		ret = rv_fdt_irq(fdt, GIC_SPI, dev->irq, IRQ_TYPE_LEVEL_HIGH);
		if (ret)
			return ret;
	}
	FDT_TRY(fdt_end_node(fdt));
	return 0;
}

/*
 * A virtio-mmio transport (virtio 1.2, "Virtio Over MMIO"; Linux's
 * Documentation/devicetree/bindings/virtio/mmio.yaml): its register window
 * and its SPI: level-triggered, high while InterruptStatus is non-zero, or
 * edge-triggered where the platform's slots are (dev->irq_edge).
 */
static int rv_fdt_virtio_mmio(void *fdt, const struct rv_device_cfg *dev, const char *name)
{
	uint64_t reg[2] = { dev->base, RV_ARM64_VIRTIO_MMIO_SIZE };
	int ret;

	FDT_TRY(fdt_begin_node(fdt, name));
	FDT_TRY(fdt_property_string(fdt, "compatible", "virtio,mmio"));
	ret = rv_fdt_reg(fdt, reg, 1);
	if (ret)
		return ret;
	if (dev->irq) {
		ret = rv_fdt_irq(fdt, GIC_SPI, dev->irq,
				 dev->irq_edge ? IRQ_TYPE_EDGE_RISING : IRQ_TYPE_LEVEL_HIGH);
		if (ret)
			return ret;
	}
	/* The device reads guest RAM coherently: no cache maintenance needed. */
	FDT_TRY(fdt_property(fdt, "dma-coherent", NULL, 0));
	FDT_TRY(fdt_end_node(fdt));
	return 0;
}

/* Device types with a device tree binding; the rest get no node. */
static const struct rv_fdt_binding {
	const char *type;
	const char *node; /* node name, "@<base>" appended */
	int (*emit)(void *fdt, const struct rv_device_cfg *dev, const char *name);
	bool prefix; /* @type names a family: "virtio-" matches "virtio-blk" */
} rv_fdt_bindings[] = {
	{ "serial8250", "serial", rv_fdt_serial8250 },
	/* Every virtio device type sits on a virtio-mmio transport. */
	{ "virtio-", "virtio_mmio", rv_fdt_virtio_mmio, true },
};

static const struct rv_fdt_binding *rv_fdt_binding(const struct rv_device_cfg *dev)
{
	if (dev->space != RV_SPACE_MMIO)
		return NULL; /* arm64 has no port I/O */
	for (unsigned int i = 0; i < RV_ARRAY_SIZE(rv_fdt_bindings); i++)
		if (rv_fdt_bindings[i].prefix ? !strncmp(rv_fdt_bindings[i].type, dev->type,
							 strlen(rv_fdt_bindings[i].type)) :
						!strcmp(rv_fdt_bindings[i].type, dev->type))
			return &rv_fdt_bindings[i];
	return NULL;
}

static void rv_fdt_node_name(char *buf, size_t len, const struct rv_fdt_binding *b,
			     const struct rv_device_cfg *dev)
{
	snprintf(buf, len, "%s@%" PRIx64, b->node, dev->base);
}

static int rv_fdt_devices(void *fdt, const struct rv_arm64_fdt_cfg *cfg)
{
	char name[64];
	int ret;

	for (unsigned int i = 0; i < cfg->nr_devices; i++) {
		const struct rv_device_cfg *dev = &cfg->devices[i];
		const struct rv_fdt_binding *b = rv_fdt_binding(dev);

		if (!b) {
			rv_debug("device tree: no binding for %s (%s), no node", dev->name,
				 dev->type);
			continue;
		}
		if (dev->irq && dev->irq >= RV_ARM64_GIC_NR_IRQS - 32)
			return rv_err(-EINVAL, "device %s: SPI %u is beyond the vGIC's %u",
				      dev->name, dev->irq, RV_ARM64_GIC_NR_IRQS - 32);
		rv_fdt_node_name(name, sizeof(name), b, dev);
		ret = b->emit(fdt, dev, name);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * aliases { serial0 = ... } for the console device, and its path: a UART
 * of the platform, not a device an option placed (--console virtio is
 * named by the command line's console=hvc0, and is no serial0).
 */
static int rv_fdt_console(const struct rv_arm64_fdt_cfg *cfg, char *path, size_t len)
{
	for (unsigned int i = 0; i < cfg->nr_devices; i++) {
		const struct rv_device_cfg *dev = &cfg->devices[i];
		const struct rv_fdt_binding *b = rv_fdt_binding(dev);

		if (dev->console && !dev->slot && b) {
			path[0] = '/';
			rv_fdt_node_name(path + 1, len - 1, b, dev);
			return 1;
		}
	}
	return 0;
}

int rv_arm64_fdt_build(void *buf, size_t size, const struct rv_arm64_fdt_cfg *cfg)
{
	uint64_t mem[2] = { cfg->ram_addr, cfg->ram_size };
	char name[32], console[80];
	bool have_console;
	int ret;

	if (size > INT32_MAX || cfg->nr_cpus == 0)
		return rv_err(-EINVAL, "device tree: %zu bytes for %u CPUs", size, cfg->nr_cpus);
	have_console = rv_fdt_console(cfg, console, sizeof(console));

	FDT_TRY(fdt_create(buf, (int)size));
	FDT_TRY(fdt_finish_reservemap(buf));
	FDT_TRY(fdt_begin_node(buf, ""));
	FDT_TRY(fdt_property_string(buf, "compatible", "linux,dummy-virt"));
	FDT_TRY(fdt_property_string(buf, "model", "ringvmm"));
	FDT_TRY(fdt_property_u32(buf, "#address-cells", 2));
	FDT_TRY(fdt_property_u32(buf, "#size-cells", 2));
	FDT_TRY(fdt_property_u32(buf, "interrupt-parent", RV_ARM64_FDT_GIC_PHANDLE));

	if (have_console) {
		FDT_TRY(fdt_begin_node(buf, "aliases"));
		FDT_TRY(fdt_property_string(buf, "serial0", console));
		FDT_TRY(fdt_end_node(buf));
	}
	ret = rv_fdt_chosen(buf, cfg, have_console ? "serial0:115200n8" : NULL);
	if (ret)
		return ret;

	snprintf(name, sizeof(name), "memory@%" PRIx64, cfg->ram_addr);
	FDT_TRY(fdt_begin_node(buf, name));
	FDT_TRY(fdt_property_string(buf, "device_type", "memory"));
	ret = rv_fdt_reg(buf, mem, 1);
	if (ret)
		return ret;
	FDT_TRY(fdt_end_node(buf));

	ret = rv_fdt_cpus(buf, cfg);
	if (ret)
		return ret;

	FDT_TRY(fdt_begin_node(buf, "psci"));
	FDT_TRY(fdt_property_string(buf, "compatible", "arm,psci-0.2"));
	/* KVM answers PSCI calls made with HVC from EL1 (api.rst, KVM_ARM_VCPU_INIT: PSCI_0_2). */
	FDT_TRY(fdt_property_string(buf, "method", "hvc"));
	FDT_TRY(fdt_end_node(buf));

	ret = rv_fdt_gic(buf, &cfg->gic);
	if (ret)
		return ret;
	ret = rv_fdt_timer(buf, cfg);
	if (ret)
		return ret;
	ret = rv_fdt_devices(buf, cfg);
	if (ret)
		return ret;

	FDT_TRY(fdt_end_node(buf));
	/* fdt_finish() also shrinks totalsize to what was used. */
	FDT_TRY(fdt_finish(buf));
	return 0;
}
