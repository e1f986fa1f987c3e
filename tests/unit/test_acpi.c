// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the x86 ACPI tables as a guest sees them. Tables are found
 * the way Linux finds them (RSDP -> XSDT -> FADT -> X_DSDT), every table's
 * length and checksum is checked, fields are read at the byte offsets the
 * ACPI 6.4 spec gives (not through acpi.c's structs), and the DSDT's AML is
 * decoded back by a small independent parser that also checks every
 * PkgLength (aml_fx.c). Plus ENOSPC and EINVAL; the AML encoder on its own
 * is test_aml.c's.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "arch/x86/acpi.h"
#include "arch/x86/aml.h"
#include "arch/x86/layout.h"
#include "vmm/device.h"
#include "vmm/util.h"
#include "aml_fx.h"

#define GPA RV_X86_ACPI_ADDR
static uint8_t buf[RV_X86_ACPI_SIZE];

static uint16_t le16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | (uint32_t)le16(p + 2) << 16;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

/* The buffer bytes at guest address @gpa, which must hold @len bytes. */
static const uint8_t *at(uint64_t gpa, size_t len)
{
	assert_true(gpa >= GPA && gpa - GPA <= sizeof(buf) && len <= sizeof(buf) - (gpa - GPA));
	return buf + (gpa - GPA);
}

/* 5.2.6: a whole header, the right signature, length, checksum and ids. */
static const uint8_t *table(uint64_t gpa, const char *sig)
{
	const uint8_t *t = at(gpa, 36);

	assert_memory_equal(t, sig, 4);
	assert_true(le32(t + 4) >= 36);
	t = at(gpa, le32(t + 4));
	assert_int_equal(sum(t, le32(t + 4)), 0);
	assert_memory_equal(t + 10, "RINGVM", 6);
	assert_memory_equal(t + 16, "RINGVMM ", 8);
	return t;
}

static const struct rv_device_cfg platform[] = {
	{ .type = "serial8250", .name = "ttyS0", .space = RV_SPACE_PIO, .base = 0x3f8, .irq = 4 },
	{ .type = "acpi-pm",
	  .name = "acpi-pm",
	  .space = RV_SPACE_PIO,
	  .base = RV_X86_ACPI_SLEEP_CTL_PORT },
	{ .type = "virtio-mmio",
	  .name = "vda",
	  .space = RV_SPACE_MMIO,
	  .base = 0xd0000000,
	  .irq = 5 },
	{ .type = "serial8250", .name = "ttyS1", .space = RV_SPACE_PIO, .base = 0x2f8, .irq = 3 },
};

static int build_n(unsigned int nr_cpus, const struct rv_device_cfg *devs, unsigned int nr_devs,
		   size_t size, uint64_t *rsdp)
{
	struct rv_x86_acpi_cfg cfg = {
		.nr_cpus = nr_cpus,
		.lapic_addr = RV_X86_LAPIC_ADDR,
		.ioapic_addr = RV_X86_IOAPIC_ADDR,
		.ioapic_id = 0,
		.devices = devs,
		.nr_devices = nr_devs,
	};

	rv_err_clear();
	return rv_x86_acpi_build(buf, size, GPA, &cfg, rsdp);
}

static void build(unsigned int nr_cpus)
{
	uint64_t rsdp = 0;

	assert_int_equal(build_n(nr_cpus, platform, RV_ARRAY_SIZE(platform), sizeof(buf), &rsdp),
			 0);
	assert_int_equal(rsdp, GPA);
}

/* XSDT entry @sig (5.2.8). */
static const uint8_t *xsdt_find(const char *sig)
{
	const uint8_t *x = table(le64(at(GPA, 36) + 24), "XSDT");
	unsigned int i;

	for (i = 0; i < (le32(x + 4) - 36) / 8; i++) {
		const uint8_t *t = at(le64(x + 36 + 8 * i), 4);

		if (!memcmp(t, sig, 4))
			return table(le64(x + 36 + 8 * i), sig);
	}
	fail_msg("no %s in the XSDT", sig);
	return NULL;
}

static const uint8_t *dsdt(void)
{
	return table(le64(xsdt_find("FACP") + 140), "DSDT");
}

static void test_rsdp_xsdt(void **state)
{
	const uint8_t *r = at(GPA, 36);

	(void)state;
	build(2);
	assert_memory_equal(r, "RSD PTR ", 8);
	assert_int_equal(sum(r, 20), 0);
	assert_int_equal(sum(r, 36), 0);
	assert_memory_equal(r + 9, "RINGVM", 6);
	assert_int_equal(r[15], 2);
	assert_int_equal(le32(r + 20), 36);
	/* 5.2.8: the XSDT lists the FADT and the MADT; the FADT the DSDT. */
	assert_int_equal(le32(table(le64(r + 24), "XSDT") + 4), 36 + 2 * 8);
	xsdt_find("FACP");
	xsdt_find("APIC");
	assert_int_equal(dsdt()[8], 2);
}

static void test_fadt(void **state)
{
	const uint8_t *f;

	(void)state;
	build(1);
	f = xsdt_find("FACP");
	assert_int_equal(le32(f + 4), 276);
	assert_int_equal(f[8], 6);	   /* major version */
	assert_int_equal(f[131] & 0xf, 4); /* minor version */
	assert_int_equal(le16(f + 46), RV_X86_SCI_IRQ);
	/* Flags: RESET_REG_SUP (bit 10) and HW_REDUCED_ACPI (bit 20). */
	assert_int_equal(le32(f + 112), 1u << 10 | 1u << 20);
	/* IAPC_BOOT_ARCH: VGA and CMOS RTC not present, no 8042 (bit 1). */
	assert_int_equal(le16(f + 109), 1u << 2 | 1u << 5);
	/* RESET_REG: SystemIO, 8 bits, byte access. */
	assert_memory_equal(f + 116, "\x01\x08\x00\x01", 4);
	assert_int_equal(le64(f + 120), RV_X86_ACPI_RESET_PORT);
	assert_int_equal(f[128], RV_X86_ACPI_RESET_VALUE);
	/* SLEEP_CONTROL_REG, SLEEP_STATUS_REG */
	assert_memory_equal(f + 244, "\x01\x08\x00\x01", 4);
	assert_int_equal(le64(f + 248), RV_X86_ACPI_SLEEP_CTL_PORT);
	assert_memory_equal(f + 256, "\x01\x08\x00\x01", 4);
	assert_int_equal(le64(f + 260), RV_X86_ACPI_SLEEP_STS_PORT);
	assert_memory_equal(f + 268, "RINGVMM ", 8);
	/* No FACS, no PM1/GPE blocks in a hardware-reduced FADT. */
	assert_int_equal(le32(f + 36), 0);
	assert_int_equal(le32(f + 56), 0);
	assert_int_equal(le32(f + 64), 0);
	table(le64(f + 140), "DSDT");
}

static void check_madt(unsigned int nr_cpus)
{
	unsigned int nr_lapic = 0, nr_ioapic = 0, nr_sci = 0;
	const uint8_t *m, *e, *end;

	build(nr_cpus);
	m = xsdt_find("APIC");
	assert_int_equal(le32(m + 36), RV_X86_LAPIC_ADDR);
	assert_int_equal(le32(m + 40), 1); /* PCAT_COMPAT */
	end = m + le32(m + 4);
	/* 5.2.12: subtables back to back, each with type and length. */
	for (e = m + 44; e < end; e += e[1]) {
		assert_true(e + 2 <= end && e[1] >= 2 && e + e[1] <= end);
		switch (e[0]) {
		case 0:
			assert_int_equal(e[1], 8);
			assert_int_equal(e[2], nr_lapic); /* processor UID */
			assert_int_equal(e[3], nr_lapic); /* APIC id */
			assert_int_equal(le32(e + 4), 1); /* enabled */
			nr_lapic++;
			break;
		case 1: /* IOAPIC id 0 at 0xfec00000, GSI base 0 */
			assert_memory_equal(e,
					    "\x01\x0c\x00\x00\x00\x00\xc0\xfe"
					    "\x00\x00\x00\x00",
					    12);
			nr_ioapic++;
			break;
		case 2: /* ISA IRQ 9 -> GSI 9, level, active high; no IRQ 0 */
			assert_memory_equal(e,
					    "\x02\x0a\x00\x09\x09\x00\x00\x00"
					    "\x0d\x00",
					    10);
			nr_sci++;
			break;
		default:
			fail_msg("unexpected MADT entry type %u", e[0]);
		}
	}
	assert_ptr_equal(e, end);
	assert_int_equal(nr_lapic, nr_cpus);
	assert_int_equal(nr_ioapic, 1);
	assert_int_equal(nr_sci, 1);
}

static void test_madt(void **state)
{
	(void)state;
	check_madt(1);
	check_madt(4);
	check_madt(255);
}

static void aml_parse_dsdt(void)
{
	const uint8_t *d = dsdt();

	nr_objs = 0;
	nr_aml_devices = 0;
	aml_termlist(d + 36, d + le32(d + 4), "\\");
}

/*
 * The _CRS buffer @path holds, once, the resource descriptor @want of
 * @len bytes (6.4.2 small items: length in bits 2-0; 6.4.3 large items: a
 * 16-bit length), and ends with an End Tag whose checksum is 0 (6.4.2.9).
 * Address space descriptors (6.4.3.5) of one tag are told apart by their
 * resource type, byte 3.
 */
static void rt_expect(const char *path, const char *want, size_t len)
{
	const struct aml_obj *crs = aml_find(path);
	const uint8_t *p = crs->data, *end = crs->data + crs->len;
	unsigned int found = 0;
	size_t n;

	assert_int_equal(crs->kind, 'b');
	while (p < end) {
		assert_true(!(*p & 0x80) || p + 3 <= end);
		n = *p & 0x80 ? 3 + le16(p + 1) : 1 + (*p & 7);
		assert_true(n <= (size_t)(end - p));
		if (*p == (uint8_t)want[0] && ((*p != 0x87 && *p != 0x88) ||
					       (len > 3 && n > 3 && p[3] == (uint8_t)want[3]))) {
			assert_int_equal(n, len);
			assert_memory_equal(p, want, len);
			found++;
		}
		p += n;
	}
	assert_int_equal(found, 1);
	assert_memory_equal(end - 2, "\x79\x00", 2);
}

static void test_dsdt_serial(void **state)
{
	(void)state;
	build(1);
	aml_parse_dsdt();
	/* EISAID("PNP0501"): 0x41d0 "PNP", 0x0501, bytes in that order. */
	assert_int_equal(aml_find("\\_SB_.COM0._HID")->ival, 0x0105d041);
	assert_int_equal(aml_find("\\_SB_.COM0._UID")->ival, 0);
	/* 6.4.2.5 IO(Decode16, 0x3f8, 0x3f8, 1, 8); 6.4.2.1 IRQNoFlags{4} */
	rt_expect("\\_SB_.COM0._CRS", "\x47\x01\xf8\x03\xf8\x03\x01\x08", 8);
	rt_expect("\\_SB_.COM0._CRS", "\x22\x10\x00", 3);
	assert_int_equal(aml_find("\\_SB_.COM1._UID")->ival, 1);
	rt_expect("\\_SB_.COM1._CRS", "\x47\x01\xf8\x02\xf8\x02\x01\x08", 8);
	rt_expect("\\_SB_.COM1._CRS", "\x22\x08\x00", 3);
}

static void test_dsdt_virtio_mmio(void **state)
{
	const struct aml_obj *hid;

	(void)state;
	build(1);
	aml_parse_dsdt();
	hid = aml_find("\\_SB_.VR00._HID");
	assert_int_equal(hid->kind, 's');
	assert_string_equal((const char *)hid->data, "LNRO0005");
	assert_int_equal(aml_find("\\_SB_.VR00._UID")->ival, 0);
	/* 6.4.3.4 Memory32Fixed(ReadWrite, 0xd0000000, 0x200) */
	rt_expect("\\_SB_.VR00._CRS", "\x86\x09\x00\x01\x00\x00\x00\xd0\x00\x02\x00\x00", 12);
	/* 6.4.3.6 Interrupt(ResourceConsumer, Level, ActiveHigh, Exclusive){5} */
	rt_expect("\\_SB_.VR00._CRS", "\x89\x06\x00\x01\x01\x05\x00\x00\x00", 9);
}

/*
 * The devices `--disk` and `--rng` add: every virtio-<x> type is a
 * virtio-mmio transport, one LNRO0005 per slot, in the arch's slots.
 */
static void test_dsdt_virtio_slots(void **state)
{
	const struct rv_device_cfg devs[] = {
		{ .type = "virtio-blk",
		  .name = "virtio-blk0",
		  .space = RV_SPACE_MMIO,
		  .base = RV_X86_SLOT_MMIO_ADDR,
		  .irq = RV_X86_SLOT_FIRST_GSI,
		  .irq_edge = true },
		{ .type = "virtio-rng",
		  .name = "virtio-rng0",
		  .space = RV_SPACE_MMIO,
		  .base = RV_X86_SLOT_MMIO_ADDR + RV_X86_SLOT_SIZE,
		  .irq = RV_X86_SLOT_FIRST_GSI + 1 },
		/* Not a virtio type, though it starts alike. */
		{ .type = "virtiox", .name = "x", .space = RV_SPACE_MMIO, .base = 0xd0200000 },
	};
	uint64_t rsdp;

	(void)state;
	assert_int_equal(build_n(2, devs, RV_ARRAY_SIZE(devs), sizeof(buf), &rsdp), 0);
	aml_parse_dsdt();
	assert_int_equal(nr_aml_devices, 2);
	assert_string_equal((const char *)aml_find("\\_SB_.VR00._HID")->data, "LNRO0005");
	assert_string_equal((const char *)aml_find("\\_SB_.VR01._HID")->data, "LNRO0005");
	assert_int_equal(aml_find("\\_SB_.VR01._UID")->ival, 1);
	/* Memory32Fixed(ReadWrite, 0xd0100000, 0x200), Interrupt(..., Edge, ActiveHigh){16} */
	rt_expect("\\_SB_.VR00._CRS", "\x86\x09\x00\x01\x00\x00\x10\xd0\x00\x02\x00\x00", 12);
	rt_expect("\\_SB_.VR00._CRS", "\x89\x06\x00\x03\x01\x10\x00\x00\x00", 9);
	/* A level slot (the other arch's kind): Interrupt(..., Level, ActiveHigh){17} */
	rt_expect("\\_SB_.VR01._CRS", "\x86\x09\x00\x01\x00\x10\x10\xd0\x00\x02\x00\x00", 12);
	rt_expect("\\_SB_.VR01._CRS", "\x89\x06\x00\x01\x01\x11\x00\x00\x00", 9);
}

/*
 * --virtio-transport pci: the devices on PCI get no device of their own
 * but one PNP0A03 root bridge for them all, whose _CRS gives bus 0, the
 * configuration ports and the windows their BARs sit in.
 */
static void test_dsdt_pci_root(void **state)
{
	const struct rv_device_cfg devs[] = {
		{ .type = "virtio-blk", .name = "virtio-blk0", .space = RV_SPACE_PCI },
		{ .type = "virtio-rng", .name = "virtio-rng0", .space = RV_SPACE_PCI },
	};
	uint64_t rsdp;

	(void)state;
	assert_int_equal(build_n(1, devs, RV_ARRAY_SIZE(devs), sizeof(buf), &rsdp), 0);
	aml_parse_dsdt();
	assert_int_equal(nr_aml_devices, 1);
	/* EISAID("PNP0A03") */
	assert_int_equal(aml_find("\\_SB_.PCI0._HID")->ival, 0x030ad041);
	assert_int_equal(aml_find("\\_SB_.PCI0._UID")->ival, 0);
	assert_int_equal(aml_find("\\_SB_.PCI0._BBN")->ival, 0);
	/* 6.4.3.5.3 WordBusNumber(ResourceProducer, MinFixed, MaxFixed, , 0, 0, 0, 0, 1) */
	rt_expect("\\_SB_.PCI0._CRS",
		  "\x88\x0d\x00\x02\x0c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00", 16);
	/* IO(Decode16, 0xcf8, 0xcf8, 1, 8) */
	rt_expect("\\_SB_.PCI0._CRS", "\x47\x01\xf8\x0c\xf8\x0c\x01\x08", 8);
	/* WordIO(ResourceProducer, MinFixed, MaxFixed, , EntireRange, 0, 0xc000, 0xffff, 0, 0x4000) */
	rt_expect("\\_SB_.PCI0._CRS",
		  "\x88\x0d\x00\x01\x0c\x03\x00\x00\x00\xc0\xff\xff\x00\x00\x00\x40", 16);
	/* DWordMemory(ResourceProducer, , MinFixed, MaxFixed, NonCacheable, ReadWrite,
	 *             0, 0xd8000000, 0xd8ffffff, 0, 0x1000000) */
	rt_expect("\\_SB_.PCI0._CRS",
		  "\x87\x17\x00\x00\x0c\x01\x00\x00\x00\x00\x00\x00\x00\xd8"
		  "\xff\xff\xff\xd8\x00\x00\x00\x00\x00\x00\x00\x01",
		  26);
}

/* \_S5, and one device per known type; others are skipped. */
static void test_dsdt_devices(void **state)
{
	const struct rv_device_cfg other[] = {
		{ .type = "acpi-pm", .name = "pm", .space = RV_SPACE_PIO },
		{ .type = "no-such-type", .name = "x", .space = RV_SPACE_MMIO },
	};
	static struct rv_device_cfg many[200];
	uint64_t rsdp;
	unsigned int i;

	(void)state;
	build(1);
	aml_parse_dsdt();
	/* 7.4.2 \_S5: SLP_TYP for SLEEP_CONTROL_REG first. */
	assert_int_equal(aml_find("\\_S5_")->kind, 'p');
	assert_true(aml_find("\\_S5_")->nr_elements >= 1);
	assert_int_equal(aml_find("\\_S5_")->elements[0], RV_X86_ACPI_S5_SLP_TYP);
	assert_int_equal(nr_aml_devices, 3);
	assert_int_equal(nr_objs, 1 + 3 * 3); /* _S5_, _HID/_UID/_CRS each */

	assert_int_equal(build_n(1, other, 2, sizeof(buf), &rsdp), 0);
	aml_parse_dsdt();
	assert_int_equal(nr_aml_devices, 0);
	assert_int_equal(build_n(1, NULL, 0, sizeof(buf), &rsdp), 0);
	aml_parse_dsdt();
	assert_int_equal(nr_objs, 1);

	/* Enough devices that \_SB's PkgLength needs 3 bytes (> 4095). */
	for (i = 0; i < RV_ARRAY_SIZE(many); i++)
		many[i] = (struct rv_device_cfg){
			.type = "virtio-mmio",
			.name = "v",
			.space = RV_SPACE_MMIO,
			.base = 0xd0000000 + 0x200 * i,
			.irq = 5 + i,
		};
	assert_int_equal(build_n(8, many, 200, sizeof(buf), &rsdp), 0);
	aml_parse_dsdt();
	assert_true(le32(dsdt() + 4) > 4096);
	assert_int_equal(nr_aml_devices, 200);
	assert_int_equal(aml_find("\\_SB_.VRC7._UID")->ival, 199);
}

/* Every buffer size short of the tables' end is -ENOSPC, and only those. */
static void test_enospc(void **state)
{
	size_t need, size;
	const uint8_t *d;
	uint64_t rsdp;

	(void)state;
	build(4);
	d = dsdt();
	need = (d - buf) + le32(d + 4);
	for (size = 0; size < need; size++) {
		assert_int_equal(build_n(4, platform, RV_ARRAY_SIZE(platform), size, &rsdp),
				 -ENOSPC);
		assert_non_null(strstr(rv_err_msg(), "do not fit"));
	}
	assert_int_equal(build_n(4, platform, RV_ARRAY_SIZE(platform), need, &rsdp), 0);
	assert_int_equal(sum(dsdt(), le32(dsdt() + 4)), 0);
}

static void test_einval(void **state)
{
	/* Devices the DSDT cannot describe: ISA IRQ 16, MMIO above 4 GiB. */
	const struct rv_device_cfg bad[] = {
		{ .type = "serial8250",
		  .space = RV_SPACE_PIO,
		  .base = 0x3f8,
		  .irq = 16,
		  .name = "s" },
		{ .type = "virtio-mmio",
		  .space = RV_SPACE_MMIO,
		  .base = 0x100000000ULL,
		  .irq = 5,
		  .name = "v" },
	};
	struct rv_x86_acpi_cfg cfg = {
		.nr_cpus = 1,
		.lapic_addr = 0x1fee00000ULL,
		.ioapic_addr = RV_X86_IOAPIC_ADDR,
	};
	uint64_t rsdp;

	(void)state;
	assert_int_equal(build_n(0, platform, 1, sizeof(buf), &rsdp), -EINVAL);
	assert_non_null(strstr(rv_err_msg(), "CPUs"));
	assert_int_equal(build_n(256, platform, 1, sizeof(buf), &rsdp), -EINVAL);
	assert_int_equal(build_n(255, platform, 1, sizeof(buf), &rsdp), 0);
	assert_int_equal(build_n(1, NULL, 1, sizeof(buf), &rsdp), -EINVAL);
	assert_int_equal(build_n(1, &bad[0], 1, sizeof(buf), &rsdp), -EINVAL);
	assert_int_equal(build_n(1, &bad[1], 1, sizeof(buf), &rsdp), -EINVAL);
	assert_int_equal(rv_x86_acpi_build(buf, sizeof(buf), GPA, &cfg, &rsdp), -EINVAL);
	cfg.lapic_addr = RV_X86_LAPIC_ADDR;
	assert_int_equal(rv_x86_acpi_build(buf, sizeof(buf), GPA + 8, &cfg, &rsdp), -EINVAL);
	assert_int_equal(rv_x86_acpi_build(buf, sizeof(buf), GPA, &cfg, &rsdp), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsdp_xsdt),
		cmocka_unit_test(test_fadt),
		cmocka_unit_test(test_madt),
		cmocka_unit_test(test_dsdt_serial),
		cmocka_unit_test(test_dsdt_virtio_mmio),
		cmocka_unit_test(test_dsdt_virtio_slots),
		cmocka_unit_test(test_dsdt_pci_root),
		cmocka_unit_test(test_dsdt_devices),
		cmocka_unit_test(test_enospc),
		cmocka_unit_test(test_einval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
