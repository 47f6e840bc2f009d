// The 32-bit guest layouts of the Xen structures that libxen-dev's foreign/x86_32.h does not
// provide (their native definitions use `unsigned long`, pointers or guest handles, which
// differ on a 64-bit host). Written once here; each carries a size check against the layout a
// 32-bit PAE guest compiles.
#pragma once
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

}  // namespace pvlab::hyper::abi32
