// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI tables for x86 guests (see acpi.h). Section numbers are those of
 * ACPI 6.4. The tables sit in one buffer, each 16-byte aligned:
 *
 *   RSDP -> XSDT -> { FADT -> DSDT (AML), MADT }
 *
 * The FADT declares a hardware-reduced platform (4.1): no PM1 blocks, GPEs
 * or PM timer, just the sleep control/status and reset registers that
 * devices/acpi-pm.c implements. Linux then powers off by writing
 * (SLP_TYP << 2) | SLP_EN to SLEEP_CONTROL_REG and reboots through
 * RESET_REG. The MADT gives the CPUs and the IOAPIC (Debian's kernel has no
 * MP-table parser); the DSDT gives \_S5 and the platform devices.
 *
 * The tables are x86-only and so is the host KVM runs them on: the packed
 * structs below are written in the host's (little-endian) byte order.
 */
#include "acpi.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "aml.h"
#include "layout.h"
#include "vmm/device.h"
#include "vmm/util.h"

#define RV_ACPI_OEM_ID "RINGVM"		 /* 6 bytes */
#define RV_ACPI_OEM_TABLE_ID "RINGVMM "	 /* 8 bytes */
#define RV_ACPI_CREATOR_ID "RVMM"	 /* 4 bytes */
#define RV_ACPI_HYPERVISOR_ID "RINGVMM " /* 8 bytes */

/* 5.2.6 System Description Table Header */
struct rv_acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));

/* 5.2.5.3 Root System Description Pointer (revision 2) */
struct rv_acpi_rsdp {
	char signature[8];
	uint8_t checksum; /* of the first 20 bytes (the ACPI 1.0 part) */
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address; /* 0: there is only an XSDT */
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum; /* of all 36 bytes */
	uint8_t reserved[3];
} __attribute__((packed));

/* 5.2.3.2 Generic Address Structure */
struct rv_acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));

#define RV_ACPI_GAS_SYSTEM_IO 1
#define RV_ACPI_GAS_ACCESS_BYTE 1

/* 5.2.8 XSDT: our two entries, FADT and MADT. */
#define RV_ACPI_XSDT_ENTRIES 2
struct rv_acpi_xsdt {
	struct rv_acpi_header h;
	uint64_t entry[RV_ACPI_XSDT_ENTRIES];
} __attribute__((packed));

/* 5.2.9 Fixed ACPI Description Table (Table 5.9), major version 6. */
struct rv_acpi_fadt {
	struct rv_acpi_header h;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk;
	uint32_t pm1a_cnt_blk, pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat;
	uint16_t flush_size, flush_stride;
	uint8_t duty_offset, duty_width;
	uint8_t day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct rv_acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct rv_acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk;
	struct rv_acpi_gas x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct rv_acpi_gas x_pm2_cnt_blk;
	struct rv_acpi_gas x_pm_tmr_blk;
	struct rv_acpi_gas x_gpe0_blk, x_gpe1_blk;
	struct rv_acpi_gas sleep_control_reg;
	struct rv_acpi_gas sleep_status_reg;
	char hypervisor_vendor_id[8];
} __attribute__((packed));

/* 5.2.9.3 IA-PC Boot Architecture Flags */
#define RV_ACPI_IAPC_VGA_NOT_PRESENT (1u << 2)
#define RV_ACPI_IAPC_CMOS_RTC_NOT_PRESENT (1u << 5)
/* 5.2.9 Table 5.10 Fixed ACPI Description Table Fixed Feature Flags */
#define RV_ACPI_FADT_RESET_REG_SUP (1u << 10)
#define RV_ACPI_FADT_HW_REDUCED_ACPI (1u << 20)

/* 5.2.12 Multiple APIC Description Table */
struct rv_acpi_madt {
	struct rv_acpi_header h;
	uint32_t lapic_address;
	uint32_t flags;
} __attribute__((packed));

#define RV_ACPI_MADT_PCAT_COMPAT (1u << 0)

/* 5.2.12.2 Processor Local APIC Structure */
struct rv_acpi_madt_lapic {
	uint8_t type; /* 0 */
	uint8_t length;
	uint8_t processor_uid;
	uint8_t apic_id;
	uint32_t flags; /* bit 0: enabled */
} __attribute__((packed));

/* 5.2.12.3 I/O APIC Structure */
struct rv_acpi_madt_ioapic {
	uint8_t type; /* 1 */
	uint8_t length;
	uint8_t ioapic_id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));

/* 5.2.12.5 Interrupt Source Override Structure */
struct rv_acpi_madt_iso {
	uint8_t type; /* 2 */
	uint8_t length;
	uint8_t bus; /* 0: ISA */
	uint8_t source;
	uint32_t gsi;
	uint16_t flags; /* 5.2.12.5 Table 5.26 MPS INTI Flags */
} __attribute__((packed));

#define RV_ACPI_INTI_ACTIVE_HIGH 0x1
#define RV_ACPI_INTI_LEVEL (0x3 << 2)

_Static_assert(sizeof(struct rv_acpi_header) == 36, "ACPI 5.2.6");
_Static_assert(sizeof(struct rv_acpi_rsdp) == 36, "ACPI 5.2.5.3");
_Static_assert(sizeof(struct rv_acpi_gas) == 12, "ACPI 5.2.3.2");
_Static_assert(sizeof(struct rv_acpi_fadt) == 276, "ACPI 5.2.9 Table 5.9");
_Static_assert(sizeof(struct rv_acpi_madt) == 44, "ACPI 5.2.12");
_Static_assert(sizeof(struct rv_acpi_madt_lapic) == 8, "ACPI 5.2.12.2");
_Static_assert(sizeof(struct rv_acpi_madt_ioapic) == 12, "ACPI 5.2.12.3");
_Static_assert(sizeof(struct rv_acpi_madt_iso) == 10, "ACPI 5.2.12.5");

/* Table revisions of ACPI 6.4. */
#define RV_ACPI_RSDP_REVISION 2
#define RV_ACPI_XSDT_REVISION 1
#define RV_ACPI_FADT_REVISION 6
#define RV_ACPI_FADT_MINOR_VERSION 4
#define RV_ACPI_MADT_REVISION 5
#define RV_ACPI_DSDT_REVISION 2 /* >= 2: AML integers are 64-bit */

/* xAPIC: 8-bit APIC ids, and 0xff is the broadcast id. */
#define RV_ACPI_MAX_CPUS 255
/* virtio-mmio register window (virtio 1.2, 4.2.2). */
#define RV_ACPI_VIRTIO_MMIO_SIZE 0x200
/* A 16550's eight registers. */
#define RV_ACPI_SERIAL_PORTS 8

/* The tables being laid out in the caller's buffer. */
struct rv_x86_acpi_out {
	uint8_t *buf;
	size_t size;
	size_t off;   /* first free byte */
	uint64_t gpa; /* guest address of buf[0] */
};

static uint8_t rv_x86_acpi_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return (uint8_t)-sum;
}

/* Reserve @len bytes at the next 16-byte boundary. */
static int rv_x86_acpi_alloc(struct rv_x86_acpi_out *out, size_t len, size_t *off)
{
	size_t at = RV_ALIGN_UP(out->off, (size_t)16);

	if (at > out->size || len > out->size - at)
		return rv_err(-ENOSPC, "ACPI tables do not fit in %zu bytes", out->size);
	*off = at;
	out->off = at + len;
	return 0;
}

static void rv_x86_acpi_header(struct rv_acpi_header *h, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	h->checksum = 0;
	memcpy(h->oem_id, RV_ACPI_OEM_ID, 6);
	memcpy(h->oem_table_id, RV_ACPI_OEM_TABLE_ID, 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, RV_ACPI_CREATOR_ID, 4);
	h->creator_revision = 1;
}

/* 5.2.6: the checksum byte makes the whole table, header included, sum to 0. */
static void rv_x86_acpi_seal(struct rv_x86_acpi_out *out, size_t off)
{
	struct rv_acpi_header h;

	memcpy(&h, out->buf + off, sizeof(h));
	out->buf[off + offsetof(struct rv_acpi_header, checksum)] =
		rv_x86_acpi_checksum(out->buf + off, h.length);
}

static struct rv_acpi_gas rv_x86_acpi_io_byte(uint16_t port)
{
	return (struct rv_acpi_gas){
		.space_id = RV_ACPI_GAS_SYSTEM_IO,
		.bit_width = 8,
		.access_size = RV_ACPI_GAS_ACCESS_BYTE,
		.address = port,
	};
}

static void rv_x86_acpi_fadt(struct rv_x86_acpi_out *out, size_t off, uint64_t dsdt_gpa)
{
	struct rv_acpi_fadt f = { 0 };

	rv_x86_acpi_header(&f.h, "FACP", sizeof(f), RV_ACPI_FADT_REVISION);
	f.minor_version = RV_ACPI_FADT_MINOR_VERSION;
	/*
	 * 4.1 Hardware-Reduced ACPI: no fixed hardware but the registers
	 * below, so no FACS, SMI_CMD or PM blocks either. Linux then skips
	 * the legacy PIC and PIT setup.
	 */
	f.flags = RV_ACPI_FADT_HW_REDUCED_ACPI | RV_ACPI_FADT_RESET_REG_SUP;
	/*
	 * 5.2.9.3: no VGA, no CMOS RTC (spares Linux a long RTC probe), and
	 * the 8042 flag left clear, so Linux does not probe a keyboard
	 * controller that is not there.
	 */
	f.iapc_boot_arch = RV_ACPI_IAPC_VGA_NOT_PRESENT | RV_ACPI_IAPC_CMOS_RTC_NOT_PRESENT;
	f.sci_int = RV_X86_SCI_IRQ;
	/* 4.8.3.6 Reset Register: Linux's acpi_reboot wants an 8-bit GAS. */
	f.reset_reg = rv_x86_acpi_io_byte(RV_X86_ACPI_RESET_PORT);
	f.reset_value = RV_X86_ACPI_RESET_VALUE;
	/* 4.8.3.7 Sleep Control and Status Registers. */
	f.sleep_control_reg = rv_x86_acpi_io_byte(RV_X86_ACPI_SLEEP_CTL_PORT);
	f.sleep_status_reg = rv_x86_acpi_io_byte(RV_X86_ACPI_SLEEP_STS_PORT);
	/*
	 * Only X_DSDT: 5.2.9 says the 32-bit DSDT field is ignored when
	 * X_DSDT is set, and one copy cannot disagree with another.
	 */
	f.x_dsdt = dsdt_gpa;
	memcpy(f.hypervisor_vendor_id, RV_ACPI_HYPERVISOR_ID, 8);

	memcpy(out->buf + off, &f, sizeof(f));
	rv_x86_acpi_seal(out, off);
}

static size_t rv_x86_acpi_madt_size(const struct rv_x86_acpi_cfg *cfg)
{
	return sizeof(struct rv_acpi_madt) + cfg->nr_cpus * sizeof(struct rv_acpi_madt_lapic) +
	       sizeof(struct rv_acpi_madt_ioapic) + sizeof(struct rv_acpi_madt_iso);
}

static void rv_x86_acpi_madt(struct rv_x86_acpi_out *out, size_t off,
			     const struct rv_x86_acpi_cfg *cfg)
{
	size_t len = rv_x86_acpi_madt_size(cfg), at = off;
	struct rv_acpi_madt m = { 0 };
	struct rv_acpi_madt_ioapic io = {
		.type = 1,
		.length = sizeof(io),
		.ioapic_id = cfg->ioapic_id,
		.address = cfg->ioapic_addr,
		.gsi_base = 0,
	};
	/*
	 * 5.2.12.5: only the SCI needs an override, to be level/active high
	 * (ISA IRQs default to edge/active high). No override for IRQ 0:
	 * KVM's PIT drives GSI 0 and KVM's default routing maps GSI n to
	 * IOAPIC pin n, so IRQ 0 really is pin 0.
	 */
	struct rv_acpi_madt_iso sci = {
		.type = 2,
		.length = sizeof(sci),
		.bus = 0,
		.source = RV_X86_SCI_IRQ,
		.gsi = RV_X86_SCI_IRQ,
		.flags = RV_ACPI_INTI_ACTIVE_HIGH | RV_ACPI_INTI_LEVEL,
	};
	unsigned int i;

	rv_x86_acpi_header(&m.h, "APIC", len, RV_ACPI_MADT_REVISION);
	m.lapic_address = cfg->lapic_addr;
	/* Dual 8259s are present (KVM's in-kernel irqchip has them). */
	m.flags = RV_ACPI_MADT_PCAT_COMPAT;
	memcpy(out->buf + at, &m, sizeof(m));
	at += sizeof(m);
	for (i = 0; i < cfg->nr_cpus; i++) {
		struct rv_acpi_madt_lapic l = {
			.type = 0,
			.length = sizeof(l),
			.processor_uid = i,
			.apic_id = i,
			.flags = 1, /* enabled */
		};

		memcpy(out->buf + at, &l, sizeof(l));
		at += sizeof(l);
	}
	memcpy(out->buf + at, &io, sizeof(io));
	at += sizeof(io);
	memcpy(out->buf + at, &sci, sizeof(sci));
	rv_x86_acpi_seal(out, off);
}

static void rv_x86_acpi_xsdt(struct rv_x86_acpi_out *out, size_t off, size_t fadt, size_t madt)
{
	struct rv_acpi_xsdt x = { 0 };

	rv_x86_acpi_header(&x.h, "XSDT", sizeof(x), RV_ACPI_XSDT_REVISION);
	x.entry[0] = out->gpa + fadt;
	x.entry[1] = out->gpa + madt;
	memcpy(out->buf + off, &x, sizeof(x));
	rv_x86_acpi_seal(out, off);
}

static void rv_x86_acpi_rsdp(struct rv_x86_acpi_out *out, size_t off, size_t xsdt)
{
	struct rv_acpi_rsdp r = { 0 };

	memcpy(r.signature, "RSD PTR ", 8);
	memcpy(r.oem_id, RV_ACPI_OEM_ID, 6);
	r.revision = RV_ACPI_RSDP_REVISION;
	r.length = sizeof(r);
	r.xsdt_address = out->gpa + xsdt;
	r.checksum = rv_x86_acpi_checksum((uint8_t *)&r, 20);
	r.extended_checksum = rv_x86_acpi_checksum((uint8_t *)&r, sizeof(r));
	memcpy(out->buf + off, &r, sizeof(r));
}

/*
 * A 16550 UART, as a PC BIOS describes COM ports (PNP0501): its eight
 * ports and an ISA IRQ, edge and active high like every ISA IRQ.
 */
static int rv_x86_acpi_dsdt_serial(struct rv_aml *aml, const struct rv_device_cfg *dev,
				   unsigned int uid)
{
	char name[5];
	size_t d, rt;

	if (dev->space != RV_SPACE_PIO || dev->base > 0x10000 - RV_ACPI_SERIAL_PORTS ||
	    dev->irq > 15 || uid > 0xf)
		return rv_err(-EINVAL, "%s: cannot describe serial port 0x%llx irq %u", dev->name,
			      (unsigned long long)dev->base, dev->irq);
	snprintf(name, sizeof(name), "COM%X", uid);
	d = rv_aml_device_begin(aml, name);
	rv_aml_name(aml, "_HID");
	rv_aml_eisaid(aml, "PNP0501");
	rv_aml_name(aml, "_UID");
	rv_aml_integer(aml, uid);
	rv_aml_name(aml, "_CRS");
	rt = rv_aml_rt_begin(aml);
	rv_aml_rt_io(aml, dev->base, dev->base, 1, RV_ACPI_SERIAL_PORTS);
	if (dev->irq)
		rv_aml_rt_irq_noflags(aml, dev->irq);
	rv_aml_rt_end(aml, rt);
	rv_aml_end(aml, d);
	return 0;
}

/*
 * A virtio-mmio transport: Linux's virtio_mmio driver matches "LNRO0005"
 * and takes the register window and interrupt from _CRS.
 *
 * The interrupt is what the platform's slots are (dev->irq_edge; x86's
 * are edge, active-high). Edge: the transport pulses the line through an
 * irqfd once per interrupt it raises; the guest's EOI involves nobody, and
 * a completion that lands while the handler runs pulses again, so none is
 * lost. Firecracker and cloud-hypervisor describe it so. Level (QEMU's
 * microvm): the pin stays high while InterruptStatus is non-zero and KVM
 * re-delivers at EOI whatever is still pending.
 */
static int rv_x86_acpi_dsdt_virtio_mmio(struct rv_aml *aml, const struct rv_device_cfg *dev,
					unsigned int uid)
{
	char name[5];
	size_t d, rt;

	if (dev->space != RV_SPACE_MMIO || dev->base > 0x100000000ULL - RV_ACPI_VIRTIO_MMIO_SIZE ||
	    uid > 0xff)
		return rv_err(-EINVAL, "%s: cannot describe virtio-mmio at 0x%llx", dev->name,
			      (unsigned long long)dev->base);
	snprintf(name, sizeof(name), "VR%02X", uid);
	d = rv_aml_device_begin(aml, name);
	rv_aml_name(aml, "_HID");
	rv_aml_string(aml, "LNRO0005");
	rv_aml_name(aml, "_UID");
	rv_aml_integer(aml, uid);
	rv_aml_name(aml, "_CRS");
	rt = rv_aml_rt_begin(aml);
	rv_aml_rt_memory32_fixed(aml, true, dev->base, RV_ACPI_VIRTIO_MMIO_SIZE);
	if (dev->irq)
		rv_aml_rt_interrupt(aml, dev->irq_edge, dev->irq);
	rv_aml_rt_end(aml, rt);
	rv_aml_end(aml, d);
	return 0;
}

/*
 * The PCI root bridge, when devices sit on PCI (--virtio-transport pci):
 * Linux finds bus 0 through it (PNP0A03; drivers/acpi/pci_root.c) and
 * takes its windows from _CRS. Every BAR ringvmm placed lies inside
 * them, so Linux keeps it there. The configuration ports are listed as
 * QEMU's i440fx lists them; Linux leaves them out of the windows. No
 * _PRT: the functions have no INTx pin, only MSI-X.
 */
static void rv_x86_acpi_dsdt_pci(struct rv_aml *aml)
{
	size_t d, rt;

	d = rv_aml_device_begin(aml, "PCI0");
	rv_aml_name(aml, "_HID");
	rv_aml_eisaid(aml, "PNP0A03");
	rv_aml_name(aml, "_UID");
	rv_aml_integer(aml, 0);
	rv_aml_name(aml, "_BBN");
	rv_aml_integer(aml, 0);
	rv_aml_name(aml, "_CRS");
	rt = rv_aml_rt_begin(aml);
	rv_aml_rt_word_bus_number(aml, 0, 0);
	rv_aml_rt_io(aml, RV_X86_PCI_CFG_PORT, RV_X86_PCI_CFG_PORT, 1, 8);
	rv_aml_rt_word_io(aml, RV_X86_PCI_PIO_ADDR, RV_X86_PCI_PIO_SIZE);
	rv_aml_rt_dword_memory(aml, (uint32_t)RV_X86_PCI_MMIO_ADDR, (uint32_t)RV_X86_PCI_MMIO_SIZE);
	rv_aml_rt_end(aml, rt);
	rv_aml_end(aml, d);
}

/* 5.2.11.1 DSDT: a header, then a definition block of AML. */
static int rv_x86_acpi_dsdt(struct rv_x86_acpi_out *out, size_t off,
			    const struct rv_x86_acpi_cfg *cfg)
{
	const size_t hlen = sizeof(struct rv_acpi_header);
	unsigned int i, nr_serial = 0, nr_virtio = 0, nr_pci = 0;
	size_t room = out->size - off, pkg, sb;
	struct rv_acpi_header h;
	struct rv_aml aml;
	int ret;

	if (room < hlen)
		return rv_err(-ENOSPC, "ACPI tables do not fit in %zu bytes", out->size);
	/* The header's length field is 32-bit. */
	if (room > UINT32_MAX)
		room = UINT32_MAX;
	rv_aml_init(&aml, out->buf + off + hlen, room - hlen);

	/*
	 * 7.4.2 \_Sx: Name(\_S5, Package(){SLP_TYP a, SLP_TYP b}). A
	 * hardware-reduced OSPM writes value a to SLEEP_CONTROL_REG; b would
	 * go to a PM1b block we do not have. Two elements, which every ACPICA
	 * version accepts.
	 */
	rv_aml_name(&aml, "_S5_");
	pkg = rv_aml_package_begin(&aml, 2);
	rv_aml_integer(&aml, RV_X86_ACPI_S5_SLP_TYP);
	rv_aml_integer(&aml, 0);
	rv_aml_end(&aml, pkg);

	sb = rv_aml_scope_begin(&aml, "\\_SB_");
	for (i = 0; i < cfg->nr_devices; i++) {
		const struct rv_device_cfg *dev = &cfg->devices[i];

		if (!dev->type)
			continue;
		if (dev->space == RV_SPACE_PCI) {
			/* One root bridge for them all; Linux enumerates the functions. */
			if (!nr_pci++)
				rv_x86_acpi_dsdt_pci(&aml);
			ret = 0;
		} else if (!strcmp(dev->type, "serial8250"))
			ret = rv_x86_acpi_dsdt_serial(&aml, dev, nr_serial++);
		/* Every other virtio device type sits on a virtio-mmio transport. */
		else if (!strncmp(dev->type, "virtio-", strlen("virtio-")))
			ret = rv_x86_acpi_dsdt_virtio_mmio(&aml, dev, nr_virtio++);
		else
			ret = 0; /* not enumerated through ACPI: skip */
		if (ret)
			return ret;
	}
	rv_aml_end(&aml, sb);

	ret = rv_aml_err(&aml);
	if (ret == -ENOSPC)
		return rv_err(ret, "ACPI tables do not fit in %zu bytes", out->size);
	if (ret)
		return rv_err(ret, "DSDT: invalid AML");

	rv_x86_acpi_header(&h, "DSDT", hlen + aml.len, RV_ACPI_DSDT_REVISION);
	memcpy(out->buf + off, &h, hlen);
	out->off = off + hlen + aml.len;
	rv_x86_acpi_seal(out, off);
	return 0;
}

static int rv_x86_acpi_check(const void *buf, size_t buf_size, uint64_t buf_gpa,
			     const struct rv_x86_acpi_cfg *cfg, const uint64_t *rsdp_gpa)
{
	if (!buf || !cfg || !rsdp_gpa)
		return rv_err(-EINVAL, "ACPI: no buffer or configuration");
	if (cfg->nr_cpus == 0 || cfg->nr_cpus > RV_ACPI_MAX_CPUS)
		return rv_err(-EINVAL, "ACPI: %u CPUs, xAPIC ids allow 1 to %u", cfg->nr_cpus,
			      RV_ACPI_MAX_CPUS);
	/* The MADT's LAPIC and IOAPIC address fields are 32-bit. */
	if (cfg->lapic_addr > UINT32_MAX || cfg->ioapic_addr > UINT32_MAX)
		return rv_err(-EINVAL, "ACPI: APIC addresses above 4 GiB");
	if (cfg->nr_devices && !cfg->devices)
		return rv_err(-EINVAL, "ACPI: %u devices but no list", cfg->nr_devices);
	/* 5.2.5.1: the RSDP sits on a 16-byte boundary. */
	if (!RV_IS_ALIGNED(buf_gpa, 16) || buf_size > UINT64_MAX - buf_gpa)
		return rv_err(-EINVAL, "ACPI: bad table area at 0x%llx",
			      (unsigned long long)buf_gpa);
	return 0;
}

int rv_x86_acpi_build(void *buf, size_t buf_size, uint64_t buf_gpa,
		      const struct rv_x86_acpi_cfg *cfg, uint64_t *rsdp_gpa)
{
	struct rv_x86_acpi_out out = {
		.buf = buf,
		.size = buf_size,
		.off = 0,
		.gpa = buf_gpa,
	};
	size_t rsdp = 0, xsdt = 0, fadt = 0, madt = 0, dsdt = 0;
	int ret;

	ret = rv_x86_acpi_check(buf, buf_size, buf_gpa, cfg, rsdp_gpa);
	if (ret)
		return ret;
	/* No stale bytes (an old RSDP, say) may survive between tables. */
	memset(buf, 0, buf_size);

	/* Fixed-size tables first, so the DSDT can take all that is left. */
	ret = rv_x86_acpi_alloc(&out, sizeof(struct rv_acpi_rsdp), &rsdp);
	if (ret)
		return ret;
	ret = rv_x86_acpi_alloc(&out, sizeof(struct rv_acpi_xsdt), &xsdt);
	if (ret)
		return ret;
	ret = rv_x86_acpi_alloc(&out, sizeof(struct rv_acpi_fadt), &fadt);
	if (ret)
		return ret;
	ret = rv_x86_acpi_alloc(&out, rv_x86_acpi_madt_size(cfg), &madt);
	if (ret)
		return ret;
	ret = rv_x86_acpi_alloc(&out, 0, &dsdt);
	if (ret)
		return ret;
	ret = rv_x86_acpi_dsdt(&out, dsdt, cfg);
	if (ret)
		return ret;

	rv_x86_acpi_madt(&out, madt, cfg);
	rv_x86_acpi_fadt(&out, fadt, buf_gpa + dsdt);
	rv_x86_acpi_xsdt(&out, xsdt, fadt, madt);
	rv_x86_acpi_rsdp(&out, rsdp, xsdt);
	rv_debug("ACPI: %zu bytes of tables at 0x%llx", out.off, (unsigned long long)buf_gpa);
	*rsdp_gpa = buf_gpa + rsdp;
	return 0;
}
