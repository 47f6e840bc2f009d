// Domains and their virtual CPUs: the hypervisor's view of one guest. Plain data; the
// behaviour lives in the files of each area (mm.cpp, traps.cpp, events.cpp, ...).
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hyper/events_state.h"
#include "hyper/grants.h"

namespace pvlab {
class Cpu;
}

namespace pvlab::hyper {

// One entry of the virtual trap table (HYPERVISOR_set_trap_table).
struct VirtualTrap {
  bool set = false;
  uint8_t dpl = 0;            // lowest ring allowed to raise it with INT n
  bool mask_events = false;   // the entry's flag bit 2: deliver with events masked
  uint16_t cs = 0;
  uint32_t eip = 0;
};

struct Callback {
  uint16_t cs = 0;
  uint32_t eip = 0;
  bool set() const { return cs != 0 || eip != 0; }
};

struct Vcpu {
  unsigned id = 0;
  Cpu* cpu = nullptr;          // the processor this vcpu runs on (owned by the Hypervisor)
  bool online = false;
  bool blocked = false;        // SCHEDOP_block: waiting for an event
  // Where this vcpu's vcpu_info lives (machine address): shared_info by default,
  // VCPUOP_register_vcpu_info moves it.
  uint64_t vcpu_info_maddr = 0;

  // Traps and privilege (traps.cpp).
  std::array<VirtualTrap, 256> traps{};
  uint16_t kernel_ss = 0;      // HYPERVISOR_stack_switch
  uint32_t kernel_sp = 0;
  Callback event_callback, failsafe_callback, nmi_callback;
  uint8_t iopl = 0;            // virtual IOPL (PHYSDEVOP_set_iopl)
  bool guest_ts = false;       // fpu_taskswitch's virtual CR0.TS
  std::array<uint32_t, 8> debugreg{};
  Callback sysenter_callback;          // CALLBACKTYPE_sysenter
  bool failsafe_masks_events = false;  // CALLBACKF_mask_events given with the failsafe callback
  bool sysenter_masks_events = false;  // ... and with the sysenter callback
  uint32_t guest_cr2 = 0;              // the guest's CR2: the last #PF address bounced to it
  bool in_multicall = false;           // a multicall is being run (no nesting)

  // Descriptor tables (mm.cpp): the guest's GDT frames and entry count, the LDT.
  std::vector<uint32_t> gdt_frames;
  unsigned gdt_entries = 0;
  uint32_t ldt_base = 0;
  unsigned ldt_entries = 0;
  std::vector<uint32_t> ldt_frames;   // the LDT's machine frames (descriptor type references)

  // Page tables: the machine frame of the L3 in CR3 (mm.cpp keeps its type reference).
  uint32_t cr3_mfn = 0;
  uint32_t base_mfn = 0;       // the L3 mm.cpp holds a type reference on for this vcpu (0: none)

  // Time (time.cpp): one-shot and periodic timers as cycle deadlines (0: none).
  uint64_t timer_deadline = 0;
  uint64_t periodic_period = 0, periodic_next = 0;

  // Events, polling and runstate (events.cpp, schedule.cpp, vcpu.cpp).
  VcpuEvents ev;
  bool initialised = false;    // has a context (the builder's or VCPUOP_initialise's)
};

enum class ShutdownReason : uint8_t { None, PowerOff, Reboot, Suspend, Crash, Watchdog };
const char* shutdown_reason_name(ShutdownReason r);

struct Domain {
  uint16_t id = 1;
  std::string name;
  uint32_t nr_pages = 0;
  uint32_t tot_pages = 0, max_pages = 0;   // frames owned now / at most (memory_op reservations)
  std::vector<uint32_t> p2m;     // pseudo-physical frame -> machine frame
  uint32_t shared_info_mfn = 0;  // a hypervisor frame shared with the domain
  uint32_t start_info_pfn = 0;
  // The console ring and xenstore pages and their channels: a domU's only (0 for the initial
  // domain, which has neither).
  uint32_t console_pfn = 0, xenstore_pfn = 0;
  uint32_t console_evtchn = 0, xenstore_evtchn = 0;
  uint32_t vm_assist = 0;        // VMASST_TYPE_* bits enabled
  bool initdomain = false;
  std::vector<std::unique_ptr<Vcpu>> vcpus;
  GrantTable grants;
  EventChannels evtchn;          // events.cpp
  SchedState sched;              // schedule.cpp
  std::string console_input;     // the initial domain's console input for CONSOLEIO_read

  ShutdownReason shutdown = ShutdownReason::None;
  std::string crash_reason;      // why the hypervisor crashed the domain, when it did

  bool owns_pfn(uint64_t pfn) const { return pfn < p2m.size(); }
  Vcpu& vcpu(unsigned i) { return *vcpus[i]; }
};

}  // namespace pvlab::hyper
