// The 32-bit guest layouts of the Xen structures that libxen-dev's foreign/x86_32.h does not
// provide (their native definitions use `unsigned long`, pointers or guest handles, which
// differ on a 64-bit host). Written once here; each carries a size check against the layout a
// 32-bit PAE guest compiles.
#pragma once
#include <cstddef>
#include <cstdint>

#include "hyper/xen_abi.h"

namespace pvlab::hyper::abi32 {

using ulong32 = uint32_t;   // a guest's `unsigned long`, pointer or XEN_GUEST_HANDLE

struct multicall_entry {
  ulong32 op, result;
  ulong32 args[6];
};
static_assert(sizeof(multicall_entry) == 32);

struct mmuext_op {
  uint32_t cmd;
  union { ulong32 mfn; ulong32 linear_addr; } arg1;
  union { uint32_t nr_ents; ulong32 vcpumask; ulong32 src_mfn; } arg2;
};
static_assert(sizeof(mmuext_op) == 12);

struct xen_callback {
  ulong32 cs;
  ulong32 eip;
};
static_assert(sizeof(xen_callback) == 8);

struct callback_register {
  uint16_t type;
  uint16_t flags;
  xen_callback address;
};
static_assert(sizeof(callback_register) == 12);

struct sched_poll {
  ulong32 ports;          // handle of evtchn_port_t[]
  uint32_t nr_ports;
  uint64_t timeout;
} __attribute__((packed, aligned(4)));
static_assert(sizeof(sched_poll) == 16);

struct gnttab_setup_table {
  uint16_t dom;
  uint16_t pad;
  uint32_t nr_frames;
  int16_t status;
  uint16_t pad2;
  ulong32 frame_list;     // handle of xen_pfn_t[] (32-bit frames)
};
static_assert(sizeof(gnttab_setup_table) == 16);

struct xen_add_to_physmap {
  uint16_t domid;
  uint16_t size;
  uint32_t space;
  ulong32 idx;
  ulong32 gpfn;
};
static_assert(sizeof(xen_add_to_physmap) == 16);

struct gnttab_copy_ptr {
  uint32_t u;             // grant_ref_t ref, or xen_pfn_t gmfn (a machine frame for PV)
  uint16_t domid;
  uint16_t offset;
};
struct gnttab_copy {
  gnttab_copy_ptr source, dest;
  uint16_t len;
  uint16_t flags;
  int16_t status;
  uint16_t pad;
};
static_assert(sizeof(gnttab_copy) == 24);

struct xen_platform_parameters {
  ulong32 virt_start;
};

struct sched_shutdown {
  uint32_t reason;
};

// VCPUOP_set_singleshot_timer's argument: 12 bytes on i386 (16 with the host's alignment).
struct vcpu_set_singleshot_timer {
  uint64_t timeout_abs_ns;
  uint32_t flags;
} __attribute__((packed, aligned(4)));
static_assert(sizeof(vcpu_set_singleshot_timer) == 12);

// VCPUOP_get_runstate_info / the runstate memory area: the 64-bit fields 4-aligned on i386.
struct vcpu_runstate_info {
  int32_t state;
  uint64_t state_entry_time;
  uint64_t time[4];
} __attribute__((packed, aligned(4)));
static_assert(sizeof(vcpu_runstate_info) == 44);

// VCPUOP_initialise's context. foreign/x86_32.h cannot give it on a 64-bit host: its
// callback fields are written for an x86_64 hypervisor (no event/failsafe CS words).
struct vcpu_guest_context {
  uint8_t fpu_ctxt[512];
  uint32_t flags;
  cpu_user_regs_x86_32_t user_regs;
  trap_info_x86_32_t trap_ctxt[256];
  ulong32 ldt_base, ldt_ents;
  ulong32 gdt_frames[16], gdt_ents;
  ulong32 kernel_ss, kernel_sp;
  ulong32 ctrlreg[8];
  ulong32 debugreg[8];
  ulong32 event_callback_cs, event_callback_eip;
  ulong32 failsafe_callback_cs, failsafe_callback_eip;
  ulong32 vm_assist;
};
static_assert(sizeof(cpu_user_regs_x86_32_t) == 68);
static_assert(sizeof(vcpu_guest_context) == 2800);
static_assert(offsetof(vcpu_guest_context, event_callback_cs) == 2780);

// memory_op (xen/memory.h), i386 layouts.
struct xen_memory_reservation {
  ulong32 extent_start;   // handle of xen_pfn_t[] (32-bit frames)
  ulong32 nr_extents;
  uint32_t extent_order;
  uint32_t mem_flags;
  uint16_t domid;
  uint16_t pad;
};
static_assert(sizeof(xen_memory_reservation) == 20);

struct xen_memory_map {
  uint32_t nr_entries;
  ulong32 buffer;         // handle of e820 entries
};
static_assert(sizeof(xen_memory_map) == 8);

struct e820_entry {
  uint64_t addr, size;
  uint32_t type;
} __attribute__((packed, aligned(4)));
static_assert(sizeof(e820_entry) == 20);

struct xen_machphys_mfn_list {
  uint32_t max_extents;
  ulong32 extent_start;   // handle of xen_pfn_t[]
  uint32_t nr_extents;
};
static_assert(sizeof(xen_machphys_mfn_list) == 12);

struct xen_machphys_mapping {
  ulong32 v_start, v_end, max_mfn;
};
static_assert(sizeof(xen_machphys_mapping) == 12);

}  // namespace pvlab::hyper::abi32
