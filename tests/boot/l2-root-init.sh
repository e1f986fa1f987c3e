#!/bin/sh
# /sbin/init on the ext4 root disk of the virtio-blk boot test (lib.sh
# rv_boot__build_root_image puts it there; l2-init.sh's `root` action mounts
# the disk and switch_roots to it). Busybox sh, PID 1: no `set -e`.
#
# rv.root=write: write /written.txt (a copy of /known.txt) and 1 MiB of
#   random bytes to /big.bin, sync, print their checksums;
# rv.root=read: compare /written.txt with /known.txt, print /big.bin's
#   checksum (the checker compares it with the write's).
# rv.root=dirty: write until the VM is stopped from outside (no unmount);
# rv.root=recover: mount after that (the journal is replayed), list.
# Either way the root is remounted read-only (the journal is flushed and the
# file system marked clean) before the power-off, so the host's e2fsck -fn
# finds it clean.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2> /dev/null

echo "RINGVMM-ROOT-INIT $(awk '$2 == "/" { print $1, $3, $4 }' /proc/mounts | tail -n 1)"
# Where the disk sits: .../virtio-mmio... or .../pci0000:00/... (virtio_blk_pci).
echo "RINGVMM-ROOT-SYSFS $(readlink /sys/block/vda)"
mode=
# shellcheck disable=SC2013
for arg in $(cat /proc/cmdline); do
    case "$arg" in
        rv.root=*) mode=${arg#rv.root=} ;;
    esac
done

case "$mode" in
    write)
        cp /known.txt /written.txt
        echo "RINGVMM-ROOT-STEP copied"
        head -c 1048576 /dev/urandom > /big.bin
        echo "RINGVMM-ROOT-STEP random"
        sync
        echo "RINGVMM-ROOT-WROTE known=$(md5sum < /written.txt | cut -c1-32) big=$(md5sum < /big.bin | cut -c1-32)"
        ;;
    read)
        if cmp -s /written.txt /known.txt; then r=ok; else r=differs; fi
        echo "RINGVMM-ROOT-READ written=$r big=$(md5sum < /big.bin | cut -c1-32)"
        ;;
    dirty)
        # Write until the VM is stopped from outside (L1 sends ringvmm
        # SIGTERM, as a host shutdown would): four O_DIRECT writers
        # rewriting 2 MiB files in place, so requests are always at the
        # device, and new files with syncs. No unmount: the journal must
        # make the file system whole again at the next mount. (Ending it
        # from inside does not leave requests at the device: `poweroff -f`
        # resets the virtio device first, and at nested-emulation speed
        # the host finishes every request before the guest's next step.)
        for w in 1 2 3 4; do
            (
                while :; do
                    dd if=/dev/zero of="/dirty.direct.$w" bs=64k count=32 oflag=direct conv=notrunc 2> /dev/null
                done
            ) &
        done
        (
            i=0
            while :; do
                head -c 262144 /dev/urandom > "/dirty.$((i % 16))"
                sync &
                i=$((i + 1))
            done
        ) &
        echo "RINGVMM-ROOT-DIRTY writing until the VM is stopped"
        sleep 120
        echo "RINGVMM-ROOT-ERROR nobody stopped the VM"
        poweroff -f
        ;;
    recover)
        # After a dirty power-off: the mount replayed the journal; the
        # remount below leaves the file system clean for the host's e2fsck.
        n=0
        for f in /dirty.*; do
            [ -e "$f" ] && n=$((n + 1))
        done
        echo "RINGVMM-ROOT-RECOVERED files=$n"
        ;;
    *)
        echo "RINGVMM-ROOT-ERROR unknown rv.root=$mode"
        ;;
esac
mount -o remount,ro / || echo "RINGVMM-ROOT-ERROR remount,ro failed"
echo "RINGVMM-ROOT-DONE"
timeout 10 stty -F /dev/console "$(stty -F /dev/console -g)" 2> /dev/null
poweroff -f
sleep 1000000
