// SPDX-License-Identifier: GPL-2.0
/*
 * x86_64 VM set-up: the irqchip and PIT, loading a kernel or raw code,
 * the ACPI tables. The machine's shape is in layout.c.
 */
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

int rv_arch_vm_init(struct rv_vm *vm)
{
	struct kvm_pit_config pit = { .flags = 0 };
	uint64_t identity = RV_X86_IDENTITY_MAP_ADDR;
	int ret;

	vm->arch = calloc(1, sizeof(struct rv_x86_vm));
	if (!vm->arch)
		return rv_err(-ENOMEM, "out of memory for the VM's x86 state");

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

/* Raw code (@mode RV_X86_ENTRY_RAW_*): the built-in guest's, or a test's. */
static int rv_x86_load_raw(struct rv_vm *vm, const uint8_t *code, size_t len,
			   enum rv_x86_entry mode)
{
	struct rv_x86_vm *x86 = rv_x86_vm(vm);

	int ret;

	ret = rv_mem_ram_write(&vm->mem, RV_X86_BUILTIN_ADDR, code, len, "guest code");
	if (ret)
		return ret;
	x86->entry = RV_X86_BUILTIN_ADDR;
	x86->mode = mode;
	vm->guest_user_mode = mode == RV_X86_ENTRY_RAW_CPL3;
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

	ret = rv_image_open(&kernel, "--kernel", cfg->kernel, ram);
	if (ret)
		return ret;
	if (cfg->initrd) {
		ret = rv_image_open(&initrd, "--initrd", cfg->initrd, ram);
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
	x86->mode = info.entry_64 ? RV_X86_ENTRY_LINUX_64BIT : RV_X86_ENTRY_LINUX_32BIT;
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
	if (rv_mem_write(&vm->mem, RV_X86_RESET_VECTOR, rv_x86_reset_stub_start,
			 rv_x86_reset_stub_end - rv_x86_reset_stub_start))
		return rv_err(-ENOSPC, "no RAM for the reset vector");
	if (cfg->kernel) {
		ret = rv_x86_load_kernel(vm, rsdp);
	} else if (cfg->guest_code) {
		/* Only raw code can run unprivileged: a kernel needs CPL0. */
		x86->all_vcpus_enter = true;
		ret = rv_x86_load_raw(vm, cfg->guest_code, cfg->guest_code_len,
				      cfg->guest_user_mode ? RV_X86_ENTRY_RAW_CPL3 :
							     RV_X86_ENTRY_RAW_CPL0);
	} else {
		ret = rv_x86_load_raw(vm, rv_x86_builtin_guest_start,
				      rv_x86_builtin_guest_end - rv_x86_builtin_guest_start,
				      RV_X86_ENTRY_RAW_CPL0);
	}
	if (ret)
		return ret;
	return rv_x86_setup_boot_tables(vm, x86->mode);
}

/* Nothing on x86 needs all vCPUs at once: the LAPICs come with them. */
int rv_arch_vcpus_ready(struct rv_vm *vm)
{
	return 0;
}
