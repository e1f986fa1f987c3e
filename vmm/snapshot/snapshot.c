// SPDX-License-Identifier: GPL-2.0
/*
 * Saving and restoring a VM (snapshot.h). The state file's sections, in
 * order: MEM (the RAM layout the memory file follows), VM (the arch's), one
 * VCPU per vCPU, one DEVICE per device in creation order.
 */
#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/arch.h"
#include "format.h"
#include "vmm/util.h"
#include "vmm/vm.h"

/* The generic sections' record tags and the MEM section type. */
#define RV_SNAP_SEC_MEM 4
enum { RV_SNAP_REC_MEM_REGIONS = 1, RV_SNAP_REC_DEV_NAME = 1, RV_SNAP_REC_DEV_STATE = 2 };
/* The largest device state (the UART's is 40 bytes; virtio's queues will be more). */
#define RV_SNAP_DEV_STATE_MAX (64 * 1024)

struct rv_snap_mem_region {
	uint64_t gpa, size, file_off;
};

static bool rv_snap_is_ram(const struct rv_mem_region *r)
{
	return !r->device;
}

/* The RAM regions in memory-file order; returns how many. */
static unsigned int rv_snap_ram(const struct rv_vm *vm, struct rv_snap_mem_region *out,
				uint64_t *total)
{
	unsigned int n = 0;

	*total = 0;
	for (unsigned int i = 0; i < vm->mem.nr; i++) {
		const struct rv_mem_region *r = &vm->mem.regions[i];

		if (!rv_snap_is_ram(r))
			continue;
		out[n++] = (struct rv_snap_mem_region){ r->gpa, r->size, *total };
		*total += r->size;
	}
	return n;
}

static bool rv_snap_page_zero(const uint8_t *p, size_t len)
{
	const uint64_t *w = (const uint64_t *)p;

	for (size_t i = 0; i < len / 8; i++)
		if (w[i])
			return false;
	return true;
}

/*
 * Only pages that hold data are written: the file stays sparse (holes
 * read as zeros, and SEEK_DATA/SEEK_HOLE find what is there). Runs of
 * data pages go out in one pwrite each. The last byte is written in any
 * case so that the file has guest RAM's size.
 */
static int rv_snap_save_ram(struct rv_vm *vm, int fd, struct rv_snapshot_info *info)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t off = 0;
	struct stat st;

	for (unsigned int i = 0; i < vm->mem.nr; i++) {
		const struct rv_mem_region *r = &vm->mem.regions[i];
		uint64_t run = 0, run_len = 0;

		if (!rv_snap_is_ram(r))
			continue;
		for (uint64_t p = 0; p <= r->size; p += page) {
			bool data = p < r->size && !rv_snap_page_zero(r->host + p, page);

			if (data) {
				if (!run_len)
					run = p;
				run_len += page;
				continue;
			}
			if (!run_len)
				continue;
			for (uint64_t done = 0; done < run_len;) {
				ssize_t n = pwrite(fd, r->host + run + done, run_len - done,
						   (off_t)(off + run + done));

				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0)
					return rv_err(n < 0 ? -errno : -EIO,
						      "snapshot memory file: %s",
						      strerror(n < 0 ? errno : EIO));
				done += (uint64_t)n;
			}
			info->mem_bytes_written += run_len;
			run_len = 0;
		}
		off += r->size;
	}
	info->mem_bytes = off;
	/*
	 * The file must have guest RAM's size (a private mapping of it faults
	 * past its end). When the last page held no data it is a hole: a
	 * zero byte at the very end fixes the size and changes nothing.
	 */
	if (fstat(fd, &st))
		return rv_err(-errno, "snapshot memory file: %s", strerror(errno));
	if ((uint64_t)st.st_size < off && pwrite(fd, "", 1, (off_t)off - 1) != 1)
		return rv_err(-errno, "snapshot memory file: %s", strerror(errno));
	return 0;
}

static int rv_snap_save_devices(struct rv_vm *vm, struct rv_snap_buf *b)
{
	uint8_t *state = malloc(RV_SNAP_DEV_STATE_MAX);
	unsigned int idx = 0;
	int ret = 0;

	if (!state)
		return rv_err(-ENOMEM, "out of memory for device state");
	for (struct rv_device *d = vm->env.devices; d; d = d->next, idx++) {
		int n = d->ops->save(d, state, RV_SNAP_DEV_STATE_MAX);

		if (n < 0) {
			ret = rv_err(n, "device %s: saving its state: %s", d->name, strerror(-n));
			break;
		}
		rv_snap_sec_begin(b, RV_SNAP_SEC_DEVICE, idx, d->ops->state_version);
		rv_snap_rec(b, RV_SNAP_REC_DEV_NAME, d->name, (uint32_t)strnlen(d->name, 32));
		rv_snap_rec(b, RV_SNAP_REC_DEV_STATE, state, (uint32_t)n);
		rv_snap_sec_end(b);
	}
	free(state);
	return ret;
}

int rv_snapshot_save(struct rv_vm *vm, int state_fd, int mem_fd, struct rv_snapshot_info *info)
{
	struct rv_snap_mem_region ram[RV_MEM_MAX_REGIONS];
	uint64_t t0 = rv_now_ns(), total;
	struct rv_snap_buf b;
	unsigned int nr;
	int ret;

	memset(info, 0, sizeof(*info));
	/* Refused before anything is written: a device whose state would be lost. */
	for (struct rv_device *d = vm->env.devices; d; d = d->next)
		if (!d->ops || !d->ops->save)
			return rv_err(-ENOTSUP, "device %s cannot save its state yet", d->name);
	nr = rv_snap_ram(vm, ram, &total);
	rv_snap_buf_init(&b, rv_arch_snap_id, total, vm->nr_vcpus, (uint32_t)sysconf(_SC_PAGESIZE));
	rv_snap_sec_begin(&b, RV_SNAP_SEC_MEM, 0, 1);
	rv_snap_rec(&b, RV_SNAP_REC_MEM_REGIONS, ram, nr * sizeof(ram[0]));
	rv_snap_sec_end(&b);
	rv_snap_sec_begin(&b, RV_SNAP_SEC_VM, 0, 1);
	ret = rv_arch_snap_save_vm(vm, &b);
	rv_snap_sec_end(&b);
	for (unsigned int i = 0; !ret && i < vm->nr_vcpus; i++) {
		rv_snap_sec_begin(&b, RV_SNAP_SEC_VCPU, i, 1);
		ret = rv_arch_snap_save_vcpu(&vm->vcpus[i], &b);
		rv_snap_sec_end(&b);
		if (ret)
			ret = rv_err_wrap(ret, "vCPU %u", i);
	}
	if (!ret)
		ret = rv_snap_save_devices(vm, &b);
	if (!ret)
		ret = rv_snap_buf_finish(&b);
	if (!ret) {
		ret = rv_write_all(state_fd, b.data, b.len);
		if (ret)
			ret = rv_err(ret, "snapshot state file: %s", strerror(-ret));
		info->state_bytes = b.len;
	}
	rv_snap_buf_free(&b);
	/* No memory file: RAM stays where it is (a live update's memfds). */
	if (!ret && mem_fd >= 0)
		ret = rv_snap_save_ram(vm, mem_fd, info);
	if (!ret && mem_fd >= 0 && (fdatasync(state_fd) || fdatasync(mem_fd)))
		ret = rv_err(-errno, "snapshot: syncing the files: %s", strerror(errno));
	info->ns = rv_now_ns() - t0;
	return ret;
}

/* The new VM's RAM must be laid out as the saved one's, region by region. */
static int rv_snap_check_ram(struct rv_vm *vm, const struct rv_snap *snap, const char *what)
{
	struct rv_snap_mem_region ram[RV_MEM_MAX_REGIONS];
	const struct rv_snap_section *sec = rv_snap_find(snap, RV_SNAP_SEC_MEM, 0);
	uint64_t total;
	unsigned int nr = rv_snap_ram(vm, ram, &total);
	const void *p;
	uint32_t len;

	if (!sec || rv_snap_rec_find(sec, RV_SNAP_REC_MEM_REGIONS, &p, &len))
		return rv_err(-EINVAL, "%s: no memory layout", what);
	if (snap->hdr.mem_size != vm->cfg->mem_size || total != snap->hdr.mem_size)
		return rv_err(-EINVAL, "%s: a guest of %llu MiB; run it with --mem %lluM", what,
			      (unsigned long long)(snap->hdr.mem_size >> 20),
			      (unsigned long long)(snap->hdr.mem_size >> 20));
	if (len != nr * sizeof(ram[0]) || memcmp(p, ram, len))
		return rv_err(-EINVAL, "%s: guest RAM laid out otherwise than here", what);
	if (snap->hdr.page_size != (uint32_t)sysconf(_SC_PAGESIZE))
		return rv_err(-EINVAL, "%s: written with %u-byte pages, this host has %ld", what,
			      snap->hdr.page_size, sysconf(_SC_PAGESIZE));
	return 0;
}

/* The same devices, in the same order, each with its state. */
static int rv_snap_check_devices(struct rv_vm *vm, const struct rv_snap *snap, const char *what)
{
	unsigned int idx = 0;

	for (struct rv_device *d = vm->env.devices; d; d = d->next, idx++) {
		const struct rv_snap_section *sec = rv_snap_find(snap, RV_SNAP_SEC_DEVICE, idx);
		const void *name;
		uint32_t len;

		if (!d->ops || !d->ops->load)
			return rv_err(-ENOTSUP, "device %s cannot load a state yet", d->name);
		if (!sec || rv_snap_rec_find(sec, RV_SNAP_REC_DEV_NAME, &name, &len))
			return rv_err(-EINVAL,
				      "%s: no state for device %s (the same devices, "
				      "in the same order, must be given)",
				      what, d->name);
		if (len != strnlen(d->name, sizeof(d->name)) || memcmp(name, d->name, len))
			return rv_err(-EINVAL, "%s: device %u is %.*s there, %s here", what, idx,
				      (int)rv_min_u64(len, 32), (const char *)name, d->name);
	}
	if (rv_snap_find(snap, RV_SNAP_SEC_DEVICE, idx))
		return rv_err(-EINVAL, "%s: more devices than this VM has", what);
	return 0;
}

/*
 * Each RAM region's anonymous mapping is replaced, at the same address, by
 * a private mapping of its part of the memory file: the memslots KVM has
 * keep pointing at it, pages are read in on first touch, and the guest's
 * writes go to private copies, never to the file.
 */
static int rv_snap_map_ram(struct rv_vm *vm, int fd, const char *what)
{
	uint64_t off = 0;
	struct stat st;

	if (fstat(fd, &st))
		return rv_err(-errno, "%s: %s", what, strerror(errno));
	if ((uint64_t)st.st_size != vm->cfg->mem_size)
		return rv_err(-EINVAL, "%s: %llu bytes, the guest has %llu", what,
			      (unsigned long long)st.st_size,
			      (unsigned long long)vm->cfg->mem_size);
	for (unsigned int i = 0; i < vm->mem.nr; i++) {
		struct rv_mem_region *r = &vm->mem.regions[i];

		if (!rv_snap_is_ram(r))
			continue;
		if (strcmp(r->backend, "anon"))
			return rv_err(-ENOTSUP,
				      "--restore maps the memory file privately: it "
				      "takes --mem-backend anon, not %s",
				      r->backend);
		if (mmap(r->host, r->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd,
			 (off_t)off) == MAP_FAILED)
			return rv_err(-errno, "%s: mmap: %s", what, strerror(errno));
		off += r->size;
	}
	return 0;
}

static int rv_snap_load_devices(struct rv_vm *vm, const struct rv_snap *snap)
{
	unsigned int idx = 0;

	for (struct rv_device *d = vm->env.devices; d; d = d->next, idx++) {
		const struct rv_snap_section *sec = rv_snap_find(snap, RV_SNAP_SEC_DEVICE, idx);
		const void *state;
		uint32_t len;
		int ret;

		ret = rv_snap_rec_find(sec, RV_SNAP_REC_DEV_STATE, &state, &len);
		if (ret)
			return ret == -ENOENT ? rv_err(-EINVAL, "device %s: no state", d->name) :
						ret;
		ret = d->ops->load(d, state, len, sec->version);
		if (ret)
			return ret;
	}
	return 0;
}

int rv_snapshot_load(struct rv_vm *vm, const uint8_t *buf, size_t len, const char *what,
		     rv_snapshot_map_fn map_ram, void *opaque)
{
	const struct rv_snap_section *sec;
	struct rv_snap snap = { 0 };
	int ret;

	/* Everything is checked before the VM is touched. */
	ret = rv_snap_parse(buf, len, rv_arch_snap_id, what, &snap);
	if (ret)
		return ret;
	if (snap.hdr.nr_vcpus != vm->nr_vcpus) {
		ret = rv_err(-EINVAL, "%s: a guest of %u vCPUs; run it with --cpus %u", what,
			     snap.hdr.nr_vcpus, snap.hdr.nr_vcpus);
		goto out;
	}
	ret = rv_snap_check_ram(vm, &snap, what);
	if (!ret)
		ret = rv_snap_check_devices(vm, &snap, what);
	for (unsigned int i = 0; !ret && i < vm->nr_vcpus; i++)
		if (!rv_snap_find(&snap, RV_SNAP_SEC_VCPU, i))
			ret = rv_err(-EINVAL, "%s: no state for vCPU %u", what, i);
	sec = rv_snap_find(&snap, RV_SNAP_SEC_VM, 0);
	if (!ret && !sec)
		ret = rv_err(-EINVAL, "%s: no VM state", what);
	if (!ret)
		ret = map_ram(vm, opaque);
	if (!ret)
		ret = rv_arch_snap_load_vm(vm, sec);
	for (unsigned int i = 0; !ret && i < vm->nr_vcpus; i++)
		ret = rv_arch_snap_load_vcpu(&vm->vcpus[i],
					     rv_snap_find(&snap, RV_SNAP_SEC_VCPU, i));
	if (!ret)
		ret = rv_snap_load_devices(vm, &snap);
out:
	rv_snap_free(&snap);
	return ret;
}

/* --restore's RAM: the memory file, mapped privately. */
static int rv_snap_map_file(struct rv_vm *vm, void *opaque)
{
	const char *mem_path = opaque;
	int ret, fd = -1;

	ret = rv_path_open("--restore", mem_path, O_RDONLY | O_CLOEXEC, 0, RV_PATH_REG, &fd);
	if (!ret)
		ret = rv_snap_map_ram(vm, fd, mem_path);
	if (fd >= 0)
		close(fd);
	return ret;
}

int rv_snapshot_restore(struct rv_vm *vm, const char *dir)
{
	char state_path[PATH_MAX], mem_path[PATH_MAX];
	uint8_t *buf = NULL;
	size_t len;
	int ret;

	if (snprintf(state_path, sizeof(state_path), "%s/" RV_SNAP_STATE_FILE, dir) >=
		    (int)sizeof(state_path) ||
	    snprintf(mem_path, sizeof(mem_path), "%s/" RV_SNAP_MEMORY_FILE, dir) >=
		    (int)sizeof(mem_path))
		return rv_err(-ENAMETOOLONG, "--restore %s: path too long", dir);
	ret = rv_read_file("--restore", state_path, RV_SNAP_MAX_STATE, &buf, &len);
	if (ret)
		return ret;
	ret = rv_snapshot_load(vm, buf, len, state_path, rv_snap_map_file, mem_path);
	if (ret)
		ret = rv_err_wrap(ret, "--restore %s", dir);
	free(buf);
	return ret;
}
