// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 guest physical memory map of layout.h and the vGIC layout:
 * frames aligned as arm-vgic-v3.rst / arm-vgic.rst require, the
 * redistributors of the largest allowed machine fitting below the UART, no
 * two regions overlapping, RAM starting above every device, the GIC
 * version limits, the RAM layout, and the platform's free MMIO window.
 * Needs arm64 KVM headers: built for arm64 (cross build, run under
 * qemu-user).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/arch.h"
#include "arch/arm64/boot.h"
#include "arch/arm64/gic.h"
#include "arch/arm64/layout.h"
#include "vmm/mem/translate.h"
#include "vmm/mem/plan.h"
#include "vmm/util.h"

struct range {
	uint64_t start, size;
	const char *name;
};

static void assert_disjoint(const struct range *r, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int j = i + 1; j < n; j++)
			if (r[i].start < r[j].start + r[j].size &&
			    r[j].start < r[i].start + r[i].size)
				fail_msg("%s overlaps %s", r[i].name, r[j].name);
}

static void test_gicv3_layout(void **state)
{
	struct rv_arm64_gic_layout l;

	for (unsigned int n = 1; n <= RV_ARM64_MAX_VCPUS; n++) {
		assert_int_equal(rv_arm64_gic_layout(3, n, &l), 0);
		assert_int_equal(l.version, 3);
		/* GICD and GICR frames are 64 KiB aligned; 2 frames per vCPU. */
		assert_int_equal(l.dist_addr % 0x10000, 0);
		assert_int_equal(l.cpu_addr % 0x10000, 0);
		assert_int_equal(l.dist_size, 0x10000);
		assert_int_equal(l.cpu_size, n * 0x20000ULL);
		assert_true(l.dist_addr + l.dist_size <= l.cpu_addr);
		assert_true(l.cpu_addr + l.cpu_size <= RV_ARM64_GICR_LIMIT);
		assert_true(l.nr_irqs % 32 == 0 && l.nr_irqs >= 64 && l.nr_irqs <= 1024);
	}
	/* One more redistributor would not fit below the UART. */
	assert_true(RV_ARM64_GICR_ADDR + (RV_ARM64_MAX_VCPUS + 1) * RV_ARM64_GICR_STRIDE >
		    RV_ARM64_GICR_LIMIT);
	assert_int_equal(rv_arm64_gic_layout(3, RV_ARM64_MAX_VCPUS + 1, &l), -EINVAL);
	assert_int_equal(rv_arm64_gic_layout(3, 0, &l), -EINVAL);
	/* The CLI checks --cpus against the same limit. */
	assert_int_equal(rv_platform.max_vcpus, RV_ARM64_MAX_VCPUS);
}

static void test_gicv2_layout(void **state)
{
	struct rv_arm64_gic_layout l;

	assert_int_equal(rv_arm64_gic_layout(2, 8, &l), 0);
	assert_int_equal(l.dist_addr % 0x1000, 0);
	assert_int_equal(l.cpu_addr % 0x1000, 0);
	assert_int_equal(l.dist_size, 0x1000);
	assert_int_equal(l.cpu_size, 0x2000);
	assert_true(l.dist_addr + l.dist_size <= l.cpu_addr);
	/* GICD_ITARGETSR has 8 bits: a GICv2 serves at most 8 CPUs. */
	rv_err_clear();
	assert_int_equal(rv_arm64_gic_layout(2, 9, &l), -EINVAL);
	assert_non_null(strstr(rv_err_msg(), "GICv2"));
	assert_int_equal(rv_arm64_gic_layout(1, 1, &l), -EINVAL);
}

static void test_memory_map(void **state)
{
	struct rv_arm64_gic_layout v3, v2;
	struct rv_mem_region ram[1];
	const struct rv_mem_range *res;
	unsigned int nr_res;

	assert_int_equal(rv_arm64_gic_layout(3, RV_ARM64_MAX_VCPUS, &v3), 0);
	assert_int_equal(rv_arm64_gic_layout(2, 8, &v2), 0);
	assert_int_equal(rv_arch_ram_layout(1ULL << 30, ram, 1), 1);
	{
		const struct range map[] = {
			{ v3.dist_addr, v3.dist_size, "GICD" },
			{ v3.cpu_addr, v3.cpu_size, "GICR" },
			{ RV_ARM64_UART_ADDR, RV_ARM64_UART_SIZE, "UART" },
			{ RV_ARM64_DEVICE_MMIO_ADDR, RV_ARM64_DEVICE_MMIO_SIZE, "device window" },
			{ ram[0].gpa, ram[0].size, "RAM" },
		};
		const struct range map_v2[] = {
			{ v2.dist_addr, v2.dist_size, "GICD" },
			{ v2.cpu_addr, v2.cpu_size, "GICC" },
			{ RV_ARM64_UART_ADDR, RV_ARM64_UART_SIZE, "UART" },
			{ ram[0].gpa, ram[0].size, "RAM" },
		};

		assert_disjoint(map, RV_ARRAY_SIZE(map));
		assert_disjoint(map_v2, RV_ARRAY_SIZE(map_v2));
	}
	/* RAM is 1 GiB aligned (so the initrd window rule is easy to meet). */
	assert_int_equal(ram[0].gpa % (1ULL << 30), 0);
	/* Every device lies in a reserved range, and no reserved range in RAM. */
	res = rv_platform.reserved;
	nr_res = rv_platform.nr_reserved;
	assert_true(nr_res > 0);
	for (unsigned int i = 0; i < nr_res; i++)
		assert_true(res[i].gpa + res[i].size <= ram[0].gpa);
	/* The free window: inside a reserved range, clear of the UART; no ports. */
	{
		const struct rv_arch_window *w = &rv_platform.free_mmio;
		const struct range map[] = {
			{ w->base, w->size, "free MMIO" },
			{ RV_ARM64_UART_ADDR, RV_ARM64_UART_SIZE, "UART" },
			{ RV_ARM64_GICD_ADDR, RV_ARM64_GICR_LIMIT - RV_ARM64_GICD_ADDR, "GIC" },
		};
		bool covered = false;

		assert_true(w->size > 0);
		assert_disjoint(map, RV_ARRAY_SIZE(map));
		for (unsigned int i = 0; i < nr_res; i++)
			covered |= w->base >= res[i].gpa &&
				   w->base + w->size <= res[i].gpa + res[i].size;
		assert_true(covered);
		assert_int_equal(rv_platform.free_pio.size, 0);
	}
}

static void test_ram_layout(void **state)
{
	struct rv_mem_region r[2];

	assert_int_equal(rv_arch_ram_layout(512 * RV_MiB, r, 2), 1);
	assert_int_equal(r[0].gpa, RV_ARM64_RAM_ADDR);
	assert_int_equal(r[0].size, 512 * RV_MiB);
	assert_int_equal(rv_arch_ram_layout(8 * RV_MiB, r, 2), -EINVAL);
	/* The 40-bit IPA space of a default VM: at most 1 TiB - 1 GiB of RAM. */
	assert_int_equal(rv_arch_ram_layout(1023 * RV_GiB, r, 2), 1);
	rv_err_clear();
	assert_int_equal(rv_arch_ram_layout(1024 * RV_GiB, r, 2), -EINVAL);
	assert_non_null(strstr(rv_err_msg(), "40-bit"));
	assert_int_equal(rv_arch_ram_layout(512 * RV_MiB, r, 0), -EINVAL);
}

/* KVM_IRQ_LINE's irq field for SPI n: type 1 in bits 27:24, ID 32 + n. */
static void test_irq_line(void **state)
{
	assert_int_equal(rv_arch_irq_line(1), (1u << 24) | 33);
	assert_int_equal(rv_arch_irq_line(RV_ARM64_GIC_NR_IRQS - 33),
			 (1u << 24) | (RV_ARM64_GIC_NR_IRQS - 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gicv3_layout), cmocka_unit_test(test_gicv2_layout),
		cmocka_unit_test(test_memory_map),   cmocka_unit_test(test_ram_layout),
		cmocka_unit_test(test_irq_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
