// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 machine: capabilities, the vGIC, RAM, platform devices, loading the
 * kernel (or the built-in guest) and the device tree that describes it all.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "vmm/kvm.h"
#include "vmm/image.h"
#include "vmm/util.h"
#include "vmm/vm.h"
#include "arch/arch.h"
#include "arm64.h"
#include "fdt.h"
#include "layout.h"

static int rv_arm64_check_caps(int fd)
{
	for (unsigned int i = 0; i < rv_platform.nr_caps; i++) {
		const struct rv_cap_desc *c = &rv_platform.caps[i];

		if (c->required && !rv_kvm_cap(fd, c->cap))
			return rv_err(-ENOTSUP, "KVM lacks %s (%s)", c->name, c->needed_for);
	}
	return 0;
}

int rv_arch_vm_init(struct rv_vm *vm)
{
	struct rv_arm64_vm *a;
	int ret;

	a = calloc(1, sizeof(*a));
	if (!a)
		return rv_err(-ENOMEM, "out of memory for the VM's arm64 state");
	a->gic.fd = -1;
	vm->arch = a;
	a->mpidr = calloc(vm->cfg->nr_cpus, sizeof(*a->mpidr));
	if (!a->mpidr)
		return rv_err(-ENOMEM, "out of memory for %u vCPUs' MPIDRs", vm->cfg->nr_cpus);

	ret = rv_arm64_check_caps(vm->vm_fd);
	if (ret)
		return ret;
	/*
	 * api.rst, KVM_ARM_PREFERRED_TARGET: the target (CPU model) KVM
	 * emulates best on this host, to pass back in KVM_ARM_VCPU_INIT.
	 */
	ret = rv_kvm_ioctl(vm->vm_fd, KVM_ARM_PREFERRED_TARGET, &a->vcpu_init);
	if (ret)
		return ret;
	/* The vGIC before any vCPU: its redistributors are set up per vCPU. */
	return rv_arm64_gic_create(vm->vm_fd, vm->cfg->nr_cpus, &a->gic);
}

void rv_arch_vm_destroy(struct rv_vm *vm)
{
	struct rv_arm64_vm *a = rv_arm64_vm(vm);

	if (a) {
		rv_arm64_gic_destroy(&a->gic);
		free(a->mpidr);
	}
	free(a);
	vm->arch = NULL;
}

/*
 * Only the Image's head is read into a buffer (the header, and enough for
 * rv_arm64_image_parse_head() to say what a wrong file is); the Image and
 * the initrd go from the files straight into guest RAM with pread(), as on
 * x86, so the VMM never holds a heap copy of a 30 MB kernel.
 */
static int rv_arm64_load_kernel(struct rv_vm *vm)
{
	struct rv_arm64_vm *a = rv_arm64_vm(vm);
	const struct rv_vm_config *cfg = vm->cfg;
	const struct rv_mem_region *ram = &vm->mem.regions[0];
	struct rv_image kernel, initrd = { .fd = -1, .size = 0 };
	uint8_t head[1024]; /* the x86 bzImage guess looks at 0x202 */
	size_t head_len;
	void *khva, *ihva;
	struct rv_arm64_image img;
	int ret;

	ret = rv_image_open(&kernel, "--kernel", cfg->kernel, ram->size);
	if (ret)
		return ret;
	if (cfg->initrd) {
		ret = rv_image_open(&initrd, "--initrd", cfg->initrd, ram->size);
		if (ret)
			goto out_close;
	}
	head_len = kernel.size < sizeof(head) ? (size_t)kernel.size : sizeof(head);
	ret = rv_image_pread(&kernel, 0, head, head_len);
	if (!ret)
		ret = rv_arm64_image_parse_head(head, head_len, kernel.size, &img);
	if (!ret)
		ret = rv_arm64_boot_place(ram->gpa, ram->size, &img, kernel.size, initrd.size,
					  &a->boot);
	if (!ret)
		ret = rv_arm64_boot_ram(&vm->mem, &a->boot, kernel.size, initrd.size, &khva, &ihva);
	if (ret) {
		rv_err_wrap(ret, "%s", cfg->kernel);
		goto out_close;
	}
	/* rv_image_pread()'s messages name the file. */
	ret = rv_image_pread(&kernel, 0, khva, kernel.size);
	if (!ret && initrd.size)
		ret = rv_image_pread(&initrd, 0, ihva, initrd.size);
	if (ret)
		goto out_close;
	a->entry = a->boot.kernel_addr;
	a->linux_boot = true;
	rv_debug("kernel: Image at 0x%" PRIx64 " (text_offset 0x%" PRIx64 ", %" PRIu64
		 " KiB, %u KiB pages%s), initrd 0x%" PRIx64 "-0x%" PRIx64 ", dtb 0x%" PRIx64,
		 a->boot.kernel_addr, img.text_offset, img.image_size >> 10, img.page_size_kib,
		 img.legacy ? ", pre-3.17 header" : "", a->boot.initrd_addr, a->boot.initrd_end,
		 a->boot.dtb_addr);
out_close:
	rv_image_close(&initrd);
	rv_image_close(&kernel);
	return ret;
}

/* Raw code: the built-in guest or a test's, entered at EL1 with the MMU off. */
static int rv_arm64_load_raw(struct rv_vm *vm, const uint8_t *code, size_t len)
{
	struct rv_arm64_vm *a = rv_arm64_vm(vm);
	const struct rv_mem_region *ram = &vm->mem.regions[0];
	/* Placed like an Image with the historical text_offset and no initrd. */
	struct rv_arm64_image img = {
		.text_offset = RV_ARM64_BUILTIN_OFFSET,
		.image_size = len,
	};
	int ret;

	ret = rv_arm64_boot_place(ram->gpa, ram->size, &img, len, 0, &a->boot);
	if (!ret)
		ret = rv_arm64_boot_load(&vm->mem, &a->boot, code, len, NULL, 0);
	if (ret)
		return rv_err_wrap(ret, "guest code of %zu bytes", len);
	a->entry = a->boot.kernel_addr;
	return 0;
}

extern const uint8_t rv_arm64_builtin_guest_start[], rv_arm64_builtin_guest_end[];

int rv_arch_load(struct rv_vm *vm)
{
	const struct rv_vm_config *cfg = vm->cfg;

	if (cfg->kernel)
		return rv_arm64_load_kernel(vm);
	if (cfg->guest_code) {
		rv_arm64_vm(vm)->all_vcpus_enter = true;
		return rv_arm64_load_raw(vm, cfg->guest_code, cfg->guest_code_len);
	}
	return rv_arm64_load_raw(vm, rv_arm64_builtin_guest_start,
				 rv_arm64_builtin_guest_end - rv_arm64_builtin_guest_start);
}

static int rv_arm64_dump_dtb(const char *path, const void *fdt, size_t len)
{
	int fd, ret;

	ret = rv_path_open("--dump-dtb", path, O_WRONLY | O_CREAT | O_TRUNC, 0644, RV_PATH_REG,
			   &fd);
	if (ret)
		return ret;
	ret = rv_write_all(fd, fdt, len);
	if (close(fd) && !ret)
		ret = -errno;
	if (ret)
		return rv_err(ret, "--dump-dtb %s: %s", path, strerror(-ret));
	return 0;
}

static int rv_arm64_write_fdt(struct rv_vm *vm)
{
	struct rv_arm64_vm *a = rv_arm64_vm(vm);
	const struct rv_vm_config *cfg = vm->cfg;
	const struct rv_mem_region *ram = &vm->mem.regions[0];
	struct rv_arm64_fdt_cfg fc = {
		.ram_addr = ram->gpa,
		.ram_size = ram->size,
		.nr_cpus = vm->nr_vcpus,
		.mpidr = a->mpidr,
		.gic = a->gic.layout,
		.bootargs = a->linux_boot ? cfg->cmdline : NULL,
		.initrd_addr = a->boot.initrd_addr,
		.initrd_end = a->boot.initrd_end,
	};
	void *fdt;
	int ret;

	/* The 2 MiB region placed for the dtb is written in place. */
	fdt = rv_mem_ram_hva(&vm->mem, a->boot.dtb_addr, RV_ARM64_DTB_MAX, "the device tree");
	if (!fdt)
		return -ENOSPC;
	/* Without a seed the kernel runs without KASLR; a failure only costs that. */
	if (getrandom(&fc.kaslr_seed, sizeof(fc.kaslr_seed), GRND_NONBLOCK) !=
	    sizeof(fc.kaslr_seed))
		fc.kaslr_seed = 0;
	/* Every device the VM has, platform and extra, placed. */
	fc.devices = vm->dev_cfgs;
	fc.nr_devices = vm->nr_dev_cfgs;
	ret = rv_arm64_fdt_build(fdt, RV_ARM64_DTB_MAX, &fc);
	if (ret)
		return ret;
	rv_debug("device tree: %u bytes at 0x%" PRIx64 ", GICv%u", fdt_totalsize(fdt),
		 a->boot.dtb_addr, a->gic.layout.version);
	if (cfg->dump_dtb)
		return rv_arm64_dump_dtb(cfg->dump_dtb, fdt, fdt_totalsize(fdt));
	return 0;
}

int rv_arch_vcpus_ready(struct rv_vm *vm)
{
	int ret;

	ret = rv_arm64_gic_init(&rv_arm64_vm(vm)->gic);
	if (ret)
		return ret;
	/*
	 * A restored guest's device tree is in its memory file, where it
	 * was; a live update's new process has the guest's RAM itself, and
	 * no kernel whose placement the tree's address would follow.
	 */
	if (vm->cfg->restore_dir || vm->cfg->update)
		return 0;
	return rv_arm64_write_fdt(vm);
}
