// SPDX-License-Identifier: GPL-2.0
/*
 * Live update (update.h). The old process's side runs on the loop thread
 * with every vCPU parked; the new process's side runs before its vCPUs
 * start, like --restore, and its errors go back to the old binary (the
 * fallback) rather than ending the guest.
 */
#include "update.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format.h"
#include "keeper.h"
#include "snapshot.h"
#include "update-fds.h"
#include "vmm/api/proto.h"
#include "vmm/api/server.h"
#include "vmm/device.h"
#include "vmm/util.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

extern char **environ;

/* Output the console still holds goes out before the exec, in bounded time. */
#define RV_UPDATE_FLUSH_MS 200
/* The saved command line's size, at most (ARG_MAX is far more, but run's is short). */
#define RV_UPDATE_ARGS_MAX (256 * 1024)

int rv_update_open_exe(struct rv_vm *vm)
{
	vm->exe_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (vm->exe_fd < 0)
		return rv_err(-errno, "/proc/self/exe (the binary `update` would run): %s",
			      strerror(errno));
	if (!vm->cfg->keeper)
		return 0;
	/* The sandbox allows no memfd_create: the state's memfd is made now. */
	vm->update_state_fd = memfd_create("ringvmm:update-state", MFD_CLOEXEC);
	if (vm->update_state_fd < 0)
		return rv_err(-errno, "memfd_create for an update's state: %s", strerror(errno));
	return 0;
}

static bool rv_update_ram_ok(const struct rv_mem_region *r)
{
	return !strcmp(r->backend, "memfd") || !strcmp(r->backend, "hugetlb");
}

/* What execve(2) would lose, refused before the guest is paused. */
static int rv_update_check(struct rv_vm *vm, unsigned int *nr_ram)
{
	*nr_ram = 0;
	if (!vm->cfg->argv || !vm->cfg->argv[0] || !vm->cfg->argv[1] ||
	    strcmp(vm->cfg->argv[1], "run"))
		return rv_err(-ENOTSUP, "this VM was not started by `ringvmm run`");
	for (unsigned int i = 0; i < vm->mem.nr; i++) {
		const struct rv_mem_region *r = &vm->mem.regions[i];

		if (r->device)
			return rv_err(-ENOTSUP, "--passthrough slot %s cannot be handed over yet",
				      r->name);
		if (!strcmp(r->backend, "anon"))
			return rv_err(-ENOTSUP,
				      "guest RAM is anonymous memory, which execve(2) frees: run "
				      "the guest with --mem-backend memfd or hugetlb");
		if (!rv_update_ram_ok(r))
			return rv_err(-ENOTSUP,
				      "guest RAM on %s: a guest_memfd belongs to the VM that made "
				      "it, and the new binary makes a new VM (use --mem-backend "
				      "memfd or hugetlb)",
				      r->backend);
		if (*nr_ram == RV_UPDATE_MAX_RAM)
			return rv_err(-ENOTSUP, "more than %d RAM regions", RV_UPDATE_MAX_RAM);
		(*nr_ram)++;
	}
	if (!vm->cfg->keeper || vm->update_state_fd < 0)
		return rv_err(-ENOTSUP, "this ringvmm runs without a keeper process, which would "
					"exec the new binary (see its start-up warning)");
	return 0;
}

/* FD_CLOEXEC off (@inherit) or on again, on every fd @u names. */
static int rv_update_set_inherit(const struct rv_update_fds *u, int extra_fd, bool inherit)
{
	int fds[RV_KEEPER_MAX_FDS + 1];
	int n = rv_update_fds_list(u, fds, RV_KEEPER_MAX_FDS);

	if (n < 0)
		return rv_err(n, "too many fds to hand over");
	fds[n++] = extra_fd;
	for (int i = 0; i < n; i++) {
		if (fds[i] < 0)
			continue;
		if (fcntl(fds[i], F_SETFD, inherit ? 0 : FD_CLOEXEC) < 0)
			return rv_err(-errno, "fd %d: %s", fds[i], strerror(errno));
	}
	return 0;
}

/*
 * execveat(@bin_fd, "", ..., AT_EMPTY_PATH): the binary opened earlier,
 * never a path (the VMM opens none while the guest runs). A script's
 * interpreter opens it again as /dev/fd/N, which is why @bin_fd stays
 * open across the exec. Returns only on failure, -errno.
 */
static int rv_update_execve(int bin_fd, char *const argv[], const struct rv_update_fds *u,
			    const char *spec)
{
	char **nargv = rv_update_argv(argv, spec);
	int ret;

	if (!nargv)
		return rv_err(-ENOMEM, "out of memory for the new command line");
	ret = rv_update_set_inherit(u, bin_fd, true);
	if (!ret) {
		execveat(bin_fd, "", nargv, environ, AT_EMPTY_PATH);
		ret = rv_err(-errno, "execveat: %s", strerror(errno));
	}
	rv_update_set_inherit(u, bin_fd, false);
	rv_update_free_argv(nargv);
	return ret;
}

/* The command line in the args memfd (NUL-separated), in @buf: a malloc'ed argv. */
static char **rv_update_load_args(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);
	size_t nr = 0, k = 0;
	char **argv;

	/* Written by the old ringvmm: NUL-terminated strings, nothing after. */
	if (n <= 0 || buf[n - 1] != '\0')
		return NULL;
	for (ssize_t i = 0; i < n; i++)
		nr += !buf[i];
	argv = calloc(nr + 1, sizeof(*argv));
	for (size_t off = 0; argv && off < (size_t)n; off += strlen(buf + off) + 1)
		argv[k++] = buf + off;
	return argv;
}

/*
 * What else crosses: the host console's own fds (a file is not truncated
 * again, a pty stays the same pty) and each device's (rv_device_ops.handover),
 * named by the device's place in the list, which the new process's
 * devices, built from the same command line, have too.
 */
static int rv_update_collect(struct rv_vm *vm, struct rv_update_fds *u)
{
	unsigned int place = 0;

	for (unsigned int i = 0; i < 2; i++)
		if (vm->cfg->console_host_fds[i] >= 3)
			u->console[u->nr_console++] = vm->cfg->console_host_fds[i];
	for (struct rv_device *d = vm->env.devices; d; d = d->next, place++) {
		int fds[RV_UPDATE_MAX_DEV_FDS], n;

		if (!d->ops->handover)
			continue;
		n = d->ops->handover(d, fds, RV_UPDATE_MAX_DEV_FDS - u->nr_dev);
		if (n < 0)
			return rv_err(n, "device %s: handing its fds over: %s", d->name,
				      strerror(-n));
		if (place >= RV_UPDATE_MAX_DEV)
			return rv_err(-ENOTSUP, "device %s: more than %d devices", d->name,
				      RV_UPDATE_MAX_DEV);
		for (int k = 0; k < n; k++)
			u->dev[u->nr_dev++] =
				(struct rv_update_dev_fd){ .dev = place, .fd = fds[k] };
	}
	return 0;
}

int rv_update_hand_devices(struct rv_vm *vm)
{
	const struct rv_update_fds *u = vm->cfg->update;

	if (!u->nr_dev)
		return 0;
	vm->env.handed = calloc(u->nr_dev, sizeof(*vm->env.handed));
	if (!vm->env.handed)
		return rv_err(-ENOMEM, "out of memory for the handed fds");
	for (unsigned int i = 0; i < u->nr_dev; i++) {
		vm->env.handed[i] =
			(struct rv_device_handed){ .dev = u->dev[i].dev, .fd = u->dev[i].fd };
		/* Not for a passt this process starts; a fallback clears it again. */
		fcntl(u->dev[i].fd, F_SETFD, FD_CLOEXEC);
	}
	vm->env.nr_handed = u->nr_dev;
	return 0;
}

int rv_update_exec(struct rv_vm *vm, const struct rv_api_req *req)
{
	struct rv_update_fds u = { .state = vm->update_state_fd,
				   .exe = -1,
				   .args = -1,
				   .client = req->client_fd,
				   .keeper = RV_KEEPER_FD };
	char spec[RV_UPDATE_SPEC_MAX], why[RV_KEEPER_TEXT_MAX];
	int fds[RV_KEEPER_MAX_FDS];
	struct rv_snapshot_info info;
	bool was_paused = vm->paused;
	int ret, bin_fd, nr;

	if (req->nr_fds > 1)
		return rv_err(-EINVAL, "takes one fd, the new binary's");
	bin_fd = req->nr_fds ? req->fds[0] : vm->exe_fd;
	/*
	 * The keeper's own check, made here before the pause too: an ELF (a
	 * script's interpreter would open it again as /dev/fd/N, execveat(2),
	 * NOTES, which need not exist), named, opened read-only, executable.
	 */
	ret = rv_keeper_check_binary(bin_fd);
	if (!ret)
		ret = rv_update_check(vm, &u.nr_ram);
	if (ret)
		return ret;
	u.api = vm->api ? vm->api->fd : -1;
	for (unsigned int i = 0, k = 0; i < vm->mem.nr; i++)
		u.ram[k++] = vm->mem.regions[i].fd;
	/* Emptied: a failed update's state may be longer than this one's. */
	if (ftruncate(u.state, 0) || lseek(u.state, 0, SEEK_SET))
		return rv_err(-errno, "the update's state memfd: %s", strerror(errno));
	u.t0_ns = rv_now_ns();
	ret = rv_vcpus_pause(vm);
	if (ret)
		return ret;
	ret = rv_snapshot_save(vm, u.state, -1, &info);
	if (!ret)
		ret = rv_update_collect(vm, &u);
	if (!ret)
		ret = rv_update_fds_format(&u, spec, sizeof(spec));
	nr = ret ? ret : rv_update_fds_list(&u, fds, RV_KEEPER_MAX_FDS);
	if (nr >= 0) {
		/* What the guest wrote before the pause reaches the console first. */
		rv_console_flush(&vm->console, RV_UPDATE_FLUSH_MS);
		rv_info("update: to the keeper with --update-fds=%s", spec);
		/* Returns only when the new binary did not take over. */
		ret = rv_keeper_update(bin_fd, fds, (unsigned int)nr, spec, why, sizeof(why));
		if (ret == -EAGAIN)
			ret = rv_err(ret,
				     "the new binary could not take over (%s); the guest goes on "
				     "under the previous one %s after a pause of %.1f ms",
				     why, vm->cfg->version ? vm->cfg->version : "?",
				     (rv_now_ns() - u.t0_ns) / 1e6);
	} else if (!ret) {
		ret = rv_err(nr, "more fds than the keeper takes");
	}
	/* Still here: the guest goes on under this binary. */
	if (!was_paused)
		rv_vcpus_resume(vm);
	return ret;
}

/* RAM: each region's new memfd replaced by the inherited one, mapped shared. */
static int rv_update_map_ram(struct rv_vm *vm, void *opaque)
{
	const struct rv_update_fds *u = opaque;
	unsigned int k = 0;

	for (unsigned int i = 0; i < vm->mem.nr; i++) {
		struct rv_mem_region *r = &vm->mem.regions[i];
		struct stat st;
		int fd;

		if (r->device)
			continue;
		if (k == u->nr_ram || !rv_update_ram_ok(r))
			return rv_err(-EINVAL, "guest RAM %s (%s) has no memfd handed over",
				      r->name, r->backend);
		fd = u->ram[k++];
		if (fstat(fd, &st) || (uint64_t)st.st_size != r->size)
			return rv_err(-EINVAL, "guest RAM %s: fd %d is not its %llu bytes", r->name,
				      fd, (unsigned long long)r->size);
		/* Over the new backend's mapping: the memslot points here already. */
		if (mmap(r->host, r->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) ==
		    MAP_FAILED)
			return rv_err(-errno, "guest RAM %s: mmap of fd %d: %s", r->name, fd,
				      strerror(errno));
		if (!strcmp(r->backend, "memfd"))
			madvise(r->host, r->size, MADV_HUGEPAGE);
		close(r->fd);
		r->fd = fd;
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	if (k != u->nr_ram)
		return rv_err(-EINVAL, "%u RAM fds handed over, the guest has %u regions",
			      u->nr_ram, k);
	return 0;
}

int rv_update_restore(struct rv_vm *vm)
{
	const struct rv_update_fds *u = vm->cfg->update;
	uint8_t *buf = NULL;
	struct stat st;
	ssize_t n;
	int ret;

	if (u->keeper >= 0)
		fcntl(u->keeper, F_SETFD, FD_CLOEXEC);
	if (fstat(u->state, &st))
		return rv_err(-errno, "update state (fd %d): %s", u->state, strerror(errno));
	if (st.st_size <= 0 || (uint64_t)st.st_size > RV_SNAP_MAX_STATE)
		return rv_err(-EINVAL, "update state (fd %d): %lld bytes", u->state,
			      (long long)st.st_size);
	buf = malloc((size_t)st.st_size);
	if (!buf)
		return rv_err(-ENOMEM, "out of memory for the update state");
	n = pread(u->state, buf, (size_t)st.st_size, 0);
	if (n != st.st_size)
		ret = rv_err(n < 0 ? -errno : -EIO, "update state (fd %d): short read", u->state);
	else
		ret = rv_snapshot_load(vm, buf, (size_t)n, "update state", rv_update_map_ram,
				       (void *)u);
	free(buf);
	return ret;
}

/* The reply's "handed": how many fds each device (and the console) took over. */
static struct json_object *rv_update_handed_json(const struct rv_vm *vm)
{
	const struct rv_update_fds *u = vm->cfg->update;
	struct json_object *o = json_object_new_object();
	unsigned int place = 0;

	if (u->nr_console)
		json_object_object_add(o, "console", json_object_new_int((int)u->nr_console));
	for (const struct rv_device *d = vm->env.devices; d; d = d->next, place++) {
		int n = 0;

		for (unsigned int i = 0; i < vm->env.nr_handed; i++)
			n += vm->env.handed[i].dev == place && vm->env.handed[i].taken;
		if (n)
			json_object_object_add(o, d->name, json_object_new_int(n));
	}
	return o;
}

void rv_update_started(struct rv_vm *vm)
{
	const struct rv_update_fds *u = vm->cfg->update;
	const char *why = getenv(RV_UPDATE_ERROR_ENV);
	struct json_object *extra = json_object_new_object(), *o = json_object_new_object();
	char *err = NULL, *line;
	int ret;

	if (!u)
		return;
	/* The keeper lets the old process go: from now on this one runs the guest. */
	ret = u->keeper >= 0 ? rv_keeper_send(u->keeper, RV_KEEPER_TOOK_OVER, NULL) : 0;
	if (ret)
		rv_warn("update: telling the keeper: %s", strerror(-ret));
	vm->update_took_over = true;
	json_object_object_add(o, "paused_ms", rv_api_ms(rv_now_ns() - u->t0_ns));
	json_object_object_add(o, "version",
			       json_object_new_string(vm->cfg->version ? vm->cfg->version : "?"));
	json_object_object_add(o, "handed", rv_update_handed_json(vm));
	json_object_object_add(extra, "update", o);
	json_object_object_add(extra, "paused", json_object_new_boolean(false));
	if (u->fallback &&
	    asprintf(&err,
		     "update: the new binary could not take over (%s); the guest goes on "
		     "under the previous one %s after a pause of %.1f ms",
		     why && *why ? why : "it exited", vm->cfg->version ? vm->cfg->version : "?",
		     (rv_now_ns() - u->t0_ns) / 1e6) < 0)
		err = NULL;
	line = rv_api_reply(u->fallback ? (err ? err : "update: failed") : NULL, extra);
	if (u->client >= 0 && line &&
	    send(u->client, line, strlen(line), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		rv_warn("update: the reply could not be sent: %s", strerror(errno));
	rv_info("update: %s, %s", u->fallback ? "fell back" : "took over", line ? line : "");
	free(line);
	free(err);
	json_object_put(extra);
	unsetenv(RV_UPDATE_ERROR_ENV);
	if (u->client >= 0)
		close(u->client);
	if (u->args >= 0)
		close(u->args);
	/* The devices and the console took new numbers for these (rv_device_adopt_fds). */
	for (unsigned int i = 0; i < u->nr_dev; i++)
		close(u->dev[i].fd);
	for (unsigned int i = 0; i < u->nr_console; i++)
		close(u->console[i]);
	close(u->state);
	/* The binary to go back to was the old one; this one is vm->exe_fd now. */
	if (u->exe >= 0)
		close(u->exe);
}

/* The fallback failed too: tell the client, which would wait in vain. */
static void rv_update_give_up(const struct rv_update_fds *u)
{
	char *line = rv_api_reply(rv_err_msg(), NULL);

	if (line && u->client >= 0 &&
	    send(u->client, line, strlen(line), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* Nobody to tell. */
	}
	free(line);
}

void rv_update_fall_back(char *const argv[])
{
	static char args[RV_UPDATE_ARGS_MAX];
	char spec[RV_UPDATE_SPEC_MAX], why[512], **old_argv = NULL;
	struct rv_update_fds u;
	const char *s = NULL;
	int ret;

	for (int i = 2; argv[i] && argv[1] && !strcmp(argv[1], "run"); i++) {
		if (!strncmp(argv[i], "--update-fds=", 13))
			s = argv[i] + 13;
		else if (!strcmp(argv[i], "--update-fds") && argv[i + 1])
			s = argv[i + 1];
	}
	snprintf(why, sizeof(why), "%s", rv_err_msg());
	if (!s || rv_update_fds_parse(s, &u))
		return;
	/* Started by the keeper: it hears why, and the old process resumes. */
	if (u.keeper >= 0) {
		rv_keeper_send(u.keeper, RV_KEEPER_FAILED, why);
		return;
	}
	if (u.fallback) {
		rv_err(-EIO, "update: the previous binary could not take the guest back either: %s",
		       why);
		rv_update_give_up(&u);
		return;
	}
	u.fallback = true;
	if (rv_update_fds_format(&u, spec, sizeof(spec)) || setenv(RV_UPDATE_ERROR_ENV, why, 1))
		return;
	fprintf(stderr, "ringvmm: update: %s; going back to the previous binary\n", why);
	/* The previous binary's own command line, not what this one was given. */
	if (u.args >= 0)
		old_argv = rv_update_load_args(u.args, args, sizeof(args));
	ret = rv_update_execve(u.exe, old_argv ? old_argv : argv, &u, spec);
	free(old_argv);
	rv_err(ret, "update: %s, and going back to the previous binary failed too", why);
	rv_update_give_up(&u);
}
