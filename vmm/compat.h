/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM uapi that the system headers may lack (Debian 12 ships Linux 6.1
 * headers: no guest_memfd, no KVM_SET_USER_MEMORY_REGION2). Everything here
 * is guarded so that newer headers win, and every capability is probed at
 * run time before use: defining a number here promises nothing about the
 * running kernel.
 *
 * Never add the numbers of the unmerged per-buffer coalesced MMIO series
 * (KVM_CREATE_COALESCED_MMIO_BUFFER & co.): upstream later gave those ioctl
 * and capability numbers to other features.
 */
#ifndef RV_COMPAT_H
#define RV_COMPAT_H

#include <linux/kvm.h>
#include <linux/types.h>

#ifndef KVM_CAP_USER_MEMORY2
#define KVM_CAP_USER_MEMORY2 231
#endif
#ifndef KVM_CAP_MEMORY_ATTRIBUTES
#define KVM_CAP_MEMORY_ATTRIBUTES 233
#endif
#ifndef KVM_CAP_GUEST_MEMFD
#define KVM_CAP_GUEST_MEMFD 234
#endif
#ifndef KVM_CAP_VM_TYPES
#define KVM_CAP_VM_TYPES 235
#endif
#ifndef KVM_CAP_GUEST_MEMFD_FLAGS
#define KVM_CAP_GUEST_MEMFD_FLAGS 244
#endif

#ifndef KVM_MEM_GUEST_MEMFD
#define KVM_MEM_GUEST_MEMFD (1UL << 2)

/* api.rst, KVM_SET_USER_MEMORY_REGION2 */
struct kvm_userspace_memory_region2 {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 guest_memfd_offset;
	__u32 guest_memfd;
	__u32 pad1;
	__u64 pad2[14];
};
#define KVM_SET_USER_MEMORY_REGION2 _IOW(KVMIO, 0x49, struct kvm_userspace_memory_region2)

/* api.rst, KVM_CREATE_GUEST_MEMFD */
struct kvm_create_guest_memfd {
	__u64 size;
	__u64 flags;
	__u64 reserved[6];
};
#define KVM_CREATE_GUEST_MEMFD _IOWR(KVMIO, 0xd4, struct kvm_create_guest_memfd)
#endif

#ifndef GUEST_MEMFD_FLAG_MMAP
#define GUEST_MEMFD_FLAG_MMAP (1ULL << 0)
#endif
#ifndef GUEST_MEMFD_FLAG_INIT_SHARED
#define GUEST_MEMFD_FLAG_INIT_SHARED (1ULL << 1)
#endif

#endif
