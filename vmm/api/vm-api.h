/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket's commands on a VM: what pause, resume, stats and
 * stop do (server.h serves them, proto.h parses them).
 */
#ifndef RV_API_VM_API_H
#define RV_API_VM_API_H

struct rv_vm;

/* vm->cfg->api_path's socket, served from vm->loop; before the sandbox. */
int rv_vm_api_open(struct rv_vm *vm);
/* Nothing when there is none. */
void rv_vm_api_close(struct rv_vm *vm);

#endif
