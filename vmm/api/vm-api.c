// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket's commands (vm-api.h). They run on the loop thread,
 * which is the only thread that pauses or resumes the vCPUs.
 */
#include "vm-api.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

#include "arch/arch.h"
#include "server.h"
#include "vmm/snapshot/snapshot.h"
#include "vmm/snapshot/update-fds.h"
#include "vmm/snapshot/update.h"
#include "vmm/sandbox.h"
#include "vmm/util.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

/* The same JSON object --stats=json prints, as a member of the reply. */
static int rv_vm_api_stats(struct rv_vm *vm, struct json_object *reply)
{
	struct json_object *stats, *api;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&text, &len);
	if (!f)
		return rv_err(-ENOMEM, "out of memory");
	rv_vm_print_stats(vm, f, true);
	if (fclose(f)) {
		free(text);
		return rv_err(-ENOMEM, "out of memory");
	}
	stats = json_tokener_parse(text);
	free(text);
	if (!stats)
		return rv_err(-EPROTO, "the statistics are not valid JSON");
	api = json_object_new_object();
	json_object_object_add(api, "requests", json_object_new_uint64(vm->api->requests));
	json_object_object_add(api, "refused", json_object_new_uint64(vm->api->refused));
	json_object_object_add(reply, "stats", stats);
	json_object_object_add(reply, "api", api);
	return 0;
}

/*
 * Pause (unless paused), save into the two files the client passed, and
 * resume unless it was paused before. The reply says how long and how much.
 */
static int rv_vm_api_snapshot(struct rv_vm *vm, const struct rv_api_req *req,
			      struct json_object *reply)
{
	struct rv_snapshot_info info;
	struct json_object *o;
	bool was_paused = vm->paused;
	uint64_t t0 = rv_now_ns();
	int ret;

	if (req->nr_fds != 2)
		return rv_err(-EINVAL, "needs the state and memory files passed with the "
				       "request (ringvmm ctl SOCKET snapshot DIR does)");
	ret = rv_vcpus_pause(vm);
	if (ret)
		return ret;
	ret = rv_snapshot_save(vm, req->fds[0], req->fds[1], &info);
	if (!was_paused)
		rv_vcpus_resume(vm);
	if (ret)
		return ret;
	o = json_object_new_object();
	json_object_object_add(o, "state_bytes", json_object_new_uint64(info.state_bytes));
	json_object_object_add(o, "mem_bytes", json_object_new_uint64(info.mem_bytes));
	json_object_object_add(o, "mem_bytes_written",
			       json_object_new_uint64(info.mem_bytes_written));
	json_object_object_add(o, "save_ms", rv_api_ms(info.ns));
	/* From the pause to the resume: what the guest lost. */
	json_object_object_add(o, "paused_ms", rv_api_ms(rv_now_ns() - t0));
	json_object_object_add(reply, "snapshot", o);
	return 0;
}

static int rv_vm_api_handle(void *opaque, const struct rv_api_req *req, struct json_object *reply)
{
	struct rv_vm *vm = opaque;
	int ret = 0;

	switch (req->cmd) {
	case RV_API_PAUSE:
		ret = rv_vcpus_pause(vm);
		break;
	case RV_API_RESUME:
		rv_vcpus_resume(vm);
		break;
	case RV_API_STATS:
		ret = rv_vm_api_stats(vm, reply);
		break;
	case RV_API_SNAPSHOT:
		ret = rv_vm_api_snapshot(vm, req, reply);
		break;
	case RV_API_UPDATE:
		/* Returns only when the guest goes on here, resumed. */
		ret = rv_update_exec(vm, req);
		break;
	case RV_API_STOP:
		/* The loop ends after this reply is sent; a stop is a clean end, status 0. */
		rv_vm_request_exit(vm, RV_EXIT_SIGNAL);
		break;
	default:
		return rv_err(-EINVAL, "not a command");
	}
	if (!ret)
		json_object_object_add(reply, "paused", json_object_new_boolean(vm->paused));
	return ret;
}

int rv_vm_api_open(struct rv_vm *vm)
{
	int ret;

	vm->api = calloc(1, sizeof(*vm->api));
	if (!vm->api)
		return rv_err(-ENOMEM, "out of memory for the control socket");
	if (vm->cfg->update && vm->cfg->update->api >= 0)
		ret = rv_api_adopt(vm->api, vm->cfg->update->api, vm->cfg->api_path);
	else
		ret = rv_api_open(vm->api, "--api", vm->cfg->api_path);
	/* The binary a default `update` execs, opened while paths may be. */
	if (!ret)
		ret = rv_update_open_exe(vm);
	if (!ret)
		ret = rv_api_start(vm->api, &vm->loop, rv_vm_api_handle, vm);
	return ret;
}

void rv_vm_api_close(struct rv_vm *vm)
{
	if (!vm->api)
		return;
	/*
	 * unlink(2) is denied in the sandbox; and an update's new process
	 * that did not take over leaves the socket to the old one, which
	 * goes on serving it.
	 */
	vm->api->keep_path = rv_sandbox_active() || (vm->cfg->update && !vm->update_took_over);
	rv_api_close(vm->api);
	free(vm->api);
	vm->api = NULL;
}
