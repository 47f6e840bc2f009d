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
}
