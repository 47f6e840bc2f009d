// The debugging Session on small programs and on the demo guests: stepping, step over,
// breakpoints (linear and physical), watchpoints, catches, run-to, pause from another
// thread, registers, side-effect-free memory, page walks, descriptor tables, and a PV
// domain's hypercall catch and views.
#include <doctest/doctest.h>

#include <iterator>
#include <thread>

#include "demo_guest.h"
#include "frontend/exit_codes.h"
#include "frontend/session.h"
#include "pv_hello.h"

using namespace pvlab;

namespace {

// tests: 32-bit flat code at 0x10000 (assembled with GNU as; the listing is the source).
//   10000: bc 00 00 08 00     mov  $0x80000,%esp
//   10005: b8 01 00 00 00     mov  $0x1,%eax
//   1000a: e8 31 00 00 00     call 0x10040
//   1000f: 40                 inc  %eax
//   10010: a3 00 00 02 00     mov  %eax,0x20000
//   10015: b9 03 00 00 00     mov  $0x3,%ecx
//   1001a: bf 00 01 02 00     mov  $0x20100,%edi
//   1001f: f3 aa              rep stos %al,%es:(%edi)
//   10021: 90                 nop
//   10022: f4                 hlt              (IF=0: the machine ends, status 4)
//   10040: 83 c0 05           add  $0x5,%eax
//   10043: c3                 ret
std::vector<uint8_t> program() {
  static const uint8_t head[] = {0xbc, 0x00, 0x00, 0x08, 0x00, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xe8, 0x31,
                                 0x00, 0x00, 0x00, 0x40, 0xa3, 0x00, 0x00, 0x02, 0x00, 0xb9, 0x03, 0x00,
                                 0x00, 0x00, 0xbf, 0x00, 0x01, 0x02, 0x00, 0xf3, 0xaa, 0x90, 0xf4};
  static const uint8_t func[] = {0x83, 0xc0, 0x05, 0xc3};
  std::vector<uint8_t> p(0x44, 0x90);
  std::copy(std::begin(head), std::end(head), p.begin());
  std::copy(std::begin(func), std::end(func), p.begin() + 0x40);
  return p;
}

constexpr uint32_t kStart = 0x10000, kCall = 0x1000a, kAfterCall = 0x1000f, kStore = 0x10010,
                   kStoreDone = 0x10015, kRep = 0x1001f, kAfterRep = 0x10021, kFunc = 0x10040;

std::unique_ptr<Session> flat_session(const std::vector<uint8_t>& code, uint32_t at = kStart) {
  auto m = std::make_unique<PcMachine>(MachineConfig{});
  std::string err;
  REQUIRE(m->load_flat(code, at, err));
  return std::make_unique<Session>(std::make_unique<PcTarget>(std::move(m)));
}

std::unique_ptr<Session> demo_session() {
  std::string err;
  auto img = parse_elf("demo", std::vector<uint8_t>(std::begin(kDemoGuest), std::end(kDemoGuest)), err);
  REQUIRE(img.has_value());
  auto t = load_target(*img, LoadOptions{}, err);
  REQUIRE(t != nullptr);
  return std::make_unique<Session>(std::move(t));
}

uint32_t pc(Session& s) { return uint32_t(s.reg(Reg::CS_BASE) + s.reg(Reg::EIP)); }

}  // namespace

TEST_CASE("step, step into a call, step over a call and a REP string instruction") {
  auto s = flat_session(program());
  CHECK(pc(*s) == kStart);
  StopInfo st = s->run(RunMode::Step);
  CHECK(st.why == StopInfo::Why::Step);
  CHECK(st.pc == kStart + 5);
  CHECK(s->reg(Reg::ESP) == 0x80000);
  s->run(RunMode::Step);
  CHECK(pc(*s) == kCall);
  CHECK(s->reg(Reg::EAX) == 1);
  SUBCASE("into") {
    s->run(RunMode::Step);
    CHECK(pc(*s) == kFunc);
    CHECK(s->reg(Reg::ESP) == 0x80000 - 4);
  }
  SUBCASE("over") {
    st = s->run(RunMode::StepOver);
    CHECK(st.why == StopInfo::Why::Step);
    CHECK(pc(*s) == kAfterCall);
    CHECK(s->reg(Reg::EAX) == 6);
    CHECK(s->reg(Reg::ESP) == 0x80000);
    st = s->run(RunMode::RunTo, kRep);
    CHECK(st.why == StopInfo::Why::Breakpoint);
    CHECK(pc(*s) == kRep);
    st = s->run(RunMode::StepOver);   // the whole REP STOSB
    CHECK(pc(*s) == kAfterRep);
    CHECK(s->reg(Reg::ECX) == 0);
    CHECK(s->breakpoints().empty());   // the temporary breakpoints are gone
  }
}

TEST_CASE("breakpoints stop before the instruction and continue leaves them") {
  auto s = flat_session(program());
  SUBCASE("linear") { s->add_breakpoint(kStore); }
  SUBCASE("physical") { s->add_breakpoint(kStore, true); }   // paging is off: the same address
  StopInfo st = s->run();
  CHECK(st.why == StopInfo::Why::Breakpoint);
  CHECK(st.pc == kStore);
  CHECK(s->reg(Reg::EAX) == 7);
  uint32_t word = 0;
  CHECK(s->read_memory(0x20000, &word, 4) == 4);
  CHECK(word == 0);   // not executed yet
  // Continuing from the breakpoint runs it and goes on to the end.
  st = s->run();
  CHECK(st.why == StopInfo::Why::Ended);
  CHECK(st.exit_status == exit_code::kHaltIfOff);
  CHECK(s->read_memory(0x20000, &word, 4) == 4);
  CHECK(word == 7);
  // An ended machine stays ended.
  CHECK(s->run().why == StopInfo::Why::Ended);
}

TEST_CASE("a breakpoint in the middle of an already decoded block still fires") {
  auto s = flat_session(program());
  std::string err;
  s->run(RunMode::RunTo, kAfterCall);   // the block from 0x1000f is now decoded and cached
  REQUIRE(s->set_reg(Reg::EIP, kStart, err));
  s->add_breakpoint(kStore);            // its second instruction
  const StopInfo st = s->run();
  CHECK(st.why == StopInfo::Why::Breakpoint);
  CHECK(st.pc == kStore);
  CHECK(s->reg(Reg::EAX) == 7);
}

TEST_CASE("watchpoints stop after the access") {
  auto s = flat_session(program());
  SUBCASE("write, linear") { s->add_watchpoint({0x20000, 4, watch::kWrite, false}); }
  SUBCASE("access, physical, one byte inside") { s->add_watchpoint({0x20002, 1, watch::kAccess, true}); }
  StopInfo st = s->run();
  CHECK(st.why == StopInfo::Why::Watchpoint);
  CHECK(st.pc == kStoreDone);
  CHECK(st.hit.access == watch::kWrite);
  CHECK(st.hit.index == 0);
  uint32_t word = 0;
  s->read_memory(0x20000, &word, 4);
  CHECK(word == 7);
}

TEST_CASE("a watchpoint sees each element of a REP string instruction") {
  auto s = flat_session(program());
  s->add_watchpoint({0x20101, 1, watch::kWrite, false});
  StopInfo st = s->run();
  CHECK(st.why == StopInfo::Why::Watchpoint);
  CHECK(st.pc == kRep);             // stopped part-way through the REP
  CHECK(s->reg(Reg::ECX) == 1);     // two of three bytes written
  CHECK(st.hit.addr == 0x20101);
}

TEST_CASE("registers, memory writes and code patched through the debug path") {
  auto s = flat_session(program());
  std::string err;
  s->run(RunMode::RunTo, kAfterCall);   // decodes and runs func once
  CHECK(s->reg(Reg::EAX) == 6);
  // Patch `add $5` to `add $9` and call func again from the start: the cached block is dropped.
  const uint8_t nine = 9;
  CHECK(s->write_memory(kFunc + 2, &nine, 1) == 1);
  CHECK(s->set_reg(Reg::EIP, kStart, err));
  s->run(RunMode::RunTo, kAfterCall);
  CHECK(s->reg(Reg::EAX) == 10);
  CHECK(s->set_reg(Reg::EAX, 0x12345678, err));
  CHECK(s->reg(Reg::EAX) == 0x12345678);
  CHECK(s->set_reg(Reg::EFLAGS, 0x2 | fl::CF | fl::ZF, err));
  CHECK((s->reg(Reg::EFLAGS) & (fl::CF | fl::ZF)) == (fl::CF | fl::ZF));
  CHECK_FALSE(s->set_reg(Reg::CPL, 3, err));
  CHECK(!err.empty());
  CHECK(reg_by_name("cr3") == Reg::CR3);
  // Physical and linear views agree with paging off; reads past RAM stop short.
  uint8_t a[4], b[4];
  CHECK(s->read_memory(kFunc, a, 4) == 4);
  CHECK(s->read_memory(kFunc, b, 4, true) == 4);
  CHECK(std::equal(a, a + 4, b));
  CHECK(a[2] == 9);
  uint8_t big[16];
  CHECK(s->read_memory((64u << 20) - 8, big, 16, true) == 8);
}

TEST_CASE("disassembly in Intel and AT&T syntax") {
  auto s = flat_session(program());
  const std::string intel = s->disassemble(kStart + 5, 2);
  const std::string att = s->disassemble(kStart + 5, 2, true);
  CHECK(intel.find("mov eax, 1") != std::string::npos);
  CHECK(att.find("movl $1, %eax") != std::string::npos);
  CHECK(intel.find("call") != std::string::npos);
}

TEST_CASE("pause from another thread, then the instruction limit ends the machine") {
  auto s = flat_session({0xeb, 0xfe});   // jmp .
  s->start(RunMode::Continue);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  const uint64_t seen = s->with_target([](Target& t) { return t.cpu(0).s.insns; });   // between slices
  s->pause();
  std::optional<StopInfo> st;
  for (int k = 0; k < 500 && !st; ++k) st = s->wait(std::chrono::milliseconds(20));
  REQUIRE(st.has_value());
  CHECK(st->why == StopInfo::Why::Paused);
  CHECK(st->pc == kStart);
  const uint64_t done = s->reg(Reg::EIP) == kStart ? s->with_target([](Target& t) { return t.cpu(0).s.insns; }) : 0;
  CHECK(done >= seen);
  CHECK(done > 0);
  s->set_insn_limit(done + 1000);
  StopInfo end = s->run();
  CHECK(end.why == StopInfo::Why::Ended);
  CHECK(end.exit_status == exit_code::kLimit);
  CHECK(s->with_target([](Target& t) { return t.cpu(0).s.insns; }) == done + 1000);
}

TEST_CASE("catching an interrupt vector and an exception (real mode)") {
  // 0x1000: int $0x30; IVT[0x30] -> 0000:2000: ud2; IVT[6] -> 0000:3000: hlt
  std::vector<uint8_t> mem(0x3001, 0x90);
  mem[0x1000] = 0xcd;
  mem[0x1001] = 0x30;
  mem[0x2000] = 0x0f;
  mem[0x2001] = 0x0b;
  mem[0x3000] = 0xf4;
  auto s = flat_session(mem, 0);
  std::string err;
  const uint32_t ivt30 = 0x00002000, ivt6 = 0x00003000;
  CHECK(s->write_memory(0x30 * 4, &ivt30, 4, true) == 4);
  CHECK(s->write_memory(6 * 4, &ivt6, 4, true) == 4);
  REQUIRE(s->set_reg(Reg::CR0, s->reg(Reg::CR0) & ~1ull, err));   // back to real mode
  REQUIRE(s->set_reg(Reg::CS, 0, err));
  REQUIRE(s->set_reg(Reg::SS, 0, err));
  REQUIRE(s->set_reg(Reg::ESP, 0x8000, err));
  REQUIRE(s->set_reg(Reg::EIP, 0x1000, err));
  s->catch_vector(0x30, true);
  s->catch_vector(6, true);
  StopInfo st = s->run();
  CHECK(st.why == StopInfo::Why::Event);
  CHECK(st.hit.vector == 0x30);
  CHECK(st.hit.event_kind == uint8_t(EventKind::SoftInt));
  CHECK(st.hit.eip == 0x1000);
  CHECK(st.pc == 0x2000);   // delivered: stopped at the handler
  st = s->run();
  CHECK(st.why == StopInfo::Why::Event);
  CHECK(st.hit.vector == 6);
  CHECK(st.hit.eip == 0x2000);
  CHECK(st.pc == 0x3000);
  s->clear_catches();
  CHECK(s->run().why == StopInfo::Why::Ended);
}

TEST_CASE("page walks: 2-level and PAE with NX, and the debug path sets no accessed bits") {
  auto s = flat_session(program());
  std::string err;
  auto put = [&](uint64_t pa, uint64_t v, unsigned n) { REQUIRE(s->write_memory(pa, &v, n, true) == n); };
  SUBCASE("2-level") {
    put(0x100000 + 4 * 1, 0x101000 | 0x7, 4);          // PDE 1 (0x400000..): table at 0x101000
    put(0x101000 + 4 * 5, 0x205000 | 0x3, 4);          // PTE 5: page 0x205000, RW, supervisor
    put(0x100000 + 4 * 0, 0x000000 | 0x83, 4);         // PDE 0: a 4 MiB page (identity)
    REQUIRE(s->set_reg(Reg::CR4, s->reg(Reg::CR4) | cr4::PSE, err));
    REQUIRE(s->set_reg(Reg::CR3, 0x100000, err));
    REQUIRE(s->set_reg(Reg::CR0, s->reg(Reg::CR0) | cr0::PG, err));
    const PageWalkView v = s->page_walk(0x405123);
    CHECK(v.paging);
    CHECK_FALSE(v.pae);
    REQUIRE(v.steps.size() == 2);
    CHECK(v.steps[0].level == "PDE");
    CHECK(v.steps[0].entry_addr == 0x100004);
    CHECK(v.steps[1].level == "PTE");
    CHECK(v.steps[1].bits.find("RW") != std::string::npos);
    CHECK(v.ok);
    CHECK(v.phys == 0x205123);
    CHECK(format_page_walk(v).find("physical 0x205123") != std::string::npos);
    const PageWalkView big = s->page_walk(0x10000);
    CHECK(big.steps.size() == 1);
    CHECK(big.steps[0].bits.find("PS") != std::string::npos);
    CHECK_FALSE(s->page_walk(0x800000).ok);
  }
  SUBCASE("PAE with NX") {
    put(0x100000, 0x101000 | 0x1, 8);                        // PDPTE 0 -> PD
    put(0x101000 + 8 * 2, 0x102000 | 0x7, 8);               // PDE 2 (0x400000..) -> PT
    put(0x102000 + 8 * 5, 0x8000000000205000ull | 0x3, 8);  // PTE 5: NX, RW
    put(0x101000 + 8 * 0, 0x000000 | 0x83, 8);              // PDE 0: 2 MiB identity page
    REQUIRE(s->set_reg(Reg::EFER, efer::NXE, err));
    REQUIRE(s->set_reg(Reg::CR4, s->reg(Reg::CR4) | cr4::PAE, err));
    REQUIRE(s->set_reg(Reg::CR3, 0x100000, err));
    REQUIRE(s->set_reg(Reg::CR0, s->reg(Reg::CR0) | cr0::PG, err));
    const PageWalkView v = s->page_walk(0x405123);
    CHECK(v.pae);
    CHECK(v.nx_enabled);
    REQUIRE(v.steps.size() == 3);
    CHECK(v.steps[0].level == "PDPTE");
    CHECK(v.steps[2].level == "PTE");
    CHECK(v.steps[2].bits.find("NX") != std::string::npos);
    CHECK(v.phys == 0x205123);
    // Reading and writing through the mapping leave the PTE's A and D bits alone.
    const uint32_t word = 0xdeadbeef;
    CHECK(s->write_memory(0x405120, &word, 4) == 4);
    uint32_t back = 0;
    CHECK(s->read_memory(0x205120, &back, 4, true) == 4);
    CHECK(back == word);
    uint64_t pte = 0;
    s->read_memory(0x102000 + 8 * 5, &pte, 8, true);
    CHECK((pte & (pte::A | pte::D)) == 0);
    CHECK(s->monitor("pt 0x405123").find("NX") != std::string::npos);
  }
}

TEST_CASE("the demo guest: descriptor tables, TLB and counters, to the end") {
  auto s = demo_session();
  CHECK(std::string(s->kind()) == "pc");
  s->run(RunMode::Continue, 0);   // to its end (power off)
  CHECK(s->ended());
  CHECK(s->exit_status() == 0);
  CHECK(s->console().find("primes below 10000: 1229") != std::string::npos);
  CHECK(s->monitor("counters").find("instructions") != std::string::npos);
  CHECK(s->monitor("tlb").find("D-TLB") != std::string::npos);
  CHECK(s->monitor("gdt").find("GDT at") != std::string::npos);
  CHECK(s->monitor("tss").find("TR=") != std::string::npos);
  CHECK(s->monitor("frames").find("not a PV domain") != std::string::npos);
  CHECK(s->monitor("help").find("monitor commands") != std::string::npos);
  CHECK(s->monitor("nonsense").find("unknown") != std::string::npos);
  CHECK(s->monitor("pt").find("usage") != std::string::npos);
  CHECK(s->monitor("x 0x100000 16").find("00100000:") != std::string::npos);
}

TEST_CASE("descriptor tables in memory, and selectors loaded from them") {
  auto s = flat_session(program());
  std::string err;
  const uint64_t gdt[4] = {0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull, 0x0040f2001234ffffull};
  REQUIRE(s->write_memory(0x30000, gdt, sizeof gdt, true) == sizeof gdt);
  REQUIRE(s->set_reg(Reg::GDTR_BASE, 0x30000, err));
  REQUIRE(s->set_reg(Reg::GDTR_LIMIT, sizeof gdt - 1, err));
  const std::vector<DescriptorView> v = s->with_target(
      [](Target& t) { return descriptor_table(t.cpu(0), DescTableKind::Gdt); });
  REQUIRE(v.size() == 3);
  CHECK(v[0].index == 1);
  CHECK(v[0].type == "code XR");
  CHECK(v[2].base == 0x1234);
  CHECK(v[2].dpl == 3);
  const std::string text = s->monitor("gdt");
  CHECK(text.find("0008 00cf9a000000ffff P dpl=0 code XR") != std::string::npos);
  CHECK(text.find("data RW") != std::string::npos);
  // A data selector takes its base and limit from the table; one past the limit is refused.
  REQUIRE(s->set_reg(Reg::DS, 0x1b, err));
  CHECK(s->reg(Reg::DS_BASE) == 0x1234);
  CHECK(s->reg(Reg::DS_LIMIT) == 0xffff);
  CHECK_FALSE(s->set_reg(Reg::DS, 0x23, err));
  CHECK(s->reg(Reg::DS) == 0x1b);
}

TEST_CASE("decoding descriptors") {
  // Flat 4 GiB ring-0 code, 32-bit, granular.
  DescriptorView d = decode_descriptor(0x00cf9a000000ffffull, 1);
  CHECK(d.present);
  CHECK_FALSE(d.system);
  CHECK(d.type == "code XR");
  CHECK(d.base == 0);
  CHECK(d.limit == 0xffffffffu);
  CHECK(d.flags.find("32-bit") != std::string::npos);
  // A ring-3 32-bit interrupt gate to 0008:12345678.
  d = decode_descriptor(0x1234ee0000085678ull, 0);
  CHECK(d.gate);
  CHECK(d.type == "32-bit interrupt gate");
  CHECK(d.dpl == 3);
  CHECK(d.selector == 8);
  CHECK(d.offset == 0x12345678);
}

TEST_CASE("a PV domain: catching hypercalls, the hypercall log, frames and event channels") {
  std::string err;
  auto img = parse_elf("pv hello", std::vector<uint8_t>(std::begin(kPvHello), std::end(kPvHello)), err);
  REQUIRE(img.has_value());
  auto t = load_target(*img, LoadOptions{}, err);
  REQUIRE(t != nullptr);
  Session s(std::move(t));
  CHECK(std::string(s.kind()) == "pv");
  REQUIRE(s.catch_hypercall(std::nullopt, true));
  StopInfo st = s.run();
  REQUIRE(st.why == StopInfo::Why::Event);
  CHECK(st.hit.vector == 0x82);
  CHECK(st.text.find("hypercall") != std::string::npos);
  const std::string log = s.monitor("hypercalls 4");
  CHECK(log.find("hypercalls: 1 in all") != std::string::npos);
  CHECK(s.reg(Reg::CPL) == 1);
  const PageWalkView v = s.page_walk(st.pc);
  CHECK(v.pae);
  CHECK(v.ok);
  CHECK(s.monitor("frames").find("L3") != std::string::npos);
  CHECK(s.monitor("evtchn").find("event channels") != std::string::npos);
  CHECK(s.monitor("pt 0xf5800000").find("hypervisor area") != std::string::npos);
  CHECK(s.monitor("pt $eip").find("PDPTE") != std::string::npos);
  CHECK(s.monitor("disas eip 2 att") == s.disassemble(st.pc, 2, true));
  s.clear_catches();
  st = s.run();
  CHECK(st.why == StopInfo::Why::Ended);
  CHECK(st.exit_status == exit_code::kPowerOff);
  CHECK(s.console().find("Hello from a pvlab PV guest") != std::string::npos);
}
