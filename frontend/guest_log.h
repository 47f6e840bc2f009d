// The `--log` categories: what a run reports about the guest on a stream (stderr for the
// command line), in the spirit of QEMU's -d. Each category hooks a path that runs only when
// something happens (event delivery, which the platform sees anyway; the retire hook, which
// the run loop calls only when one is set; the end of the run), so a category that is off
// costs nothing.
//   int    every exception and interrupt delivered
//   pf     page faults, with CR2 and the error code decoded
//   unimp  #UD from an invalid opcode or an instruction pvlab does not implement, once per
//          address
//   cpu    control register writes (CR0, CR3, CR4), mode switches (real, protected, V86),
//          LTR and task switches
//   io     ports no device answers, once each, at the end of the run
//   hcall  hypercalls of a PV guest (the pv machine reports them itself)
//   refused  the hypercalls of a PV guest that the hypervisor refused, with the reason
#pragma once
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "cpu/cpu.h"

namespace pvlab {

class Decoder;

namespace log_cat {
constexpr unsigned kInt = 1u << 0;
constexpr unsigned kIo = 1u << 1;
constexpr unsigned kCpu = 1u << 2;
constexpr unsigned kUnimp = 1u << 3;
constexpr unsigned kPf = 1u << 4;
constexpr unsigned kHcall = 1u << 5;   // the PV machine's hypercall log (frontend/run_pv.cpp)
constexpr unsigned kRefused = 1u << 6; // only the hypercalls it refused, with the reason
}  // namespace log_cat

struct LogCategory {
  const char* name;
  unsigned bit;
  const char* help;
};
std::span<const LogCategory> log_categories();
// "int,pf" style names (already split at commas) to a mask; false with a message naming the
// unknown category and the known ones.
bool parse_log_categories(const std::vector<std::string>& names, unsigned& mask, std::string& error);
// The list `--log help` prints.
std::string log_help();

class GuestLog final : public RetireHook {
 public:
  GuestLog(FILE* out, unsigned mask);
  ~GuestLog() override;

  unsigned mask() const { return mask_; }
  bool on(unsigned cat) const { return (mask_ & cat) != 0; }
  // Start watching `cpu`: the cpu category adds this log to the CPU's retire hooks.
  void attach(Cpu& cpu);
  // An event about to be delivered (the platform's intercept calls this).
  void event(Cpu& cpu, const Event& e);
  // The run ended: report what is reported at the end (io).
  void finish(Bus& bus);
  // RetireHook: the cpu category compares the control state after each instruction.
  void retired(Cpu& cpu, const Insn& insn, uint32_t eip) override;

 private:
  struct Control {
    uint32_t cr0 = 0, cr3 = 0, cr4 = 0;
    uint16_t tr = 0;
    CpuMode mode = CpuMode::Real;
  };
  static Control control_of(const Cpu& cpu);
  void unimplemented(Cpu& cpu);

  FILE* out_;
  unsigned mask_;
  Control last_;
  std::unordered_set<uint32_t> ud_seen_;   // linear addresses already reported under unimp
  std::unique_ptr<Decoder> decoder_;
};

}  // namespace pvlab
