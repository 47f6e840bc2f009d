/* The Xen public interface as pvlab's PV guest kernels see it: Debian libxen-dev's headers,
   compiled for i386 (so every structure has its 32-bit layout) at the interface version
   pvlab's hypervisor pins in hyper/xen_abi.h. The version selects hypercall numbers
   (sched_op, event_channel_op, physdev_op are the new-style calls) and must not drift. */
#ifndef PVLAB_PV_XEN_H
#define PVLAB_PV_XEN_H

#define __XEN_INTERFACE_VERSION__ 0x00040e00

#include <stdint.h>

#include <xen/xen.h>
#include <xen/callback.h>
#include <xen/errno.h> /* enum xen_errno: XEN_EINVAL, XEN_EPERM, ... */
#include <xen/event_channel.h>
#include <xen/features.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/physdev.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>

#if !defined(__i386__)
#error "pvlab's PV guests are 32-bit: build them with -m32"
#endif

/* PAE page-table entry bits (Intel SDM vol. 3, 4.4). */
#define PV_PTE_P 0x001ull
#define PV_PTE_RW 0x002ull
#define PV_PTE_US 0x004ull
#define PV_PTE_A 0x020ull
#define PV_PTE_D 0x040ull
#define PV_PTE_PS 0x080ull
#define PV_PTE_NX (1ull << 63)
#define PV_PTE_FRAME 0x000ffffffffff000ull /* bits 12-51: the machine address */

#define PV_PAGE_SIZE 4096u
#define PV_PAGE_SHIFT 12

#endif
