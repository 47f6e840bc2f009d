#include "frontend/timing_setup.h"

#include <cstdio>
#include <fstream>

#include "devices/state_io.h"
#include "cpu/timing/ooo.h"
#include "cpu/timing/pipeline.h"
#include "frontend/elf_image.h"

namespace pvlab {

bool prepare_timing(const TimingOptions& o, TimingConfig& cfg, std::string& error) {
  if (o.mode != "atomic" && o.mode != "ooo")
    return error = "--timing " + o.mode + ": expected atomic or ooo", false;
  if (!o.ooo() && (!o.config.empty() || !o.stats_json.empty() || !o.engine.empty()))
    return error = "--timing-config, --timing-stats and --timing-engine need --timing ooo", false;
  if (!o.engine.empty() && o.engine != "fast" && o.engine != "cycle")
    return error = "--timing-engine " + o.engine + ": expected fast or cycle", false;
  cfg = TimingConfig{};
  if (!o.config.empty() && !load_timing_config(o.config, cfg, error)) return false;
  if (!o.engine.empty()) cfg.engine = o.engine;
  if (!o.pipeview.empty() && cfg.engine != "cycle")
    return error = "--timing-pipeview needs the cycle engine (--timing-engine cycle)", false;
  return true;
}

std::unique_ptr<TimingEngine> make_timing_engine(const TimingConfig& cfg) {
  if (cfg.engine == "cycle") return std::make_unique<PipelineModel>(cfg);
  return std::make_unique<OooModel>(cfg);
}

void apply_timing_to_mmu(const TimingConfig& cfg, MmuConfig& mmu) {
  mmu.itlb = {cfg.itlb_sets, cfg.itlb_ways};
  mmu.dtlb = {cfg.dtlb_sets, cfg.dtlb_ways};
  mmu.walk_cycles_per_level = cfg.walk_cycles_per_level;
}

TimingModels::~TimingModels() {
  for (size_t i = 0; i < models_.size(); ++i) models_[i]->detach(*cpus_[i]);
  if (pipeview_) std::fclose(pipeview_);
}

bool TimingModels::open_pipeview(const std::string& path, std::string& error) {
  auto* pipe = models_.empty() ? nullptr : dynamic_cast<PipelineModel*>(models_[0].get());
  if (!pipe) return error = "--timing-pipeview needs the cycle engine", false;
  pipeview_ = std::fopen(path.c_str(), "w");
  if (!pipeview_) return error = path + ": cannot open for writing", false;
  pipe->set_pipeview(pipeview_);
  return true;
}

void TimingModels::attach(const TimingConfig& cfg, Cpu& cpu) {
  models_.push_back(make_timing_engine(cfg));
  cpus_.push_back(&cpu);
  start_.push_back(cpu.s.cycles);
  models_.back()->attach(cpu);
}

void TimingModels::save(StateWriter& w) const {
  w.tag("TIMG");
  w.u32(uint32_t(models_.size()));
  for (size_t i = 0; i < models_.size(); ++i) {
    w.u64(start_[i]);
    models_[i]->save_state(w);
  }
}

bool TimingModels::load(StateReader& r) {
  if (!r.tag("TIMG")) return false;
  const uint32_t n = r.u32();
  if (!r.ok()) return false;
  if (n != models_.size())
    return r.fail("timing models for " + std::to_string(n) + " CPUs (this machine has " +
                  std::to_string(models_.size()) + ")");
  for (size_t i = 0; i < models_.size(); ++i) {
    start_[i] = r.u64();
    if (!models_[i]->load_state(r, *cpus_[i])) return false;
  }
  return true;
}

void TimingModels::hv_enter(Cpu& cpu, HvEntry kind, uint32_t nr) {
  for (size_t i = 0; i < cpus_.size(); ++i)
    if (cpus_[i] == &cpu) return models_[i]->hv_enter(cpu, kind, nr);
}

void TimingModels::hv_exit(Cpu& cpu, bool bounced) {
  for (size_t i = 0; i < cpus_.size(); ++i)
    if (cpus_[i] == &cpu) return models_[i]->hv_exit(cpu, bounced);
}

void TimingModels::hv_work(Cpu& cpu, uint64_t maddr, bool write) {
  for (size_t i = 0; i < cpus_.size(); ++i)
    if (cpus_[i] == &cpu) return models_[i]->hv_work(cpu, maddr, write);
}

std::shared_ptr<const FunctionMap> function_map_of(const ElfImage& img) {
  std::vector<FunctionMap::Range> r;
  const auto& sy = img.symbols;   // sorted by value
  for (size_t i = 0; i < sy.size(); ++i) {
    if (sy[i].name.empty() || sy[i].name[0] == '.' || !sy[i].value) continue;
    uint32_t end = sy[i].value + sy[i].size;
    if (!sy[i].size) {
      size_t k = i + 1;
      while (k < sy.size() && sy[k].value == sy[i].value) ++k;
      if (k == sy.size()) continue;
      end = sy[k].value;
    }
    r.push_back({sy[i].value, end, sy[i].name});
  }
  if (r.empty()) return nullptr;
  return std::make_shared<const FunctionMap>(std::move(r));
}

void TimingModels::set_functions(const std::shared_ptr<const FunctionMap>& map) {
  for (auto& m : models_) m->set_functions(map);
}

void TimingModels::print(std::FILE* out, size_t top_functions) const {
  for (size_t i = 0; i < models_.size(); ++i) {
    if (models_.size() > 1) std::fprintf(out, "pvlab: timing, vcpu %zu:\n", i);
    std::fputs(models_[i]->stats_text().c_str(), out);
  }
  if (models_.size() > 1) {
    // The domain: every vcpu's stack added up.
    uint64_t insns = 0, cpi[size_t(CpiCause::kCount)] = {}, total = 0;
    for (const auto& m : models_) {
      const TimingStats t = m->stats();
      insns += t.insns;
      for (size_t k = 0; k < size_t(CpiCause::kCount); ++k) cpi[k] += t.cpi[k], total += t.cpi[k];
    }
    std::fprintf(out, "pvlab: timing, domain (%zu vcpus): %llu instructions, %llu cycles, CPI %.3f; stack:", models_.size(),
                 (unsigned long long)insns, (unsigned long long)total, insns ? double(total) / double(insns) : 0.0);
    for (size_t k = 0; k < size_t(CpiCause::kCount); ++k)
      if (cpi[k]) std::fprintf(out, " %s %.3f", cpi_cause_name(CpiCause(k)), double(cpi[k]) / double(insns ? insns : 1));
    std::fputc('\n', out);
  }
  for (size_t i = 0; i < models_.size() && top_functions; ++i) {
    if (!models_[i]->functions()) continue;
    if (models_.size() > 1) std::fprintf(out, "pvlab: timing functions, vcpu %zu:\n", i);
    std::fputs(models_[i]->functions_text(top_functions).c_str(), out);
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
