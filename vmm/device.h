/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Devices: a registry of device *types* filled by the devices themselves, and
 * the environment a device instance is created in.
 *
 * vmm/ never names a device. The platform (arch code, later the CLI) describes
 * which device types sit where as a list of struct rv_device_cfg; the VM looks
 * each type up by name and calls its create(). A device registers its bus
 * ranges, irq and console use through the struct rv_device_env it is given,
 * which is all it knows of the machine, so unit tests build a fake one.
 */
#ifndef RV_DEVICE_H
#define RV_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct rv_bus;
struct rv_pci;
struct rv_mem;
struct rv_coalesce;
struct rv_coalesce_device;
struct rv_console;
struct rv_loop;
struct rv_device;
struct rv_stats_sink;

/* RV_SPACE_PCI: a function on the PCI bus (rv_device_env.pci), which places its BARs. */
enum rv_bus_space { RV_SPACE_PIO, RV_SPACE_MMIO, RV_SPACE_PCI };

/*
 * A device type's own parameters (a disk's file, a ring's size...) are a
 * struct of the device's, declared in its header, whose first member is
 * this header: RV_DEVICE_PARAMS_HDR() fills it in, and the device checks
 * it with rv_device_params() before it reads any further. vmm/ only
 * carries the pointer.
 *
 *   struct rv_foo_params {
 *           struct rv_device_params hdr;
 *           unsigned int queues;
 *   };
 *   struct rv_foo_params p = { RV_DEVICE_PARAMS_HDR("foo", struct rv_foo_params), 4 };
 *   cfg.params = &p.hdr;
 */
struct rv_device_params {
	const char *type; /* the rv_device_type.name they are for */
	size_t size;	  /* sizeof the whole struct, header included */
};

#define RV_DEVICE_PARAMS_HDR(type_name, T)             \
	{                                              \
		.type = (type_name), .size = sizeof(T) \
	}

/* Where a platform puts one device instance. */
struct rv_device_cfg {
	const char *type; /* rv_device_type.name */
	const char *name; /* instance name, e.g. "ttyS0" */
	enum rv_bus_space space;
	uint64_t base;
	unsigned int irq; /* GSI (x86) or SPI number, 0 = none */
	bool irq_edge;	  /* @irq is edge-triggered (else level); the firmware tables say so */
	bool console;	  /* wire to the VMM's console (stdin/stdout) */
	/* The device type's own parameters; NULL: its defaults. */
	const struct rv_device_params *params;
	/*
	 * Asked for by a device option (rv_device_option): the VM places it
	 * in the arch's next free MMIO slot (base and irq), and @args is the
	 * option's value (NULL for a flag), which only the device parses.
	 */
	bool slot;
	const char *args;
};

/*
 * For a device's create(): @cfg's parameters, checked to be those of
 * device type @type, @size bytes. *@out is NULL when there are none (the
 * device's defaults apply); -EINVAL with a message when they were made for
 * another device type or another version of the struct.
 */
int rv_device_params(const struct rv_device_cfg *cfg, const char *type, size_t size,
		     const void **out);

#define RV_DEVICE_MAX_READY 16

/* What a device may use of the machine it is plugged into. */
struct rv_device_env {
	struct rv_bus *pio;
	struct rv_bus *mmio;
	/* PCI bus 0 (vmm/pci.h), where the platform has one; NULL otherwise. */
	struct rv_pci *pci;
	struct rv_loop *loop;	    /* event loop, NULL in unit tests */
	struct rv_console *console; /* NULL when the VM has none */
	/* Guest memory, for devices that DMA (virtio); NULL in some tests. */
	const struct rv_mem *mem;
	/* The KVM VM fd, for KVM_IOEVENTFD and KVM_IRQFD; -1 in unit tests. */
	int vm_fd;
	unsigned int nr_cpus;
	/*
	 * Register pages: a device may back its register window with a page
	 * of its own that the guest reads through a read-only memslot
	 * (api.rst, KVM_SET_USER_MEMORY_REGION, KVM_MEM_READONLY), so reads
	 * do not exit. false: --reg-pages off, or no KVM_CAP_READONLY_MEM.
	 * A device that takes one uses memslot id reg_page_next, then
	 * increments it (set-up is single-threaded).
	 */
	bool reg_pages;
	unsigned int reg_page_next;
	/* Coalescing engine (vmm/coalesce/coalesce.h); NULL: the device must not coalesce. */
	struct rv_coalesce *coalesce;
	/*
	 * Drive interrupt line @gsi to @level (0 or 1). The in-kernel irqchip
	 * decides edge or level from its own routing, so a device models its
	 * output pin and calls this whenever the pin changes.
	 */
	int (*set_irq)(void *opaque, unsigned int gsi, int level);
	void *irq_opaque;
	/* Ask the VM to stop: a device-initiated poweroff or reset. */
	void (*request_exit)(void *opaque, int reason);
	void *exit_opaque;
	/* Devices created so far, in creation order (for stats and teardown). */
	struct rv_device *devices;
	/*
	 * Set-up that waits until the machine is built (rv_device_when_ready()):
	 * arm64's vGIC takes no KVM_IRQFD before it is initialised, which is
	 * after the vCPUs are created, and so after the devices.
	 */
	struct {
		void (*fn)(void *opaque);
		void *opaque;
	} ready[RV_DEVICE_MAX_READY];
	unsigned int nr_ready;
	/*
	 * A live update's new process (docs/live-update.md): the fds the old
	 * process's devices handed over (rv_device_ops.handover), which
	 * create() takes with rv_device_adopt_fds(); NULL otherwise.
	 */
	struct rv_device_handed *handed;
	unsigned int nr_handed;
	unsigned int creating; /* the place in @devices of the device being created */
};

/* One fd a device of the previous process handed over, for device place @dev. */
struct rv_device_handed {
	unsigned int dev;
	int fd;
	bool taken;
};

/* Reasons passed to request_exit. */
enum rv_exit_reason {
	RV_EXIT_NONE = 0,
	RV_EXIT_POWEROFF,   /* guest powered off */
	RV_EXIT_RESET,	    /* guest asked for a reset: ringvmm ends, status 0 */
	RV_EXIT_GUEST_DIED, /* triple fault, internal error: status 1 */
	RV_EXIT_SIGNAL,	    /* SIGINT/SIGTERM */
	RV_EXIT_ERROR,	    /* a VMM-side failure while running */
};

struct rv_device_ops {
	/*
	 * Name the device's counters to @s (vmm/stats.h): --stats (JSON and
	 * table) and --metrics all come from it. Called while vCPUs run too
	 * (--metrics): take the device's lock, and no engine call under it.
	 */
	void (*stats)(struct rv_device *dev, struct rv_stats_sink *s);
	/* Older form, JSON only: the members of a JSON object. Prefer stats. */
	void (*stats_json)(struct rv_device *dev, FILE *out);
	/*
	 * Optional: the VM has stopped (no vCPU runs, the event loop is
	 * done). End the host work still in flight for the guest, in bounded
	 * time, without touching guest memory: nobody will read a completion
	 * now. Runs before the stats are printed and before destroy.
	 */
	void (*stop)(struct rv_device *dev);
	/* Release everything create() took. */
	void (*destroy)(struct rv_device *dev);
	/*
	 * Optional: snapshots (vmm/snapshot/). save() writes the device's
	 * state, at most @size bytes, to @buf with every vCPU parked and
	 * returns how many, or -errno. load() takes back what a save() of
	 * format @version wrote, before any vCPU runs; -EINVAL with a
	 * message for a version or size it does not know. A device without
	 * save() makes a snapshot fail, naming it: its state would be lost.
	 */
	uint32_t state_version;
	int (*save)(struct rv_device *dev, void *buf, size_t size);
	int (*load)(struct rv_device *dev, const void *buf, size_t len, uint32_t version);
	/*
	 * Optional: a live update, after save(), every vCPU parked. Put in
	 * @fds (at most @max) the host fds the new process's create() must
	 * take over instead of opening its own (a disk's open file, a tap's
	 * queues, a listening socket), and return how many, or -errno. The
	 * device keeps using and owning them: the exec may still fail. The
	 * new process's create() gets them back, in this order, from
	 * rv_device_adopt_fds(). A device without handover opens its host
	 * side again from the command line.
	 */
	int (*handover)(struct rv_device *dev, int *fds, unsigned int max);
};

struct rv_device {
	char name[32];
	const struct rv_device_ops *ops;
	void *priv;
	/* Set when the device registered coalesced zones (for flush-before-access). */
	struct rv_coalesce_device *coalesce;
	struct rv_device *next;
};

/*
 * A `ringvmm run` option a device type brings (lkvm's --disk, --rng, ...):
 * the CLI adds it to run's option table and --help, so vmm/ never names it
 * (vmm/cli.h). Each value lands in rv_vm_config.device_args.
 */
struct rv_device_option {
	const char *name;    /* the long name, without "--": "disk" */
	char short_name;     /* 0: none; -d --disk, -n --net, as in lkvm */
	const char *metavar; /* the value's name in --help; NULL: a flag */
	const char *help;    /* one or more lines for --help */
	bool repeat;	     /* may be given more than once (one instance each) */
	/*
	 * Optional: check one value at parse time. 0, or -EINVAL with an
	 * rv_err() about the value alone: the CLI prefixes the option.
	 */
	int (*check)(const char *value);
};

/* One value of a device's option, in command-line order. */
struct rv_device_arg {
	const struct rv_device_type *type;
	const char *value; /* NULL for a flag */
};

/* At most this many device option values in one run. */
#define RV_DEVICE_MAX_ARGS 16

struct rv_device_type {
	const char *name;
	int (*create)(struct rv_device_env *env, const struct rv_device_cfg *cfg);
	/* Optional: the run option that asks for an instance of this type. */
	const struct rv_device_option *cli_option;
	/*
	 * Optional: a console device. `--console <console_name>` gives it the
	 * VM's console instead of the platform's UART (which stays, without
	 * it), and the default kernel command line names it: console_cmdline
	 * ("console=hvc0") instead of RV_CLI_DEFAULT_CMDLINE.
	 */
	const char *console_name;
	const char *console_cmdline;
	struct rv_device_type *next;
};

void rv_device_type_register(struct rv_device_type *type);
const struct rv_device_type *rv_device_type_find(const char *name);
/* Every registered type: rv_device_type_next(NULL) is the first, then NULL at the end. */
const struct rv_device_type *rv_device_type_next(const struct rv_device_type *t);

/*
 * Each devices/<x>.c ends with RV_DEVICE_TYPE(x_type): a constructor puts the
 * type in the registry before main() runs, so adding a device touches only
 * its own file and the build.
 */
#define RV_DEVICE_TYPE(t)                                              \
	static void __attribute__((constructor)) rv_register_##t(void) \
	{                                                              \
		rv_device_type_register(&(t));                         \
	}

/* Instantiate @cfg in @env (type lookup + create). */
int rv_device_create(struct rv_device_env *env, const struct rv_device_cfg *cfg);
/* Append @dev to env->devices. */
void rv_device_add(struct rv_device_env *env, struct rv_device *dev);
/*
 * Call @fn(@opaque) once the machine is built (vCPUs created, the arch's
 * interrupt controller initialised), on the main thread, before any vCPU
 * runs. 0, or -ENOSPC when RV_DEVICE_MAX_READY are queued already.
 */
int rv_device_when_ready(struct rv_device_env *env, void (*fn)(void *opaque), void *opaque);
/* The VM: the machine is built; run what rv_device_when_ready() queued. */
void rv_device_env_ready(struct rv_device_env *env);
/* Call every device's ops->stop, in creation order. */
void rv_device_stop_all(struct rv_device_env *env);
/* Destroy every device in env->devices, last created first. */
void rv_device_destroy_all(struct rv_device_env *env);

/*
 * For a device's create(), in a live update's new process: the fds the
 * same device of the previous process handed over (rv_device_ops.handover),
 * as new fds in @fds (close-on-exec, the same open files), at most @max.
 * Returns how many: 0 when none were handed (open as usual), -EINVAL when
 * more than @max. The handed numbers themselves stay open until the new
 * process has taken over, for a fallback to the old binary.
 */
int rv_device_adopt_fds(struct rv_device_env *env, int *fds, unsigned int max);

/* After every create(): -EINVAL naming a device that left handed fds untaken. */
int rv_device_adopt_check(const struct rv_device_env *env);

/* Helper for devices: drive an irq line through the env. */
static inline int rv_device_set_irq(struct rv_device_env *env, unsigned int gsi, int level)
{
	return env->set_irq ? env->set_irq(env->irq_opaque, gsi, level) : 0;
}

#endif
