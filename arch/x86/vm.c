// SPDX-License-Identifier: GPL-2.0
/* x86_64 machine: irqchip, PIT, RAM layout, platform devices, loading. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/kvm.h"
#include "vmm/mem/plan.h"
#include "vmm/util.h"
#include "vmm/vm.h"
#include "arch/arch.h"
#include "acpi.h"
#include "boot.h"
#include "layout.h"
#include "x86.h"

const char rv_arch_name[] = "x86_64";

/* xAPIC ids are 8 bits and 0xff is the broadcast id. */
unsigned int rv_arch_max_vcpus(void)
{
	return 254;
}

int rv_arch_vm_init(struct rv_vm *vm)
{
	struct kvm_pit_config pit = { .flags = 0 };
	uint64_t identity = RV_X86_IDENTITY_MAP_ADDR;
	int ret;

	vm->arch = calloc(1, sizeof(struct rv_x86_vm));
	if (!vm->arch)
		return -ENOMEM;

	/*
	 * api.rst, KVM_SET_TSS_ADDR and KVM_SET_IDENTITY_MAP_ADDR:
	 * Intel VMX needs three pages for a real-mode TSS and one for an
	 * identity page table, in guest physical space no memslot covers.
	 * Other implementations ignore them, so only a hard failure counts.
	 */
	if (rv_kvm_cap(vm->kvm_fd, KVM_CAP_SET_TSS_ADDR)) {
		ret = rv_kvm_ioctl_val(vm->vm_fd, KVM_SET_TSS_ADDR, RV_X86_TSS_ADDR);
		if (ret)
			return ret;
	}
	if (rv_kvm_cap(vm->kvm_fd, KVM_CAP_SET_IDENTITY_MAP_ADDR)) {
		ret = rv_kvm_ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity);
		if (ret)
			return ret;
	}

	/* PIC + IOAPIC + local APICs in the kernel (api.rst, KVM_CREATE_IRQCHIP). */
	if (!rv_kvm_cap(vm->kvm_fd, KVM_CAP_IRQCHIP))
		return rv_err(-ENOTSUP,
			      "KVM lacks KVM_CAP_IRQCHIP (in-kernel interrupt controller)");
	ret = rv_kvm_ioctl_val(vm->vm_fd, KVM_CREATE_IRQCHIP, 0);
	if (ret)
		return ret;

	/* The i8254 PIT Linux calibrates against (api.rst, KVM_CREATE_PIT2). */
	if (!rv_kvm_cap(vm->kvm_fd, KVM_CAP_PIT2))
		return rv_err(-ENOTSUP, "KVM lacks KVM_CAP_PIT2 (in-kernel PIT)");
	return rv_kvm_ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit);
}

void rv_arch_vm_destroy(struct rv_vm *vm)
{
	struct rv_x86_vm *x86 = rv_x86_vm(vm);

	if (x86)
		free(x86->cpuid);
	free(x86);
	vm->arch = NULL;
}

int rv_arch_ram_layout(uint64_t ram_size, struct rv_mem_region *out, unsigned int max)
{
	uint64_t low = ram_size;
	unsigned int n = 0;

	if (max < 2)
		return -EINVAL;
	if (ram_size < RV_ARCH_MIN_MEM)
		return rv_err(-EINVAL, "%" PRIu64 " MiB of RAM is less than the %llu MiB minimum",
			      ram_size >> 20, RV_ARCH_MIN_MEM >> 20);
	/* RAM stops at the MMIO hole and continues above 4 GiB. */
	if (low > RV_X86_MMIO_HOLE_ADDR)
		low = RV_X86_MMIO_HOLE_ADDR;
	out[n++] = (struct rv_mem_region){ .gpa = 0, .size = low, .name = "ram-low" };
	if (ram_size > low) {
		if (ram_size - low > UINT64_MAX - RV_X86_HIGH_RAM_ADDR)
			return rv_err(-EINVAL, "RAM size too large");
		out[n++] = (struct rv_mem_region){
			.gpa = RV_X86_HIGH_RAM_ADDR,
			.size = ram_size - low,
			.name = "ram-high",
		};
	}
	return n;
}

static const struct rv_mem_range rv_x86_reserved[] = {
	{ RV_X86_DEVICE_MMIO_ADDR, RV_X86_DEVICE_MMIO_SIZE, "device MMIO window" },
	{ RV_X86_IOAPIC_ADDR, RV_X86_IOAPIC_SIZE, "IOAPIC" },
	{ RV_X86_LAPIC_ADDR, RV_X86_LAPIC_SIZE, "local APIC / MSI range" },
	{ RV_X86_IDENTITY_MAP_ADDR, RV_X86_KVM_PRIVATE_SIZE, "KVM identity map and TSS" },
};

const struct rv_mem_range *rv_arch_reserved_ranges(unsigned int *nr)
{
	*nr = RV_ARRAY_SIZE(rv_x86_reserved);
	return rv_x86_reserved;
}

/* Every x86 machine: COM1 as the console, and the ACPI power registers. */
static const struct rv_device_cfg rv_x86_platform[] = {
	{
		.type = "serial8250",
		.name = "ttyS0",
		.space = RV_SPACE_PIO,
		.base = RV_X86_COM1_PORT,
		.irq = RV_X86_COM1_IRQ,
		.console = true,
	},
	{
		.type = "acpi-pm",
		.name = "acpi-pm",
		.space = RV_SPACE_PIO,
		.base = RV_X86_ACPI_SLEEP_CTL_PORT,
	},
};

const struct rv_device_cfg *rv_arch_platform_devices(unsigned int *nr)
{
	*nr = RV_ARRAY_SIZE(rv_x86_platform);
	return rv_x86_platform;
}

int rv_arch_mmio_slot(unsigned int i, uint64_t *base, unsigned int *irq)
{
	if (i >= RV_X86_NR_SLOTS)
		return -ENOSPC;
	*base = RV_X86_SLOT_MMIO_ADDR + i * RV_X86_SLOT_SIZE;
	*irq = RV_X86_SLOT_FIRST_GSI + i;
	return 0;
}

static int rv_x86_build_acpi(struct rv_vm *vm, uint64_t *rsdp)
{
	struct rv_x86_acpi_cfg acpi = {
		.nr_cpus = vm->cfg->nr_cpus,
		.lapic_addr = RV_X86_LAPIC_ADDR,
		.ioapic_addr = RV_X86_IOAPIC_ADDR,
		/* KVM's IOAPIC answers to id 0 after reset (its IOAPICID register). */
		.ioapic_id = 0,
		.devices = vm->dev_cfgs,
		.nr_devices = vm->nr_dev_cfgs,
	};
	void *buf = rv_mem_ram_hva(&vm->mem, RV_X86_ACPI_ADDR, RV_X86_ACPI_SIZE, "ACPI tables");

	if (!buf)
		return -ENOSPC;
	return rv_x86_acpi_build(buf, RV_X86_ACPI_SIZE, RV_X86_ACPI_ADDR, &acpi, rsdp);
}

extern const uint8_t rv_x86_builtin_guest_start[], rv_x86_builtin_guest_end[];
extern const uint8_t rv_x86_reset_stub_start[], rv_x86_reset_stub_end[];

static int rv_x86_load_raw(struct rv_vm *vm, const uint8_t *code, size_t len)
{
	struct rv_x86_vm *x86 = rv_x86_vm(vm);

	int ret;

	ret = rv_mem_ram_write(&vm->mem, RV_X86_BUILTIN_ADDR, code, len, "guest code");
	if (ret)
		return ret;
	x86->entry = RV_X86_BUILTIN_ADDR;
	x86->entry_64 = true;
	return 0;
}

/*
 * Open the kernel or initrd (@what) for rv_x86_boot_load(), which reads it
 * piecewise into guest RAM. Nothing larger than guest RAM can be loaded into
 * it: say so now, naming the file, rather than as a placement failure.
 */
static int rv_x86_open_image(struct rv_image *img, const char *what, const char *path, uint64_t ram)
{
	int ret;

	ret = rv_image_open(img, what, path);
	if (ret)
		return ret;
	if (img->size > ram) {
		rv_image_close(img);
		return rv_err(-EFBIG,
			      "%s %s: %" PRIu64 " bytes, more than the %" PRIu64
			      " MiB of guest RAM",
			      what, path, img->size, ram >> 20);
	}
	return 0;
}

static int rv_x86_load_kernel(struct rv_vm *vm, uint64_t rsdp)
{
	struct rv_x86_vm *x86 = rv_x86_vm(vm);
	const struct rv_vm_config *cfg = vm->cfg;
	struct rv_image kernel, initrd = { .fd = -1 };
	struct rv_x86_boot_cfg boot = {
		.kernel = &kernel,
		.cmdline = cfg->cmdline,
		.acpi_rsdp_addr = rsdp,
	};
	struct rv_x86_boot_info info;
	uint64_t ram = rv_mem_ram_size(&vm->mem);
	int ret;

	ret = rv_x86_open_image(&kernel, "--kernel", cfg->kernel, ram);
	if (ret)
		return ret;
	if (cfg->initrd) {
		ret = rv_x86_open_image(&initrd, "--initrd", cfg->initrd, ram);
		if (ret)
			goto out_close;
		boot.initrd = &initrd;
	}
	ret = rv_x86_boot_load(&vm->mem, &boot, &info);
	if (ret) {
		rv_err_wrap(ret, "%s", cfg->kernel);
		goto out_close;
	}
	x86->entry = info.entry;
	x86->entry_64 = info.entry_64;
	x86->boot_params = info.boot_params_addr;
	rv_debug("kernel: entry 0x%" PRIx64 " (%s), boot protocol %x, initrd at 0x%" PRIx64,
		 info.entry, info.entry_64 ? "64-bit" : "32-bit", info.protocol, info.initrd_addr);
out_close:
	rv_image_close(&initrd);
	rv_image_close(&kernel);
	return ret;
}

int rv_arch_load(struct rv_vm *vm)
{
	const struct rv_vm_config *cfg = vm->cfg;
	struct rv_x86_vm *x86 = rv_x86_vm(vm);
	uint64_t rsdp = 0;
	int ret;

	/* x86 guests find their devices through ACPI (acpi.c), not a DT. */
	if (cfg->dump_dtb)
		return rv_err(-EINVAL, "--dump-dtb: x86_64 guests have no device tree");
	ret = rv_x86_build_acpi(vm, &rsdp);
	if (ret)
		return rv_err_wrap(ret, "ACPI tables");
	/* Only raw code can run unprivileged: a kernel needs CPL0. */
	x86->user_mode = !cfg->kernel && cfg->guest_code && cfg->guest_user_mode;
	vm->guest_user_mode = x86->user_mode;
	ret = rv_x86_setup_boot_tables(vm, x86->user_mode);
	if (ret)
		return ret;
	if (rv_mem_write(&vm->mem, RV_X86_RESET_VECTOR, rv_x86_reset_stub_start,
			 rv_x86_reset_stub_end - rv_x86_reset_stub_start))
		return rv_err(-ENOSPC, "no RAM for the reset vector");
	if (cfg->kernel)
		return rv_x86_load_kernel(vm, rsdp);
	if (cfg->guest_code) {
		rv_x86_vm(vm)->all_vcpus_enter = true;
		return rv_x86_load_raw(vm, cfg->guest_code, cfg->guest_code_len);
	}
	return rv_x86_load_raw(vm, rv_x86_builtin_guest_start,
			       rv_x86_builtin_guest_end - rv_x86_builtin_guest_start);
}

extern const uint8_t rv_x86_bench_guest_start[], rv_x86_bench_guest_end[];

/* bench/guest-x86.S; the sinks go where no platform device is (layout.h). */
int rv_arch_bench_guest(struct rv_arch_bench_guest *g)
{
	*g = (struct rv_arch_bench_guest){
		.code = rv_x86_bench_guest_start,
		.len = rv_x86_bench_guest_end - rv_x86_bench_guest_start,
		.params_gpa = RV_X86_BENCH_PARAMS_ADDR,
		.mmio_base = RV_X86_DEVICE_MMIO_ADDR,
		.pio_base = RV_X86_BENCH_PIO_BASE,
		.user_level = "CPL3",
		.kernel_level = "CPL0",
	};
	return 0;
}

/* Nothing on x86 needs all vCPUs at once: the LAPICs come with them. */
int rv_arch_vcpus_ready(struct rv_vm *vm)
{
	return 0;
}

/* KVM_IRQ_LINE takes the GSI itself (the IOAPIC/PIC pin). */
uint32_t rv_arch_irq_line(unsigned int irq)
{
	return irq;
}

static const struct rv_cap_desc rv_x86_caps[] = {
	{ "KVM_CAP_IRQCHIP", KVM_CAP_IRQCHIP, "in-kernel PIC, IOAPIC and local APICs", 1 },
	{ "KVM_CAP_PIT2", KVM_CAP_PIT2, "in-kernel i8254 timer", 1 },
	{ "KVM_CAP_EXT_CPUID", KVM_CAP_EXT_CPUID, "KVM_GET_SUPPORTED_CPUID for the guest's CPUID",
	  1 },
	{ "KVM_CAP_SET_TSS_ADDR", KVM_CAP_SET_TSS_ADDR, "real-mode TSS (Intel VMX)", 0 },
	{ "KVM_CAP_SET_IDENTITY_MAP_ADDR", KVM_CAP_SET_IDENTITY_MAP_ADDR,
	  "identity page table (Intel VMX)", 0 },
	{ "KVM_CAP_SPLIT_IRQCHIP", KVM_CAP_SPLIT_IRQCHIP, "userspace IOAPIC (not used yet)", 0 },
	{ "KVM_CAP_COALESCED_PIO", KVM_CAP_COALESCED_PIO,
	  "coalesced port I/O zones (UART transmit)", 0 },
	{ "KVM_CAP_TSC_DEADLINE_TIMER", KVM_CAP_TSC_DEADLINE_TIMER, "TSC-deadline local APIC timer",
	  0 },
};

const struct rv_cap_desc *rv_arch_caps(unsigned int *nr)
{
	*nr = RV_ARRAY_SIZE(rv_x86_caps);
	return rv_x86_caps;
}
