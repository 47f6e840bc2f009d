// Events, time, scheduling and vcpus of the PV hypervisor, tested on a small domain whose
// kernel is a few hand-assembled instructions: event-channel operations and their errors,
// the two-level pending / mask / upcall rules, upcalls taken at instruction boundaries,
// timers against the cycle counter, block and poll, a second vcpu woken by an IPI, the
// console ring's back end, and code writes seen by every vcpu.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "devices/input_queue.h"
#include "devices/xen/console.h"
#include "hyper/abi32.h"
#include "hyper/events.h"
#include "hyper/guest_access.h"
#include "hyper/hypervisor.h"
#include "tests/hyper/guest_fixture.h"
#include "hyper/schedule.h"
#include "hyper/time.h"

extern "C" {
#include <xen/io/console.h>
}

using namespace pvlab;
using namespace pvlab::hyper;

namespace {

constexpr uint32_t kBase = 0xC0000000u;
constexpr uint32_t kImageSize = 0x10000;
// The test kernel's layout (all inside the image, mapped read-write by the builder).
constexpr uint32_t kSpin = kBase;              // jmp $
constexpr uint32_t kCallback = kBase + 0x100;  // inc [kCounter]; jmp $
constexpr uint32_t kBlock = kBase + 0x200;     // sched_op(SCHEDOP_block); inc [kAfter]; jmp $
constexpr uint32_t kPoll = kBase + 0x280;      // sched_op(SCHEDOP_poll, kArgs); inc [kAfter]; jmp $
constexpr uint32_t kLoop = kBase + 0x300;      // L: inc [kLoopCount + 4*vcpu...]; jmp L
constexpr uint32_t kHypercallPage = kBase + 0x1000;
constexpr uint32_t kCounter = kBase + 0x8000;
constexpr uint32_t kAfter = kBase + 0x8004;
constexpr uint32_t kLoopCount = kBase + 0x8010;
constexpr uint32_t kArgs = kBase + 0x9000;     // hypercall arguments
constexpr uint32_t kPorts = kBase + 0x9800;    // SCHEDOP_poll's port list
constexpr uint32_t kStack1 = kBase + 0xF000;   // vcpu 1's stack top

void put32(std::vector<uint8_t>& img, uint32_t va, uint32_t v) { std::memcpy(&img[va - kBase], &v, 4); }

// inc dword [addr]
void emit_inc(std::vector<uint8_t>& img, uint32_t& at, uint32_t addr) {
  img[at - kBase] = 0xff;
  img[at - kBase + 1] = 0x05;
  put32(img, at + 2, addr);
  at += 6;
}
void emit_spin(std::vector<uint8_t>& img, uint32_t& at) {
  img[at - kBase] = 0xeb;
  img[at - kBase + 1] = 0xfe;
  at += 2;
}
// mov reg, imm32 (B8+r)
void emit_mov(std::vector<uint8_t>& img, uint32_t& at, unsigned reg, uint32_t imm) {
  img[at - kBase] = uint8_t(0xb8 + reg);
  put32(img, at + 1, imm);
  at += 5;
}
void emit_hypercall(std::vector<uint8_t>& img, uint32_t& at) {
  img[at - kBase] = 0xcd;
  img[at - kBase + 1] = kHypercallVector;
  at += 2;
}

std::vector<uint8_t> make_image() {
  std::vector<uint8_t> img(kImageSize, 0x90);
  uint32_t at = kSpin;
  emit_spin(img, at);
  at = kCallback;
  emit_inc(img, at, kCounter);
  emit_spin(img, at);
  at = kBlock;
  emit_mov(img, at, EAX, __HYPERVISOR_sched_op);
  emit_mov(img, at, EBX, SCHEDOP_block);
  emit_mov(img, at, ECX, 0);
  emit_hypercall(img, at);
  emit_inc(img, at, kAfter);
  emit_spin(img, at);
  at = kPoll;
  emit_mov(img, at, EAX, __HYPERVISOR_sched_op);
  emit_mov(img, at, EBX, SCHEDOP_poll);
  emit_mov(img, at, ECX, kArgs);
  emit_hypercall(img, at);
  emit_inc(img, at, kAfter);
  emit_spin(img, at);
  at = kLoop;
  emit_inc(img, at, kLoopCount);
  img[at - kBase] = 0xeb;   // jmp back to kLoop
  img[at - kBase + 1] = uint8_t(kLoop - (at + 2));
  std::memset(&img[kCounter - kBase], 0, 0x2000);
  return img;
}

using test::num_note;
using test::str_note;

struct Domain1 {
  std::vector<uint8_t> image = make_image();
  std::unique_ptr<Hypervisor> hv;
  std::string last_reason;

  explicit Domain1(unsigned vcpus = 1, uint32_t entry = kSpin, bool initdomain = false) {
    HypervisorConfig cfg;
    cfg.domain_bytes = 16u << 20;
    cfg.vcpus = vcpus;
    cfg.initdomain = initdomain;
    hv = std::make_unique<Hypervisor>(cfg);
    const GuestImage g = test::pv_image("events-test", kBase, image, entry, kHypercallPage, "writable_page_tables|pae_pgdir_above_4gb");
    std::string err;
    REQUIRE_MESSAGE(hv->build(g, err), err);
  }

  Domain& dom() { return hv->domain(); }
  Vcpu& vcpu(unsigned i = 0) { return dom().vcpu(i); }
  Cpu& cpu(unsigned i = 0) { return hv->cpu(i); }

  // Run a hypercall's handler as vcpu `v` would (arguments EBX..EDI).
  int32_t call(unsigned nr, uint32_t a0 = 0, uint32_t a1 = 0, uint32_t a2 = 0, unsigned v = 0) {
    HypercallCtx c{*hv, dom(), vcpu(v), {a0, a1, a2, 0, 0}, {}, false};
    const HypercallDef* d = hv->hypercalls().find(nr);
    REQUIRE(d != nullptr);
    const int32_t rc = d->fn(c);
    last_reason = c.reason;
    if (rc < 0) CHECK_MESSAGE(!c.reason.empty(), "a refusal without a reason");
    return rc;
  }
  template <typename T>
  int32_t evtchn(unsigned cmd, T& op, unsigned v = 0) {
    REQUIRE(put_guest(*hv, vcpu(v), kArgs, op));
    const int32_t rc = call(__HYPERVISOR_event_channel_op, cmd, kArgs, 0, v);
    REQUIRE(get_guest(*hv, vcpu(v), kArgs, op));
    return rc;
  }
  uint32_t alloc_unbound(uint16_t remote = DOMID_SELF) {
    evtchn_alloc_unbound_t op{DOMID_SELF, remote, 0};
    REQUIRE(evtchn(EVTCHNOP_alloc_unbound, op) == 0);
    return op.port;
  }
  uint32_t bind_ipi(uint32_t vcpu_id = 0) {
    evtchn_bind_ipi_t op{vcpu_id, 0};
    REQUIRE(evtchn(EVTCHNOP_bind_ipi, op) == 0);
    return op.port;
  }
  uint32_t bind_virq(uint32_t virq, uint32_t vcpu_id = 0) {
    evtchn_bind_virq_t op{virq, vcpu_id, 0};
    REQUIRE(evtchn(EVTCHNOP_bind_virq, op) == 0);
    return op.port;
  }
  int32_t send(uint32_t port, unsigned v = 0) {
    evtchn_send_t op{port};
    return evtchn(EVTCHNOP_send, op, v);
  }

  // shared_info and vcpu_info as the guest sees them.
  uint8_t* shared() { return shared_info_ptr(*hv, dom()); }
  bool bit(size_t off, uint32_t n) {
    uint32_t w;
    std::memcpy(&w, shared() + off + (n / 32) * 4, 4);
    return (w >> (n % 32)) & 1;
  }
  void set_bit(size_t off, uint32_t n, bool on) {
    uint32_t w;
    std::memcpy(&w, shared() + off + (n / 32) * 4, 4);
    w = on ? (w | 1u << (n % 32)) : (w & ~(1u << (n % 32)));
    std::memcpy(shared() + off + (n / 32) * 4, &w, 4);
  }
  bool pending(uint32_t port) { return bit(offsetof(shared_info_x86_32_t, evtchn_pending), port); }
  bool masked(uint32_t port) { return bit(offsetof(shared_info_x86_32_t, evtchn_mask), port); }
  void mask(uint32_t port, bool on) { set_bit(offsetof(shared_info_x86_32_t, evtchn_mask), port, on); }
  void clear_pending(uint32_t port) { set_bit(offsetof(shared_info_x86_32_t, evtchn_pending), port, false); }
  uint8_t* vi(unsigned v = 0) { return vcpu_info_ptr(*hv, vcpu(v)); }
  uint8_t upcall_pending(unsigned v = 0) { return vi(v)[offsetof(vcpu_info_x86_32_t, evtchn_upcall_pending)]; }
  uint8_t upcall_mask(unsigned v = 0) { return vi(v)[offsetof(vcpu_info_x86_32_t, evtchn_upcall_mask)]; }
  uint32_t pending_sel(unsigned v = 0) {
    uint32_t s;
    std::memcpy(&s, vi(v) + offsetof(vcpu_info_x86_32_t, evtchn_pending_sel), 4);
    return s;
  }
  void set_upcall_mask(uint8_t m, unsigned v = 0) { vi(v)[offsetof(vcpu_info_x86_32_t, evtchn_upcall_mask)] = m; }
  void clear_upcall(unsigned v = 0) {
    vi(v)[offsetof(vcpu_info_x86_32_t, evtchn_upcall_pending)] = 0;
    std::memset(vi(v) + offsetof(vcpu_info_x86_32_t, evtchn_pending_sel), 0, 4);
  }
  uint32_t read32(uint32_t va, unsigned v = 0) {
    uint32_t x = 0;
    REQUIRE(get_guest(*hv, vcpu(v), va, x));
    return x;
  }
  void callback_at(uint32_t eip, unsigned v = 0) { vcpu(v).event_callback = Callback{kSelRing1Code, eip}; }
  void jump(uint32_t eip, unsigned v = 0) { cpu(v).s.eip = eip; }
};

constexpr size_t kTimeOff = offsetof(vcpu_info_x86_32_t, time);

}  // namespace

TEST_CASE("time: Xen's scale from the cycle rate, and its inverse") {
  const TimeScale s = time_scale(1'000'000'000);
  CHECK(s.mul == 0x80000000u);
  CHECK(s.shift == 1);
  CHECK(scale_delta(s, 123456789) == 123456789);
  for (uint64_t hz : {1'000'000ull, 33'333'333ull, 999'999'999ull, 1'000'000'007ull, 2'400'000'000ull,
                      3'000'000'000ull, 7'000'000'000ull}) {
    CAPTURE(hz);
    const TimeScale t = time_scale(hz);
    CHECK(t.mul >= 0x80000000u);
    const uint64_t one_second = scale_delta(t, hz);
    CHECK(one_second <= 1'000'000'000ull);
    CHECK(one_second >= 999'999'990ull);
    for (uint64_t ns : {1ull, 999ull, 1'000'000ull, 123'456'789'012ull}) {
      const uint64_t c = ns_to_cycles(t, hz, ns);
      CHECK(scale_delta(t, c) >= ns);
      if (c) CHECK(scale_delta(t, c - 1) < ns);
    }
  }
}

TEST_CASE("build: console and xenstore ports in start_info, wallclock and vcpu_time_info published") {
  Domain1 d;
  Domain& dom = d.dom();
  CHECK(dom.console_evtchn != 0);
  CHECK(dom.xenstore_evtchn != 0);
  CHECK(dom.console_evtchn != dom.xenstore_evtchn);
  start_info_x86_32_t si;
  std::memcpy(&si, d.hv->frame_ptr(dom.p2m[dom.start_info_pfn]), sizeof si);
  CHECK(si.console.domU.evtchn == dom.console_evtchn);
  CHECK(si.store_evtchn == dom.xenstore_evtchn);
  evtchn_status_t st{DOMID_SELF, dom.console_evtchn, 0, 0, {}};
  REQUIRE(d.evtchn(EVTCHNOP_status, st) == 0);
  CHECK(st.status == EVTCHNSTAT_unbound);
  CHECK(st.u.unbound.dom == kHostDomid);

  uint32_t wc_version, wc_sec, wc_nsec;
  std::memcpy(&wc_version, d.shared() + offsetof(shared_info_x86_32_t, wc_version), 4);
  std::memcpy(&wc_sec, d.shared() + offsetof(shared_info_x86_32_t, wc_sec), 4);
  std::memcpy(&wc_nsec, d.shared() + offsetof(shared_info_x86_32_t, wc_nsec), 4);
  CHECK(wc_version % 2 == 0);
  CHECK(wc_version != 0);
  CHECK(wc_sec == uint32_t(d.hv->config().wallclock_epoch));
  CHECK(wc_nsec == 0);

  vcpu_time_info_x86_32_t t;
  std::memcpy(&t, d.vi() + kTimeOff, sizeof t);
  CHECK(t.version % 2 == 0);
  CHECK(t.version != 0);
  CHECK(t.tsc_to_system_mul == 0x80000000u);
  CHECK(t.tsc_shift == 1);
  CHECK(t.system_time == t.tsc_timestamp);   // 1 GHz: one cycle is one nanosecond
}

TEST_CASE("evtchn: alloc_unbound, loopback bind_interdomain, send both ways, status, close") {
  Domain1 d;
  const uint32_t a = d.alloc_unbound();
  evtchn_status_t st{DOMID_SELF, a, 0, 0, {}};
  REQUIRE(d.evtchn(EVTCHNOP_status, st) == 0);
  CHECK(st.status == EVTCHNSTAT_unbound);
  CHECK(st.u.unbound.dom == d.dom().id);
  CHECK(d.send(a) == 0);   // nobody at the other end: dropped
  CHECK_FALSE(d.pending(a));

  evtchn_bind_interdomain_t bi{DOMID_SELF, a, 0};
  REQUIRE(d.evtchn(EVTCHNOP_bind_interdomain, bi) == 0);
  const uint32_t b = bi.local_port;
  CHECK(b != a);
  CHECK(d.pending(b));   // Xen raises the new local end once
  d.clear_pending(b);
  CHECK(d.send(b) == 0);
  CHECK(d.pending(a));
  CHECK_FALSE(d.pending(b));
  CHECK(d.send(a) == 0);
  CHECK(d.pending(b));

  st = {DOMID_SELF, a, 0, 0, {}};
  REQUIRE(d.evtchn(EVTCHNOP_status, st) == 0);
  CHECK(st.status == EVTCHNSTAT_interdomain);
  CHECK(st.u.interdomain.dom == d.dom().id);
  CHECK(st.u.interdomain.port == b);

  evtchn_close_t cl{b};
  REQUIRE(d.evtchn(EVTCHNOP_close, cl) == 0);
  CHECK_FALSE(d.pending(b));
  st = {DOMID_SELF, a, 0, 0, {}};
  REQUIRE(d.evtchn(EVTCHNOP_status, st) == 0);
  CHECK(st.status == EVTCHNSTAT_unbound);   // the far end waits again
  st = {DOMID_SELF, b, 0, 0, {}};
  REQUIRE(d.evtchn(EVTCHNOP_status, st) == 0);
  CHECK(st.status == EVTCHNSTAT_closed);
  CHECK(d.alloc_unbound() == b);   // the lowest free port is reused
}

TEST_CASE("evtchn: unmasked sets selector and upcall flag, masked only the pending bit, unmask delivers") {
  Domain1 d;
  const uint32_t p = d.bind_ipi(0);
  d.clear_upcall();
  CHECK(d.send(p) == 0);
  CHECK(d.pending(p));
  CHECK(d.pending_sel() == 1u << (p / 32));
  CHECK(d.upcall_pending() == 1);

  const uint32_t q = d.bind_ipi(0);
  d.clear_upcall();
  d.mask(q, true);
  CHECK(d.send(q) == 0);
  CHECK(d.pending(q));
  CHECK(d.pending_sel() == 0);
  CHECK(d.upcall_pending() == 0);
  CHECK(d.send(q) == 0);   // already pending: nothing more
  CHECK(d.upcall_pending() == 0);

  evtchn_unmask_t um{q};
  REQUIRE(d.evtchn(EVTCHNOP_unmask, um) == 0);
  CHECK_FALSE(d.masked(q));
  CHECK(d.pending_sel() == 1u << (q / 32));
  CHECK(d.upcall_pending() == 1);

  // Unmasking a port that is not pending raises nothing.
  const uint32_t r = d.bind_ipi(0);
  d.clear_upcall();
  d.mask(r, true);
  um = {r};
  REQUIRE(d.evtchn(EVTCHNOP_unmask, um) == 0);
  CHECK(d.upcall_pending() == 0);
}

TEST_CASE("evtchn: every refusal with Xen's error number") {
  Domain1 d(2);
  evtchn_send_t s{EventChannels::kMaxPorts};
  CHECK(d.evtchn(EVTCHNOP_send, s) == -XEN_EINVAL);
  s = {0xffffffffu};
  CHECK(d.evtchn(EVTCHNOP_send, s) == -XEN_EINVAL);
  s = {700};   // free port
  CHECK(d.evtchn(EVTCHNOP_send, s) == -XEN_EINVAL);
  const uint32_t timer = d.bind_virq(VIRQ_TIMER, 0);
  s = {timer};   // a VIRQ port is raised by the hypervisor only
  CHECK(d.evtchn(EVTCHNOP_send, s) == -XEN_EINVAL);

  evtchn_close_t cl{0};
  CHECK(d.evtchn(EVTCHNOP_close, cl) == -XEN_EINVAL);   // reserved
  cl = {700};
  CHECK(d.evtchn(EVTCHNOP_close, cl) == -XEN_EINVAL);   // free
  cl = {5000};
  CHECK(d.evtchn(EVTCHNOP_close, cl) == -XEN_EINVAL);

  evtchn_bind_virq_t bv{NR_VIRQS, 0, 0};
  CHECK(d.evtchn(EVTCHNOP_bind_virq, bv) == -XEN_EINVAL);
  bv = {VIRQ_TIMER, 0, 0};
  CHECK(d.evtchn(EVTCHNOP_bind_virq, bv) == -XEN_EEXIST);
  bv = {VIRQ_TIMER, 1, 0};   // per-vcpu: vcpu 1 has its own
  CHECK(d.evtchn(EVTCHNOP_bind_virq, bv) == 0);
  bv = {VIRQ_CONSOLE, 1, 0};   // global VIRQs bind on vcpu 0
  CHECK(d.evtchn(EVTCHNOP_bind_virq, bv) == -XEN_EINVAL);
  bv = {VIRQ_DEBUG, 7, 0};
  CHECK(d.evtchn(EVTCHNOP_bind_virq, bv) == -XEN_ENOENT);

  evtchn_bind_ipi_t ipi{2, 0};
  CHECK(d.evtchn(EVTCHNOP_bind_ipi, ipi) == -XEN_ENOENT);

  evtchn_alloc_unbound_t au{5, DOMID_SELF, 0};
  CHECK(d.evtchn(EVTCHNOP_alloc_unbound, au) == -XEN_EPERM);

  evtchn_bind_interdomain_t bi{DOMID_SELF, 700, 0};   // not unbound
  CHECK(d.evtchn(EVTCHNOP_bind_interdomain, bi) == -XEN_EINVAL);
  bi = {DOMID_SELF, 4096, 0};
  CHECK(d.evtchn(EVTCHNOP_bind_interdomain, bi) == -XEN_EINVAL);
  bi = {9, 1, 0};
  CHECK(d.evtchn(EVTCHNOP_bind_interdomain, bi) == -XEN_ESRCH);
  bi = {DOMID_SELF, d.dom().console_evtchn, 0};   // offered to the host, not to us
  CHECK(d.evtchn(EVTCHNOP_bind_interdomain, bi) == -XEN_EINVAL);

  evtchn_status_t st{3, 1, 0, 0, {}};
  CHECK(d.evtchn(EVTCHNOP_status, st) == -XEN_EPERM);
  st = {DOMID_SELF, 2000, 0, 0, {}};
  CHECK(d.evtchn(EVTCHNOP_status, st) == -XEN_EINVAL);

  evtchn_unmask_t um{1024};
  CHECK(d.evtchn(EVTCHNOP_unmask, um) == -XEN_EINVAL);
  evtchn_bind_vcpu_t bvc{timer, 1};   // per-vcpu VIRQs do not move
  CHECK(d.evtchn(EVTCHNOP_bind_vcpu, bvc) == -XEN_EINVAL);
  bvc = {d.bind_ipi(0), 1};   // nor do IPIs
  CHECK(d.evtchn(EVTCHNOP_bind_vcpu, bvc) == -XEN_EINVAL);
  bvc = {d.alloc_unbound(), 2};
  CHECK(d.evtchn(EVTCHNOP_bind_vcpu, bvc) == -XEN_ENOENT);
  evtchn_reset_t rs{4};
  CHECK(d.evtchn(EVTCHNOP_reset, rs) == -XEN_EPERM);

  uint32_t buf[4] = {};
  REQUIRE(put_guest(*d.hv, d.vcpu(), kArgs, buf));
  CHECK(d.call(__HYPERVISOR_event_channel_op, EVTCHNOP_init_control, kArgs) == -XEN_EINVAL);
  CHECK(d.call(__HYPERVISOR_event_channel_op, EVTCHNOP_expand_array, kArgs) == -XEN_ENOSYS);
  CHECK(d.call(__HYPERVISOR_event_channel_op, 99, kArgs) == -XEN_ENOSYS);
  CHECK(d.call(__HYPERVISOR_event_channel_op, EVTCHNOP_send, 0xF5800000u) == -XEN_EFAULT);
  CHECK(d.call(__HYPERVISOR_event_channel_op, EVTCHNOP_send, 0) == -XEN_EFAULT);
}

TEST_CASE("evtchn: bind_vcpu moves delivery, reset closes everything, ports run out") {
  Domain1 d(2);
  const uint32_t a = d.alloc_unbound();
  evtchn_bind_interdomain_t bi{DOMID_SELF, a, 0};
  REQUIRE(d.evtchn(EVTCHNOP_bind_interdomain, bi) == 0);
  evtchn_bind_vcpu_t bv{a, 1};
  REQUIRE(d.evtchn(EVTCHNOP_bind_vcpu, bv) == 0);
  d.clear_upcall(0);
  d.clear_upcall(1);
  CHECK(d.send(bi.local_port) == 0);
  CHECK(d.upcall_pending(1) == 1);
  CHECK(d.upcall_pending(0) == 0);
  evtchn_status_t st{DOMID_SELF, a, 0, 0, {}};
  REQUIRE(d.evtchn(EVTCHNOP_status, st) == 0);
  CHECK(st.vcpu == 1);

  const uint32_t con = d.bind_virq(VIRQ_CONSOLE, 0);
  bv = {con, 1};
  CHECK(d.evtchn(EVTCHNOP_bind_vcpu, bv) == 0);   // a global VIRQ may move

  evtchn_reset_t rs{DOMID_SELF};
  REQUIRE(d.evtchn(EVTCHNOP_reset, rs) == 0);
  for (uint32_t p : {a, bi.local_port, con, d.dom().console_evtchn}) {
    st = {DOMID_SELF, p, 0, 0, {}};
    REQUIRE(d.evtchn(EVTCHNOP_status, st) == 0);
    CHECK(st.status == EVTCHNSTAT_closed);
  }
  CHECK(d.bind_virq(VIRQ_CONSOLE, 0) != 0);   // the binding is gone with the port

  unsigned got = 0;
  for (;;) {
    evtchn_alloc_unbound_t au{DOMID_SELF, DOMID_SELF, 0};
    const int32_t rc = d.evtchn(EVTCHNOP_alloc_unbound, au);
    if (rc != 0) {
      CHECK(rc == -XEN_ENOSPC);
      break;
    }
    REQUIRE(++got < EventChannels::kMaxPorts);
  }
  CHECK(got == EventChannels::kMaxPorts - 2);   // port 0 reserved, one VIRQ port bound
}

TEST_CASE("upcall: an unmasked event runs the callback through a bounce frame at once") {
  Domain1 d;
  d.callback_at(kCallback);
  const uint32_t p = d.bind_ipi(0);
  d.set_upcall_mask(0);
  const uint32_t esp = d.cpu().s.r[ESP];
  CHECK(d.send(p) == 0);
  d.hv->run(100);
  CHECK(d.read32(kCounter) == 1);
  CHECK(d.upcall_mask() == 1);   // the callback runs with events masked
  Cpu& c = d.cpu();
  CHECK(c.s.r[ESP] == esp - 12);
  CHECK(d.read32(esp - 12) == kSpin);                 // EIP
  CHECK((d.read32(esp - 8) & 0xffff) == kSelRing1Code);
  CHECK((d.read32(esp - 8) >> 16) == 0);              // the saved upcall mask
  CHECK((d.read32(esp - 4) & fl::IF) != 0);           // IF: events were enabled
}

TEST_CASE("upcall: a masked event waits for the mask to clear; the guest polls the flags") {
  Domain1 d;
  d.callback_at(kCallback);
  const uint32_t p = d.bind_ipi(0);
  REQUIRE(d.upcall_mask() == 1);   // as the builder leaves it
  CHECK(d.send(p) == 0);
  d.hv->run(1000);
  CHECK(d.read32(kCounter) == 0);
  CHECK(d.upcall_pending() == 1);
  CHECK(d.pending(p));
  d.set_upcall_mask(0);   // the guest's own write
  d.hv->run(1000);
  CHECK(d.read32(kCounter) == 1);
}

TEST_CASE("time: VIRQ_TIMER from set_timer_op at the cycle of its deadline; time agrees with the TSC") {
  Domain1 d;
  d.callback_at(kCallback);
  const uint32_t p = d.bind_virq(VIRQ_TIMER, 0);
  d.set_upcall_mask(0);
  const uint64_t deadline = vcpu_system_time(*d.hv, d.vcpu()) + 50'000;
  CHECK(d.call(__HYPERVISOR_set_timer_op, uint32_t(deadline), uint32_t(deadline >> 32)) == 0);
  d.hv->run(100'000);
  CHECK(d.read32(kCounter) == 1);
  CHECK(d.pending(p));
  CHECK(d.cpu().s.cycles >= deadline);
  // The guest's computation from vcpu_time_info and RDTSC gives the hypervisor's time.
  vcpu_time_info_x86_32_t t;
  std::memcpy(&t, d.vi() + kTimeOff, sizeof t);
  CHECK(t.version % 2 == 0);
  CHECK(t.tsc_timestamp >= deadline);
  CHECK(t.tsc_timestamp <= d.cpu().s.cycles);
  const uint64_t now = d.cpu().s.cycles;
  const uint64_t guest = t.system_time + ((((unsigned __int128)(now - t.tsc_timestamp) << t.tsc_shift) * t.tsc_to_system_mul) >> 32);
  CHECK(guest == vcpu_system_time(*d.hv, d.vcpu()));

  // 0 cancels; a timeout in the past fires at once.
  const uint64_t later = vcpu_system_time(*d.hv, d.vcpu()) + 10'000;
  CHECK(d.call(__HYPERVISOR_set_timer_op, uint32_t(later), uint32_t(later >> 32)) == 0);
  CHECK(d.call(__HYPERVISOR_set_timer_op, 0, 0) == 0);
  d.clear_pending(p);
  d.hv->run(50'000);
  CHECK_FALSE(d.pending(p));
  CHECK(d.call(__HYPERVISOR_set_timer_op, 1, 0) == 0);
  d.hv->run(10);
  CHECK(d.pending(p));
}

TEST_CASE("sched: block sleeps until the timer; time jumps; with nothing to wake it the run is idle") {
  Domain1 d(1, kBlock);
  d.callback_at(kCallback);
  d.bind_virq(VIRQ_TIMER, 0);
  const uint64_t deadline = 5'000'000'000ull;   // 5 s of system time
  CHECK(d.call(__HYPERVISOR_set_timer_op, uint32_t(deadline), uint32_t(deadline >> 32)) == 0);
  const PvRunResult r = d.hv->run(1'000'000);
  CHECK(r.stop == StopReason::InsnLimit);
  CHECK(d.read32(kCounter) == 1);   // SCHEDOP_block enabled events; the timer's upcall ran
  CHECK(d.cpu().s.cycles >= deadline);   // a million instructions cannot take 5e9 cycles: time jumped
  CHECK(d.vcpu().ev.runstate == RUNSTATE_running);

  Domain1 e(1, kBlock);
  const PvRunResult idle = e.hv->run(1'000'000);
  CHECK(idle.end == PvEnd::Stopped);
  CHECK(idle.stop == StopReason::Idle);
  CHECK(e.vcpu().blocked);
  CHECK(e.read32(kAfter) == 0);
}

TEST_CASE("sched: block returns at once with an upcall due; poll wakes on its port or its timeout") {
  Domain1 d(1, kBlock);
  d.callback_at(kCallback);
  const uint32_t p = d.bind_ipi(0);
  CHECK(d.send(p) == 0);   // pending before the block
  d.hv->run(200);
  CHECK_FALSE(d.vcpu().blocked);
  CHECK(d.read32(kCounter) == 1);

  // Poll one port with events masked: its event ends the poll, no upcall.
  Domain1 e(1, kPoll);
  const uint32_t q = e.bind_ipi(0);
  e.mask(q, true);
  const uint32_t ports[1] = {q};
  REQUIRE(put_guest(*e.hv, e.vcpu(), kPorts, ports));
  abi32::sched_poll sp{kPorts, 1, 0};
  REQUIRE(put_guest(*e.hv, e.vcpu(), kArgs, sp));
  PvRunResult r = e.hv->run(1000);
  CHECK(r.stop == StopReason::Idle);
  CHECK(e.vcpu().ev.polling);
  CHECK(e.send(q) == 0);
  CHECK_FALSE(e.vcpu().blocked);
  e.hv->run(1000);
  CHECK(e.read32(kAfter) == 1);

  // A timeout ends it too, at its time.
  Domain1 f(1, kPoll);
  const uint32_t t = f.bind_ipi(0);
  const uint32_t tp[1] = {t};
  REQUIRE(put_guest(*f.hv, f.vcpu(), kPorts, tp));
  abi32::sched_poll sp2{kPorts, 1, 2'000'000};
  REQUIRE(put_guest(*f.hv, f.vcpu(), kArgs, sp2));
  f.hv->run(10'000);
  CHECK(f.read32(kAfter) == 1);
  CHECK(f.cpu().s.cycles >= 2'000'000);

  // Bad arguments.
  abi32::sched_poll bad{kPorts, 129, 0};
  REQUIRE(put_guest(*f.hv, f.vcpu(), kArgs, bad));
  CHECK(f.call(__HYPERVISOR_sched_op, SCHEDOP_poll, kArgs) == -XEN_EINVAL);
  const uint32_t badport[1] = {5000};
  REQUIRE(put_guest(*f.hv, f.vcpu(), kPorts, badport));
  bad = {kPorts, 1, 0};
  REQUIRE(put_guest(*f.hv, f.vcpu(), kArgs, bad));
  CHECK(f.call(__HYPERVISOR_sched_op, SCHEDOP_poll, kArgs) == -XEN_EINVAL);
  bad = {0xF5800000u, 1, 0};
  REQUIRE(put_guest(*f.hv, f.vcpu(), kArgs, bad));
  CHECK(f.call(__HYPERVISOR_sched_op, SCHEDOP_poll, kArgs) == -XEN_EFAULT);
}

TEST_CASE("vcpu timers: periodic ticks, single-shot rules") {
  Domain1 d;
  const uint32_t p = d.bind_virq(VIRQ_TIMER, 0);
  d.mask(p, true);
  uint64_t period = 500'000;   // below 1 ms: refused
  REQUIRE(put_guest(*d.hv, d.vcpu(), kArgs, period));
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0, kArgs) == -XEN_EINVAL);
  period = 1'000'000;
  REQUIRE(put_guest(*d.hv, d.vcpu(), kArgs, period));
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0, kArgs) == 0);
  unsigned ticks = 0;
  for (int i = 0; i < 40; ++i) {
    d.hv->run(1'000'000 / 4);
    if (d.pending(p)) {
      ++ticks;
      d.clear_pending(p);
    }
  }
  // `jmp $` costs at least a cycle: 10 M instructions took at least 10 ms.
  CHECK(ticks >= 9);
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0) == 0);
  d.hv->run(5'000'000);
  CHECK_FALSE(d.pending(p));

  abi32::vcpu_set_singleshot_timer ss{1, VCPU_SSHOTTMR_future};
  REQUIRE(put_guest(*d.hv, d.vcpu(), kArgs, ss));
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, kArgs) == -XEN_ETIME);
  ss = {vcpu_system_time(*d.hv, d.vcpu()) + 1000, 0};
  REQUIRE(put_guest(*d.hv, d.vcpu(), kArgs, ss));
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, kArgs) == 0);
  d.hv->run(2000);
  CHECK(d.pending(p));
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_stop_singleshot_timer, 0, 0) == 0);
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 3, kArgs) == -XEN_ENOENT);
}

namespace {

// A context for vcpu 1: flat ring-1 segments, the loop, its own stack, the callback.
abi32::vcpu_guest_context second_context(Domain1& d, uint32_t eip) {
  abi32::vcpu_guest_context ctx{};
  ctx.user_regs.eip = eip;
  ctx.user_regs.esp = kStack1;
  ctx.user_regs.cs = kSelRing1Code;
  ctx.user_regs.ss = ctx.user_regs.ds = ctx.user_regs.es = kSelRing1Data;
  ctx.user_regs.eflags = fl::IF | fl::kFixed1;
  ctx.kernel_ss = kSelRing1Data;
  ctx.kernel_sp = kStack1;
  ctx.event_callback_cs = kSelRing1Code;
  ctx.event_callback_eip = kCallback;
  ctx.ctrlreg[3] = d.vcpu(0).cr3_mfn << 12;
  return ctx;
}

}  // namespace

TEST_CASE("vcpus: a second vcpu initialised, brought up, interleaved, woken by an IPI") {
  Domain1 d(2);
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 1) == 0);
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 0) == 1);
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_up, 1) == -XEN_EINVAL);   // no context yet
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 2) == -XEN_ENOENT);

  abi32::vcpu_guest_context ctx = second_context(d, kLoop);
  ctx.user_regs.cs = 0x0008;   // a selector the guest's (empty) GDT lacks
  REQUIRE(put_guest(*d.hv, d.vcpu(), kArgs, ctx));
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, kArgs) == -XEN_EINVAL);
  ctx = second_context(d, kLoop);
  ctx.ctrlreg[3] = 5 << 12;   // a hypervisor frame
  REQUIRE(put_guest(*d.hv, d.vcpu(), kArgs, ctx));
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, kArgs) == -XEN_EINVAL);
  ctx = second_context(d, kLoop);
  REQUIRE(put_guest(*d.hv, d.vcpu(), kArgs, ctx));
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, kArgs) == 0);
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, kArgs) == -XEN_EEXIST);
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 0, kArgs) == -XEN_EEXIST);
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_up, 1) == 0);
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 1) == 1);

  d.hv->run(4 * kSchedQuantum);
  const uint32_t loops = d.read32(kLoopCount);
  CHECK(loops > 0);
  CHECK(d.cpu(1).s.insns > kSchedQuantum / 2);
  CHECK(d.cpu(0).s.insns > kSchedQuantum / 2);
  CHECK(d.cpu(1).s.seg[CS].sel == kSelRing1Code);

  // vcpu 1 blocks in SCHEDOP_block; an IPI from vcpu 0 wakes it and runs its callback.
  const uint32_t ipi = d.bind_ipi(1);
  d.jump(kBlock, 1);
  d.hv->run(4 * kSchedQuantum);
  CHECK(d.vcpu(1).blocked);
  abi32::vcpu_runstate_info rs;
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 1, kArgs) == 0);
  REQUIRE(get_guest(*d.hv, d.vcpu(), kArgs, rs));
  const int32_t rs_state = rs.state;
  const uint64_t rs_running = rs.time[RUNSTATE_running];
  CHECK(rs_state == RUNSTATE_blocked);
  CHECK(rs_running > 0);
  CHECK(d.read32(kCounter) == 0);
  CHECK(d.send(ipi, 0) == 0);
  CHECK_FALSE(d.vcpu(1).blocked);
  d.hv->run(4 * kSchedQuantum);
  CHECK(d.read32(kCounter) == 1);
  CHECK(d.read32(kAfter) == 0);   // the callback spins: the code after the block waits

  // Down: vcpu 1 stops running; the last vcpu going down powers the domain off.
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_down, 1) == 0);
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 1) == 0);
  const uint64_t insns1 = d.cpu(1).s.insns;
  d.hv->run(4 * kSchedQuantum);
  CHECK(d.cpu(1).s.insns == insns1);
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_down, 0) == 0);
  CHECK(d.dom().shutdown == ShutdownReason::PowerOff);
}

TEST_CASE("vcpus: interleaving is deterministic and independent of how the run is sliced") {
  auto run = [](bool sliced) {
    Domain1 d(2);
    abi32::vcpu_guest_context ctx = second_context(d, kLoop);
    REQUIRE(put_guest(*d.hv, d.vcpu(), kArgs, ctx));
    REQUIRE(d.call(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, kArgs) == 0);
    REQUIRE(d.call(__HYPERVISOR_vcpu_op, VCPUOP_up, 1) == 0);
    d.jump(kLoop, 0);
    if (sliced)
      for (int i = 0; i < 100; ++i) d.hv->run(1234);
    else
      d.hv->run(123'400);
    return std::vector<uint64_t>{d.cpu(0).s.insns, d.cpu(1).s.insns, d.read32(kLoopCount)};
  };
  CHECK(run(false) == run(true));
}

TEST_CASE("vcpus: code written by one vcpu reaches every vcpu's block cache") {
  Domain1 d(2);
  abi32::vcpu_guest_context ctx = second_context(d, kLoop);
  REQUIRE(put_guest(*d.hv, d.vcpu(), kArgs, ctx));
  REQUIRE(d.call(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, kArgs) == 0);
  REQUIRE(d.call(__HYPERVISOR_vcpu_op, VCPUOP_up, 1) == 0);
  d.jump(kLoop, 0);
  d.hv->run(4 * kSchedQuantum);
  REQUIRE(d.read32(kLoopCount) > 0);
  // Turn the loop's increment into `jmp $` (the first two bytes), as a guest store would.
  const uint16_t spin = 0xfeeb;
  REQUIRE(put_guest(*d.hv, d.vcpu(), kLoop, spin));
  d.hv->run(4 * kSchedQuantum);
  const uint32_t frozen = d.read32(kLoopCount);
  d.hv->run(4 * kSchedQuantum);
  CHECK(d.read32(kLoopCount) == frozen);
  CHECK(d.cpu(0).s.eip == kLoop);
  CHECK(d.cpu(1).s.eip == kLoop);
}

TEST_CASE("vcpus: register_vcpu_info moves vcpu_info into a guest page, once") {
  Domain1 d;
  d.callback_at(kCallback);
  const uint32_t page_va = kBase + 0xA000;
  const uint32_t mfn = d.dom().p2m[(page_va - kBase) >> 12];
  vcpu_register_vcpu_info_t r{mfn, 64, 0};
  REQUIRE(put_guest(*d.hv, d.vcpu(), kArgs, r));
  vcpu_register_vcpu_info_t bad{mfn, 4096 - 32, 0};
  REQUIRE(put_guest(*d.hv, d.vcpu(), kArgs + 64, bad));
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, kArgs + 64) == -XEN_EINVAL);
  bad = {5, 0, 0};   // not the domain's frame
  REQUIRE(put_guest(*d.hv, d.vcpu(), kArgs + 64, bad));
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, kArgs + 64) == -XEN_EINVAL);
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, kArgs) == 0);
  CHECK(d.call(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, kArgs) == -XEN_EINVAL);
  CHECK(d.vcpu().vcpu_info_maddr == (uint64_t(mfn) << 12) + 64);
  // The new place: a copy of the old (mask still set), everything marked pending, time in it.
  uint8_t info[64];
  REQUIRE(get_guest(*d.hv, d.vcpu(), page_va + 64, info));
  CHECK(info[offsetof(vcpu_info_x86_32_t, evtchn_upcall_pending)] == 1);
  CHECK(info[offsetof(vcpu_info_x86_32_t, evtchn_upcall_mask)] == 1);
  vcpu_time_info_x86_32_t t;
  std::memcpy(&t, info + kTimeOff, sizeof t);
  CHECK(t.tsc_to_system_mul == 0x80000000u);
  // Events now go there: clearing the guest-page mask lets the pending upcall in.
  const uint8_t zero = 0;
  REQUIRE(put_guest(*d.hv, d.vcpu(), page_va + 64 + offsetof(vcpu_info_x86_32_t, evtchn_upcall_mask), zero));
  d.hv->run(200);
  CHECK(d.read32(kCounter) == 1);
}

TEST_CASE("console: the back end drains the output ring on a kick and feeds input from the queue") {
  Domain1 d;
  InputQueue input;
  xen::ConsoleBackend con(*d.hv, &input);
  REQUIRE_MESSAGE(con.attached(), con.error());
  const uint32_t port = d.dom().console_evtchn;
  evtchn_status_t st{DOMID_SELF, port, 0, 0, {}};
  REQUIRE(d.evtchn(EVTCHNOP_status, st) == 0);
  CHECK(st.status == EVTCHNSTAT_interdomain);
  CHECK(st.u.interdomain.dom == kHostDomid);

  auto* ring = reinterpret_cast<xencons_interface*>(d.hv->frame_ptr(d.dom().p2m[d.dom().console_pfn]));
  // Output that wraps around the ring's end.
  ring->out_cons = ring->out_prod = 2040;
  const std::string text = "hello from the ring\n";
  for (char ch : text) ring->out[ring->out_prod++ & (sizeof ring->out - 1)] = ch;
  d.clear_pending(port);
  CHECK(d.send(port) == 0);
  CHECK(d.hv->console() == text);
  CHECK(ring->out_cons == ring->out_prod);
  CHECK(d.pending(port));   // the back end tells the guest there is room again

  // Input: due at cycle 1000, visible once the guest's clock reaches it.
  d.clear_pending(port);
  input.push(1000, input_source::kXenConsole, "ls\n");
  CHECK(con.next_event() == 1000);
  d.hv->run(2000);
  CHECK(ring->in_prod - ring->in_cons == 3);
  CHECK(std::string(ring->in + ring->in_cons % sizeof ring->in, 3) == "ls\n");
  CHECK(d.pending(port));

  // A full input ring waits for the guest's notify.
  ring->in_cons = 0;
  ring->in_prod = sizeof ring->in;
  input.push(d.cpu().s.cycles, input_source::kXenConsole, "more");
  CHECK(con.next_event() == HostDevice::kNever);
  ring->in_cons = ring->in_prod;   // the guest read everything
  CHECK(d.send(port) == 0);
  CHECK(ring->in_prod - ring->in_cons == 4);

  // A hostile producer index: at most one ring's worth is taken.
  ring->out_cons = 0;
  ring->out_prod = 100000;
  CHECK(d.send(port) == 0);
  CHECK(ring->out_cons == 100000);
  CHECK(con.dropped() == 100000 - sizeof ring->out);
}

TEST_CASE("console: the initial domain reads input with CONSOLEIO_read and gets VIRQ_CONSOLE") {
  Domain1 d(1, kSpin, true);
  InputQueue input;
  xen::ConsoleBackend con(*d.hv, &input);
  REQUIRE(con.attached());
  const uint32_t p = d.bind_virq(VIRQ_CONSOLE, 0);
  input.push(10, input_source::kXenConsole, "abc");
  d.hv->run(100);
  CHECK(d.pending(p));
  CHECK(d.call(__HYPERVISOR_console_io, CONSOLEIO_read, 2, kArgs) == 2);
  CHECK(d.read32(kArgs) % 65536 == ('a' | 'b' << 8));
  CHECK(d.call(__HYPERVISOR_console_io, CONSOLEIO_read, 10, kArgs) == 1);
  CHECK(d.call(__HYPERVISOR_console_io, CONSOLEIO_read, 10, kArgs) == 0);
}
