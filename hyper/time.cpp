// Virtual time. The cycle counter is the TSC (RDTSC reads it) and system time is that counter
// scaled by HypervisorConfig::cpu_hz, from 0 at cycle 0. A guest reads the scale in its
// vcpu_time_info {version, tsc_timestamp, system_time, tsc_to_system_mul, tsc_shift} and
// computes   system_time + scale(rdtsc - tsc_timestamp);   the hypervisor publishes
// system_time = scale(tsc_timestamp), so the guest's figure is the hypervisor's own (exactly
// at the default 1 GHz, within a nanosecond of rounding otherwise). The wallclock in
// shared_info is the time of day at system time 0 (HypervisorConfig::wallclock_epoch).
//
// Timers are cycle deadlines: the single-shot timer (set_timer_op and
// VCPUOP_set_singleshot_timer share it, as in Xen) and the periodic one raise VIRQ_TIMER;
// the scheduler (schedule.cpp) makes the running CPU stop at the earliest deadline that
// concerns it.
#include "hyper/time.h"

#include <cstddef>
#include <cstring>

#include "hyper/abi32.h"
#include "hyper/events.h"
#include "hyper/guest_access.h"
#include "hyper/hypervisor.h"
#include "hyper/schedule.h"

namespace pvlab::hyper {

namespace {

constexpr uint64_t kNsPerSec = 1'000'000'000;
constexpr uint64_t kMs = 1'000'000;

using u128 = unsigned __int128;

TimeScale scale_of(Hypervisor& hv) { return time_scale(hv.config().cpu_hz); }

template <typename T>
void put_at(uint8_t* base, size_t off, const T& v) {
  std::memcpy(base + off, &v, sizeof v);
}
template <typename T>
T get_at(const uint8_t* base, size_t off) {
  T v;
  std::memcpy(&v, base + off, sizeof v);
  return v;
}

}  // namespace

TimeScale time_scale(uint64_t hz) {
  if (hz == 0) hz = 1;
  // Bring the rate into (1e9, 2e9] by powers of two; the multiplier is then
  // 1e9 * 2^32 / rate, which lies in [2^31, 2^32).
  int shift = 0;
  u128 rate = hz;
  while (rate > 2 * kNsPerSec) {
    rate >>= 1;
    --shift;
  }
  while (rate <= kNsPerSec) {
    rate <<= 1;
    ++shift;
  }
  TimeScale s;
  s.mul = uint32_t((u128(kNsPerSec) << 32) / rate);
  s.shift = int8_t(shift);
  return s;
}

uint64_t scale_delta(const TimeScale& s, uint64_t delta) {
  u128 d = delta;
  if (s.shift >= 0) d <<= s.shift;
  else d >>= -s.shift;
  return uint64_t((d * s.mul) >> 32);
}

uint64_t ns_to_cycles(const TimeScale& s, uint64_t hz, uint64_t ns) {
  uint64_t c = uint64_t(u128(ns) * hz / kNsPerSec);
  while (c > 0 && scale_delta(s, c - 1) >= ns) --c;
  while (scale_delta(s, c) < ns) ++c;
  return c;
}

uint64_t system_time_ns(Hypervisor& hv, uint64_t cycles) { return scale_delta(scale_of(hv), cycles); }

uint64_t vcpu_system_time(Hypervisor& hv, Vcpu& v) { return system_time_ns(hv, v.cpu->s.cycles); }

void time_update_vcpu(Hypervisor& hv, Vcpu& v) {
  uint8_t* t = vcpu_info_ptr(hv, v) + offsetof(vcpu_info_x86_32_t, time);
  using TI = vcpu_time_info_x86_32_t;
  const uint32_t version = get_at<uint32_t>(t, offsetof(TI, version));
  put_at<uint32_t>(t, offsetof(TI, version), (version | 1) + 0);   // odd: being updated
  const uint64_t tsc = v.cpu->s.cycles;
  const TimeScale s = scale_of(hv);
  put_at<uint64_t>(t, offsetof(TI, tsc_timestamp), tsc);
  put_at<uint64_t>(t, offsetof(TI, system_time), scale_delta(s, tsc));
  put_at<uint32_t>(t, offsetof(TI, tsc_to_system_mul), s.mul);
  put_at<int8_t>(t, offsetof(TI, tsc_shift), s.shift);
  put_at<uint8_t>(t, offsetof(TI, flags), 0);
  put_at<uint32_t>(t, offsetof(TI, version), (version | 1) + 1);   // even: consistent
}

void time_init_domain(Hypervisor& hv, Domain& d) {
  uint8_t* sh = shared_info_ptr(hv, d);
  using SI = shared_info_x86_32_t;
  const int64_t epoch = hv.config().wallclock_epoch;
  const uint32_t version = get_at<uint32_t>(sh, offsetof(SI, wc_version));
  put_at<uint32_t>(sh, offsetof(SI, wc_version), (version | 1));
  put_at<uint32_t>(sh, offsetof(SI, wc_sec), uint32_t(epoch));
  put_at<uint32_t>(sh, offsetof(SI, wc_nsec), 0);
  put_at<uint32_t>(sh, offsetof(SI, wc_version), (version | 1) + 1);
  for (auto& v : d.vcpus) time_update_vcpu(hv, *v);
}

uint64_t vcpu_next_deadline(const Vcpu& v) {
  uint64_t d = 0;
  auto take = [&d](uint64_t c) {
    if (c && (!d || c < d)) d = c;
  };
  take(v.timer_deadline);
  if (v.periodic_period) take(v.periodic_next);
  if (v.ev.polling) take(v.ev.poll_deadline);
  return d;
}

void vcpu_fire_timers(Hypervisor& hv, Vcpu& v, uint64_t now) {
  bool tick = false;
  if (v.timer_deadline && v.timer_deadline <= now) {
    v.timer_deadline = 0;
    tick = true;
  }
  if (v.periodic_period && v.periodic_next <= now) {
    // Ticks missed while the vcpu was not looking collapse into one, as in Xen.
    const uint64_t behind = (now - v.periodic_next) / v.periodic_period + 1;
    v.periodic_next += behind * v.periodic_period;
    tick = true;
  }
  if (v.ev.polling && v.ev.poll_deadline && v.ev.poll_deadline <= now) vcpu_wake(hv, v);
  if (tick) {
    if (FILE* log = hv.event_log())
      std::fprintf(log, "pvlab: [cycle %llu] vcpu %u timer\n", (unsigned long long)now, v.id);
    time_update_vcpu(hv, v);
    send_virq(hv, v, VIRQ_TIMER);
  }
}

namespace {

// A single-shot deadline at absolute system time `ns` for `v` (set_timer_op's 0 cancels).
// Timeouts in the past fire at once; as Xen does for Linux's wrapped jiffies, one more than
// 2^50 ns ahead is taken as "soon" (100 ms).
void set_singleshot(Hypervisor& hv, Vcpu& v, uint64_t ns, bool zero_cancels) {
  if (ns == 0 && zero_cancels) {
    v.timer_deadline = 0;
  } else {
    const uint64_t now_ns = vcpu_system_time(hv, v);
    const int64_t offset = int64_t(ns - now_ns);
    if (offset > 0 && (uint64_t(offset) >> 50) != 0) ns = now_ns + 100 * kMs;
    const uint64_t now = v.cpu->s.cycles;
    const uint64_t c = offset <= 0 ? now : ns_to_cycles(scale_of(hv), hv.config().cpu_hz, ns);
    v.timer_deadline = c ? c : 1;
  }
  sched_program_deadline(hv);
}

int32_t do_set_timer_op(HypercallCtx& c) {
  const uint64_t ns = uint64_t(c.arg[0]) | (uint64_t(c.arg[1]) << 32);
  set_singleshot(c.hv, c.vcpu, ns, true);
  return 0;
}

}  // namespace

int32_t vcpu_timer_op(HypercallCtx& c, unsigned cmd, Vcpu& target, uint32_t va) {
  Hypervisor& hv = c.hv;
  switch (cmd) {
    case VCPUOP_set_periodic_timer: {
      uint64_t period_ns;
      if (!get_guest(hv, c.vcpu, va, period_ns)) return c.reject(-XEN_EFAULT, "vcpu_set_periodic_timer not readable");
      if (period_ns < kMs) return c.reject(-XEN_EINVAL, "periodic timer below 1 ms");
      if (period_ns > (uint64_t(1) << 62)) return c.reject(-XEN_EINVAL, "periodic timer period too long");
      const uint64_t period = ns_to_cycles(scale_of(hv), hv.config().cpu_hz, period_ns);
      target.periodic_period = period ? period : 1;
      target.periodic_next = target.cpu->s.cycles + target.periodic_period;
      sched_program_deadline(hv);
      return 0;
    }
    case VCPUOP_stop_periodic_timer:
      target.periodic_period = 0;
      target.periodic_next = 0;
      sched_program_deadline(hv);
      return 0;
    case VCPUOP_set_singleshot_timer: {
      if (&target != &c.vcpu) return c.reject(-XEN_EINVAL, "a single-shot timer is set by its own vcpu only");
      abi32::vcpu_set_singleshot_timer t;
      if (!get_guest(hv, c.vcpu, va, t)) return c.reject(-XEN_EFAULT, "vcpu_set_singleshot_timer not readable");
      if ((t.flags & VCPU_SSHOTTMR_future) && t.timeout_abs_ns < vcpu_system_time(hv, target))
        return c.reject(-XEN_ETIME, "VCPU_SSHOTTMR_future with a timeout in the past");
      set_singleshot(hv, target, t.timeout_abs_ns, false);
      return 0;
    }
    case VCPUOP_stop_singleshot_timer:
      if (&target != &c.vcpu) return c.reject(-XEN_EINVAL, "a single-shot timer is stopped by its own vcpu only");
      target.timer_deadline = 0;
      sched_program_deadline(hv);
      return 0;
    default: return c.reject(-XEN_ENOSYS, "not a timer operation");
  }
}

void register_time_hypercalls(HypercallTable& t) {
  t.add({__HYPERVISOR_set_timer_op, "set_timer_op", {Arg::Lo, Arg::Hi}, do_set_timer_op});
}

}  // namespace pvlab::hyper
