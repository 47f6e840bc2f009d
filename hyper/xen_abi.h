// The guest-visible Xen ABI, from the public headers of Debian's libxen-dev. The interface
// version is pinned: hypercall numbers and structure layouts change with it.
#pragma once
#define __XEN_INTERFACE_VERSION__ 0x00040e00

#include <cstdint>

extern "C" {
#include <xen/xen.h>
#include <xen/elfnote.h>
#include <xen/version.h>
#include <xen/sched.h>
#include <xen/features.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/vcpu.h>
#include <xen/physdev.h>
#include <xen/callback.h>
#include <xen/errno.h>
#include <xen/foreign/x86_32.h>
#include <xen/arch-x86/cpuid.h>
}

namespace pvlab::hyper {
// The Xen release pvlab answers as (XENVER_version, CPUID leaf 0x40000001): the one whose
// interface version is pinned above.
constexpr uint32_t kXenVersionMajor = (__XEN_INTERFACE_VERSION__ >> 16) & 0xff;
constexpr uint32_t kXenVersionMinor = (__XEN_INTERFACE_VERSION__ >> 8) & 0xff;
}  // namespace pvlab::hyper
