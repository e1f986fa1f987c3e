// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the PCI face of the virtio transport (devices/virtio/pci.c)
 * on PCI bus 0 (vmm/pci.c), driven the way Linux drives it: configuration
 * space through ports 0xcf8/0xcfc, BAR 1's registers at each field's own
 * width, the notify through BAR 0's port; an echo device behind it and no
 * KVM (notifications run inline, MSI-X messages are counted). The host
 * bridge, absent slots and other buses; the function's ids and BARs, their
 * sizing and a refused move; the capability list (virtio structures and
 * MSI-X) and its end; Linux's bring-up and a request with its MSI-X
 * message; masked vectors held in the PBA and sent on unmask, per entry
 * and per function; ISR with MSI-X off (set, read-to-clear); the PCI
 * configuration access capability; reset forgetting vectors and queues;
 * a snapshot that keeps the MSI-X state, and refuses a corrupted one; hostile widths and
 * offsets in BAR 1 and in configuration space.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "devices/virtio/transport.h"
#include "devices/virtio/pci.h"
#include "vmm/bus.h"
#include "vmm/pci.h"
#include "vmm/util.h"
#include "vq_fx.h"

#define QSIZE 8
#define DEV_ID 42
#define NQ 2
#define NV (NQ + 1) /* MSI-X vectors: one per queue and the config vector */
/* The platform's configuration ports and PCI windows. */
#define CFG_ADDR 0xcf8
#define CFG_DATA 0xcfc
#define MMIO_WIN 0xd8000000ULL
#define MMIO_WIN_SIZE 0x1000000ULL
#define PIO_WIN 0xc000
#define PIO_WIN_SIZE 0x4000
#define VFN 8 /* slot 1, function 0: the first function after the host bridge */
/* BAR 1's layout (devices/virtio/pci.h). */
#define REGS_SIZE 0x4000
#define ISR 0x1000
#define DEVCFG 0x2000
#define TABLE 0x3000
#define PBA 0x3800
#define ENTRY(v, field) (TABLE + PCI_MSIX_ENTRY_SIZE * (v) + (field))
/* struct virtio_pci_cfg_cap: pci_cfg_data follows the 16-byte struct virtio_pci_cap. */
#define CFG_CAP_DATA 16

struct t {
	struct vq_fx f;
	struct rv_bus pio, mmio;
	struct rv_pci pci;
	struct rv_device_env env;
	struct rv_device dev;
	struct rv_virtio vm;
	uint8_t config[8];
	uint64_t bar0, bar1;
	unsigned int notifies;
};

/* The echo device: every chain comes back with its in_len written. */
static void echo_notify(struct rv_virtio *vm, unsigned int q)
{
	struct t *t = rv_container_of(vm, struct t, vm);
	static struct rv_vq_chain c;

	t->notifies++;
	while (rv_vq_pop(&vm->q[q].vq, &c) == 1) {
		rv_vq_push(&vm->q[q].vq, c.head, c.in_len);
		rv_virtio_used(vm, q);
	}
}

static const struct rv_virtio_dev_ops echo_ops = {
	.device_id = DEV_ID,
	.queue_notify = echo_notify,
};

/* Configuration mechanism #1: the address to 0xcf8, the data at 0xcfc + (reg & 3). */
static void cfg_select(struct t *t, unsigned int bus, unsigned int devfn, unsigned int reg)
{
	uint32_t a = 0x80000000u | bus << 16 | devfn << 8 | (reg & 0xfc);

	assert_int_equal(rv_bus_access(&t->pio, CFG_ADDR, &a, 4, true), 0);
}

static uint32_t cfg_rd(struct t *t, unsigned int devfn, unsigned int reg, unsigned int len)
{
	uint32_t v = 0;

	cfg_select(t, 0, devfn, reg);
	assert_int_equal(rv_bus_access(&t->pio, CFG_DATA + (reg & 3), &v, len, false), 0);
	return v;
}

static void cfg_wr(struct t *t, unsigned int devfn, unsigned int reg, uint32_t v, unsigned int len)
{
	cfg_select(t, 0, devfn, reg);
	assert_int_equal(rv_bus_access(&t->pio, CFG_DATA + (reg & 3), &v, len, true), 0);
}

/* BAR 1, at the width of the field. */
static uint32_t bar_rd(struct t *t, uint64_t off, unsigned int len)
{
	uint32_t v = 0;

	assert_int_equal(rv_bus_access(&t->mmio, t->bar1 + off, &v, len, false), 0);
	return v;
}

static void bar_wr(struct t *t, uint64_t off, uint32_t v, unsigned int len)
{
	assert_int_equal(rv_bus_access(&t->mmio, t->bar1 + off, &v, len, true), 0);
}

/* A 64-bit field as Linux writes it (vp_iowrite64_twopart): two 32-bit halves. */
static void bar_wr64(struct t *t, uint64_t off, uint64_t v)
{
	bar_wr(t, off, (uint32_t)v, 4);
	bar_wr(t, off + 4, (uint32_t)(v >> 32), 4);
}

static uint8_t status(struct t *t)
{
	return (uint8_t)bar_rd(t, VIRTIO_PCI_COMMON_STATUS, 1);
}

/*
 * The first capability @id (of @cfg_type, for a virtio vendor one), or 0.
 * The walk is bounded: a list that loops fails rather than hangs.
 */
static unsigned int find_cap(struct t *t, uint8_t id, uint8_t cfg_type)
{
	unsigned int at = cfg_rd(t, VFN, PCI_CAPABILITY_LIST, 1);

	for (unsigned int n = 0; at && n < 48; n++) {
		assert_true(at >= RV_PCI_CAP_START && at < RV_PCI_CFG_SIZE && !(at & 3));
		if (cfg_rd(t, VFN, at, 1) == id &&
		    (id != PCI_CAP_ID_VNDR ||
		     cfg_rd(t, VFN, at + VIRTIO_PCI_CAP_CFG_TYPE, 1) == cfg_type))
			return at;
		at = cfg_rd(t, VFN, at + PCI_CAP_LIST_NEXT, 1);
	}
	assert_int_equal(at, 0);
	return 0;
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	struct rv_device_cfg cfg = { .name = "echo0", .space = RV_SPACE_PCI };

	vq_fx_init(&t->f, QSIZE);
	rv_bus_init(&t->pio, "pio");
	rv_bus_init(&t->mmio, "mmio");
	assert_int_equal(rv_pci_init(&t->pci, &t->pio, CFG_ADDR, MMIO_WIN, MMIO_WIN_SIZE, PIO_WIN,
				     PIO_WIN_SIZE),
			 0);
	t->env = (struct rv_device_env){
		.pio = &t->pio, .mmio = &t->mmio, .pci = &t->pci, .mem = &t->f.mem, .vm_fd = -1
	};
	snprintf(t->dev.name, sizeof(t->dev.name), "echo0");
	memcpy(t->config, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	assert_int_equal(rv_virtio_init(&t->vm, &t->env, &cfg, &t->dev, &echo_ops, 1ULL << 5, NQ,
					t->config, sizeof(t->config)),
			 0);
	/* Where the BARs are, as the guest learns it. */
	t->bar0 = cfg_rd(t, VFN, PCI_BASE_ADDRESS_0, 4) & PCI_BASE_ADDRESS_IO_MASK;
	t->bar1 = cfg_rd(t, VFN, PCI_BASE_ADDRESS_1, 4) & PCI_BASE_ADDRESS_MEM_MASK;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	rv_virtio_fini(&t->vm);
	rv_pci_destroy(&t->pci);
	rv_bus_destroy(&t->pio);
	rv_bus_destroy(&t->mmio);
	vq_fx_fini(&t->f);
	free(t);
	return 0;
}

/* virtio_dev_probe() up to FEATURES_OK. */
static void negotiate(struct t *t, uint64_t features)
{
	bar_wr(t, VIRTIO_PCI_COMMON_STATUS, 0, 1);
	assert_int_equal(status(t), 0);
	bar_wr(t, VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER,
	       1);
	bar_wr(t, VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
	bar_wr(t, VIRTIO_PCI_COMMON_GF, (uint32_t)features, 4);
	bar_wr(t, VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
	bar_wr(t, VIRTIO_PCI_COMMON_GF, (uint32_t)(features >> 32), 4);
	bar_wr(t, VIRTIO_PCI_COMMON_STATUS, status(t) | VIRTIO_CONFIG_S_FEATURES_OK, 1);
}

/* Linux's msix_capability_init() and request_irq(): enabled, programmed masked, unmasked. */
static void msix_enable(struct t *t)
{
	unsigned int cap = find_cap(t, PCI_CAP_ID_MSIX, 0);

	cfg_wr(t, VFN, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 2);
	for (unsigned int v = 0; v < NV; v++) {
		bar_wr(t, ENTRY(v, PCI_MSIX_ENTRY_LOWER_ADDR), 0xfee00000, 4);
		bar_wr(t, ENTRY(v, PCI_MSIX_ENTRY_UPPER_ADDR), 0, 4);
		bar_wr(t, ENTRY(v, PCI_MSIX_ENTRY_DATA), 0x40 + v, 4);
	}
	cfg_wr(t, VFN, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	for (unsigned int v = 0; v < NV; v++)
		bar_wr(t, ENTRY(v, PCI_MSIX_ENTRY_VECTOR_CTRL), 0, 4);
}

/* vp_modern_find_vqs() for queue 1 on the fixture's rings, with MSI-X vector 1. */
static void setup_queue(struct t *t)
{
	bar_wr(t, VIRTIO_PCI_COMMON_Q_SELECT, 1, 2);
	assert_int_equal(bar_rd(t, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	/* Before the driver writes a size, the maximum. */
	assert_int_equal(bar_rd(t, VIRTIO_PCI_COMMON_Q_SIZE, 2), RV_VQ_MAX_SIZE);
	bar_wr(t, VIRTIO_PCI_COMMON_Q_SIZE, QSIZE, 2);
	assert_int_equal(bar_rd(t, VIRTIO_PCI_COMMON_Q_SIZE, 2), QSIZE);
	bar_wr64(t, VIRTIO_PCI_COMMON_Q_DESCLO, VQ_FX_DESC);
	bar_wr64(t, VIRTIO_PCI_COMMON_Q_AVAILLO, VQ_FX_AVAIL);
	bar_wr64(t, VIRTIO_PCI_COMMON_Q_USEDLO, VQ_FX_USED);
	bar_wr(t, VIRTIO_PCI_COMMON_Q_MSIX, 1, 2);
	assert_int_equal(bar_rd(t, VIRTIO_PCI_COMMON_Q_MSIX, 2), 1);
	bar_wr(t, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	assert_int_equal(bar_rd(t, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
}

/* The whole bring-up, to DRIVER_OK, with MSI-X on or not. */
static void bring_up(struct t *t, bool msix)
{
	negotiate(t, 1ULL << VIRTIO_F_VERSION_1);
	assert_true(status(t) & VIRTIO_CONFIG_S_FEATURES_OK);
	if (msix)
		msix_enable(t);
	bar_wr(t, VIRTIO_PCI_COMMON_MSIX, 0, 2);
	assert_int_equal(bar_rd(t, VIRTIO_PCI_COMMON_MSIX, 2), 0);
	setup_queue(t);
	bar_wr(t, VIRTIO_PCI_COMMON_STATUS, status(t) | VIRTIO_CONFIG_S_DRIVER_OK, 1);
	assert_true(status(t) & VIRTIO_CONFIG_S_DRIVER_OK);
}

/* The driver queues one chain on queue 1 and notifies it (vp_notify(): iowrite16). */
static void request(struct t *t)
{
	uint16_t q = 1;

	vq_fx_desc(&t->f, 0, VQ_FX_DATA, 100, VRING_DESC_F_WRITE, 0);
	vq_fx_avail(&t->f, 0);
	assert_int_equal(rv_bus_access(&t->pio, t->bar0, &q, 2, true), 0);
}

static void test_host_bridge(void **state)
{
	struct t *t = *state;
	uint32_t a = 0x80000000u | VFN << 8 | 0x10, v = 0;
	uint8_t b = 1;

	assert_int_equal(cfg_rd(t, 0, PCI_VENDOR_ID, 2), 0x1b36);
	assert_int_equal(cfg_rd(t, 0, PCI_CLASS_DEVICE, 2), 0x0600);
	assert_int_equal(cfg_rd(t, 0, PCI_HEADER_TYPE, 1), PCI_HEADER_TYPE_NORMAL);
	/* Nothing in slot 5, nor in function 1 of slot 0: all-ones. */
	assert_int_equal(cfg_rd(t, 5 << 3, PCI_VENDOR_ID, 4), 0xffffffff);
	assert_int_equal(cfg_rd(t, 1, PCI_VENDOR_ID, 2), 0xffff);
	/* The latch reads back (pci_check_type1()); a byte write to 0xcfb is no address. */
	assert_int_equal(rv_bus_access(&t->pio, CFG_ADDR, &a, 4, true), 0);
	assert_int_equal(rv_bus_access(&t->pio, CFG_ADDR + 3, &b, 1, true), 0);
	assert_int_equal(rv_bus_access(&t->pio, CFG_ADDR, &v, 4, false), 0);
	assert_int_equal(v, a);
	/* Bus 1 has nothing, even at devfn 0; nor does a latch without the enable bit. */
	cfg_select(t, 1, 0, PCI_VENDOR_ID);
	assert_int_equal(rv_bus_access(&t->pio, CFG_DATA, &v, 4, false), 0);
	assert_int_equal(v, 0xffffffff);
	/* A write there is no write to bus 0's function of that devfn. */
	cfg_select(t, 1, VFN, PCI_INTERRUPT_LINE);
	assert_int_equal(rv_bus_access(&t->pio, CFG_DATA, &b, 1, true), 0);
	assert_int_equal(cfg_rd(t, VFN, PCI_INTERRUPT_LINE, 1), 0);
	a = 0;
	assert_int_equal(rv_bus_access(&t->pio, CFG_ADDR, &a, 4, true), 0);
	assert_int_equal(rv_bus_access(&t->pio, CFG_DATA, &v, 4, false), 0);
	assert_int_equal(v, 0xffffffff);
}

static void test_function_and_bars(void **state)
{
	struct t *t = *state;
	struct rv_virtio_pci *p = t->vm.pci;
	uint32_t bar0 = cfg_rd(t, VFN, PCI_BASE_ADDRESS_0, 4);
	uint32_t bar1 = cfg_rd(t, VFN, PCI_BASE_ADDRESS_1, 4);
	uint64_t refused = t->pci.bar_refused;

	assert_int_equal(cfg_rd(t, VFN, PCI_VENDOR_ID, 2), 0x1af4);
	assert_int_equal(cfg_rd(t, VFN, PCI_DEVICE_ID, 2), 0x1040 + DEV_ID);
	assert_int_equal(cfg_rd(t, VFN, PCI_REVISION_ID, 1), 1);
	assert_int_equal(cfg_rd(t, VFN, PCI_HEADER_TYPE, 1), PCI_HEADER_TYPE_NORMAL);
	assert_int_equal(cfg_rd(t, VFN, PCI_INTERRUPT_PIN, 1), 0);
	/* BAR 0: a port in the I/O window; BAR 1: 16 KiB of memory in the MMIO window. */
	assert_true(bar0 & PCI_BASE_ADDRESS_SPACE_IO);
	assert_true(t->bar0 >= PIO_WIN && t->bar0 + 4 <= PIO_WIN + PIO_WIN_SIZE);
	assert_int_equal(t->bar0, p->notify);
	assert_false(bar1 & PCI_BASE_ADDRESS_SPACE_IO);
	assert_true(t->bar1 >= MMIO_WIN && t->bar1 + REGS_SIZE <= MMIO_WIN + MMIO_WIN_SIZE);
	assert_int_equal(t->bar1 & (REGS_SIZE - 1), 0);
	assert_int_equal(t->bar1, p->regs);
	/* Sizing (__pci_read_base()): all-ones in, the mask out, the address back. */
	cfg_wr(t, VFN, PCI_BASE_ADDRESS_1, 0xffffffff, 4);
	assert_int_equal(cfg_rd(t, VFN, PCI_BASE_ADDRESS_1, 4), ~(uint32_t)(REGS_SIZE - 1));
	cfg_wr(t, VFN, PCI_BASE_ADDRESS_1, bar1, 4);
	assert_int_equal(cfg_rd(t, VFN, PCI_BASE_ADDRESS_1, 4), bar1);
	cfg_wr(t, VFN, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
	assert_int_equal(cfg_rd(t, VFN, PCI_BASE_ADDRESS_0, 4), ~3u | PCI_BASE_ADDRESS_SPACE_IO);
	cfg_wr(t, VFN, PCI_BASE_ADDRESS_0, bar0, 4);
	assert_int_equal(cfg_rd(t, VFN, PCI_BASE_ADDRESS_0, 4), bar0);
	assert_int_equal(t->pci.bar_refused, refused);
	/* BARs do not move: another address is refused, and counted. */
	cfg_wr(t, VFN, PCI_BASE_ADDRESS_1, bar1 + 0x100000, 4);
	assert_int_equal(cfg_rd(t, VFN, PCI_BASE_ADDRESS_1, 4), bar1);
	assert_int_equal(t->pci.bar_refused, refused + 1);
	/* The BARs Linux sizes to nothing: 2 to 5 are not implemented. */
	cfg_wr(t, VFN, PCI_BASE_ADDRESS_2, 0xffffffff, 4);
	assert_int_equal(cfg_rd(t, VFN, PCI_BASE_ADDRESS_2, 4), 0);
}

static void test_capabilities(void **state)
{
	struct t *t = *state;
	/* Where each virtio structure is (bar, offset), by cfg_type. */
	static const uint32_t where[][2] = {
		[VIRTIO_PCI_CAP_COMMON_CFG] = { 1, 0 }, [VIRTIO_PCI_CAP_NOTIFY_CFG] = { 0, 0 },
		[VIRTIO_PCI_CAP_ISR_CFG] = { 1, ISR },	[VIRTIO_PCI_CAP_DEVICE_CFG] = { 1, DEVCFG },
		[VIRTIO_PCI_CAP_PCI_CFG] = { 0, 0 },
	};
	unsigned int at = cfg_rd(t, VFN, PCI_CAPABILITY_LIST, 1), seen = 0, n;

	assert_true(cfg_rd(t, VFN, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	for (n = 0; at && n < 48; n++, at = cfg_rd(t, VFN, at + PCI_CAP_LIST_NEXT, 1)) {
		uint8_t type = (uint8_t)cfg_rd(t, VFN, at + VIRTIO_PCI_CAP_CFG_TYPE, 1);
		uint32_t len = cfg_rd(t, VFN, at + VIRTIO_PCI_CAP_LENGTH, 4);
		uint32_t ctl = cfg_rd(t, VFN, at + PCI_MSIX_FLAGS, 2);

		assert_true(at >= RV_PCI_CAP_START && at <= RV_PCI_CFG_SIZE - 4 && !(at & 3));
		if (cfg_rd(t, VFN, at, 1) == PCI_CAP_ID_MSIX) {
			/* Table size N - 1; table and PBA in BAR 1. */
			assert_int_equal((ctl & PCI_MSIX_FLAGS_QSIZE) + 1, NQ + 1);
			assert_false(ctl & (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL));
			assert_int_equal(cfg_rd(t, VFN, at + PCI_MSIX_TABLE, 4), TABLE | 1);
			assert_int_equal(cfg_rd(t, VFN, at + PCI_MSIX_PBA, 4), PBA | 1);
			seen |= 1u << 31;
			continue;
		}
		assert_int_equal(cfg_rd(t, VFN, at, 1), PCI_CAP_ID_VNDR);
		assert_true(type >= VIRTIO_PCI_CAP_COMMON_CFG && type <= VIRTIO_PCI_CAP_PCI_CFG);
		assert_false(seen & (1u << type));
		seen |= 1u << type;
		if (type != VIRTIO_PCI_CAP_PCI_CFG) {
			assert_int_equal(cfg_rd(t, VFN, at + VIRTIO_PCI_CAP_BAR, 1),
					 where[type][0]);
			assert_int_equal(cfg_rd(t, VFN, at + VIRTIO_PCI_CAP_OFFSET, 4),
					 where[type][1]);
		}
		/* Common: at least the struct virtio_pci_common_cfg Linux maps. */
		if (type == VIRTIO_PCI_CAP_COMMON_CFG)
			assert_true(len >= 0x38);
		if (type == VIRTIO_PCI_CAP_DEVICE_CFG)
			assert_int_equal(len, sizeof(t->config));
		/* The two longer ones: notify_off_multiplier 0 (one port), pci_cfg_data. */
		if (type == VIRTIO_PCI_CAP_NOTIFY_CFG || type == VIRTIO_PCI_CAP_PCI_CFG)
			assert_int_equal(cfg_rd(t, VFN, at + VIRTIO_PCI_CAP_LEN, 1), 20);
		if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
			assert_int_equal(cfg_rd(t, VFN, at + VIRTIO_PCI_NOTIFY_CAP_MULT, 4), 0);
	}
	/* The list ended (no loop), having named each structure once, and MSI-X. */
	assert_int_equal(at, 0);
	assert_int_equal(seen, 1u << 31 | 0x3e);
}

static void test_bring_up_and_request(void **state)
{
	struct t *t = *state;
	struct rv_virtio_pci *p = t->vm.pci;
	unsigned int notifies;
	uint64_t msis;
	uint32_t id, len;

	/* Without VERSION_1 (no legacy interface), FEATURES_OK does not stick. */
	negotiate(t, 1ULL << 5);
	assert_false(status(t) & VIRTIO_CONFIG_S_FEATURES_OK);
	bar_wr(t, VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
	assert_int_equal(bar_rd(t, VIRTIO_PCI_COMMON_DF, 4),
			 1u << 5 | 1u << VIRTIO_RING_F_EVENT_IDX |
				 1u << VIRTIO_RING_F_INDIRECT_DESC);
	bar_wr(t, VIRTIO_PCI_COMMON_DFSELECT, 1, 4);
	assert_int_equal(bar_rd(t, VIRTIO_PCI_COMMON_DF, 4), 1u << (VIRTIO_F_VERSION_1 - 32));
	assert_int_equal(bar_rd(t, VIRTIO_PCI_COMMON_NUMQ, 2), NQ);

	bring_up(t, true);
	bar_wr(t, VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
	assert_int_equal(bar_rd(t, VIRTIO_PCI_COMMON_GF, 4), 1u << (VIRTIO_F_VERSION_1 - 32));
	assert_int_equal(bar_rd(t, VIRTIO_PCI_COMMON_Q_DESCLO, 4), (uint32_t)VQ_FX_DESC);
	assert_int_equal(bar_rd(t, VIRTIO_PCI_COMMON_Q_USEDHI, 4), 0);
	assert_int_equal(bar_rd(t, ENTRY(1, PCI_MSIX_ENTRY_DATA), 4), 0x41);
	/* A vector past the table is refused: it reads back as "no vector". */
	bar_wr(t, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	bar_wr(t, VIRTIO_PCI_COMMON_Q_MSIX, NV, 2);
	assert_int_equal(bar_rd(t, VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	bar_wr(t, VIRTIO_PCI_COMMON_MSIX, NV, 2);
	assert_int_equal(bar_rd(t, VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	bar_wr(t, VIRTIO_PCI_COMMON_MSIX, 0, 2);

	notifies = t->notifies;
	msis = p->stats.msis;
	request(t);
	assert_int_equal(t->notifies, notifies + 1);
	assert_int_equal(vq_fx_used_idx(&t->f), 1);
	vq_fx_used_elem(&t->f, 0, &id, &len);
	assert_int_equal(id, 0);
	assert_int_equal(len, 100);
	assert_int_equal(p->stats.msis, msis + 1);
	assert_int_equal(p->stats.lost, 0);
	/* With MSI-X on, a queue interrupt leaves ISR's queue bit alone. */
	assert_int_equal(bar_rd(t, ISR, 1), 0);
	/* A notify of a queue that does not exist, or at another width, is ignored. */
	vq_fx_avail(&t->f, 0);
	id = 9;
	assert_int_equal(rv_bus_access(&t->pio, t->bar0, &id, 2, true), 0);
	id = 1;
	assert_int_equal(rv_bus_access(&t->pio, t->bar0, &id, 4, true), 0);
	assert_int_equal(t->notifies, notifies + 1);
}

static void test_masked_vectors_pend(void **state)
{
	struct t *t = *state;
	struct rv_virtio_pci *p = t->vm.pci;
	unsigned int cap;
	uint64_t msis;

	bring_up(t, true);
	cap = find_cap(t, PCI_CAP_ID_MSIX, 0);
	msis = p->stats.msis;
	/* Entry 1 masked: the message waits in the PBA. */
	bar_wr(t, ENTRY(1, PCI_MSIX_ENTRY_VECTOR_CTRL), PCI_MSIX_ENTRY_CTRL_MASKBIT, 4);
	request(t);
	assert_int_equal(vq_fx_used_idx(&t->f), 1);
	assert_int_equal(p->stats.msis, msis);
	assert_int_equal(bar_rd(t, PBA, 4), 1u << 1);
	bar_wr(t, ENTRY(1, PCI_MSIX_ENTRY_VECTOR_CTRL), 0, 4);
	assert_int_equal(p->stats.msis, msis + 1);
	assert_int_equal(bar_rd(t, PBA, 4), 0);
	/* The function mask holds it the same way. */
	cfg_wr(t, VFN, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 2);
	request(t);
	assert_int_equal(vq_fx_used_idx(&t->f), 2);
	assert_int_equal(p->stats.msis, msis + 1);
	assert_int_equal(bar_rd(t, PBA, 4), 1u << 1);
	cfg_wr(t, VFN, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	assert_int_equal(p->stats.msis, msis + 2);
	assert_int_equal(bar_rd(t, PBA, 4), 0);
	assert_int_equal(p->stats.pended, 2);
	assert_int_equal(p->stats.lost, 0);
}

/* Run @fn(@t) with stderr into a pipe; return what it wrote (static, NUL-terminated). */
static const char *stderr_of(void (*fn)(struct t *), struct t *t)
{
	static char out[1024];
	int fds[2], saved = dup(STDERR_FILENO);
	ssize_t n;

	assert_true(saved >= 0);
	assert_int_equal(pipe2(fds, O_NONBLOCK), 0);
	fflush(stderr);
	assert_true(dup2(fds[1], STDERR_FILENO) >= 0);
	fn(t);
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	close(fds[1]);
	n = read(fds[0], out, sizeof(out) - 1);
	close(fds[0]);
	out[n > 0 ? n : 0] = '\0';
	return out;
}

/*
 * Without MSI-X the function has no way to interrupt (no INTx pin): the
 * queue bit goes to ISR status for a polling driver, and the user is told
 * once why the guest's driver hangs.
 */
static void test_isr_without_msix(void **state)
{
	struct t *t = *state;
	struct rv_virtio_pci *p = t->vm.pci;

	bring_up(t, false);
	assert_non_null(strstr(stderr_of(request, t), "did not enable MSI-X"));
	assert_int_equal(vq_fx_used_idx(&t->f), 1);
	assert_int_equal(p->stats.msis, 0);
	assert_int_equal(p->stats.lost, 1);
	assert_string_equal(stderr_of(request, t), "");
	assert_int_equal(vq_fx_used_idx(&t->f), 2);
	assert_int_equal(p->stats.lost, 2);
	/* ISR says so, and reading it clears it. */
	assert_int_equal(bar_rd(t, ISR, 1), 1);
	assert_int_equal(bar_rd(t, ISR, 1), 0);
	/* A config change sets bit 1 (MSI-X or not). */
	pthread_mutex_lock(&t->vm.lock);
	rv_virtio_config_changed(&t->vm);
	pthread_mutex_unlock(&t->vm.lock);
	assert_int_equal(bar_rd(t, VIRTIO_PCI_COMMON_CFGGENERATION, 1), 1);
	assert_int_equal(bar_rd(t, ISR, 1), VIRTIO_PCI_ISR_CONFIG);
	assert_int_equal(bar_rd(t, ISR, 1), 0);
	assert_int_equal(p->stats.lost, 3);
}

/* The PCI configuration access capability: its window's bar, offset and length. */
static void cfg_window(struct t *t, unsigned int cap, uint8_t bar, uint32_t off, uint32_t len)
{
	cfg_wr(t, VFN, cap + VIRTIO_PCI_CAP_BAR, bar, 1);
	cfg_wr(t, VFN, cap + VIRTIO_PCI_CAP_OFFSET, off, 4);
	cfg_wr(t, VFN, cap + VIRTIO_PCI_CAP_LENGTH, len, 4);
}

static void test_pci_cfg_access(void **state)
{
	struct t *t = *state;
	unsigned int cap = find_cap(t, PCI_CAP_ID_VNDR, VIRTIO_PCI_CAP_PCI_CFG);
	unsigned int data = cap + CFG_CAP_DATA;
	static const struct {
		uint8_t bar;
		uint32_t off, len;
	} bad[] = {
		{ 1, VIRTIO_PCI_COMMON_STATUS, 3 }, /* length not 1, 2 or 4 */
		{ 1, VIRTIO_PCI_COMMON_STATUS, 0 },
		{ 1, VIRTIO_PCI_COMMON_STATUS - 2, 4 }, /* misaligned */
		{ 1, REGS_SIZE, 1 },			/* past the BAR */
		{ 1, 0xfffffffc, 4 },
		{ 0, 4, 2 },
		{ 2, 0, 4 }, /* no such BAR */
	};

	assert_true(cap);
	cfg_window(t, cap, 1, VIRTIO_PCI_COMMON_NUMQ, 2);
	assert_int_equal(cfg_rd(t, VFN, data, 4), NQ);
	/* Writes reach the BAR too: status, then a notify through BAR 0. */
	bring_up(t, true);
	bar_wr(t, VIRTIO_PCI_COMMON_STATUS, 0, 1);
	cfg_window(t, cap, 1, VIRTIO_PCI_COMMON_STATUS, 1);
	cfg_wr(t, VFN, data, VIRTIO_CONFIG_S_ACKNOWLEDGE, 4);
	assert_int_equal(status(t), VIRTIO_CONFIG_S_ACKNOWLEDGE);
	bring_up(t, true);
	vq_fx_desc(&t->f, 0, VQ_FX_DATA, 100, VRING_DESC_F_WRITE, 0);
	vq_fx_avail(&t->f, 0);
	cfg_window(t, cap, 0, 0, 2);
	cfg_wr(t, VFN, data, 1, 4);
	assert_int_equal(vq_fx_used_idx(&t->f), 1);
	/* A window that is not one reaches nothing: the data reads as it was written. */
	bar_wr(t, VIRTIO_PCI_COMMON_STATUS, 0, 1);
	for (unsigned int i = 0; i < RV_ARRAY_SIZE(bad); i++) {
		cfg_window(t, cap, bad[i].bar, bad[i].off, bad[i].len);
		cfg_wr(t, VFN, data, 0x0f0f0f0f, 4);
		assert_int_equal(cfg_rd(t, VFN, data, 4), 0x0f0f0f0f);
		assert_int_equal(status(t), 0);
	}
}

static void test_reset_forgets(void **state)
{
	struct t *t = *state;
	struct rv_virtio_pci *p = t->vm.pci;
	uint8_t buf[4096];
	int n;

	bring_up(t, true);
	n = rv_virtio_save_plain(&t->vm, buf, sizeof(buf));
	bar_wr(t, VIRTIO_PCI_COMMON_STATUS, 0, 1);
	assert_int_equal(status(t), 0);
	assert_int_equal(bar_rd(t, VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	bar_wr(t, VIRTIO_PCI_COMMON_Q_SELECT, 1, 2);
	assert_int_equal(bar_rd(t, VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	assert_int_equal(bar_rd(t, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	assert_int_equal(bar_rd(t, VIRTIO_PCI_COMMON_Q_SIZE, 2), RV_VQ_MAX_SIZE);
	assert_int_equal(bar_rd(t, VIRTIO_PCI_COMMON_Q_DESCLO, 4), 0);
	assert_false(t->vm.q[1].vq.started);
	bar_wr(t, VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
	assert_int_equal(bar_rd(t, VIRTIO_PCI_COMMON_GF, 4), 0);
	/* The config vector really is gone: its interrupt has nowhere to go. */
	pthread_mutex_lock(&t->vm.lock);
	rv_virtio_config_changed(&t->vm);
	pthread_mutex_unlock(&t->vm.lock);
	assert_int_equal(p->stats.msis, 0);
	assert_int_equal(p->stats.lost, 1);
	/*
	 * A snapshot gives the MSI-X table and vectors back whole, and the
	 * ready queue's vector is sent once on load: an MSI sent while the
	 * snapshot was taken is in no saved state.
	 */
	assert_true(n > 0);
	assert_int_equal(rv_virtio_load_plain(&t->vm, buf, (size_t)n, RV_VIRTIO_STATE_VERSION), 0);
	assert_int_equal(p->stats.msis, 1);
	assert_int_equal(bar_rd(t, VIRTIO_PCI_COMMON_MSIX, 2), 0);
	bar_wr(t, VIRTIO_PCI_COMMON_Q_SELECT, 1, 2);
	assert_int_equal(bar_rd(t, VIRTIO_PCI_COMMON_Q_MSIX, 2), 1);
	assert_int_equal(bar_rd(t, ENTRY(1, PCI_MSIX_ENTRY_DATA), 4), 0x41);
	request(t);
	assert_int_equal(vq_fx_used_idx(&t->f), 1);
	assert_int_equal(p->stats.msis, 2);
}

/*
 * A snapshot file is untrusted: the PCI block (the last bytes of a device
 * with no state of its own: the configuration space, then magic, vector
 * count, pending bits, config vector, queue vectors) is checked whole.
 */
static void test_snapshot_refuses_garbage(void **state)
{
	struct t *t = *state;
	size_t pci = rv_vpci_state_size();
	uint8_t buf[4096], bad[4096];
	size_t blk;
	int n;

	bring_up(t, true);
	n = rv_virtio_save_plain(&t->vm, buf, sizeof(buf));
	assert_true(n > 0 && (size_t)n > pci);
	blk = (size_t)n - pci;
	/* Each corruption alone: a vendor id, the magic, a config vector past the table, the size. */
	const struct {
		size_t off;
		uint8_t v;
	} bad_bytes[] = { { blk + 0, 0x00 }, { blk + 256, 0x00 }, { blk + 268, 0x07 } };

	for (unsigned int i = 0; i < RV_ARRAY_SIZE(bad_bytes); i++) {
		memcpy(bad, buf, (size_t)n);
		bad[bad_bytes[i].off] = bad_bytes[i].v;
		assert_int_equal(rv_virtio_load_plain(&t->vm, bad, (size_t)n,
						      RV_VIRTIO_STATE_VERSION),
				 -EINVAL);
	}
	assert_int_equal(rv_virtio_load_plain(&t->vm, buf, (size_t)n - 1, RV_VIRTIO_STATE_VERSION),
			 -EINVAL);
	/* A BAR at another address: the guest could never have written it. */
	memcpy(bad, buf, (size_t)n);
	bad[blk + PCI_BASE_ADDRESS_1 + 1] ^= 0x40;
	assert_int_equal(rv_virtio_load_plain(&t->vm, bad, (size_t)n, RV_VIRTIO_STATE_VERSION),
			 -EINVAL);
	/* The good one still loads. */
	assert_int_equal(rv_virtio_load_plain(&t->vm, buf, (size_t)n, RV_VIRTIO_STATE_VERSION), 0);
}

/* The function's configuration space, as 64 dword reads. */
static void cfg_image(struct t *t, uint32_t *img)
{
	for (unsigned int r = 0; r < RV_PCI_CFG_SIZE; r += 4)
		img[r / 4] = cfg_rd(t, VFN, r, 4);
}

static void test_hostile_accesses(void **state)
{
	struct t *t = *state;
	struct rv_virtio_pci *p = t->vm.pci;
	uint8_t common[0x40], ones[512], buf[512];
	struct rv_vpci_msix_entry table[RV_VPCI_MAX_VECTORS];
	uint32_t before[64], after[64];
	uint64_t q, accesses;

	bring_up(t, true);
	memset(ones, 0xff, sizeof(ones));
	/*
	 * BAR 1: 8-byte reads read 0, but at the device's config; so do
	 * odd-offset ones past the common configuration, but in the config.
	 */
	for (uint64_t off = 0; off + 8 <= REGS_SIZE; off++) {
		bool odd_zero = (off & 1) && off >= ISR && (off < DEVCFG || off >= TABLE);

		q = 0x5a5a5a5a5a5a5a5aULL;
		assert_int_equal(rv_bus_access(&t->mmio, t->bar1 + off, &q, 8, false), 0);
		assert_true(q == (off == DEVCFG ? 0x0807060504030201ULL : 0));
		for (unsigned int len = 1; len <= 4 && odd_zero; len *= 2) {
			q = 0;
			assert_int_equal(rv_bus_access(&t->mmio, t->bar1 + off, &q, len, false), 0);
			assert_true(q == 0);
		}
	}
	/* Writes of all-ones at odd offsets, or 8 bytes wide, change nothing anywhere. */
	for (unsigned int i = 0; i < sizeof(common); i++)
		common[i] = (uint8_t)bar_rd(t, i, 1);
	memcpy(table, p->table, sizeof(table));
	/* And so do fields written at another width than their own. */
	bar_wr(t, VIRTIO_PCI_COMMON_STATUS, 0xffffffff, 4);
	bar_wr(t, VIRTIO_PCI_COMMON_Q_SELECT, 0xff, 1);
	bar_wr(t, VIRTIO_PCI_COMMON_DFSELECT, 0xffff, 2);
	bar_wr(t, VIRTIO_PCI_COMMON_Q_MSIX, 0xffffffff, 4);
	for (uint64_t off = 0; off + 8 <= REGS_SIZE; off++) {
		assert_int_equal(rv_bus_access(&t->mmio, t->bar1 + off, ones, 8, true), 0);
		for (unsigned int len = 1; len <= 4 && (off & 1); len *= 2)
			(void)rv_bus_access(&t->mmio, t->bar1 + off, ones, len, true);
	}
	for (unsigned int i = 0; i < sizeof(common); i++)
		assert_int_equal(bar_rd(t, i, 1), common[i]);
	assert_memory_equal(table, p->table, sizeof(table));
	assert_memory_equal(t->config, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	assert_int_equal(p->pba, 0);

	/* Configuration space through the ports: misaligned reads all-ones, writes nothing. */
	cfg_image(t, before);
	for (unsigned int reg = 0; reg < RV_PCI_CFG_SIZE; reg++) {
		for (unsigned int len = 2; len <= 8; len *= 2) {
			if (!(reg & (len - 1)) && len < 8)
				continue;
			cfg_select(t, 0, VFN, reg);
			q = 0;
			(void)rv_bus_access(&t->pio, CFG_DATA + (reg & 3), &q, len, false);
			assert_true(q == 0xffffffffffffffffULL >> (64 - 8 * len));
			(void)rv_bus_access(&t->pio, CFG_DATA + (reg & 3), ones, len, true);
		}
	}
	cfg_image(t, after);
	assert_memory_equal(before, after, sizeof(before));
	/* Direct accesses past the 256 bytes, or misaligned: ignored, not even counted. */
	accesses = t->pci.cfg_accesses;
	rv_pci_cfg_write(&t->pci, VFN, 0, ones, RV_PCI_CFG_SIZE + 1);
	rv_pci_cfg_write(&t->pci, VFN, RV_PCI_CFG_SIZE, ones, 1);
	rv_pci_cfg_write(&t->pci, VFN, 0xfffffffc, ones, 4);
	rv_pci_cfg_write(&t->pci, VFN, PCI_INTERRUPT_LINE - 1, ones, 2);
	memset(buf, 0, sizeof(buf));
	rv_pci_cfg_read(&t->pci, VFN, RV_PCI_CFG_SIZE, buf, 4);
	assert_int_equal(rv_pci_get32(buf), 0xffffffff);
	memset(buf, 0, sizeof(buf));
	rv_pci_cfg_read(&t->pci, VFN, 0, buf, RV_PCI_CFG_SIZE + 1);
	/* All-ones (not the vendor id's 0xf4), and not a byte past what was asked. */
	assert_true(buf[0] == 0xff && buf[RV_PCI_CFG_SIZE] == 0xff && !buf[RV_PCI_CFG_SIZE + 1]);
	assert_int_equal(t->pci.cfg_accesses, accesses);
	cfg_image(t, after);
	assert_memory_equal(before, after, sizeof(before));
	/* And the device still works. */
	request(t);
	assert_int_equal(p->stats.msis, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_host_bridge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_function_and_bars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capabilities, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bring_up_and_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_masked_vectors_pend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_isr_without_msix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pci_cfg_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_refuses_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_forgets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_accesses, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
