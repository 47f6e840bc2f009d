// HYPERVISOR_multicall: an array of abi32::multicall_entry, each dispatched through the same
// table as a hypercall of its own (and logged with its own reason when refused), its result
// written back into the entry. This is how guests amortize the cost of entering the
// hypervisor.
//
// As in Xen:
//  - an entry that cannot be read, or whose result cannot be written, ends the multicall
//    with -EFAULT (the entries before it have run);
//  - an iret entry is the last one run: the guest continues where the iret took it, with
//    the EAX the iret restored;
//  - a multicall inside a multicall is refused (-EINVAL as that entry's result), and the
//    outer one carries on;
//  - the multicall itself answers 0 when every entry was read and written back, whatever
//    the entries answered;
//  - a long list is preempted (hypercalls.h): the call is re-executed from the first entry
//    not run; an entry preempted itself has its arguments rewritten to what it has left and
//    the multicall continues from that entry.
#include <cstddef>

#include "hyper/abi32.h"
#include "hyper/guest_access.h"
#include "hyper/hypervisor.h"
#include "hyper/traps.h"

namespace pvlab::hyper {

namespace {

int32_t do_multicall(HypercallCtx& c) {
  Vcpu& v = c.vcpu;
  if (v.in_multicall) return c.reject(-XEN_EINVAL, "a multicall inside a multicall");
  const uint32_t list = c.arg[0], count = c.arg[1];
  v.in_multicall = true;
  int32_t rc = 0;
  for (uint32_t i = 0; i < count; ++i) {
    abi32::multicall_entry e;
    const uint32_t at = list + i * uint32_t(sizeof e);
    if (i && hypercall_preempt_check(i)) {
      c.create_continuation({at, count - i, 0, 0, 0}, "preempted after " + std::to_string(i) + " entries; " +
                                                         std::to_string(count - i) + " left");
      break;
    }
    if (!get_guest(c.hv, v, at, e)) {
      rc = c.reject(-XEN_EFAULT, "entry " + std::to_string(i) + " is not readable");
      break;
    }
    HypercallOutcome out;
    const int32_t result =
        c.hv.dispatch_hypercall(v, e.op, {e.args[0], e.args[1], e.args[2], e.args[3], e.args[4]}, out);
    if (out.preempted && c.dom.shutdown == ShutdownReason::None) {
      // The entry was preempted: it keeps its place with the arguments of what it has left,
      // and the multicall goes on from it.
      for (unsigned k = 0; k < out.nargs; ++k) e.args[k] = out.args[k];
      if (!copy_to_guest(c.hv, v, at + uint32_t(offsetof(abi32::multicall_entry, args)), e.args,
                         out.nargs * sizeof e.args[0])) {
        rc = c.reject(-XEN_EFAULT, "the continuation of entry " + std::to_string(i) + " cannot be written");
        break;
      }
      c.create_continuation({at, count - i, 0, 0, 0}, "entry " + std::to_string(i) + " was preempted; " +
                                                         std::to_string(count - i) + " entries left");
      break;
    }
    const bool handled_eip = out.handled_eip;
    const uint32_t word = uint32_t(result);
    if (!put_guest(c.hv, v, at + uint32_t(offsetof(abi32::multicall_entry, result)), word)) {
      rc = c.reject(-XEN_EFAULT, "the result of entry " + std::to_string(i) + " cannot be written");
      break;
    }
    if (e.op == __HYPERVISOR_iret || handled_eip) {
      c.handled_eip = true;   // the iret's EIP and EAX stand
      break;
    }
    if (c.dom.shutdown != ShutdownReason::None) break;
  }
  v.in_multicall = false;
  return rc;
}

}  // namespace

void register_multicall_hypercall(HypercallTable& t) {
  t.add({__HYPERVISOR_multicall, "multicall", {Arg::Ptr, Arg::Count}, do_multicall});
}

}  // namespace pvlab::hyper
