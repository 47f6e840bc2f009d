// The wiring a machine uses, exercised with the real CPU: PcDevices as the Platform's source
// of interrupts and deadlines, HLT idling to the next device event, and the whole run
// repeated for the same cycle count and state bytes.
#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <string>

#include "cpu/cpu.h"
#include "devices/pc/pc_devices.h"

using namespace pvlab;

namespace {

// The guest, loaded at 0x10000 (GNU as, then ld -Ttext=0x10000 --oformat binary): remap the
// 8259, run the PIT at 1 kHz, HLT through five IRQ 0s, then print 'T' on COM1 and halt with
// interrupts off. The stack is the guest's own; nothing else is set up for it.
//
//           .code32
//           .globl _start
//   _start:
//           movl    $0x80000, %esp
//           lgdt    gdtr
//           lidt    idtr
//           movl    $irq0, %eax
//           movl    $idt + 0x20 * 8, %edi
//           movw    %ax, (%edi)
//           movw    $0x08, 2(%edi)
//           movw    $0x8e00, 4(%edi)
//           shrl    $16, %eax
//           movw    %ax, 6(%edi)
//           movb    $0x11, %al
//           outb    %al, $0x20
//           movb    $0x20, %al
//           outb    %al, $0x21
//           movb    $0x04, %al
//           outb    %al, $0x21
//           movb    $0x01, %al
//           outb    %al, $0x21
//           movb    $0xfe, %al
//           outb    %al, $0x21
//           movb    $0x34, %al
//           outb    %al, $0x43
//           movb    $0xa9, %al
//           outb    %al, $0x40
//           movb    $0x04, %al
//           outb    %al, $0x40
//           xorl    %ebx, %ebx
//   1:      sti
//           hlt
//           cmpl    $5, %ebx
//           jb      1b
//           cli
//           movw    $0x3f8, %dx
//           movb    $'T', %al
//           outb    %al, %dx
//           hlt
//   irq0:   incl    %ebx
//           pushl   %eax
//           movb    $0x20, %al
//           outb    %al, $0x20
//           popl    %eax
//           iret
//           .p2align 3
//   gdt:    .quad   0
//           .quad   0x00cf9a000000ffff
//           .quad   0x00cf92000000ffff
//   gdtr:   .word   3 * 8 - 1
//           .long   gdt
//   idtr:   .word   0x21 * 8 - 1
//           .long   idt
//           .p2align 3
//   idt:    .fill   0x21 * 8, 1, 0
const uint8_t kGuest[] = {
    0xbc, 0x00, 0x00, 0x08, 0x00, 0x0f, 0x01, 0x15, 0x88, 0x00, 0x01, 0x00,
    0x0f, 0x01, 0x1d, 0x8e, 0x00, 0x01, 0x00, 0xb8, 0x65, 0x00, 0x01, 0x00,
    0xbf, 0x98, 0x01, 0x01, 0x00, 0x66, 0x89, 0x07, 0x66, 0xc7, 0x47, 0x02,
    0x08, 0x00, 0x66, 0xc7, 0x47, 0x04, 0x00, 0x8e, 0xc1, 0xe8, 0x10, 0x66,
    0x89, 0x47, 0x06, 0xb0, 0x11, 0xe6, 0x20, 0xb0, 0x20, 0xe6, 0x21, 0xb0,
    0x04, 0xe6, 0x21, 0xb0, 0x01, 0xe6, 0x21, 0xb0, 0xfe, 0xe6, 0x21, 0xb0,
    0x34, 0xe6, 0x43, 0xb0, 0xa9, 0xe6, 0x40, 0xb0, 0x04, 0xe6, 0x40, 0x31,
    0xdb, 0xfb, 0xf4, 0x83, 0xfb, 0x05, 0x72, 0xf9, 0xfa, 0x66, 0xba, 0xf8,
    0x03, 0xb0, 0x54, 0xee, 0xf4, 0x43, 0x50, 0xb0, 0x20, 0xe6, 0x20, 0x58,
    0xcf, 0x8d, 0x76, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0xff, 0x00, 0x00, 0x00, 0x9a, 0xcf, 0x00, 0xff, 0xff, 0x00, 0x00,
    0x00, 0x92, 0xcf, 0x00, 0x17, 0x00, 0x70, 0x00, 0x01, 0x00, 0x07, 0x01,
    0x98, 0x00, 0x01, 0x00, 0x8d, 0x74, 0x26, 0x00,
};

class TestPc final : public Platform {
 public:
  TestPc() {
    dev.clock().bind(&cpu.s.cycles);
    dev.clock().set_deadline_listener([this](uint64_t c) { cpu.set_deadline(c); });
    cpu.set_platform(this);
    cpu.set_deadline(dev.next_deadline());
    std::memcpy(ram.ptr(0x10000), kGuest, sizeof kGuest);
    cpu.enter_flat_protected(0x10000);
  }

  bool irq_pending() override { return dev.irq_pending(); }
  uint8_t irq_ack() override { return dev.irq_ack(); }
  void deadline(Cpu& c) override { c.set_deadline(dev.run_due(c.s.cycles)); }
  bool idle(Cpu& c) override {
    const uint64_t d = dev.next_deadline();
    if (d == DeviceClock::kNever) return false;
    if (c.s.cycles < d) c.s.cycles = d;
    c.set_deadline(dev.run_due(c.s.cycles));
    return true;
  }

  PhysMem ram{2u << 20};
  Bus bus{ram};
  Cpu cpu{bus};
  std::string com1;
  PcDevices dev{bus, PcDevicesConfig{}, [this](uint8_t b) { com1.push_back(char(b)); }};
};

}  // namespace

TEST_CASE("machine glue: a guest sleeps through five PIT interrupts") {
  auto pc = std::make_unique<TestPc>();
  const StopReason r = pc->cpu.run(1'000'000);
  INFO(pc->cpu.triple_fault_reason());
  CHECK(r == StopReason::HaltIfOff);
  CHECK(pc->cpu.s.r[EBX] == 5);
  CHECK(pc->com1 == "T");
  // The count was written in PIT tick 0 (the guest needs far less than 838 cycles to get
  // there), so the fifth rising edge of OUT0 is at tick 1 + 5 * 1193.
  const uint64_t fifth = pc->dev.clock().cycle_of_tick(1 + 5 * 1193, Pit::kHz);
  CHECK(pc->cpu.s.cycles >= fifth);
  CHECK(pc->cpu.s.cycles < fifth + 1000);
  CHECK(pc->cpu.s.insns < 200);   // it slept, it did not spin

  auto again = std::make_unique<TestPc>();
  again->cpu.run(1'000'000);
  CHECK(again->cpu.s.cycles == pc->cpu.s.cycles);
  StateWriter a, b;
  pc->dev.save(a);
  again->dev.save(b);
  CHECK(a.data() == b.data());
}
