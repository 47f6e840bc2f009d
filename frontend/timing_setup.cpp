#include "frontend/timing_setup.h"

#include <cstdio>
#include <fstream>

namespace pvlab {

bool prepare_timing(const TimingOptions& o, TimingConfig& cfg, std::string& error) {
  if (o.mode != "atomic" && o.mode != "ooo")
    return error = "--timing " + o.mode + ": expected atomic or ooo", false;
  if (!o.ooo() && (!o.config.empty() || !o.stats_json.empty()))
    return error = "--timing-config and --timing-stats need --timing ooo", false;
  cfg = TimingConfig{};
  if (!o.config.empty()) return load_timing_config(o.config, cfg, error);
  return true;
}

void apply_timing_to_mmu(const TimingConfig& cfg, MmuConfig& mmu) {
  mmu.itlb = {cfg.itlb_sets, cfg.itlb_ways};
  mmu.dtlb = {cfg.dtlb_sets, cfg.dtlb_ways};
  mmu.walk_cycles_per_level = cfg.walk_cycles_per_level;
}

TimingModels::~TimingModels() {
  for (size_t i = 0; i < models_.size(); ++i) models_[i]->detach(*cpus_[i]);
}

void TimingModels::attach(const TimingConfig& cfg, Cpu& cpu) {
  models_.push_back(std::make_unique<OooModel>(cfg));
  cpus_.push_back(&cpu);
  models_.back()->attach(cpu);
}

void TimingModels::print(std::FILE* out) const {
  for (size_t i = 0; i < models_.size(); ++i) {
    if (models_.size() > 1) std::fprintf(out, "pvlab: timing, vcpu %zu:\n", i);
    std::fputs(models_[i]->stats_text().c_str(), out);
  }
}

bool TimingModels::write_json(const std::string& path, std::string& error) const {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return error = path + ": cannot open for writing", false;
  if (models_.size() == 1) {
    f << models_[0]->stats_json();
  } else {
    f << "[\n";
    for (size_t i = 0; i < models_.size(); ++i) f << models_[i]->stats_json() << (i + 1 < models_.size() ? ",\n" : "");
    f << "]\n";
  }
  if (!f) return error = path + ": write failed", false;
  return true;
}

}  // namespace pvlab
