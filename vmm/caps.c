// SPDX-License-Identifier: GPL-2.0
/*
 * `ringvmm caps`: every KVM capability ringvmm uses, whether this host has
 * it, its value, and what needs it. Values come from KVM_CHECK_EXTENSION on
 * a VM fd where one can be created (api.rst, KVM_CHECK_EXTENSION: the VM's answer is the one
 * that counts; some capabilities differ per VM type), else on /dev/kvm.
 */
#include "caps.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "arch/arch.h"
#include "vmm/coalesce/coalesce.h"
#include "kvm.h"
#include "sandbox-bpf.h"
#include "sandbox.h"
#include "util.h"

static const struct rv_cap_desc rv_generic_caps[] = {
	{ "KVM_CAP_USER_MEMORY", KVM_CAP_USER_MEMORY, "guest RAM memslots", 1 },
	{ "KVM_CAP_IMMEDIATE_EXIT", KVM_CAP_IMMEDIATE_EXIT, "stopping vCPUs without races", 1 },
	{ "KVM_CAP_NR_MEMSLOTS", KVM_CAP_NR_MEMSLOTS, "how many memslots a VM may have", 0 },
	{ "KVM_CAP_NR_VCPUS", KVM_CAP_NR_VCPUS, "recommended vCPU count", 0 },
	{ "KVM_CAP_MAX_VCPUS", KVM_CAP_MAX_VCPUS, "upper bound of --cpus", 0 },
	{ "KVM_CAP_COALESCED_MMIO", KVM_CAP_COALESCED_MMIO,
	  "coalesced MMIO zones (value: ring page offset)", 0 },
	{ "KVM_CAP_IOEVENTFD", KVM_CAP_IOEVENTFD, "device doorbells as eventfds", 0 },
	{ "KVM_CAP_IRQFD", KVM_CAP_IRQFD, "interrupts from the event loop", 0 },
	{ "KVM_CAP_READONLY_MEM", KVM_CAP_READONLY_MEM, "read-only memslots", 0 },
	{ "KVM_CAP_USER_MEMORY2", KVM_CAP_USER_MEMORY2,
	  "KVM_SET_USER_MEMORY_REGION2 (guest_memfd slots)", 0 },
	{ "KVM_CAP_GUEST_MEMFD", KVM_CAP_GUEST_MEMFD, "--mem-backend guest_memfd", 0 },
	{ "KVM_CAP_GUEST_MEMFD_FLAGS", KVM_CAP_GUEST_MEMFD_FLAGS,
	  "guest_memfd as ordinary RAM (MMAP, INIT_SHARED)", 0 },
	{ "KVM_CAP_VM_TYPES", KVM_CAP_VM_TYPES, "VM types offered (bit mask)", 0 },
	{ "KVM_CAP_MEMORY_ATTRIBUTES", KVM_CAP_MEMORY_ATTRIBUTES,
	  "private/shared memory attributes", 0 },
};

static void rv_caps_print_list(FILE *out, int fd, const struct rv_cap_desc *caps, unsigned int nr,
			       bool json, bool *first)
{
	for (unsigned int i = 0; i < nr; i++) {
		int v = rv_kvm_cap(fd, caps[i].cap);

		if (json) {
			fprintf(out,
				"%s\n    {\"name\": \"%s\", \"present\": %s, \"value\": %d, "
				"\"required\": %s, \"needed_for\": \"%s\"}",
				*first ? "" : ",", caps[i].name, v ? "true" : "false", v,
				caps[i].required ? "true" : "false", caps[i].needed_for);
			*first = false;
		} else {
			fprintf(out, "%-30s %-4s %6d  %s%s\n", caps[i].name, v ? "yes" : "no", v,
				caps[i].needed_for, caps[i].required ? " (required)" : "");
		}
	}
}

/* Which coalescing engine a VM gets here, and the kernel ring it drains. */
static void rv_caps_print_coalesce(FILE *out, int fd, bool json)
{
	struct rv_coalesce_probe p;

	rv_coalesce_probe(fd, sysconf(_SC_PAGESIZE), &p);
	if (json) {
		fprintf(out,
			"\n  ],\n  \"coalesce\": {\"engine\": \"%s\", \"ring_page_offset\": %d, "
			"\"ring_entries\": %u, \"pio\": %s},\n",
			p.engine, p.ring_page_offset, p.ring_entries, p.pio ? "true" : "false");
	} else if (p.ring_page_offset) {
		fprintf(out,
			"\ncoalescing engine: %s (kernel ring at page offset %d, %u entries)%s\n",
			p.engine, p.ring_page_offset, p.ring_entries,
			p.pio ? "" : "; port zones not coalesced (no KVM_CAP_COALESCED_PIO)");
	} else {
		fprintf(out,
			"\ncoalescing engine: %s (no KVM_CAP_COALESCED_MMIO: only --coalesce off)\n",
			p.engine);
	}
}

/* Whether `ringvmm run` can enter its sandbox here (vmm/sandbox.h). */
static void rv_caps_print_sandbox(FILE *out, bool json)
{
	const char *why = NULL;
	bool ok = rv_sandbox_available(&why);

	if (json) {
		fprintf(out,
			"  \"sandbox\": {\"seccomp\": %s, \"libseccomp\": \"%s\", "
			"\"why_not\": \"%s\"}\n}\n",
			ok ? "true" : "false", rv_sandbox_bpf_libseccomp, why ? why : "");
		return;
	}
	if (ok)
		fprintf(out,
			"sandbox: yes: seccomp filters per thread, no_new_privs, no capabilities "
			"(filters built with libseccomp %s)\n",
			rv_sandbox_bpf_libseccomp);
	else
		fprintf(out, "sandbox: no: %s (ringvmm run needs --no-seccomp here)\n", why);
}

int rv_caps_print(FILE *out, bool json)
{
	bool first = true;
	int kvm, vm, fd, version;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return rv_err(-errno, "/dev/kvm: %s", strerror(errno));
	version = __rv_kvm_ioctl(kvm, KVM_GET_API_VERSION, 0);
	vm = __rv_kvm_ioctl(kvm, KVM_CREATE_VM, 0);
	fd = vm >= 0 ? vm : kvm;

	if (json) {
		fprintf(out,
			"{\n  \"arch\": \"%s\",\n  \"api_version\": %d,\n"
			"  \"queried_on\": \"%s\",\n  \"caps\": [",
			rv_platform.name, version, vm >= 0 ? "vm" : "system");
	} else {
		fprintf(out, "KVM API version %d on %s (values from a %s fd)\n\n", version,
			rv_platform.name, vm >= 0 ? "VM" : "system");
		fprintf(out, "%-30s %-4s %6s  %s\n", "capability", "have", "value", "needed for");
	}
	rv_caps_print_list(out, fd, rv_generic_caps, RV_ARRAY_SIZE(rv_generic_caps), json, &first);
	rv_caps_print_list(out, fd, rv_platform.caps, rv_platform.nr_caps, json, &first);
	rv_caps_print_coalesce(out, fd, json);
	rv_caps_print_sandbox(out, json);
	if (vm >= 0)
		close(vm);
	close(kvm);
	return 0;
}
