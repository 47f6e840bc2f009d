// The gdb remote protocol: framing, escapes and checksums, command parsing, a bounded fuzz
// run of both (any bytes give events and errors, never a crash), and the stub answering
// packets over a Session on the demo guest.
#include <doctest/doctest.h>

#include <iterator>

#include "demo_guest.h"
#include "frontend/gdb_stub.h"

using namespace pvlab;
using namespace pvlab::gdb;

namespace {

std::vector<FrameEvent> frames(std::string_view bytes) {
  FrameReader r;
  std::vector<FrameEvent> out;
  r.feed(bytes, out);
  return out;
}

std::unique_ptr<Session> demo_session() {
  std::string err;
  auto img = parse_elf("demo", std::vector<uint8_t>(std::begin(kDemoGuest), std::end(kDemoGuest)), err);
  REQUIRE(img.has_value());
  auto t = load_target(*img, LoadOptions{}, err);
  REQUIRE(t != nullptr);
  return std::make_unique<Session>(std::move(t));
}

// xorshift64*: a deterministic stream for the fuzz run.
struct Rng {
  uint64_t x;
  uint64_t next() {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    return x * 0x2545f4914f6cdd1dull;
  }
  unsigned below(unsigned n) { return unsigned(next() % n); }
};

}  // namespace

TEST_CASE("framing: packets, acks, Ctrl-C, escapes, checksums") {
  CHECK(frame_packet("OK") == "$OK#9a");
  CHECK(frame_packet("") == "$#00");
  // '$', '#', '}' and '*' are escaped, and the reader undoes it.
  const std::string odd = std::string("a$b#c}d*e") + char(0) + char(0xff);
  const std::string framed = frame_packet(odd);
  CHECK(framed.find('*') == std::string::npos);
  auto ev = frames("+" + framed + "-\x03");
  REQUIRE(ev.size() == 4);
  CHECK(ev[0].kind == FrameEvent::Kind::Ack);
  CHECK(ev[1].kind == FrameEvent::Kind::Packet);
  CHECK(ev[1].data == odd);
  CHECK(ev[2].kind == FrameEvent::Kind::Nack);
  CHECK(ev[3].kind == FrameEvent::Kind::Interrupt);
  // A packet split across reads.
  FrameReader r;
  std::vector<FrameEvent> out;
  r.feed("$g#", out);
  CHECK(out.empty());
  r.feed("67", out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].data == "g");
  // Wrong checksum, non-hex checksum, junk outside packets, a restarted packet.
  CHECK(frames("$g#00")[0].kind == FrameEvent::Kind::BadChecksum);
  CHECK(frames("$g#zz")[0].kind == FrameEvent::Kind::BadChecksum);
  ev = frames("garbage$m0,4$g#67");
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].data == "g");
  // Too long: skipped, reported once, and the reader is fine afterwards.
  ev = frames("$" + std::string(kMaxPacket + 100, 'a') + "#00$g#67");
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].kind == FrameEvent::Kind::TooLong);
  CHECK(ev[1].data == "g");
}

TEST_CASE("hex helpers") {
  std::string out;
  CHECK(from_hex("00ff7a", out));
  CHECK(out == std::string("\x00\xff\x7a", 3));
  CHECK_FALSE(from_hex("abc", out));
  CHECK_FALSE(from_hex("zz", out));
  uint64_t v;
  CHECK(parse_hex_u64("ffffffffffffffff", v));
  CHECK(v == ~0ull);
  CHECK_FALSE(parse_hex_u64("1ffffffffffffffff", v));
  CHECK_FALSE(parse_hex_u64("", v));
  CHECK(le_hex(0x12345678, 4) == "78563412");
  CHECK(le_hex(1, 10) == "01000000000000000000");
}

TEST_CASE("command parsing") {
  using K = Command::Kind;
  Command c = parse_command("m100000,40");
  CHECK(c.kind == K::ReadMem);
  CHECK(c.addr == 0x100000);
  CHECK(c.len == 0x40);
  c = parse_command("M2000,2:abcd");
  CHECK(c.kind == K::WriteMem);
  CHECK(c.data == "\xab\xcd");
  c = parse_command("X2000,3:a}\x03z");   // the reader unescapes; here the payload is raw
  CHECK(c.kind == K::Malformed);          // 4 bytes of data for LEN 3
  c = parse_command("X2000,0:");
  CHECK(c.kind == K::WriteMem);
  c = parse_command("Z0,100010,1");
  CHECK(c.kind == K::InsertBreak);
  CHECK(c.type == 0);
  CHECK(c.addr == 0x100010);
  c = parse_command("z2,20000,4");
  CHECK(c.kind == K::RemoveBreak);
  CHECK(c.type == 2);
  CHECK(c.len == 4);
  CHECK(parse_command("P8=00001000").kind == K::WriteReg);
  CHECK(parse_command("p29").type == 0x29);
  CHECK(parse_command("vCont;s:1;c").kind == K::Step);
  CHECK(parse_command("vCont;c").kind == K::Continue);
  CHECK(parse_command("c100000").has_addr);
  CHECK(parse_command("C05;100000").addr == 0x100000);
  CHECK(parse_command("qXfer:features:read:target.xml:0,ffb").name == "target.xml");
  c = parse_command("qRcmd,68656c70");
  CHECK(c.kind == K::Monitor);
  CHECK(c.data == "help");
  CHECK(parse_command("qSupported:multiprocess+;swbreak+").kind == K::Supported);
  CHECK(parse_command("QStartNoAckMode").kind == K::NoAckMode);
  CHECK(parse_command("qTStatus").kind == K::Unsupported);
  CHECK(parse_command("").kind == K::Unsupported);
  // Malformed and absurd.
  for (const char* bad : {"m", "m12", "m,4", "mzz,4", "m0,ffffffff", "m0,10000000000000000", "M0,2:abc",
                          "M0,1", "Z9,0,1", "Z0,0,0", "Z0", "pq", "P8", "P8=xyz", "Gabc", "g1",
                          "qRcmd,6", "vCont;x", "qXfer:features:read:target.xml", "Hx0", "S"})
    CHECK_MESSAGE(parse_command(bad).kind == K::Malformed, bad);
}

TEST_CASE("fuzzing the reader, the parser and the stub (bounded, seeded)") {
  auto s = demo_session();
  GdbStub stub(*s);
  Rng rng{0x9e3779b97f4a7c15ull};
  static const char* kSeeds[] = {"m100000,40", "M100000,2:9090", "Z0,100000,1", "z0,100000,1",
                                 "Z2,200000,4", "p8", "P0=01020304", "qRcmd,74 6c62", "qXfer:features:read:target.xml:0,100",
                                 "g", "X100000,1:\x90", "vCont;s", "qSupported", "H g0", "T1"};
  FrameReader reader;
  std::vector<FrameEvent> events;
  size_t packets = 0, errors = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string p = kSeeds[rng.below(std::size(kSeeds))];
    const unsigned edits = rng.below(6);
    for (unsigned e = 0; e < edits; ++e) {
      const unsigned at = p.empty() ? 0 : rng.below(unsigned(p.size()));
      switch (rng.below(4)) {
        case 0: if (!p.empty()) p[at] = char(rng.next()); break;
        case 1: p.insert(p.begin() + at, char(rng.next())); break;
        case 2: if (!p.empty()) p.erase(p.begin() + at); break;
        case 3: p += std::string(rng.below(3) == 0 ? rng.below(40000) : rng.below(8), 'f'); break;
      }
    }
    // Through the reader, sometimes with a broken checksum or split in two.
    std::string wire = frame_packet(p);
    if (rng.below(8) == 0) wire[wire.size() - 1] ^= 1;
    if (rng.below(8) == 0) wire.insert(rng.below(unsigned(wire.size())), 1, char(rng.next()));
    events.clear();
    const size_t cut = rng.below(unsigned(wire.size()) + 1);
    reader.feed(std::string_view(wire).substr(0, cut), events);
    reader.feed(std::string_view(wire).substr(cut), events);
    for (const FrameEvent& e : events) {
      if (e.kind != FrameEvent::Kind::Packet) continue;
      ++packets;
      const Command c = parse_command(e.data);
      if (c.kind == Command::Kind::Malformed) {
        ++errors;
        CHECK(!c.error.empty());
      }
      CHECK(c.data.size() <= kMaxPacket);
      // The stub answers everything that does not start the machine.
      if (c.kind == Command::Kind::Continue || c.kind == Command::Kind::Step) continue;
      const GdbStub::Reply r = stub.handle(e.data);
      for (const std::string& out : r.packets) CHECK(out.size() <= 2 * kMaxPacket + 64);
    }
  }
  CHECK(packets > 1000);
  CHECK(errors > 100);
}

TEST_CASE("the stub over a session: registers, memory, breakpoints, watchpoints, monitor") {
  auto s = demo_session();
  GdbStub stub(*s);
  auto one = [&](std::string_view p) {
    GdbStub::Reply r = stub.handle(p);
    REQUIRE(r.packets.size() == 1);
    return r.packets[0];
  };
  CHECK(one("qSupported:swbreak+").find("qXfer:features:read+") != std::string::npos);
  const std::string xml = one("qXfer:features:read:target.xml:0,3fff");
  CHECK(xml[0] == 'l');
  CHECK(xml.find("org.gnu.gdb.i386.core") != std::string::npos);
  CHECK(xml.find("<reg name=\"cr3\"") != std::string::npos);
  CHECK(one("qXfer:features:read:other.xml:0,100") == "E00");
  CHECK(one("?") == "T05thread:01;");
  // g: 16 registers of 4 bytes, 8 x87 registers of 10, 8 of 4, then the system feature.
  const std::string g = one("g");
  CHECK(g.size() == 2 * (16 * 4 + 8 * 10 + 8 * 4) + 2 * 4 * (GdbStub::gdb_reg_count() - 32) + 2 * 4);
  const std::string eip = one("p8");
  CHECK(eip == le_hex(s->reg(Reg::EIP), 4));
  CHECK(g.substr(8 * 8, 8) == eip);
  CHECK(one("P0=78563412") == "OK");
  CHECK(s->reg(Reg::EAX) == 0x12345678);
  CHECK(one("p0") == "78563412");
  CHECK(one("p2000") == "E01");
  CHECK(one("Pff=00") == "E01");
  // Memory: write, read back, unmapped, binary write.
  CHECK(one("M200000,4:deadbeef") == "OK");
  CHECK(one("m200000,4") == "deadbeef");
  CHECK(one("X200004,2:\x01\x02") == "OK");
  CHECK(one("m200004,2") == "0102");
  CHECK(one("mfffffff0,4") == "E14");
  CHECK(one("m0,ffffffff") == "E01");
  // A breakpoint on the entry's next instructions, and a monitor command.
  const uint32_t entry = uint32_t(s->reg(Reg::EIP));
  const std::string after = s->disassemble(entry, 2);
  GdbStub::Reply mon = stub.handle("qRcmd," + to_hex(std::string_view("disas")));
  REQUIRE(mon.packets.size() >= 2);
  CHECK(mon.packets.front()[0] == 'O');
  CHECK(mon.packets.back() == "OK");
  std::string text;
  CHECK(from_hex(std::string_view(mon.packets.front()).substr(1), text));
  CHECK(text.find(after.substr(2, 8)) != std::string::npos);
  // Z0 at a later instruction, c, then the stop reply.
  const uint32_t second = entry + insn_info(s->target().cpu(0), entry).len;
  char z[64];
  std::snprintf(z, sizeof z, "Z0,%x,1", second);
  CHECK(one(z) == "OK");
  GdbStub::Reply c = stub.handle("c");
  CHECK(c.resume);
  CHECK(c.packets.empty());
  StopInfo st = s->run(c.mode);
  CHECK(st.pc == second);
  CHECK(stub.stop_reply(st) == "T05thread:01;");
  std::snprintf(z, sizeof z, "z0,%x,1", second);
  CHECK(one(z) == "OK");
  CHECK(s->breakpoints().empty());
  // A write watchpoint on the next stack slot: the stop reply names it.
  const uint32_t slot = uint32_t(s->reg(Reg::ESP)) - 4;
  std::snprintf(z, sizeof z, "Z2,%x,4", slot);
  CHECK(one(z) == "OK");
  const StopInfo w = s->run();
  CHECK(w.why == StopInfo::Why::Watchpoint);
  char expect[64];
  std::snprintf(expect, sizeof expect, "T05watch:%x;", slot);
  CHECK(stub.stop_reply(w).find(expect) == 0);
  std::snprintf(z, sizeof z, "z2,%x,4", slot);
  CHECK(one(z) == "OK");
  CHECK(s->watchpoints().empty());
  CHECK(stub.stop_reply(StopInfo{StopInfo::Why::Ended, 0, 0, {}, 3, {}}) == "W03");
  CHECK(stub.handle("D").detach);
  CHECK(stub.handle("k").kill);
  CHECK(one("vMustReplyEmpty").empty());
  CHECK(one("QStartNoAckMode") == "OK");
  CHECK(stub.no_ack());
}

TEST_CASE("thread packets: parsing, and one thread on a bare-metal machine") {
  using K = Command::Kind;
  Command c = parse_command("Hg2");
  CHECK(c.kind == K::SetThread);
  CHECK(c.type == unsigned('g'));
  CHECK(c.thread == 2);
  c = parse_command("Hc-1");
  CHECK(c.kind == K::SetThread);
  CHECK(c.type == unsigned('c'));
  CHECK(c.thread == -1);
  CHECK(parse_command("Hg0").thread == 0);
  CHECK(parse_command("T1a").thread == 0x1a);
  c = parse_command("qThreadExtraInfo,2");
  CHECK(c.kind == K::ThreadExtra);
  CHECK(c.thread == 2);
  CHECK(parse_command("vCont;s:2;c").thread == 2);
  CHECK(parse_command("vCont;c").thread == -1);
  for (const char* bad : {"Hgx", "Hg", "T", "Tzz", "T123456789", "qThreadExtraInfo,", "vCont;s:q"})
    CHECK_MESSAGE(parse_command(bad).kind == K::Malformed, bad);

  auto s = demo_session();
  GdbStub stub(*s);
  auto one = [&](std::string_view p) {
    GdbStub::Reply r = stub.handle(p);
    REQUIRE(r.packets.size() == 1);
    return r.packets[0];
  };
  CHECK(one("qfThreadInfo") == "m1");
  CHECK(one("qsThreadInfo") == "l");
  CHECK(one("qC") == "QC1");
  CHECK(one("T1") == "OK");
  CHECK(one("T2") == "E01");
  CHECK(one("Hg1") == "OK");
  CHECK(one("Hg0") == "OK");
  CHECK(one("Hg2") == "E01");
  CHECK(one("Hc-1") == "OK");
  std::string extra;
  CHECK(from_hex(one("qThreadExtraInfo,1"), extra));
  CHECK(extra == "vcpu 0");
  CHECK(one("qThreadExtraInfo,2") == "E01");
}
