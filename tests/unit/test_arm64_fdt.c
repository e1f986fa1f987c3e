// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 device tree, read back with libfdt: every node and property
 * Linux needs is there and well-formed (memory, cpus with PSCI, the GIC
 * with its phandle as the root's interrupt-parent, the timer's four PPIs,
 * chosen, the ns16550a UART), for GICv3 and GICv2, with and without an
 * initrd; devices without a binding get no node; every buffer size too
 * small fails cleanly; impossible descriptions are refused. Pure code: runs
 * on any host with libfdt.
 */
#include <errno.h>
#include <inttypes.h>
#include <libfdt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/arm64/fdt.h"
#include "arch/arm64/layout.h"
#include "vmm/device.h"
#include "vmm/util.h"

static uint8_t blob[RV_ARM64_DTB_MAX];

/* The last one is never a vCPU of these tests: its node must be absent. */
static const uint64_t mpidr[5] = { 0x80000000, 0x80000001, 0x80000002, 0x80000103, 0x80000204 };

static const struct rv_device_cfg devices[] = {
	{ .type = "serial8250",
	  .name = "ttyS0",
	  .space = RV_SPACE_MMIO,
	  .base = RV_ARM64_UART_ADDR,
	  .irq = RV_ARM64_UART_SPI,
	  .console = true },
	/* No node for these: port I/O, and a type without a binding. */
	{ .type = "serial8250", .name = "pio", .space = RV_SPACE_PIO, .base = 0x3f8 },
	{ .type = "test-recorder", .name = "rec", .space = RV_SPACE_MMIO, .base = 0x0a000000 },
	/* A second, polled UART. */
	{ .type = "serial8250", .name = "ttyS1", .space = RV_SPACE_MMIO, .base = 0x0a001000 },
	/* What --disk and --rng add: a virtio-mmio node each. */
	{ .type = "virtio-blk",
	  .name = "virtio-blk0",
	  .space = RV_SPACE_MMIO,
	  .base = RV_ARM64_SLOT_MMIO_ADDR,
	  .irq = RV_ARM64_SLOT_FIRST_SPI },
	{ .type = "virtio-rng",
	  .name = "virtio-rng0",
	  .space = RV_SPACE_MMIO,
	  .base = RV_ARM64_SLOT_MMIO_ADDR + RV_ARM64_SLOT_SIZE,
	  .irq = RV_ARM64_SLOT_FIRST_SPI + 1,
	  .irq_edge = true },
};

static struct rv_arm64_fdt_cfg base_cfg(unsigned int gic_version, unsigned int nr_cpus)
{
	struct rv_arm64_fdt_cfg c = {
		.ram_addr = RV_ARM64_RAM_ADDR,
		.ram_size = 512ULL << 20,
		.nr_cpus = nr_cpus,
		.mpidr = mpidr,
		.bootargs = "console=ttyS0 quiet",
		.initrd_addr = 0x42800000,
		.initrd_end = 0x42912345,
		.kaslr_seed = 0x0123456789abcdefULL,
		.devices = devices,
		.nr_devices = RV_ARRAY_SIZE(devices),
		.gic = {
			.version = gic_version,
			.dist_addr = RV_ARM64_GICD_ADDR,
			.dist_size = gic_version == 3 ? RV_ARM64_GICD_V3_SIZE : RV_ARM64_GICD_V2_SIZE,
			.cpu_addr = gic_version == 3 ? RV_ARM64_GICR_ADDR : RV_ARM64_GICC_ADDR,
			.cpu_size = gic_version == 3 ? nr_cpus * RV_ARM64_GICR_STRIDE : RV_ARM64_GICC_SIZE,
			.nr_irqs = RV_ARM64_GIC_NR_IRQS,
		},
	};
	return c;
}

static int node(const char *path)
{
	int off = fdt_path_offset(blob, path);

	if (off < 0)
		fail_msg("no node %s: %s", path, fdt_strerror(off));
	return off;
}

static const void *prop(const char *path, const char *name, int *len)
{
	const void *p = fdt_getprop(blob, node(path), name, len);

	if (!p)
		fail_msg("%s has no %s", path, name);
	return p;
}

static void chk_string(const char *path, const char *name, const char *want)
{
	int len;
	const char *s = prop(path, name, &len);

	/* Well-formed: NUL-terminated inside the property. */
	assert_int_equal(len, strlen(want) + 1);
	assert_string_equal(s, want);
}

static void chk_cells(const char *path, const char *name, const uint32_t *want, unsigned int n)
{
	int len;
	const fdt32_t *c = prop(path, name, &len);

	assert_int_equal(len, n * 4);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(fdt32_to_cpu(c[i]), want[i]);
}

static void chk_u32(const char *path, const char *name, uint32_t want)
{
	chk_cells(path, name, &want, 1);
}

static void chk_u64(const char *path, const char *name, uint64_t want)
{
	int len;
	const void *c = prop(path, name, &len);

	assert_int_equal(len, 8);
	/* A property is only 4-byte aligned in the blob: fdt64_ld() copes. */
	assert_int_equal(fdt64_ld(c), want);
}

/* reg with #address-cells = #size-cells = 2: <hi lo hi lo> pairs. */
static void chk_reg(const char *path, const uint64_t *pairs, unsigned int n)
{
	uint32_t cells[8];

	for (unsigned int i = 0; i < 2 * n; i++) {
		cells[2 * i] = pairs[i] >> 32;
		cells[2 * i + 1] = (uint32_t)pairs[i];
	}
	chk_cells(path, "reg", cells, 4 * n);
}

static void check_common(const struct rv_arm64_fdt_cfg *c)
{
	uint64_t mem[2] = { c->ram_addr, c->ram_size };
	uint64_t uart[2] = { RV_ARM64_UART_ADDR, 8 };
	uint32_t uart_irq[3] = { 0, RV_ARM64_UART_SPI, 4 };
	char path[64];

	assert_int_equal(fdt_check_header(blob), 0);
	assert_true(fdt_totalsize(blob) < 4096);
	chk_string("/", "compatible", "linux,dummy-virt");
	chk_u32("/", "#address-cells", 2);
	chk_u32("/", "#size-cells", 2);
	chk_u32("/", "interrupt-parent", RV_ARM64_FDT_GIC_PHANDLE);

	chk_string("/memory@40000000", "device_type", "memory");
	chk_reg("/memory@40000000", mem, 1);

	chk_u32("/cpus", "#address-cells", 1);
	chk_u32("/cpus", "#size-cells", 0);
	for (unsigned int i = 0; i < c->nr_cpus; i++) {
		snprintf(path, sizeof(path), "/cpus/cpu@%x", (unsigned int)(mpidr[i] & 0xffffff));
		chk_string(path, "device_type", "cpu");
		chk_string(path, "enable-method", "psci");
		/* reg is the MPIDR affinity, without bit 31 (RES1). */
		chk_u32(path, "reg", mpidr[i] & 0xffffff);
	}
	snprintf(path, sizeof(path), "/cpus/cpu@%x", (unsigned int)(mpidr[c->nr_cpus] & 0xffffff));
	assert_true(fdt_path_offset(blob, path) < 0);

	chk_string("/psci", "compatible", "arm,psci-0.2");
	chk_string("/psci", "method", "hvc");

	/* The GIC is the interrupt parent: its phandle resolves to it. */
	assert_int_equal(fdt_node_offset_by_phandle(blob, RV_ARM64_FDT_GIC_PHANDLE),
			 node("/intc@8000000"));
	chk_u32("/intc@8000000", "#interrupt-cells", 3);
	prop("/intc@8000000", "interrupt-controller", NULL);

	chk_string("/timer", "compatible", "arm,armv8-timer");

	chk_string("/serial@9000000", "compatible", "ns16550a");
	chk_reg("/serial@9000000", uart, 1);
	chk_u32("/serial@9000000", "reg-shift", 0);
	chk_u32("/serial@9000000", "reg-io-width", 1);
	chk_u32("/serial@9000000", "clock-frequency", RV_ARM64_UART_CLOCK);
	chk_cells("/serial@9000000", "interrupts", uart_irq, 3);
	/* The polled UART has no interrupts property; unbound devices no node. */
	node("/serial@a001000");
	assert_null(fdt_getprop(blob, node("/serial@a001000"), "interrupts", NULL));
	assert_true(fdt_path_offset(blob, "/serial@3f8") < 0);
	assert_true(fdt_path_offset(blob, "/test-recorder@a000000") < 0);

	for (unsigned int i = 0; i < 2; i++) {
		uint64_t reg[2] = { RV_ARM64_SLOT_MMIO_ADDR + i * RV_ARM64_SLOT_SIZE, 0x200 };
		/* GIC_SPI, the slot's SPI, IRQ_TYPE_LEVEL_HIGH (the second: EDGE_RISING) */
		uint32_t irq[3] = { 0, RV_ARM64_SLOT_FIRST_SPI + i, i ? 1 : 4 };

		snprintf(path, sizeof(path), "/virtio_mmio@%" PRIx64, reg[0]);
		chk_string(path, "compatible", "virtio,mmio");
		chk_reg(path, reg, 1);
		chk_cells(path, "interrupts", irq, 3);
		prop(path, "dma-coherent", NULL);
	}

	chk_string("/aliases", "serial0", "/serial@9000000");
	chk_string("/chosen", "stdout-path", "serial0:115200n8");
	/* stdout-path's alias resolves to the console node. */
	assert_int_equal(fdt_path_offset(blob, "serial0"), node("/serial@9000000"));
}

static void test_gicv3_linux(void **state)
{
	struct rv_arm64_fdt_cfg c = base_cfg(3, 4);
	uint64_t gic[4] = { RV_ARM64_GICD_ADDR, 0x10000, RV_ARM64_GICR_ADDR, 4 * 0x20000 };
	uint32_t timer[12] = { 1, 13, 4, 1, 14, 4, 1, 11, 4, 1, 10, 4 };

	assert_int_equal(rv_arm64_fdt_build(blob, sizeof(blob), &c), 0);
	check_common(&c);
	chk_string("/intc@8000000", "compatible", "arm,gic-v3");
	chk_reg("/intc@8000000", gic, 2);
	chk_cells("/timer", "interrupts", timer, 12);
	chk_string("/chosen", "bootargs", "console=ttyS0 quiet");
	chk_u64("/chosen", "linux,initrd-start", 0x42800000);
	chk_u64("/chosen", "linux,initrd-end", 0x42912345);
	chk_u64("/chosen", "kaslr-seed", 0x0123456789abcdefULL);
}

static void test_gicv2_no_initrd(void **state)
{
	struct rv_arm64_fdt_cfg c = base_cfg(2, 2);
	uint64_t gic[4] = { RV_ARM64_GICD_ADDR, 0x1000, RV_ARM64_GICC_ADDR, 0x2000 };
	/* GICv2 PPIs: level low, CPU mask of the 2 CPUs in bits 15:8. */
	uint32_t timer[12] = { 1, 13, 0x308, 1, 14, 0x308, 1, 11, 0x308, 1, 10, 0x308 };
	int node_off;

	c.initrd_addr = c.initrd_end = 0;
	c.bootargs = NULL;
	c.kaslr_seed = 0;
	assert_int_equal(rv_arm64_fdt_build(blob, sizeof(blob), &c), 0);
	check_common(&c);
	chk_string("/intc@8000000", "compatible", "arm,cortex-a15-gic");
	chk_reg("/intc@8000000", gic, 2);
	chk_cells("/timer", "interrupts", timer, 12);
	node_off = node("/chosen");
	assert_null(fdt_getprop(blob, node_off, "linux,initrd-start", NULL));
	assert_null(fdt_getprop(blob, node_off, "bootargs", NULL));
	assert_null(fdt_getprop(blob, node_off, "kaslr-seed", NULL));
}

/* Every size short of the blob fails with -ENOSPC, never overflows. */
static void test_small_buffers(void **state)
{
	struct rv_arm64_fdt_cfg c = base_cfg(3, 2);
	uint32_t need;

	assert_int_equal(rv_arm64_fdt_build(blob, sizeof(blob), &c), 0);
	need = fdt_totalsize(blob);
	for (uint32_t size = 0; size < need; size += 7)
		assert_int_equal(rv_arm64_fdt_build(blob, size, &c), -ENOSPC);
	assert_int_equal(rv_arm64_fdt_build(blob, need, &c), 0);
}

static void test_impossible_descriptions(void **state)
{
	struct rv_arm64_fdt_cfg c = base_cfg(3, 2);
	static const uint64_t aff3[1] = { 0x0100000000ULL };
	struct rv_device_cfg bad_irq = devices[0];

	c.nr_cpus = 0;
	assert_int_equal(rv_arm64_fdt_build(blob, sizeof(blob), &c), -EINVAL);
	c = base_cfg(4, 2);
	assert_int_equal(rv_arm64_fdt_build(blob, sizeof(blob), &c), -EINVAL);
	c = base_cfg(3, 1);
	c.mpidr = aff3; /* one #address-cell cannot hold Aff3 */
	assert_int_equal(rv_arm64_fdt_build(blob, sizeof(blob), &c), -EINVAL);
	c = base_cfg(3, 1);
	bad_irq.irq = RV_ARM64_GIC_NR_IRQS - 32; /* beyond the vGIC's SPIs */
	c.devices = &bad_irq;
	c.nr_devices = 1;
	assert_int_equal(rv_arm64_fdt_build(blob, sizeof(blob), &c), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gicv3_linux),
		cmocka_unit_test(test_gicv2_no_initrd),
		cmocka_unit_test(test_small_buffers),
		cmocka_unit_test(test_impossible_descriptions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
