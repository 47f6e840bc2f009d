// The command line's timing options (--timing, --timing-config, --timing-stats): reading the
// configuration, shaping the MMU it implies, installing one out-of-order model per CPU and
// reporting what they measured. Shared by the PC and the PV machine.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "cpu/timing/ooo.h"

namespace pvlab {

struct TimingOptions {
  std::string mode = "atomic";   // atomic | ooo
  std::string config;            // --timing-config FILE (ooo only)
  std::string stats_json;        // --timing-stats FILE.json (ooo only)
  bool ooo() const { return mode == "ooo"; }
};

// Check the options and read the configuration (the P6-class defaults of TimingConfig when no
// file is given). False with a one-line error.
bool prepare_timing(const TimingOptions& o, TimingConfig& cfg, std::string& error);
// The MMU geometry and walk cost the configuration asks for.
void apply_timing_to_mmu(const TimingConfig& cfg, MmuConfig& mmu);

// One model per CPU of a machine, attached for the life of this object.
class TimingModels {
 public:
  TimingModels() = default;
  TimingModels(const TimingModels&) = delete;
  TimingModels& operator=(const TimingModels&) = delete;
  ~TimingModels();
  void attach(const TimingConfig& cfg, Cpu& cpu);
  bool empty() const { return models_.empty(); }
  // Print the CPI stack of each CPU (--stats) on stderr.
  void print(std::FILE* out) const;
  // Write the JSON statistics (an array of one object per CPU when there are several).
  bool write_json(const std::string& path, std::string& error) const;

 private:
  std::vector<std::unique_ptr<OooModel>> models_;
  std::vector<Cpu*> cpus_;
};

}  // namespace pvlab
