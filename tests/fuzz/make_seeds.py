#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the seed corpora of tests/fuzz (committed; re-run after a format
change): python3 tests/fuzz/make_seeds.py. Each seed is a small valid (or
nearly valid) input of its target, so the fuzzer starts past the magic
numbers: run pages of each exit kind, ring pages routed to both devices,
UART programming sequences, command lines, an arm64 Image, a bzImage and
an ELF vmlinux. Layouts are spelt out from linux/kvm.h, boot.rst and
booting.rst, as the unit tests do."""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


PAGE = 4096
RUN = bytearray(3 * PAGE)


def run_page(reason, body):
    r = bytearray(3 * PAGE)
    struct.pack_into("<I", r, 8, reason)
    r[32:32 + len(body)] = body
    return r


# exit: byte 0 = coalescing mode (0 off, 1 vm-ring, 2 per-device), then kvm_run.
KVM_EXIT_IO, KVM_EXIT_HLT, KVM_EXIT_MMIO, KVM_EXIT_SHUTDOWN = 2, 5, 6, 8
KVM_EXIT_INTERNAL_ERROR, KVM_EXIT_SYSTEM_EVENT = 17, 24
for mode in range(3):
    io = run_page(KVM_EXIT_IO, struct.pack("<BBHIQ", 1, 1, 0x3f8, 1, PAGE))
    io[PAGE] = ord("A")
    put("exit", f"io_out_{mode}", bytes([mode]) + io)
    put("exit", f"io_in_rep_{mode}",
        bytes([mode]) + run_page(KVM_EXIT_IO, struct.pack("<BBHIQ", 0, 4, 0x3fc, 3, PAGE)))
    put("exit", f"mmio_w_{mode}", bytes([mode]) + run_page(
        KVM_EXIT_MMIO, struct.pack("<Q8sIB", 0xd0000010, b"\x11" * 8, 4, 1)))
    put("exit", f"mmio_r_{mode}", bytes([mode]) + run_page(
        KVM_EXIT_MMIO, struct.pack("<Q8sIB", 0xd0000ffe, b"\0" * 8, 8, 0)))
put("exit", "bad_offset", b"\x02" + run_page(
    KVM_EXIT_IO, struct.pack("<BBHIQ", 1, 4, 0x3f8, 0xffffffff, 3 * PAGE - 2)))
for reason in (KVM_EXIT_HLT, KVM_EXIT_SHUTDOWN, KVM_EXIT_INTERNAL_ERROR):
    put("exit", f"reason_{reason}", b"\x00" + run_page(reason, b"\x01" * 16))
put("exit", "system_event", b"\x00" + run_page(KVM_EXIT_SYSTEM_EVENT, struct.pack("<IIQ", 1, 1, 0)))

# vm_ring: byte 0 = mode (odd: vm-ring), then the kernel ring page.
def ring(first, last, entries):
    r = bytearray(PAGE)
    struct.pack_into("<II", r, 0, first, last)
    for i, (addr, ln, pio, data) in enumerate(entries):
        struct.pack_into("<QII8s", r, 8 + 24 * i, addr, ln, pio, data)
    return r


ents = [(0xd0000000 + 4 * i, 4, 0, struct.pack("<Q", i)) for i in range(5)]
ents += [(0x3f8, 1, 1, b"x" + b"\0" * 7)] * 3
for mode in (0, 1):
    put("vm_ring", f"both_{mode}", bytes([mode]) + ring(0, len(ents), ents))
    put("vm_ring", f"wrapped_{mode}", bytes([mode]) + ring(168, 3, ents))
put("vm_ring", "hostile_idx", b"\x01" + ring(0xffffffff, 0x7fffffff, ents))
put("vm_ring", "outside_zone", b"\x01" + ring(0, 3, [(0xd0000100, 8, 0, b"\0" * 8),
                                                     (0x3f9, 1, 1, b"\0" * 8),
                                                     (0xffffffffffffffff, 8, 0, b"\0" * 8)]))

# serial: (op, value) pairs: op&7 register, op&8 write, op&0x10 console input.
W, R, RX = 8, 0, 0x10
seqs = {
    "init": [(W | 3, 0x80), (W | 0, 1), (W | 1, 0), (W | 3, 3), (W | 2, 0xc7), (W | 4, 0x0b),
             (W | 1, 0x0f), (R | 5, 0), (W | 0, ord("h")), (W | 0, ord("i")), (R | 2, 0)],
    "rx": [(W | 1, 1), (RX, 20), (R | 5, 0), (R | 0, 0), (R | 2, 0), (RX, 63), (R | 0, 0)],
    "loopback": [(W | 4, 0x10), (W | 0, 0x55), (R | 0, 0), (R | 6, 0), (W | 4, 0x1f), (R | 6, 0)],
    "fifo": [(W | 2, 1), (RX, 63)] + [(R | 0, 0)] * 20 + [(W | 2, 6), (R | 5, 0)],
}
for name, ops in seqs.items():
    put("serial", name, bytes(b for op in ops for b in op))

# cli: argv after "ringvmm", NUL-separated.
cli = {
    "run": ["run", "--mem", "512M", "--cpus", "2", "--coalesce", "vm-ring", "--stats=json"],
    "kernel": ["run", "--kernel", "/k", "--initrd", "/i", "--cmdline", "console=ttyS0"],
    "pt": ["run", "--passthrough", "path=/dev/mem,size=16M,gpa=0x70000000,offset=4K,ro",
           "--memmap"],
    "backend": ["run", "--mem-backend", "guest_memfd", "--coalesce-flush-us", "250"],
    "caps": ["caps", "--json"],
    "bench": ["bench", "coalesce", "--devices", "4", "--modes", "off,per-device"],
    "help": ["--help"],
}
for name, argv in cli.items():
    put("cli", name, b"\0".join(a.encode() for a in argv))
put("cli", "pt_spec", b"path=/x,size=0x1000,gpa=0x100000000")

# arm64_boot: RAM base, RAM size, initrd length, then an Image.
def arm64_image(text_offset, image_size, flags, total):
    img = bytearray(total)
    struct.pack_into("<IIQQQ", img, 0, 0xfa405a4d, 0x14000000, text_offset, image_size, flags)
    struct.pack_into("<I", img, 56, 0x644D5241)
    return bytes(img)


pre = struct.pack("<QQI", 0x40000000, 256 << 20, 4096)
put("arm64_boot", "image", pre + arm64_image(0, 1 << 20, 0xa, 4096))
put("arm64_boot", "legacy", pre + arm64_image(0, 0, 0, 2048))
put("arm64_boot", "top", struct.pack("<QQI", 2**64 - (8 << 20), (8 << 20) - 1, 4096)
    + arm64_image(0x80000, 2 << 20, 0xa, 1024))

# x86_boot: byte 0 low nibble = initrd share in 16ths, byte 1 = cmdline/8.
def bzimage():
    k = bytearray(5 * 512 + 4096)
    k[0x1f1] = 4
    struct.pack_into("<H", k, 0x1fe, 0xaa55)
    k[0x200:0x202] = b"\xeb\x6a"
    k[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", k, 0x206, 0x020f)
    k[0x211] = 1
    struct.pack_into("<I", k, 0x214, 0x100000)
    struct.pack_into("<I", k, 0x22c, 0x7fffffff)
    struct.pack_into("<I", k, 0x230, 0x200000)
    k[0x234] = 1
    struct.pack_into("<H", k, 0x236, 3)
    struct.pack_into("<I", k, 0x238, 2047)
    struct.pack_into("<Q", k, 0x258, 0x1000000)
    struct.pack_into("<I", k, 0x260, 0x800000)
    return bytes(k)


def elf(paddr2):
    k = bytearray(0x5000)
    k[0:4] = b"\x7fELF"
    k[4:7] = b"\x02\x01\x01"
    struct.pack_into("<HHIQQ", k, 16, 2, 62, 1, 0x1000000, 64)
    struct.pack_into("<HHH", k, 52, 64, 56, 2)
    for i, (off, paddr, filesz, memsz) in enumerate([(0x1000, 0x1000000, 0x3000, 0x3000),
                                                      (0x4000, paddr2, 0x1000, 0x5000)]):
        struct.pack_into("<IIQQQQQQ", k, 64 + 56 * i, 1, 5, off, paddr + 0xffffffff80000000,
                         paddr, filesz, memsz, 0x200000)
    return bytes(k)


put("x86_boot", "bzimage", b"\x04\x10" + bzimage() + b"initrd" * 100)
put("x86_boot", "elf", b"\x00\x02" + elf(0x1200000))
put("x86_boot", "elf_into_pt", b"\x00\x02" + elf(128 << 20))


# virtqueue_fuzz.c: 16 header bytes (queue size, ring offsets from 0x100
# below guest RAM, features, start index, push), then guest RAM at 0x10000.
def vq_seed(flags, descs, heads, push=1, tables=()):
    hdr = struct.pack("<HHHHBHB", 8, 0x100, 0x1100, 0x2100, flags, 0, push)
    ram = bytearray(0x8000)
    for i, (addr, ln, fl, nxt) in enumerate(descs):
        struct.pack_into("<QIHH", ram, 16 * i, addr, ln, fl, nxt)
    struct.pack_into("<HH", ram, 0x1000, 0, len(heads))
    for i, h in enumerate(heads):
        struct.pack_into("<H", ram, 0x1004 + 2 * i, h)
    for off, table in tables:
        for i, (addr, ln, fl, nxt) in enumerate(table):
            struct.pack_into("<QIHH", ram, off + 16 * i, addr, ln, fl, nxt)
    return hdr.ljust(16, b"\0") + bytes(ram)


# A request chain (read buffer, then a device-writable one), as virtio-blk sends.
put("virtqueue", "chain", vq_seed(1, [(0x13000, 512, 1, 1), (0x14000, 512, 2, 0)], [0]))
# The same through an indirect table at RAM offset 0x5000.
put("virtqueue", "indirect", vq_seed(3, [(0x15000, 32, 4, 0)], [0],
                                     tables=[(0x5000, [(0x13000, 16, 1, 1), (0x14000, 1, 2, 0)])]))
# A chain that loops back on itself: the device must mark the queue broken.
put("virtqueue", "loop", vq_seed(0, [(0x13000, 8, 1, 1), (0x14000, 8, 1, 0)], [0, 1], push=0))


def vsock_seed(op, length, avail, tail, src_cid=3, dst_cid=2, typ=1):
    """A guest's packet header (struct virtio_vsock_hdr, 44 bytes), then
    the chain's payload length and the credit counters (avail, fwd_cnt,
    tx_cnt, buf_alloc), then a CONNECT line or --vsock value."""
    hdr = struct.pack("<QQIIIHHIII", src_cid, dst_cid, 1025, 5000, length, typ, op, 0,
                      65536, 0)
    return hdr + struct.pack("<IIII", avail, 0, 0, 65536) + tail


# A REQUEST with a host client's line; data with a --vsock value; a forged source.
put("vsock", "request", vsock_seed(1, 0, 0, b"CONNECT 5000\n"))
put("vsock", "rw", vsock_seed(5, 100, 100, b"cid=3,uds=/tmp/vm.sock"))
put("vsock", "forged", vsock_seed(5, 4096, 100, b"CONNECT 99999999999\n", src_cid=4))


def net_seed(flags, hdr, tx_len, cmd, cmd_len, tail):
    """A flags byte (bit 0 CSUM, 1 TSO4, 2 TSO6, 3 MQ, high nibble
    max_virtqueue_pairs - 1), a TX virtio_net_hdr_v1 (12 bytes) and its
    chain length, a control command (8 bytes) and its readable length,
    then receive chain lengths that are also a --net value."""
    return (bytes([flags]) + hdr + struct.pack("<I", tx_len) + cmd.ljust(8, b"\0") +
            struct.pack("<I", cmd_len) + tail)


# A TSO4 frame with a checksum to fill; VQ_PAIRS_SET 2 of 4; a cut command.
TSO4 = struct.pack("<BBHHHHH", 1, 1, 54, 1448, 34, 16, 0)
put("net", "tso4", net_seed(0x3b, TSO4, 12 + 9000, b"\x04\x00\x02\x00", 4, b"tap=tap0,queues=2"))
put("net", "pairs0", net_seed(0x18, bytes(12), 12 + 60, b"\x04\x00\x00\x00", 4, b"passt,queues=1"))
put("net", "short", net_seed(0x08, bytes(12), 12 + 13, b"\x04", 1, b"\x00\x40\x05\xdc\x05\xdc"))


# snapshot: a state file (vmm/snapshot/format.h): a 64-byte header, then
# sections of a 24-byte header and records (tag, length, bytes, padded to 8).
def snap_section(stype, index, version, recs):
    payload = b"".join(struct.pack("<II", t, len(d)) + d + b"\0" * (-len(d) % 8)
                       for t, d in recs)
    hdr = struct.pack("<IIIIQ", stype, index, version, 0, len(payload))
    crc = zlib.crc32(hdr + payload)
    hdr = struct.pack("<IIIIQ", stype, index, version, crc, len(payload))
    return hdr + payload + b"\0" * (-len(payload) % 8)


def snap_file(sections, arch=1):
    body = b"".join(sections)
    def header(crc):
        return struct.pack("<8sIIIIQIIQIIII", b"RVMSNAP\n", 1, arch, 64, len(sections),
                           256 << 20, 1, 4096, 64 + len(body), 0, 0, 0, crc)
    return header(zlib.crc32(header(0))) + body


put("snapshot", "vm_vcpu_device", snap_file([
    snap_section(4, 0, 1, [(1, struct.pack("<QQQ", 0, 256 << 20, 0))]),
    snap_section(1, 0, 1, [(20, b"\1" * 48), (24, b"\0" * 112)]),
    snap_section(2, 0, 1, [(1, b"\0" * 144), (7, struct.pack("<IIQ", 0x10, 0, 12345))]),
    snap_section(3, 0, 1, [(1, b"ttyS0"), (2, b"\0" * 40)]),
]))
put("snapshot", "empty", snap_file([]))

# api: one request line.
for name, line in [("pause", b'{"cmd":"pause"}'), ("stats", b' {"cmd" : "stats"}\r'),
                   ("unknown", b'{"cmd":"fly","x":[1,{"y":null}]}'), ("bad", b"{'cmd':")]:
    put("api", name, line)

# keeper: the number of fds, then a struct rv_keeper_msg (vmm/snapshot/keeper.h):
# magic, type, nr_fds, bin, 64 fd numbers, 1024 bytes of spec.
def keeper_msg(nr, bin_, targets, spec, type_=1):
    t = targets + [-1] * (64 - len(targets))
    return (bytes([nr]) + struct.pack("<IIII", 0x504b5652, type_, nr, bin_) +
            struct.pack("<64i", *t) + spec.ljust(1024, b"\0"))


put("keeper", "update", keeper_msg(5, 4, [10, 12, 13, 11, -1],
                                   b"state=10,keeper=64,ram=11,api=12,client=13,t0=5"))
put("keeper", "two_ram", keeper_msg(4, 0, [-1, 10, 11, 12],
                                    b"state=10,keeper=64,ram=11,ram=12"))
put("keeper", "resume", keeper_msg(0, 0, [], b"why", 5))


# virtio_pci: 8-byte accesses (tests/fuzz/virtio_pci_fuzz.c): byte 0 the
# target (0 latch, 1 data ports, 2 BAR 1, 3 notify) << 1 | write, byte 1
# the width (0-3: 1, 2, 4, 8 bytes; bit 2: the latch names the function),
# the offset, the value; 0xff records carry 64 bytes of guest RAM. The
# seed brings the function up as Linux does and sends one request.
def vpci(target, width, off, val, wr=1):
    return struct.pack("<BBHI", target << 1 | wr, width, off, val & 0xffffffff)


def vpci_ram(off, data):
    return struct.pack("<BBHI", 0xff, 0, off, 0) + data.ljust(64, b"\0")


W1, W2, W4 = 0, 1, 2
MSIX_CTL = 0x98  # the MSI-X capability follows the five virtio ones
vpci_up = b"".join([
    vpci(0, 4, 0x04, 0), vpci(1, W2, 0, 0x0007),           # command: I/O, memory, master
    vpci(2, W1, 20, 0), vpci(2, W1, 20, 1), vpci(2, W1, 20, 3),
    vpci(2, W4, 8, 1), vpci(2, W4, 12, 1), vpci(2, W1, 20, 0xb),  # VERSION_1, FEATURES_OK
    vpci(2, W2, 22, 0), vpci(2, W2, 24, 8), vpci(2, W4, 32, 0x10000),
    vpci(2, W4, 40, 0x11000), vpci(2, W4, 48, 0x12000), vpci(2, W2, 26, 1),
    vpci(2, W2, 16, 0), vpci(2, W2, 28, 1),
    vpci(0, 4, MSIX_CTL, 0), vpci(1, W2, 2, 0x8000),      # MSI-X on
    vpci(2, W4, 0x3010, 0xfee00000), vpci(2, W4, 0x3018, 0x41), vpci(2, W4, 0x301c, 0),
    vpci(2, W1, 20, 0xf),                                  # DRIVER_OK
    vpci_ram(0x0000, struct.pack("<QIHH", 0x13000, 100, 2, 0)),  # one writable descriptor
    vpci_ram(0x1000, struct.pack("<HHH", 0, 1, 0)),               # avail: idx 1, ring[0] 0
    vpci(3, W2, 0, 0),                                     # notify queue 0
])
put("virtio_pci", "bringup", vpci_up)
put("virtio_pci", "sizing", b"".join([vpci(0, 4, 0x14, 0), vpci(1, W4, 0, 0xffffffff),
                                      vpci(1, W4, 0, 0, wr=0), vpci(1, W4, 0, 0xd8000000)]))
