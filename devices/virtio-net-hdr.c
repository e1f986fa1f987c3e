// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net's pure parts (virtio-net.h): the --net value, the default
 * MAC, the TX header checks, the RX buffer accounting and the control
 * queue's commands.
 */
#include "virtio-net.h"

#include <errno.h>
#include <linux/virtio_net.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/util.h"

static int rv_net_parse_mac(const char *s, uint8_t mac[6])
{
	/* Exactly "xx:xx:xx:xx:xx:xx", hex digits of either case. */
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return rv_err(-EINVAL, "mac=%s: not a MAC address like 52:54:00:12:34:56",
				      s);
	if (s[17])
		return rv_err(-EINVAL, "mac=%s: not a MAC address like 52:54:00:12:34:56", s);
	for (int i = 0; i < 6; i++)
		mac[i] = strtoul((char[3]){ s[3 * i], s[3 * i + 1], 0 }, NULL, 16);
	/* A NIC's own address: a multicast one would make the guest drop its traffic. */
	if (mac[0] & 1)
		return rv_err(-EINVAL, "mac=%s: a multicast address (low bit of the first byte)",
			      s);
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return rv_err(-EINVAL, "mac=%s: the all-zero address", s);
	return 0;
}

static int rv_net_parse_tap(const char *name, struct rv_net_spec *spec)
{
	size_t n = strlen(name);

	/* The kernel's dev_valid_name(): what TUNSETIFF would refuse later. */
	if (!n || n >= IFNAMSIZ || !strcmp(name, ".") || !strcmp(name, "..") ||
	    strpbrk(name, "/: \t\n%"))
		return rv_err(-EINVAL,
			      "tap=%s: not an interface name (1-%d characters, no '/', ':', "
			      "'%%' or spaces)",
			      name, IFNAMSIZ - 1);
	spec->kind = RV_NET_TAP;
	memcpy(spec->ifname, name, n + 1);
	return 0;
}

static int rv_net_parse_queues(const char *s, unsigned int *queues)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || *s == '+' || v < 1 || v > RV_NET_MAX_PAIRS)
		return rv_err(-EINVAL, "queues=%s: not a number of queue pairs from 1 to %d", s,
			      RV_NET_MAX_PAIRS);
	*queues = v;
	return 0;
}

int rv_net_parse_spec(const char *arg, struct rv_net_spec *spec)
{
	char *dup, *tok, *save = NULL;
	bool backend = false;
	int ret = 0;

	memset(spec, 0, sizeof(*spec));
	dup = strdup(arg);
	if (!dup)
		return -ENOMEM;
	for (tok = strtok_r(dup, ",", &save); tok && !ret; tok = strtok_r(NULL, ",", &save)) {
		if (!strncmp(tok, "mac=", 4)) {
			ret = rv_net_parse_mac(tok + 4, spec->mac);
			spec->has_mac = true;
		} else if (!strncmp(tok, "queues=", 7)) {
			ret = rv_net_parse_queues(tok + 7, &spec->queues);
		} else if (backend) {
			ret = rv_err(-EINVAL, "%s: unknown, or a second backend", tok);
		} else if (!strncmp(tok, "tap=", 4)) {
			ret = rv_net_parse_tap(tok + 4, spec);
			backend = true;
		} else if (!strcmp(tok, "passt") || !strncmp(tok, "passt=", 6)) {
			spec->kind = RV_NET_PASST;
			backend = true;
			if (tok[5] && (!tok[6] || strlen(tok + 6) >= sizeof(spec->socket)))
				ret = rv_err(-EINVAL, "%s: the socket path is empty or too long",
					     tok);
			else if (tok[5])
				strcpy(spec->socket, tok + 6);
		} else {
			ret = rv_err(-EINVAL,
				     "%s: unknown (tap=NAME, passt[=SOCKET], mac=M, queues=N)",
				     tok);
		}
	}
	if (!ret && !backend)
		ret = rv_err(-EINVAL, "no backend: give tap=NAME or passt[=SOCKET]");
	/* passt has one socket, so one queue pair: no VIRTIO_NET_F_MQ. */
	if (!ret && spec->kind == RV_NET_PASST && spec->queues > 1)
		ret = rv_err(-EINVAL, "queues=%u: passt has one socket, so one queue pair",
			     spec->queues);
	free(dup);
	return ret;
}

void rv_net_default_mac(const struct rv_net_spec *spec, const char *dev_name, uint8_t mac[6])
{
	const char *parts[] = { spec->kind == RV_NET_TAP ? spec->ifname : "passt", spec->socket,
				dev_name };
	uint32_t h = 2166136261u; /* FNV-1a */

	for (unsigned int i = 0; i < RV_ARRAY_SIZE(parts); i++) {
		for (const char *p = parts[i]; *p; p++)
			h = (h ^ (uint8_t)*p) * 16777619u;
		h = (h ^ '/') * 16777619u;
	}
	/* 0x02: locally administered, unicast; "rv" then the hash. */
	mac[0] = 0x02;
	mac[1] = 'r';
	mac[2] = 'v';
	mac[3] = h >> 16;
	mac[4] = h >> 8;
	mac[5] = h;
}

enum rv_net_tx_verdict rv_net_tx_check(const uint8_t *hdr, uint64_t out_len,
				       const struct rv_net_tx_caps *caps)
{
	struct virtio_net_hdr_v1 h;
	uint64_t frame;
	uint8_t gso;

	_Static_assert(sizeof(h) == RV_NET_HDR_LEN, "virtio_net_hdr_v1 is 12 bytes");
	if (out_len < RV_NET_HDR_LEN)
		return RV_NET_TX_SHORT;
	frame = out_len - RV_NET_HDR_LEN;
	if (frame < RV_NET_MIN_FRAME)
		return RV_NET_TX_SHORT;
	if (frame > caps->max_frame)
		return RV_NET_TX_OVERSIZE;
	memcpy(&h, hdr, sizeof(h));
	/* DATA_VALID means nothing on TX; anything else is not ours to pass on. */
	if (h.flags & ~(VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID))
		return RV_NET_TX_BAD_HDR;
	if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		/* The 16-bit checksum field must lie inside the frame. */
		if (!caps->csum || (uint64_t)h.csum_start + h.csum_offset + 2 > frame)
			return RV_NET_TX_BAD_HDR;
	}
	gso = h.gso_type;
	if (gso == VIRTIO_NET_HDR_GSO_NONE)
		return RV_NET_TX_OK;
	/*
	 * Segmentation only as negotiated (no UFO, no ECN offered), always with
	 * a checksum to fill in, a segment size, and headers inside the frame.
	 */
	if ((gso == VIRTIO_NET_HDR_GSO_TCPV4 && !caps->tso4) ||
	    (gso == VIRTIO_NET_HDR_GSO_TCPV6 && !caps->tso6) ||
	    (gso != VIRTIO_NET_HDR_GSO_TCPV4 && gso != VIRTIO_NET_HDR_GSO_TCPV6))
		return RV_NET_TX_BAD_HDR;
	if (!(h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || !h.gso_size || h.hdr_len > frame)
		return RV_NET_TX_BAD_HDR;
	return RV_NET_TX_OK;
}

void rv_net_rx_begin(struct rv_net_rx_acct *a, uint64_t frame_len, bool mrg, unsigned int max_bufs)
{
	*a = (struct rv_net_rx_acct){
		.frame_len = frame_len,
		.mrg = mrg,
		.max_bufs = max_bufs,
	};
}

long rv_net_rx_take(struct rv_net_rx_acct *a, uint64_t in_len)
{
	uint64_t left = a->frame_len - a->placed;
	uint64_t n;

	if (rv_net_rx_done(a))
		return -EINVAL; /* our bug: the frame is already placed */
	/* The first buffer holds the whole header: num_buffers is written there. */
	if (!a->nbufs && in_len < RV_NET_HDR_LEN)
		return -EMSGSIZE;
	if (!a->mrg && in_len < a->frame_len)
		return -EMSGSIZE;
	if (a->nbufs >= a->max_bufs)
		return -ENOBUFS;
	/* A zero-length chain (the guest's choice) would take a slot for nothing. */
	if (!in_len)
		return -EMSGSIZE;
	n = in_len < left ? in_len : left;
	a->placed += n;
	a->nbufs++;
	return (long)n;
}

/*
 * The control queue (virtio 1.2, "Control Virtqueue") takes one command:
 * VIRTIO_NET_CTRL_MQ / VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET ("Automatic receive
 * steering in multiqueue mode"). The device offers neither CTRL_RX,
 * CTRL_VLAN, GUEST_ANNOUNCE, CTRL_MAC_ADDR nor RSS, so a driver has no
 * business sending their commands: each gets VIRTIO_NET_ERR.
 */
uint8_t rv_net_ctrl_parse(const uint8_t *cmd, uint64_t out_len, bool mq, unsigned int max_pairs,
			  unsigned int *pairs)
{
	/* struct virtio_net_ctrl_hdr, then struct virtio_net_ctrl_mq (le16). */
	const uint64_t mq_len = 2 + sizeof(struct virtio_net_ctrl_mq);
	unsigned int v;

	*pairs = 0;
	/* out_len is the guest's: a header cut short, or a command of another length. */
	if (out_len < 2)
		return VIRTIO_NET_ERR;
	if (cmd[0] != VIRTIO_NET_CTRL_MQ || cmd[1] != VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET)
		return VIRTIO_NET_ERR;
	/* The command exists only with VIRTIO_NET_F_MQ negotiated. */
	if (!mq || out_len != mq_len)
		return VIRTIO_NET_ERR;
	v = cmd[2] | (unsigned int)cmd[3] << 8;
	/*
	 * The guest's number, from VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN (1) to the
	 * max_virtqueue_pairs we offer; 0, or more queues than exist, is
	 * refused rather than clamped.
	 */
	if (v < VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN || v > max_pairs)
		return VIRTIO_NET_ERR;
	*pairs = v;
	return VIRTIO_NET_OK;
}
