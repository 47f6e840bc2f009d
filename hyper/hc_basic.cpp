// Hypercalls that need no other area: xen_version, console_io, sched_op's yield and
// shutdown, vm_assist.
#include <cstring>
#include <string>

#include "hyper/abi32.h"
#include "hyper/elf_notes.h"
#include "hyper/guest_access.h"
#include "hyper/hypervisor.h"
#include "hyper/schedule.h"

namespace pvlab::hyper {

namespace {

// The Xen release pvlab answers as: the one whose interface version xen_abi.h pins.
constexpr uint32_t kXenMajor = (__XEN_INTERFACE_VERSION__ >> 16) & 0xff;
constexpr uint32_t kXenMinor = (__XEN_INTERFACE_VERSION__ >> 8) & 0xff;

// Submap 0 of XENVER_get_features: the feature map of elf_notes.cpp as this domain sees it
// (xenver_features). Writable page tables are a feature of translated guests only: a PV
// kernel keeps its page tables read-only (the writable_pagetables vm_assist is a different
// thing).
uint32_t feature_map0(const Domain& d) {
  return xenver_features(d.initdomain, d.vm_assist & (1u << VMASST_TYPE_pae_extended_cr3));
}

template <size_t N>
int32_t put_text(HypercallCtx& c, uint32_t va, const char* text) {
  char buf[N] = {};
  std::strncpy(buf, text, N - 1);
  if (!copy_to_guest(c.hv, c.vcpu, va, buf, N)) return c.reject(-XEN_EFAULT, "output buffer not writable");
  return 0;
}

int32_t do_xen_version(HypercallCtx& c) {
  const uint32_t cmd = c.arg[0], arg = c.arg[1];
  switch (cmd) {
    case XENVER_version: return int32_t(kXenMajor << 16 | kXenMinor);
    case XENVER_extraversion: return put_text<sizeof(xen_extraversion_t)>(c, arg, ".0-pvlab");
    case XENVER_compile_info: {
      xen_compile_info_t info{};
      std::strncpy(info.compiler, "pvlab", sizeof info.compiler - 1);
      std::strncpy(info.compile_by, "pvlab", sizeof info.compile_by - 1);
      std::strncpy(info.compile_domain, "pvlab", sizeof info.compile_domain - 1);
      std::strncpy(info.compile_date, "pvlab", sizeof info.compile_date - 1);
      if (!put_guest(c.hv, c.vcpu, arg, info)) return c.reject(-XEN_EFAULT, "output buffer not writable");
      return 0;
    }
    case XENVER_capabilities:
      return put_text<sizeof(xen_capabilities_info_t)>(c, arg, "xen-3.0-x86_32p");
    case XENVER_changeset: return put_text<sizeof(xen_changeset_info_t)>(c, arg, "pvlab");
    case XENVER_platform_parameters: {
      abi32::xen_platform_parameters p{kHypervisorStart};
      if (!put_guest(c.hv, c.vcpu, arg, p)) return c.reject(-XEN_EFAULT, "output buffer not writable");
      return 0;
    }
    case XENVER_get_features: {
      xen_feature_info_t fi;
      if (!get_guest(c.hv, c.vcpu, arg, fi)) return c.reject(-XEN_EFAULT, "feature_info not readable");
      if (fi.submap_idx != 0)
        return c.reject(-XEN_EINVAL, "feature submap " + std::to_string(fi.submap_idx) + " does not exist");
      fi.submap = feature_map0(c.dom);
      if (!put_guest(c.hv, c.vcpu, arg, fi)) return c.reject(-XEN_EFAULT, "feature_info not writable");
      return 0;
    }
    case XENVER_pagesize: return int32_t(kPageSize);
    case XENVER_guest_handle: {
      uint8_t handle[16] = {};
      handle[15] = uint8_t(c.dom.id);
      if (!copy_to_guest(c.hv, c.vcpu, arg, handle, sizeof handle))
        return c.reject(-XEN_EFAULT, "output buffer not writable");
      return 0;
    }
    case XENVER_commandline:
      if (!c.dom.initdomain) return c.reject(-XEN_EPERM, "the hypervisor command line is for the initial domain only");
      return put_text<sizeof(xen_commandline_t)>(c, arg, "");
    case XENVER_build_id:
      if (!c.dom.initdomain) return c.reject(-XEN_EPERM, "the build id is for the initial domain only");
      return c.reject(-XEN_ENODATA, "pvlab has no build id");
    default: return c.reject(-XEN_ENOSYS, "unknown xen_version sub-operation " + std::to_string(cmd));
  }
}

int32_t do_console_io(HypercallCtx& c) {
  const uint32_t cmd = c.arg[0], count = c.arg[1], va = c.arg[2];
  switch (cmd) {
    case CONSOLEIO_write: {
      if (count > (1u << 16)) return c.reject(-XEN_EINVAL, "write longer than 64 KiB");
      std::string text(count, '\0');
      if (!copy_from_guest(c.hv, c.vcpu, va, text.data(), count))
        return c.reject(-XEN_EFAULT, "buffer not readable");
      c.hv.console_write(text);
      return 0;
    }
    case CONSOLEIO_read:
      return console_read(c, va, count);
    default: return c.reject(-XEN_ENOSYS, "unknown console_io sub-operation " + std::to_string(cmd));
  }
}

int32_t do_sched_op(HypercallCtx& c) {
  const uint32_t cmd = c.arg[0], va = c.arg[1];
  switch (cmd) {
    case SCHEDOP_yield:   // the rest of this quantum goes to the next runnable vcpu
      sched_yield_now(c.hv);
      return 0;
    case SCHEDOP_block: return sched_block(c);
    case SCHEDOP_poll: return sched_poll(c, va);
    case SCHEDOP_shutdown: {
      abi32::sched_shutdown s;
      if (!get_guest(c.hv, c.vcpu, va, s)) return c.reject(-XEN_EFAULT, "sched_shutdown not readable");
      ShutdownReason r;
      switch (s.reason) {
        case SHUTDOWN_poweroff: r = ShutdownReason::PowerOff; break;
        case SHUTDOWN_reboot: r = ShutdownReason::Reboot; break;
        case SHUTDOWN_suspend: r = ShutdownReason::Suspend; break;
        case SHUTDOWN_crash: r = ShutdownReason::Crash; break;
        case SHUTDOWN_watchdog: r = ShutdownReason::Watchdog; break;
        default: return c.reject(-XEN_EINVAL, "unknown shutdown reason " + std::to_string(s.reason));
      }
      if (r == ShutdownReason::Crash && c.dom.crash_reason.empty())
        c.dom.crash_reason = "the guest reported a crash (SHUTDOWN_crash)";
      c.hv.shutdown(r);
      return 0;
    }
    case SCHEDOP_shutdown_code: return 0;   // kept for the toolstack; nothing reads it here
    case SCHEDOP_remote_shutdown:
      return c.reject(-XEN_EPERM, "remote shutdown needs a privileged domain");
    default: return c.reject(-XEN_ENOSYS, "unknown sched_op " + std::to_string(cmd));
  }
}

// VMASST_CMD_enable / disable of the assists pvlab implements.
int32_t do_vm_assist(HypercallCtx& c) {
  const uint32_t cmd = c.arg[0], type = c.arg[1];
  constexpr uint32_t kKnown = (1u << VMASST_TYPE_writable_pagetables) |
                              (1u << VMASST_TYPE_4gb_segments) |
                              (1u << VMASST_TYPE_4gb_segments_notify) |
                              (1u << VMASST_TYPE_pae_extended_cr3);
  if (type >= 32 || !(kKnown & (1u << type)))
    return c.reject(-XEN_EINVAL, "vm_assist type " + std::to_string(type) + " is not supported");
  if (cmd == VMASST_CMD_enable) c.dom.vm_assist |= 1u << type;
  else if (cmd == VMASST_CMD_disable) c.dom.vm_assist &= ~(1u << type);
  else return c.reject(-XEN_EINVAL, "unknown vm_assist command " + std::to_string(cmd));
  return 0;
}

}  // namespace

void register_basic_hypercalls(HypercallTable& t) {
  t.add({__HYPERVISOR_xen_version, "xen_version", {Arg::Cmd, Arg::Ptr}, do_xen_version});
  t.add({__HYPERVISOR_console_io, "console_io", {Arg::Cmd, Arg::Count, Arg::Ptr}, do_console_io});
  t.add({__HYPERVISOR_sched_op, "sched_op", {Arg::Cmd, Arg::Ptr}, do_sched_op});
  t.add({__HYPERVISOR_vm_assist, "vm_assist", {Arg::Cmd, Arg::Uint}, do_vm_assist});
}

}  // namespace pvlab::hyper
