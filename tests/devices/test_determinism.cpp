// Every device together (the PcDevices bundle), driven by a scripted "CPU" that runs blocks of varying length,
// takes interrupts and services them as a kernel would. The same script twice gives the
// same interrupts, output and state bytes, and a snapshot taken half way and loaded into a
// fresh set of devices finishes identically.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "devices/pc/pc_devices.h"

using namespace pvlab;

namespace {

struct MiniPc {
  PhysMem ram{1u << 20};
  Bus bus{ram};
  std::string console;
  PcDevices dev{bus, PcDevicesConfig{}, [this](uint8_t b) { console.push_back(char(b)); }};
  DeviceClock& clk = dev.clock();
  std::vector<std::pair<uint64_t, uint8_t>> taken;
  uint64_t lcg = 12345;   // block lengths: a fixed pseudo-random sequence
  uint64_t next_input = 0;

  void outb(uint16_t p, uint8_t v) { bus.port_out(p, 1, v); }
  uint8_t inb(uint16_t p) { return uint8_t(bus.port_in(p, 1)); }

  void boot() {
    // 8259s at 0x20/0x28; IRQ 0, 2, 4 and 8 open.
    const uint8_t seq[] = {0x11, 0x20, 0x04, 0x01, 0x11, 0x28, 0x02, 0x01};
    outb(0x20, seq[0]), outb(0x21, seq[1]), outb(0x21, seq[2]), outb(0x21, seq[3]);
    outb(0xa0, seq[4]), outb(0xa1, seq[5]), outb(0xa1, seq[6]), outb(0xa1, seq[7]);
    outb(0x21, 0xea);
    outb(0xa1, 0xfe);
    // PIT channel 0 at 1 kHz.
    outb(0x43, 0x34);
    outb(0x40, 1193 & 0xff);
    outb(0x40, 1193 >> 8);
    // COM1 115200 8N1, FIFO trigger 1, received-data interrupts.
    outb(0x3fb, 0x80), outb(0x3f8, 1), outb(0x3f9, 0), outb(0x3fb, 0x03);
    outb(0x3fa, 0x07), outb(0x3fc, 0x0b), outb(0x3f9, 0x01);
    // RTC periodic interrupt at 1024 Hz.
    outb(0x70, 0x0a), outb(0x71, 0x26);
    outb(0x70, 0x0b), outb(0x71, 0x42);
    // Local APIC: enabled, virtual wire, periodic timer.
    bus.write(0xfee000f0, 4, 0x1ff);
    bus.write(0xfee00350, 4, 0x700);
    bus.write(0xfee003e0, 4, 0x03);
    bus.write(0xfee00320, 4, (1u << 17) | 0x40);
    bus.write(0xfee00380, 4, 5000);
    outb(0x80, 0x01);
  }

  void service(uint8_t v) {
    switch (v) {
      case 0x20: outb(0x20, 0x20); break;
      case 0x24:
        while (inb(0x3fd) & 1) {
          const char c = char(inb(0x3f8));
          outb(0x3f8, uint8_t(c >= 'a' && c <= 'z' ? c - 32 : c));
        }
        outb(0x20, 0x20);
        break;
      case 0x28:
        outb(0x70, 0x0c);
        inb(0x71);
        outb(0xa0, 0x20);
        outb(0x20, 0x20);
        break;
      case 0x40: bus.write(0xfee000b0, 4, 0); break;
      default: break;   // spurious: no EOI
    }
  }

  // Run blocks until `end`, as the CPU's run loop would.
  void run(uint64_t end) {
    static const std::pair<uint64_t, const char*> kInputs[] = {
        {1'000'000, "hello"}, {7'777'777, "world"}, {15'000'000, "!"}};
    while (clk.now() < end) {
      // The frontend pushes host input between run slices, stamped with the current cycle.
      if (next_input < 3 && clk.now() >= kInputs[next_input].first) {
        dev.input().push(clk.now(), input_source::kCom1, kInputs[next_input].second);
        ++next_input;
      }
      if (clk.now() >= dev.next_deadline()) dev.run_due(clk.now());
      if (dev.irq_pending()) {
        const uint8_t v = dev.irq_ack();
        taken.emplace_back(clk.now(), v);
        service(v);
      }
      lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
      clk.set_now(clk.now() + 200 + (lcg >> 54));   // a block of 200-1223 cycles
      if ((lcg >> 20 & 0xffff) == 7) outb(0x92, inb(0x92) ^ 0x02);
    }
  }

  std::vector<uint8_t> state() const {
    StateWriter w;
    dev.save(w);
    w.u64(lcg);
    w.u64(next_input);
    return w.take();
  }

  bool load(const std::vector<uint8_t>& b) {
    StateReader r(b);
    bool ok = dev.load(r);
    lcg = r.u64();
    next_input = r.u64();
    return ok && r.ok() && r.at_end();
  }
};

constexpr uint64_t kEnd = 20'000'000;

}  // namespace

TEST_CASE("determinism: the same script twice gives the same bits") {
  auto a = std::make_unique<MiniPc>();
  auto b = std::make_unique<MiniPc>();
  a->boot();
  b->boot();
  a->run(kEnd);
  b->run(kEnd);
  CHECK(a->console == "HELLOWORLD!");
  CHECK(a->console == b->console);
  CHECK(a->taken == b->taken);
  CHECK(a->state() == b->state());
  // Every source took part.
  auto count = [&](uint8_t v) {
    size_t n = 0;
    for (auto& [c, vec] : a->taken) n += vec == v;
    return n;
  };
  CHECK(count(0x20) >= 19);    // PIT, 1 kHz for 20 ms
  CHECK(count(0x28) >= 19);    // RTC, 1024 Hz
  CHECK(count(0x40) == 24);    // APIC timer every 800,000 cycles (the 25th is at the end)
  CHECK(count(0x24) >= 3);     // UART input
}

TEST_CASE("determinism: a snapshot half way finishes identically") {
  auto whole = std::make_unique<MiniPc>();
  whole->boot();
  whole->run(kEnd / 2);
  const std::vector<uint8_t> snap = whole->state();
  const size_t taken_before = whole->taken.size();
  const std::string console_before = whole->console;
  whole->run(kEnd);

  auto resumed = std::make_unique<MiniPc>();
  REQUIRE(resumed->load(snap));
  CHECK(resumed->state() == snap);
  resumed->run(kEnd);
  CHECK(console_before + resumed->console == whole->console);
  REQUIRE(taken_before + resumed->taken.size() == whole->taken.size());
  for (size_t i = 0; i < resumed->taken.size(); ++i)
    CHECK(resumed->taken[i] == whole->taken[taken_before + i]);
  CHECK(resumed->state() == whole->state());

  // A damaged snapshot is refused.
  std::vector<uint8_t> bad(snap.begin(), snap.begin() + ptrdiff_t(snap.size() / 2));
  auto broken = std::make_unique<MiniPc>();
  CHECK(!broken->load(bad));
}
