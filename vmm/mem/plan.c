// SPDX-License-Identifier: GPL-2.0
#include "plan.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "vmm/compat.h"
#include "vmm/util.h"

/* clang-format off: one name per line, not packed into columns */
static const char *const rv_mem_backend_names[RV_MEM_BACKEND_NR] = {
	[RV_MEM_BACKEND_ANON] = "anon",	      [RV_MEM_BACKEND_MEMFD] = "memfd",
	[RV_MEM_BACKEND_HUGETLB] = "hugetlb", [RV_MEM_BACKEND_GUEST_MEMFD] = "guest_memfd",
	[RV_MEM_BACKEND_PFNMAP] = "pfnmap",
};
/* clang-format on */

const char *rv_mem_backend_name(enum rv_mem_backend_type t)
{
	return (unsigned int)t < RV_MEM_BACKEND_NR ? rv_mem_backend_names[t] : "?";
}

int rv_memmap_parse_backend(const char *s, enum rv_mem_backend_type *t)
{
	/* pfnmap maps a given file: it cannot make RAM of a size. */
	for (unsigned int i = 0; i < RV_MEM_BACKEND_PFNMAP; i++) {
		if (!strcmp(s, rv_mem_backend_names[i])) {
			*t = i;
			return 0;
		}
	}
	return rv_err(-EINVAL,
		      "--mem-backend %s: not a RAM backend (anon, memfd, hugetlb, guest_memfd)", s);
}

/* One "key=value" item of a --passthrough spec, [p, end). */
static int rv_memmap_pt_item(const char *p, const char *end, struct rv_mem_passthrough *pt,
			     unsigned int *seen)
{
	static const char *const keys[] = { "path", "offset", "size", "gpa", "ro" };
	const char *eq = memchr(p, '=', end - p);
	size_t klen = (eq ? eq : end) - p;
	char val[RV_MEM_PATH_MAX];
	size_t vlen = eq ? (size_t)(end - eq - 1) : 0;
	unsigned int k;
	uint64_t *num;
	int ret;

	for (k = 0; k < RV_ARRAY_SIZE(keys); k++)
		if (strlen(keys[k]) == klen && !strncmp(p, keys[k], klen))
			break;
	if (k == RV_ARRAY_SIZE(keys))
		return rv_err(-EINVAL,
			      "--passthrough %s: unknown key \"%.*s\" (path, offset, size, gpa, ro)",
			      pt->name, (int)klen, p);
	if (*seen & (1u << k))
		return rv_err(-EINVAL, "--passthrough %s: \"%s\" given twice", pt->name, keys[k]);
	*seen |= 1u << k;
	if (!strcmp(keys[k], "ro")) {
		if (eq)
			return rv_err(-EINVAL, "--passthrough %s: \"ro\" takes no value", pt->name);
		pt->readonly = true;
		return 0;
	}
	if (!eq || !vlen)
		return rv_err(-EINVAL, "--passthrough %s: \"%s\" needs a value", pt->name, keys[k]);
	if (vlen >= sizeof(val))
		return rv_err(-EINVAL, "--passthrough %s: %s is longer than %zu bytes", pt->name,
			      keys[k], sizeof(val) - 1);
	memcpy(val, eq + 1, vlen);
	val[vlen] = '\0';
	if (!strcmp(keys[k], "path")) {
		memcpy(pt->path, val, vlen + 1);
		return 0;
	}
	num = !strcmp(keys[k], "offset") ? &pt->offset :
	      !strcmp(keys[k], "size")	 ? &pt->size :
					   &pt->gpa;
	ret = rv_parse_size(val, num);
	if (ret)
		return rv_err(-EINVAL, "--passthrough %s: %s=%s is not a number%s", pt->name,
			      keys[k], val, ret == -ERANGE ? " (too large)" : "");
	return 0;
}

int rv_memmap_parse_passthrough(const char *s, unsigned int index, struct rv_mem_passthrough *pt)
{
	unsigned int seen = 0;
	const char *p = s;
	int ret;

	memset(pt, 0, sizeof(*pt));
	snprintf(pt->name, sizeof(pt->name), "pt%u", index);
	if (!*s)
		return rv_err(-EINVAL,
			      "--passthrough %s: empty (want path=FILE,size=N,gpa=ADDR[,offset=N][,ro])",
			      pt->name);
	for (;;) {
		const char *end = strchr(p, ',');

		if (!end)
			end = p + strlen(p);
		if (end == p)
			return rv_err(-EINVAL, "--passthrough %s: empty item in \"%s\"", pt->name,
				      s);
		ret = rv_memmap_pt_item(p, end, pt, &seen);
		if (ret)
			return ret;
		if (!*end)
			break;
		p = end + 1;
	}
	/* Bits as in the keys[] table above: path 0, size 2, gpa 3. */
	if (!(seen & 1))
		return rv_err(-EINVAL, "--passthrough %s: path=FILE is missing", pt->name);
	if (!(seen & 4))
		return rv_err(-EINVAL, "--passthrough %s: size=N is missing", pt->name);
	if (!(seen & 8))
		return rv_err(-EINVAL, "--passthrough %s: gpa=ADDR is missing", pt->name);
	if (!pt->size)
		return rv_err(-EINVAL, "--passthrough %s: size=0", pt->name);
	return 0;
}

const char *rv_memmap_size_str(uint64_t size, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;

	while (size && u + 1 < RV_ARRAY_SIZE(units) && !(size & 1023)) {
		size >>= 10;
		u++;
	}
	snprintf(buf, len, "%" PRIu64 " %s", size, units[u]);
	return buf;
}

/* Do [a, a + as) and [b, b + bs) intersect? Both sizes > 0, neither wraps. */
static bool rv_memmap_overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return a <= b + (bs - 1) && b <= a + (as - 1);
}

static int rv_memmap_check_pt(const struct rv_mem *mem, const struct rv_memmap_plan *plan,
			      const struct rv_mem_passthrough *pt)
{
	uint64_t ps = plan->page_size, last;

	/*
	 * mmap() takes page-aligned offsets, and KVM memslots are page
	 * granular (KVM_SET_USER_MEMORY_REGION fails with EINVAL unless
	 * guest_phys_addr, memory_size and userspace_addr are page-aligned:
	 * the kernel's virt/kvm/kvm_main.c checks them).
	 */
	if (!RV_IS_ALIGNED(pt->gpa, ps))
		return rv_err(-EINVAL,
			      "passthrough %s (%s): gpa 0x%" PRIx64
			      " is not a multiple of the %" PRIu64 "-byte page size",
			      pt->name, pt->path, pt->gpa, ps);
	if (!RV_IS_ALIGNED(pt->size, ps))
		return rv_err(-EINVAL,
			      "passthrough %s (%s): size 0x%" PRIx64
			      " is not a multiple of the %" PRIu64 "-byte page size",
			      pt->name, pt->path, pt->size, ps);
	if (!RV_IS_ALIGNED(pt->offset, ps))
		return rv_err(-EINVAL,
			      "passthrough %s (%s): offset 0x%" PRIx64
			      " is not a multiple of the %" PRIu64 "-byte page size",
			      pt->name, pt->path, pt->offset, ps);
	if (!pt->size || __builtin_add_overflow(pt->gpa, pt->size - 1, &last))
		return rv_err(-EINVAL,
			      "passthrough %s (%s): gpa 0x%" PRIx64 " + size 0x%" PRIx64
			      " wraps the address space",
			      pt->name, pt->path, pt->gpa, pt->size);
	if (__builtin_add_overflow(pt->offset, pt->size - 1, &last) || last > INT64_MAX)
		return rv_err(-EINVAL,
			      "passthrough %s (%s): offset 0x%" PRIx64 " + size 0x%" PRIx64
			      " is past the largest file offset",
			      pt->name, pt->path, pt->offset, pt->size);
	for (unsigned int i = 0; i < plan->nr_reserved; i++) {
		const struct rv_mem_range *r = &plan->reserved[i];

		if (rv_memmap_overlap(pt->gpa, pt->size, r->gpa, r->size))
			return rv_err(-EINVAL,
				      "passthrough %s (%s): [0x%" PRIx64 ", 0x%" PRIx64
				      "] overlaps the %s at [0x%" PRIx64 ", 0x%" PRIx64 "]",
				      pt->name, pt->path, pt->gpa, pt->gpa + pt->size - 1, r->name,
				      r->gpa, r->gpa + r->size - 1);
	}
	for (unsigned int i = 0; i < mem->nr; i++) {
		const struct rv_mem_region *o = &mem->regions[i];

		if (rv_memmap_overlap(pt->gpa, pt->size, o->gpa, o->size))
			return rv_err(-EINVAL,
				      "passthrough %s (%s): [0x%" PRIx64 ", 0x%" PRIx64
				      "] overlaps %s %s at [0x%" PRIx64 ", 0x%" PRIx64 "]",
				      pt->name, pt->path, pt->gpa, pt->gpa + pt->size - 1,
				      o->device ? "passthrough" : "guest RAM", o->name, o->gpa,
				      o->gpa + o->size - 1);
	}
	return 0;
}

/* Is there room for one more memslot, as KVM and as ringvmm count them? */
static int rv_memmap_check_slot(const struct rv_mem *mem, const struct rv_memmap_plan *plan,
				const char *name)
{
	if (plan->max_slots && mem->nr >= plan->max_slots)
		return rv_err(-ENOSPC,
			      "%s would be memslot %u, but KVM allows %u memslots (KVM_CAP_NR_MEMSLOTS)",
			      name, mem->nr, plan->max_slots);
	if (mem->nr >= RV_MEM_MAX_REGIONS)
		return rv_err(
			-ENOSPC,
			"%s would be memslot %u, but ringvmm keeps at most %u (RV_MEM_MAX_REGIONS)",
			name, mem->nr, RV_MEM_MAX_REGIONS);
	return 0;
}

int rv_memmap_build(struct rv_mem *mem, const struct rv_memmap_plan *plan)
{
	int ret;

	memset(mem, 0, sizeof(*mem));
	if (!plan->page_size || (plan->page_size & (plan->page_size - 1)))
		return rv_err(-EINVAL, "page size %" PRIu64 " is not a power of two",
			      plan->page_size);
	if (plan->ram_backend >= RV_MEM_BACKEND_PFNMAP)
		return rv_err(-EINVAL, "%s cannot back guest RAM",
			      rv_mem_backend_name(plan->ram_backend));

	for (unsigned int i = 0; i < plan->nr_ram; i++) {
		struct rv_mem_region r = plan->ram[i];

		ret = rv_memmap_check_slot(mem, plan, "guest RAM");
		if (ret)
			return ret;
		r.slot = mem->nr;
		r.backend = rv_mem_backend_name(plan->ram_backend);
		r.fd = -1;
		r.host = NULL;
		ret = rv_mem_add(mem, &r, plan->page_size);
		if (ret)
			return rv_err(ret,
				      "guest RAM %s at 0x%" PRIx64 " (0x%" PRIx64 " bytes): %s",
				      r.name, r.gpa, r.size,
				      ret == -EEXIST ? "overlaps other RAM" :
						       "not page-aligned or wraps");
	}

	for (unsigned int i = 0; i < plan->nr_pt; i++) {
		const struct rv_mem_passthrough *pt = &plan->pt[i];
		struct rv_mem_region r = {
			.gpa = pt->gpa,
			.size = pt->size,
			.readonly = pt->readonly,
			.backend = rv_mem_backend_name(RV_MEM_BACKEND_PFNMAP),
			.name = pt->name,
			.device = true,
			.fd = -1,
			.fd_offset = pt->offset,
			.path = pt->path,
		};
		char what[64];

		snprintf(what, sizeof(what), "passthrough %s", pt->name);
		ret = rv_memmap_check_slot(mem, plan, what);
		if (ret)
			return ret;
		ret = rv_memmap_check_pt(mem, plan, pt);
		if (ret)
			return ret;
		r.slot = mem->nr;
		ret = rv_mem_add(mem, &r, plan->page_size);
		if (ret) /* checked above: only a bug gets here */
			return rv_err(ret, "passthrough %s: %s", pt->name, strerror(-ret));
	}
	return 0;
}

static void rv_memmap_flags_str(const struct rv_mem_region *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", r->kvm_flags & KVM_MEM_READONLY ? "READONLY" : "",
		 (r->kvm_flags & KVM_MEM_READONLY) && (r->kvm_flags & KVM_MEM_GUEST_MEMFD) ? "|" :
											     "",
		 r->kvm_flags & KVM_MEM_GUEST_MEMFD ? "GUEST_MEMFD" : "");
	if (!*buf)
		snprintf(buf, len, "-");
}

void rv_memmap_print(const struct rv_mem *mem, FILE *out)
{
	const struct rv_mem_region *sorted[RV_MEM_MAX_REGIONS];
	unsigned int nr;

	nr = rv_mem_sorted(mem, sorted);
	fprintf(out, "guest physical map: %u memslot%s\n", nr, nr == 1 ? "" : "s");
	fprintf(out, "%4s  %-9s %-37s %9s  %-11s %-20s %s\n", "slot", "name",
		"guest physical range", "size", "backend", "flags", "host mapping");
	for (unsigned int i = 0; i < nr; i++) {
		const struct rv_mem_region *r = sorted[i];
		char size[32], flags[32], range[48], host[RV_MEM_PATH_MAX + 96];
		int n;

		snprintf(range, sizeof(range), "0x%016" PRIx64 "-0x%016" PRIx64, r->gpa,
			 r->gpa + (r->size - 1));
		rv_memmap_flags_str(r, flags, sizeof(flags));
		if (!r->host)
			n = snprintf(host, sizeof(host), "(not mapped)");
		else
			n = snprintf(host, sizeof(host), "0x%" PRIxPTR, (uintptr_t)r->host);
		if (r->path && n >= 0 && (size_t)n < sizeof(host))
			n += snprintf(host + n, sizeof(host) - n, " %s+0x%" PRIx64, r->path,
				      r->fd_offset);
		else if (r->fd >= 0 && n >= 0 && (size_t)n < sizeof(host))
			n += snprintf(host + n, sizeof(host) - n, " fd %d+0x%" PRIx64, r->fd,
				      r->fd_offset);
		if (r->note[0] && n >= 0 && (size_t)n < sizeof(host))
			snprintf(host + n, sizeof(host) - n, " (%s)", r->note);
		fprintf(out, "%4u  %-9s %-37s %9s  %-11s %-20s %s\n", r->slot,
			r->name ? r->name : "?", range,
			rv_memmap_size_str(r->size, size, sizeof(size)),
			r->backend ? r->backend : "?", flags, host);
	}
}
