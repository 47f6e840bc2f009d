// The command line's timing options (--timing, --timing-config, --timing-stats): reading the
// configuration, shaping the MMU it implies, installing one out-of-order model per CPU and
// reporting what they measured. Shared by the PC and the PV machine.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "cpu/timing/engine.h"

namespace pvlab {

struct TimingOptions {
  std::string mode = "atomic";   // atomic | ooo
  std::string config;            // --timing-config FILE (ooo only)
  std::string stats_json;        // --timing-stats FILE.json (ooo only)
  std::string engine;            // --timing-engine fast|cycle (ooo only; empty: the file's)
  std::string pipeview;          // --timing-pipeview FILE (the cycle engine only)
  bool ooo() const { return mode == "ooo"; }
};

// Check the options and read the configuration (the P6-class defaults of TimingConfig when no
// file is given). False with a one-line error.
bool prepare_timing(const TimingOptions& o, TimingConfig& cfg, std::string& error);
// The MMU geometry and walk cost the configuration asks for.
void apply_timing_to_mmu(const TimingConfig& cfg, MmuConfig& mmu);

// The functions of an ELF symbol table (`symbols`: value, size, name; unsized ones reach
// to the next symbol); null when there are none.
struct ElfImage;
std::shared_ptr<const FunctionMap> function_map_of(const ElfImage& img);

// A new engine for `cfg` (its `engine` key): OooModel or PipelineModel.
std::unique_ptr<TimingEngine> make_timing_engine(const TimingConfig& cfg);

// One model per CPU of a machine, attached for the life of this object. As the PV
// hypervisor's timing hook it hands each entry and exit to the model of the CPU concerned.
class TimingModels final : public HvTimingHook {
 public:
  TimingModels() = default;
  TimingModels(const TimingModels&) = delete;
  TimingModels& operator=(const TimingModels&) = delete;
  ~TimingModels() override;
  void attach(const TimingConfig& cfg, Cpu& cpu);
  // Keep CPI stacks per guest function too (every model; call after attach).
  void set_functions(const std::shared_ptr<const FunctionMap>& map);
  bool empty() const { return models_.empty(); }
  const TimingEngine& model(size_t i) const { return *models_[i]; }
  size_t size() const { return models_.size(); }
  // CPU i's cycle counter when its model was attached (the CPI stack covers what came after).
  uint64_t start_cycles(size_t i) const { return start_[i]; }
  // Every model's state (TimingEngine::save_state) with the cycle it was attached at, for
  // snapshots and the reverse history; load() takes models attached to the same CPUs, with the
  // same configuration, after the machine's own state was loaded.
  void save(StateWriter& w) const;
  bool load(StateReader& r);
  void hv_enter(Cpu& cpu, HvEntry kind, uint32_t nr) override;
  void hv_exit(Cpu& cpu, bool bounced) override;
  void hv_work(Cpu& cpu, uint64_t maddr, bool write) override;
  // Print the CPI stack of each CPU, of the domain when there are several, and of the
  // `top_functions` guest functions that took the most cycles (--stats).
  void print(std::FILE* out, size_t top_functions = 10) const;
  // Have the first CPU's cycle engine write its pipeline view to `path` (docs/timing.md).
  bool open_pipeview(const std::string& path, std::string& error);
  // Write the JSON statistics (an array of one object per CPU when there are several).
  bool write_json(const std::string& path, std::string& error) const;

 private:
  std::vector<std::unique_ptr<TimingEngine>> models_;
  std::vector<Cpu*> cpus_;
  std::vector<uint64_t> start_;
  std::FILE* pipeview_ = nullptr;
};

}  // namespace pvlab
