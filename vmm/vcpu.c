// SPDX-License-Identifier: GPL-2.0
#include "vcpu.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "arch/arch.h"
#include "bus.h"
#include "vmm/coalesce/coalesce.h"
#include "device.h"
#include "kvm.h"
#include "sandbox.h"
#include "util.h"
#include "vm.h"

/* The signal that kicks a vCPU thread out of KVM_RUN. */
#define RV_VCPU_KICK_SIGNAL SIGUSR1
/*
 * A vCPU thread runs the exit handler and device code: shallow call chains.
 * The default 8 MiB stack would be backed by a 2 MiB huge page on hosts
 * with transparent huge pages, for nothing.
 */
#define RV_VCPU_STACK_SIZE (256 * 1024)

static void rv_vcpu_kick_handler(int sig)
{
	(void)sig; /* Its only job is to make KVM_RUN return -EINTR. */
}

static void rv_vcpu_report_death(struct rv_vcpu *vcpu)
{
	char why[160];

	rv_exit_describe(vcpu->run, why, sizeof(why));
	/* Several vCPUs may die at once: one report is enough. */
	if (__atomic_exchange_n(&vcpu->vm->dump_done, true, __ATOMIC_ACQ_REL))
		return;
	fprintf(stderr, "\nringvmm: guest died on vCPU %u: %s\n", vcpu->id, why);
	rv_arch_vcpu_dump(vcpu, stderr);
}

/*
 * Park @vcpu until the pause ends or the VM stops. First one KVM_RUN with
 * immediate_exit set: KVM completes an MMIO or PIO read the last exit left
 * pending (its data goes into the guest's register) and returns -EINTR
 * without entering the guest, so the state a snapshot reads is whole
 * (api.rst, KVM_RUN, struct kvm_run: immediate_exit, and the note on
 * completing KVM_EXIT_IO and KVM_EXIT_MMIO before saving state).
 */
static void rv_vcpu_park(struct rv_vcpu *vcpu)
{
	struct rv_vm *vm = vcpu->vm;

	__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_RELEASE);
	(void)__rv_kvm_ioctl(vcpu->fd, KVM_RUN, 0);
	pthread_mutex_lock(&vm->pause_lock);
	vm->nr_parked++;
	pthread_cond_broadcast(&vm->pause_cond);
	while (vm->pause_req && !__atomic_load_n(&vm->exit_reason, __ATOMIC_ACQUIRE))
		pthread_cond_wait(&vm->pause_cond, &vm->pause_lock);
	vm->nr_parked--;
	/* A stop wants immediate_exit to stay set (rv_vcpus_stop). */
	if (!__atomic_load_n(&vm->exit_reason, __ATOMIC_ACQUIRE))
		__atomic_store_n(&vcpu->run->immediate_exit, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&vm->pause_lock);
}

static void *rv_vcpu_thread(void *arg)
{
	struct rv_vcpu *vcpu = arg;
	struct rv_vm *vm = vcpu->vm;
	const struct rv_exit_ctx ctx = {
		.pio = &vm->pio,
		.mmio = &vm->mmio,
		.run_size = vm->run_size,
		.coalesce = vm->coalesce,
	};
	char name[16];

	snprintf(name, sizeof(name), "vcpu%u", vcpu->id);
	pthread_setname_np(pthread_self(), name);
	/* The vCPU filter before the first KVM_RUN: the guest runs from here. */
	if (vm->sandboxed) {
		if (rv_sandbox_enter(RV_SANDBOX_VCPU)) {
			fprintf(stderr, "ringvmm: vCPU %u: %s\n", vcpu->id, rv_err_msg());
			rv_vm_request_exit(vm, RV_EXIT_ERROR);
			return NULL;
		}
		rv_sandbox_selftest(RV_SANDBOX_VCPU);
	}

	while (!__atomic_load_n(&vm->exit_reason, __ATOMIC_ACQUIRE)) {
		enum rv_exit_action action;
		int ret;
		uint64_t t0;

		if (__atomic_load_n(&vm->pause_req, __ATOMIC_ACQUIRE)) {
			rv_vcpu_park(vcpu);
			continue;
		}
		ret = __rv_kvm_ioctl(vcpu->fd, KVM_RUN, 0);
		if (ret == -EINTR || ret == -EAGAIN) {
			/*
			 * Kicked: the loop condition decides. A kick of a
			 * pause that gave up leaves immediate_exit set: clear
			 * it, or KVM_RUN would return at once forever. A new
			 * pause sets pause_req before immediate_exit, and the
			 * check at the top of the loop sees it.
			 */
			if (!__atomic_load_n(&vm->pause_req, __ATOMIC_ACQUIRE) &&
			    !__atomic_load_n(&vm->exit_reason, __ATOMIC_ACQUIRE))
				__atomic_store_n(&vcpu->run->immediate_exit, 0, __ATOMIC_RELEASE);
			continue;
		}
		if (ret < 0) {
			fprintf(stderr, "ringvmm: vCPU %u: KVM_RUN: %s\n", vcpu->id,
				strerror(-ret));
			rv_vm_request_exit(vm, RV_EXIT_ERROR);
			break;
		}
		vcpu->exits++;
		if (vcpu->run->exit_reason == KVM_EXIT_IO)
			vcpu->io_exits++;
		else if (vcpu->run->exit_reason == KVM_EXIT_MMIO)
			vcpu->mmio_exits++;

		t0 = rv_now_ns();
		__atomic_store_n(&vcpu->in_exit, true, __ATOMIC_RELEASE);
		action = rv_exit_handle(vcpu->run, &ctx);
		__atomic_store_n(&vcpu->in_exit, false, __ATOMIC_RELEASE);
		vcpu->handle_ns += rv_now_ns() - t0;
		switch (action) {
		case RV_EXIT_ACTION_CONTINUE:
		case RV_EXIT_ACTION_INTERRUPTED:
			break;
		case RV_EXIT_ACTION_POWEROFF:
			rv_vm_request_exit(vm, RV_EXIT_POWEROFF);
			break;
		case RV_EXIT_ACTION_RESET:
			rv_vm_request_exit(vm, RV_EXIT_RESET);
			break;
		case RV_EXIT_ACTION_DIED:
			rv_vcpu_report_death(vcpu);
			rv_vm_request_exit(vm, RV_EXIT_GUEST_DIED);
			break;
		}
	}
	return NULL;
}

int rv_vcpus_create(struct rv_vm *vm)
{
	struct sigaction sa = { .sa_handler = rv_vcpu_kick_handler };
	int ret;

	/* No SA_RESTART: the point is to interrupt KVM_RUN. */
	sigemptyset(&sa.sa_mask);
	if (sigaction(RV_VCPU_KICK_SIGNAL, &sa, NULL) < 0)
		return rv_err(-errno, "sigaction: %s", strerror(errno));

	vm->vcpus = calloc(vm->cfg->nr_cpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return rv_err(-ENOMEM, "out of memory for %u vCPUs", vm->cfg->nr_cpus);

	for (unsigned int i = 0; i < vm->cfg->nr_cpus; i++) {
		struct rv_vcpu *vcpu = &vm->vcpus[i];

		vcpu->vm = vm;
		vcpu->id = i;
		vcpu->fd = rv_kvm_ioctl_val(vm->vm_fd, KVM_CREATE_VCPU, i);
		if (vcpu->fd < 0)
			return rv_err_wrap(vcpu->fd, "vCPU %u", i);
		vm->nr_vcpus++;
		vcpu->run =
			mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
		if (vcpu->run == MAP_FAILED) {
			vcpu->run = NULL;
			return rv_err(-errno, "vCPU %u: mmap of the run page: %s", i,
				      strerror(errno));
		}
		ret = rv_arch_vcpu_init(vcpu);
		if (ret)
			return rv_err_wrap(ret, "vCPU %u", i);
	}
	return 0;
}

int rv_vcpus_start(struct rv_vm *vm)
{
	sigset_t set, old;
	pthread_attr_t attr;
	int ret = 0;

	/*
	 * vCPU threads take the kick signal; everything else (SIGINT, SIGTERM)
	 * stays blocked in them and is read by the event loop's signalfd.
	 */
	sigemptyset(&set);
	sigaddset(&set, RV_VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, &old);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, RV_VCPU_STACK_SIZE);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		ret = -pthread_create(&vm->vcpus[i].thread, &attr, rv_vcpu_thread, &vm->vcpus[i]);
		if (ret) {
			ret = rv_err(ret, "starting vCPU %u: %s", i, strerror(-ret));
			break;
		}
		vm->vcpus[i].started = true;
	}
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

/* Join @vcpu by @deadline (CLOCK_REALTIME, pthread_timedjoin_np's clock). */
static bool rv_vcpu_join(struct rv_vcpu *vcpu, const struct timespec *deadline)
{
	int ret;

	/* Kick again now and then: a kick can land just before KVM_RUN. */
	for (;;) {
		struct timespec now, step;

		clock_gettime(CLOCK_REALTIME, &now);
		step = now;
		step.tv_nsec += 50000000L;
		if (step.tv_nsec >= 1000000000L) {
			step.tv_sec++;
			step.tv_nsec -= 1000000000L;
		}
		if (step.tv_sec > deadline->tv_sec ||
		    (step.tv_sec == deadline->tv_sec && step.tv_nsec > deadline->tv_nsec))
			step = *deadline;
		ret = pthread_timedjoin_np(vcpu->thread, NULL, &step);
		if (ret != ETIMEDOUT)
			return true;
		if (step.tv_sec == deadline->tv_sec && step.tv_nsec == deadline->tv_nsec)
			return false;
		pthread_kill(vcpu->thread, RV_VCPU_KICK_SIGNAL);
	}
}

/*
 * Out of KVM_RUN, every started vCPU. immediate_exit closes the race with a
 * thread that is about to enter KVM_RUN when the signal lands (api.rst,
 * struct kvm_run: immediate_exit); the signal covers a thread inside it.
 */
static void rv_vcpus_kick(struct rv_vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct rv_vcpu *vcpu = &vm->vcpus[i];

		if (!vcpu->started)
			continue;
		__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_RELEASE);
		pthread_kill(vcpu->thread, RV_VCPU_KICK_SIGNAL);
	}
}

void rv_vcpus_stop(struct rv_vm *vm)
{
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += RV_VCPU_STOP_MS / 1000;
	deadline.tv_nsec += (long)(RV_VCPU_STOP_MS % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	/* Parked vCPUs wake, see the exit reason, and end. */
	pthread_mutex_lock(&vm->pause_lock);
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
	rv_vcpus_kick(vm);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		if (!vm->vcpus[i].started)
			continue;
		if (!rv_vcpu_join(&vm->vcpus[i], &deadline)) {
			bool in_exit = __atomic_load_n(&vm->vcpus[i].in_exit, __ATOMIC_ACQUIRE);

			rv_warn("vCPU %u did not stop within %d ms (%s): leaving it", i,
				RV_VCPU_STOP_MS, in_exit ? "in the exit handler" : "in KVM_RUN");
			vm->vcpu_stuck = true;
			vm->vcpu_stuck_in_exit |= in_exit;
			continue;
		}
		vm->vcpus[i].started = false;
	}
}

void rv_vcpus_destroy(struct rv_vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		if (vm->vcpus[i].run)
			munmap(vm->vcpus[i].run, vm->run_size);
		close(vm->vcpus[i].fd);
	}
	free(vm->vcpus);
	vm->vcpus = NULL;
	vm->nr_vcpus = 0;
}

static unsigned int rv_vcpus_running(const struct rv_vm *vm)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		n += vm->vcpus[i].started;
	return n;
}

int rv_vcpus_pause(struct rv_vm *vm)
{
	uint64_t deadline = rv_now_ns() + RV_VCPU_STOP_MS * 1000000ULL;
	unsigned int want = rv_vcpus_running(vm);
	int ret = 0;

	if (vm->paused)
		return 0;
	pthread_mutex_lock(&vm->pause_lock);
	__atomic_store_n(&vm->pause_req, true, __ATOMIC_RELEASE);
	while (vm->nr_parked < want) {
		struct timespec ts;

		if (rv_now_ns() >= deadline) {
			ret = rv_err(-ETIMEDOUT, "a vCPU did not stop within %d ms",
				     RV_VCPU_STOP_MS);
			break;
		}
		/* Kick again now and then: a kick can land just before KVM_RUN. */
		rv_vcpus_kick(vm);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&vm->pause_cond, &vm->pause_lock, &ts);
	}
	if (ret) {
		__atomic_store_n(&vm->pause_req, false, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&vm->pause_cond);
	}
	pthread_mutex_unlock(&vm->pause_lock);
	if (ret)
		return ret;
	/* Every write the guest queued before it stopped reaches its device. */
	rv_coalesce_flush_all(vm->coalesce);
	vm->paused = true;
	return 0;
}

void rv_vcpus_resume(struct rv_vm *vm)
{
	if (!vm->paused)
		return;
	pthread_mutex_lock(&vm->pause_lock);
	__atomic_store_n(&vm->pause_req, false, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
	vm->paused = false;
}
