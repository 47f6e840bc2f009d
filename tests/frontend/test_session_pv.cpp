// The Session's PV catches that the hypervisor reports (frontend/session_catch.cpp): an
// event upcall stops at the guest's callback, a refused page-table or descriptor update
// stops with its reason, on the PV demo and the hostile memory-management kernel.
#include <doctest/doctest.h>

#include <array>
#include <iterator>

#include "frontend/exit_codes.h"
#include "frontend/gdb_stub.h"
#include "frontend/session.h"
#include "hyper/debug_hooks.h"
#include "hyper/hypervisor.h"
#include "pv_demo_guest.h"
#include "pv_test_mm_hostile.h"

using namespace pvlab;

namespace {

struct Loaded {
  ElfImage img;
  std::unique_ptr<Session> s;
};

Loaded load(const char* name, const unsigned char* begin, const unsigned char* end, unsigned vcpus = 1) {
  std::string err;
  auto img = parse_elf(name, std::vector<uint8_t>(begin, end), err);
  REQUIRE(img.has_value());
  LoadOptions o;
  o.vcpus = vcpus;
  auto t = load_target(*img, o, err);
  REQUIRE(t != nullptr);
  return {std::move(*img), std::make_unique<Session>(std::move(t))};
}

uint32_t symbol(const ElfImage& img, const std::string& name) {
  for (const ElfImage::Symbol& s : img.symbols)
    if (s.name == name) return s.value;
  FAIL("no symbol " << name);
  return 0;
}

}  // namespace

TEST_CASE("PV: an event upcall stops at the callback, before its first instruction") {
  Loaded l = load("pv demo", std::begin(kPvDemoGuest), std::end(kPvDemoGuest));
  Session& s = *l.s;
  const uint32_t callback = symbol(l.img, "ev_entry0");
  REQUIRE(s.catch_upcall(std::nullopt, true));
  StopInfo st = s.run();
  REQUIRE(st.why == StopInfo::Why::Upcall);
  CHECK(st.vcpu == 0);
  CHECK(st.pc == callback);
  CHECK(s.reg(Reg::EIP) == callback);
  CHECK(s.reg(Reg::CPL) == 1);
  REQUIRE(!st.ports.empty());
  const uint32_t port = st.port;
  CHECK(port == st.ports.front());
  CHECK(st.text.find("event upcall on vcpu 0") != std::string::npos);
  CHECK(st.text.find("port " + std::to_string(port)) != std::string::npos);
  // The hypervisor's view agrees: the port is pending, the upcall masked while it runs.
  CHECK(s.monitor("evtchn").find("event channels") != std::string::npos);
  // One step runs the callback's first instruction (pushl $0).
  const uint32_t esp = uint32_t(s.reg(Reg::ESP));
  st = s.run(RunMode::Step);
  CHECK(st.why == StopInfo::Why::Step);
  CHECK(s.reg(Reg::ESP) == esp - 4);

  // A port nobody uses never stops; the demo then runs to its end as without a debugger.
  s.clear_catches();
  REQUIRE(s.catch_upcall(1000, true));
  st = s.run();
  CHECK(st.why == StopInfo::Why::Ended);
  CHECK(st.exit_status == exit_code::kPowerOff);
}

TEST_CASE("PV: an upcall caught by its port, and the catch removed") {
  Loaded l = load("pv demo", std::begin(kPvDemoGuest), std::end(kPvDemoGuest));
  Session& s = *l.s;
  REQUIRE(s.catch_upcall(std::nullopt, true));
  StopInfo st = s.run();
  REQUIRE(st.why == StopInfo::Why::Upcall);
  const uint32_t port = st.port;
  s.clear_catches();
  CHECK(s.monitor("catch upcall " + std::to_string(port)).find("catching event upcalls for port") != std::string::npos);
  unsigned stops = 0;
  for (st = s.run(); st.why == StopInfo::Why::Upcall && stops < 100; st = s.run()) {
    ++stops;
    CHECK(std::find(st.ports.begin(), st.ports.end(), port) != st.ports.end());
    CHECK(st.port == port);
  }
  CHECK(st.why == StopInfo::Why::Ended);
  CHECK(stops >= 1);   // the demo reuses the port for its timer
  CHECK(s.monitor("catch upcall 5 6") .find("bad arguments") != std::string::npos);
}

TEST_CASE("PV: refused page-table and descriptor updates stop with their reason") {
  Loaded l = load("pv mm hostile", std::begin(kPvTestMmHostile), std::end(kPvTestMmHostile));
  Session& s = *l.s;
  CHECK(s.monitor("catch rejected").find("catching refused") != std::string::npos);
  unsigned hypercalls = 0, stores = 0;
  StopInfo st = s.run();
  REQUIRE(st.why == StopInfo::Why::Rejected);
  // The first refusal: update_va_mapping mapping the kernel's own L1 writable (-EBUSY).
  CHECK(st.update_hypercall == __HYPERVISOR_update_va_mapping);
  CHECK(int32_t(s.reg(Reg::EAX)) == -XEN_EBUSY);
  CHECK(!st.reason.empty());
  CHECK(st.text.find("update_va_mapping") != std::string::npos);
  CHECK(st.text.find(st.reason) != std::string::npos);
  CHECK(st.fault_eip == st.pc);   // right after the int 0x82
  for (; st.why == StopInfo::Why::Rejected && hypercalls + stores < 500; st = s.run()) {
    CHECK(!st.reason.empty());
    if (st.update_hypercall) {
      ++hypercalls;
      CHECK(hyper::is_update_hypercall(st.update_hypercall));
      CHECK(int32_t(s.reg(Reg::EAX)) < 0);
    } else {
      // A store to a pinned L1 the assist refused: stopped in the kernel's #PF handler, the
      // store's own address in the stop.
      ++stores;
      CHECK(st.pc != st.fault_eip);
      CHECK(st.text.find("writable page table") != std::string::npos);
      CHECK(st.text.find("the store at") != std::string::npos);
      uint8_t op = 0;
      CHECK(s.read_memory(st.fault_eip, &op, 1) == 1);
      CHECK(op == 0x89);   // movl %reg, (%reg)
    }
  }
  REQUIRE(st.why == StopInfo::Why::Ended);
  CHECK(st.exit_status == exit_code::kPowerOff);
  CHECK(stores == 2);
  // Every refused update hypercall stopped, and nothing else did.
  unsigned refused_updates = 0;
  s.with_target([&](Target& t) {
    for (const hyper::HypercallRecord& r : t.hypervisor()->hypercall_log().recent())
      if (r.result < 0 && hyper::is_update_hypercall(r.nr)) ++refused_updates;
    return 0;
  });
  CHECK(hypercalls == refused_updates);
  CHECK(hypercalls >= 20);
  CHECK(s.console().find("FAIL") == std::string::npos);
}

TEST_CASE("PV catches on a bare-metal machine are refused") {
  auto m = std::make_unique<PcMachine>(MachineConfig{});
  std::string err;
  REQUIRE(m->load_flat({0xf4}, 0x10000, err));
  Session s(std::make_unique<PcTarget>(std::move(m)));
  CHECK_FALSE(s.catch_upcall(std::nullopt, true));
  CHECK_FALSE(s.catch_rejected_updates(true));
  CHECK(s.monitor("catch rejected").find("not a PV domain") != std::string::npos);
  CHECK(s.monitor("catch upcall").find("not a PV domain") != std::string::npos);
}

TEST_CASE("the gdb stub on a PV domain: what a catch says, and one thread per vcpu") {
  Loaded l = load("pv demo", std::begin(kPvDemoGuest), std::end(kPvDemoGuest), 2);
  Session& s = *l.s;
  GdbStub stub(s);
  auto one = [&](std::string_view p) {
    GdbStub::Reply r = stub.handle(p);
    REQUIRE(r.packets.size() == 1);
    return r.packets[0];
  };
  CHECK(one("qfThreadInfo") == "m1,2");
  CHECK(one("qsThreadInfo") == "l");
  std::string extra;
  CHECK(gdb::from_hex(one("qThreadExtraInfo,1"), extra));
  CHECK(extra == "vcpu 0");
  CHECK(gdb::from_hex(one("qThreadExtraInfo,2"), extra));
  CHECK(extra == "vcpu 1 offline");   // the demo never brings vcpu 1 up
  CHECK(one("T2") == "OK");
  CHECK(one("T3") == "E01");
  // Hg selects the vcpu registers come from.
  const std::string eip0 = one("p8");
  CHECK(one("Hg2") == "OK");
  CHECK(one("qC") == "QC2");
  CHECK(s.vcpu() == 1);
  CHECK(one("p8") == gdb::le_hex(s.target().cpu(1).s.eip, 4));
  CHECK(one("Hg1") == "OK");
  CHECK(one("p8") == eip0);
  // A caught upcall: the note gdb prints, then the stop reply naming vcpu 0's thread.
  REQUIRE(s.catch_upcall(std::nullopt, true));
  const StopInfo st = s.run();
  REQUIRE(st.why == StopInfo::Why::Upcall);
  std::string note;
  CHECK(gdb::from_hex(stub.stop_note(st).substr(1), note));
  CHECK(note == "pvlab: " + st.text + "\n");
  CHECK(stub.stop_reply(st) == "T05thread:01;");
  CHECK(stub.stop_note(StopInfo{}).empty());
}

TEST_CASE("PV catches change nothing in the run: the same instructions and cycles") {
  auto finish = [](bool catches) {
    Loaded l = load("pv demo", std::begin(kPvDemoGuest), std::end(kPvDemoGuest));
    Session& s = *l.s;
    if (catches) {
      REQUIRE(s.catch_upcall(std::nullopt, true));
      REQUIRE(s.catch_rejected_updates(true));
    }
    unsigned stops = 0;
    StopInfo st = s.run();
    for (; st.why != StopInfo::Why::Ended && stops < 1000; st = s.run()) ++stops;
    CHECK(st.exit_status == exit_code::kPowerOff);
    const CpuState& c = s.target().cpu(0).s;
    return std::array<uint64_t, 3>{c.insns, c.cycles, stops};
  };
  const auto plain = finish(false), caught = finish(true);
  CHECK(plain[2] == 0);
  CHECK(caught[2] >= 3);   // the refused update, the event upcall, the timer's upcall
  CHECK(caught[0] == plain[0]);
  CHECK(caught[1] == plain[1]);
}
