// pvlab-diff: differential testing of pvlab's CPU against Unicorn 2 and the host processor.
//
// Each test case is a short random sequence of P6 user-mode integer instructions (gen.h) with
// random registers, flags and data pages. It runs in flat 32-bit ring 3 on
//   pvlab    a Cpu with paging on, exceptions intercepted through its Platform,
//   unicorn  Unicorn 2 (a Pentium II model), ring 3 entered through an IRET,
//   host     the machine's own processor, in the 32-bit helper pvlab-diff-host,
// and the engines' registers, EFLAGS, data pages and outcome (end of sequence, or the
// exception: vector, error code, CR2, EIP) are compared. pvlab must equal the host with the
// flags that may be architecturally undefined masked (the host is another processor family),
// and equal Unicorn in every flag (pvlab follows Unicorn's undefined flags) unless Unicorn
// itself differs from the host, which is counted separately as a Unicorn deviation.
// Differing cases are attributed to an instruction by re-running their prefixes.
//
// Usage:
//   pvlab-diff [--seed S] [--insns N] [--seq-len L] [--engines pvlab,unicorn,host]
//              [--report FILE] [--show K] [--mnemonic M] [--only INDEX [--prefix K]]
//              [--start INDEX] [--unsafe-percent P] [--host-helper PATH] [--trace]
//              [--lengths]
// It prints how many instructions and sequences it compared, a table of the mnemonics with
// differences, the first --show differences in full (bytes, disassembly, initial state, each
// engine's result), and ends with `diff: N passed, N failed` counting sequences. The exit
// status is 1 when pvlab differs anywhere. --report writes the summary, the first difference
// for every mnemonic and the Unicorn deviations to FILE.
//
// The suite runs a bounded check (tests/diff/meson.build: 200,000 instructions, seed 1). A
// long run, of 10 million instructions or more, with a seed of your choosing:
//   build/tests/diff/pvlab-diff --seed 12345 --insns 10000000 --show 5 --report /tmp/diff-long.txt
// That takes about six minutes of CPU; run several seeds at once to use more cores. Every
// difference comes with a `--seed S --seq-len L --only INDEX` line that re-runs that one
// sequence and prints it in full; --mnemonic M shows only the differences attributed to M.
// `--lengths` instead checks that Zydis and Capstone agree on the length of every
// instruction the generator accepts.
#include <capstone/capstone.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "compare.h"
#include "engines.h"
#include "gen.h"

using namespace pvdiff;

namespace {

struct Options {
  uint64_t seed = 1;
  uint64_t insns = 200000;
  unsigned seq_len = 8;
  std::string engines = "pvlab,unicorn,host";
  std::string report;
  std::string helper;
  unsigned show = 3;
  int64_t only = -1;
  unsigned prefix = 0;   // with --only: run just the first `prefix` instructions
  bool trace = false;    // name each sequence on stderr before running it
  uint64_t start = 0;    // index of the first sequence (to split or resume a long run)
  bool lengths = false;
  unsigned unsafe_percent = 10;
  std::string mnemonic;  // print only differences attributed to this mnemonic
};

struct MnemonicStats {
  uint64_t compared = 0;
  uint64_t failed = 0;       // pvlab differences attributed here
  uint64_t uc_deviates = 0;  // Unicorn-vs-host differences attributed here
  std::string first_failure;     // the full text of the first failure
  std::string first_reproducer;  // its command line
  std::string first_uc;          // the first Unicorn deviation (short)
};

// A difference's reason without its numbers ("differs from host: outcome #PF / #GP").
std::string kind_of(const std::string& reason) {
  std::string out;
  for (size_t i = 0; i < reason.size();) {
    if (reason.compare(i, 2, "0x") == 0) {
      while (!out.empty() && out.back() != ' ' && out.back() != '/') out.pop_back();
      if (!out.empty() && out.back() == ' ') out.pop_back();
      i += 2;
      while (i < reason.size() && std::isxdigit(static_cast<unsigned char>(reason[i]))) ++i;
      continue;
    }
    out += reason[i++];
  }
  return out;
}

class Runner {
 public:
  Runner(const Options& o) : o_(o), gen_(GenOptions{o.seq_len, o.unsafe_percent}) {
    std::stringstream ss(o.engines);
    std::string e;
    while (std::getline(ss, e, ',')) {
      if (e == "pvlab") pv_ = make_pvlab_engine();
      else if (e == "unicorn") uc_ = make_unicorn_engine();
      else if (e == "host") host_ = std::make_unique<HostEngine>(helper_path());
      else throw std::runtime_error("unknown engine '" + e + "' (pvlab, unicorn, host)");
    }
    if (int(bool(pv_)) + int(bool(uc_)) + int(bool(host_)) < 2)
      throw std::runtime_error("--engines needs at least two engines");
  }

  int run() {
    uint64_t first = o_.only >= 0 ? uint64_t(o_.only) : o_.start;
    for (uint64_t idx = first;; ++idx) {
      if (o_.only >= 0 ? idx != first : insns_ >= o_.insns) break;
      one(idx);
    }
    return summary();
  }

 private:
  std::string helper_path() const {
    if (!o_.helper.empty()) return o_.helper;
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    return (ec ? std::filesystem::path(".") : self.parent_path()) / "pvlab-diff-host";
  }

  struct Run {
    Result pv, uc, host;
    bool host_valid = false;
    Verdict v;
  };

  void execute(const TestCase& tc, Run& r) {
    if (pv_) pv_->run(tc, r.pv);
    if (uc_) uc_->run(tc, r.uc);
    r.host_valid = false;
    if (host_ && tc.host_ok) {
      host_->run(tc, r.host);
      r.host_valid = r.host.ran;
      // A run that faults, in pvlab (or Unicorn when pvlab is not running), on memory the
      // helper occupies, means nothing on the host.
      const Result* x = pv_ ? &r.pv : uc_ ? &r.uc : nullptr;
      if (x && x->vector == 14 && host_->host_mapped(x->cr2)) r.host_valid = false;
    }
    r.v = judge(tc, pv_ ? &r.pv : nullptr, uc_ ? &r.uc : nullptr, host_ ? &r.host : nullptr,
                r.host_valid);
  }

  // The instruction a difference is attributed to: the last one of the shortest prefix that
  // shows it. `unicorn` attributes a Unicorn-vs-host difference instead.
  size_t attribute(const TestCase& tc, const Run& full, bool unicorn) {
    size_t n = tc.insns.size(), limit = n;
    // The difference shows by the time the first of the two engines compared stopped.
    const Result* pair[2] = {unicorn ? &full.uc : &full.pv,
                             unicorn || full.v.host_compared ? &full.host : &full.uc};
    for (const Result* x : pair) {
      if (!x->ran) continue;
      int k = tc.index_at(x->eip);
      if (k >= 0) limit = std::min(limit, size_t(k) + 1);
    }
    limit = std::max<size_t>(limit, 1);
    for (size_t k = 1; k <= limit; ++k) {
      TestCase t = truncate(tc, k);
      Run r;
      execute(t, r);
      if (unicorn ? r.v.unicorn_deviates : !r.v.pvlab_ok) return k - 1;
    }
    return limit - 1;
  }

  // Whether some prefix of the case shows Unicorn's flags, and only its flags, differing
  // from the host's.
  bool unicorn_went_wrong(const TestCase& tc) {
    if (!uc_) return false;
    for (size_t k = 1; k < tc.insns.size(); ++k) {
      Run r;
      execute(truncate(tc, k), r);
      if (r.v.unicorn_deviates && r.v.uc_host.size() == 1 &&
          r.v.uc_host.front().rfind("eflags ", 0) == 0)
        return true;
    }
    return false;
  }

  std::string repro(uint64_t idx) const {
    return "pvlab-diff --seed " + std::to_string(o_.seed) + " --seq-len " +
           std::to_string(o_.seq_len) + " --only " + std::to_string(idx);
  }

  std::string full_text(const TestCase& tc, const Run& r, const std::string& headline) const {
    std::string s = headline + "\n  reproduce: " + repro(tc.index) + "\n" + describe_case(tc, gen_);
    if (pv_) s += "  pvlab:   " + describe_result(r.pv, tc) + "\n";
    if (uc_) s += "  unicorn: " + describe_result(r.uc, tc) + "\n";
    if (host_) {
      if (!tc.host_ok) s += "  host:    not run\n";
      else s += "  host:    " + describe_result(r.host, tc) + (r.host_valid ? "\n" : "  (not compared)\n");
    }
    auto list = [&](const char* what, const std::vector<std::string>& d) {
      if (d.empty()) return;
      s += std::string("  ") + what + ":";
      for (auto& x : d) s += "\n      " + x;
      s += "\n";
    };
    list("pvlab / host", r.v.pv_host);
    list("pvlab / unicorn", r.v.pv_uc);
    list("unicorn / host", r.v.uc_host);
    return s;
  }

  void one(uint64_t idx) {
    TestCase tc = gen_.make(o_.seed, idx);
    if (o_.only >= 0 && o_.prefix) tc = truncate(tc, o_.prefix);
    if (o_.trace) std::fprintf(stderr, "sequence %llu\n", (unsigned long long)idx);
    Run r;
    execute(tc, r);
    if (!r.v.pvlab_ok && r.v.host_compared && r.v.pv_host.empty() &&
        (tc.unicorn_unreliable || unicorn_went_wrong(tc))) {
      // pvlab agrees with the host; its difference from Unicorn comes from an instruction
      // Unicorn is known to get wrong, or from an earlier point where Unicorn left the host
      // (flags it got wrong that later became undefined).
      r.v.pvlab_ok = true;
      if (!r.v.unicorn_deviates) {
        r.v.unicorn_deviates = true;
        r.v.uc_host = {"earlier, now hidden by undefined flags: " + r.v.pv_uc.front()};
      }
    }
    ++cases_;
    insns_ += tc.insns.size();
    if (r.v.host_compared) ++host_compared_;
    else if (host_) ++host_skipped_;
    for (auto& i : tc.insns) ++stats_[Generator::mnemonic_name(i.mnemonic)].compared;
    const Result& first = pv_ ? r.pv : uc_ ? r.uc : r.host;
    ++outcomes_[describe_outcome(first).substr(0, describe_outcome(first).find(' '))];

    if (o_.only >= 0) {
      std::printf("%s\n", full_text(tc, r, "sequence " + std::to_string(idx) + ": " +
                                              (r.v.pvlab_ok ? "agrees" : r.v.reason))
                              .c_str());
    }
    if (r.v.unicorn_deviates) {
      ++uc_deviations_;
      size_t k = attribute(tc, r, true);
      auto& st = stats_[Generator::mnemonic_name(tc.insns[k].mnemonic)];
      if (!st.uc_deviates++)
        st.first_uc = gen_.disasm(tc.insns[k]) + ": " + r.v.uc_host.front() + "  [" + repro(idx) + "]";
    }
    if (r.v.inconclusive) ++inconclusive_;
    if (r.v.pvlab_ok) {
      ++passed_;
      return;
    }
    ++failed_;
    size_t k = attribute(tc, r, false);
    const std::string m = Generator::mnemonic_name(tc.insns[k].mnemonic);
    auto& kind = kinds_[m + ": " + kind_of(r.v.reason)];
    if (!kind.first++) kind.second = gen_.disasm(tc.insns[k]) + "  [" + repro(idx) + "]";
    auto& st = stats_[m];
    const std::string head = "--- sequence " + std::to_string(idx) + ": pvlab " + r.v.reason +
                             "\n  attributed to: " + gen_.disasm(tc.insns[k]) + " (instruction " +
                             std::to_string(k) + ")";
    if (!st.failed++) {
      st.first_failure = full_text(tc, r, head);
      st.first_reproducer = repro(idx);
    }
    if (shown_ < o_.show && o_.only < 0 && (o_.mnemonic.empty() || o_.mnemonic == m)) {
      ++shown_;
      std::printf("%s\n", full_text(tc, r, head).c_str());
    }
  }

  int summary() {
    std::vector<std::pair<std::string, MnemonicStats*>> rows;
    for (auto& [m, st] : stats_) rows.emplace_back(m, &st);
    std::sort(rows.begin(), rows.end(), [](auto& a, auto& b) {
      if (a.second->failed != b.second->failed) return a.second->failed > b.second->failed;
      return a.first < b.first;
    });
    std::string s;
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "pvlab-diff: seed %llu, %llu instructions in %llu sequences (engines %s)\n",
                  (unsigned long long)o_.seed, (unsigned long long)insns_,
                  (unsigned long long)cases_, o_.engines.c_str());
    s += buf;
    if (host_) {
      std::snprintf(buf, sizeof buf,
                    "host compared on %llu sequences, not on %llu (undefined flags read, or "
                    "memory only the host has); helper restarts: %u\n",
                    (unsigned long long)host_compared_, (unsigned long long)host_skipped_,
                    host_->restarts());
      s += buf;
    }
    s += "outcomes:";
    for (auto& [o, count] : outcomes_) s += " " + o + " " + std::to_string(count);
    s += "\n";
    std::snprintf(buf, sizeof buf,
                  "differing sequences: %llu; Unicorn deviations from the host: %llu; "
                  "inconclusive (no host, Unicorn known wrong): %llu\n",
                  (unsigned long long)failed_, (unsigned long long)uc_deviations_,
                  (unsigned long long)inconclusive_);
    s += buf;
    s += "\nmnemonic        compared   differ  unicorn!=host  reproducer\n";
    unsigned quiet = 0;
    for (auto& [m, st] : rows) {
      if (!st->failed && !st->uc_deviates) {
        ++quiet;
        continue;
      }
      std::snprintf(buf, sizeof buf, "%-14s %9llu %8llu %14llu  %s\n", m.c_str(),
                    (unsigned long long)st->compared, (unsigned long long)st->failed,
                    (unsigned long long)st->uc_deviates, st->first_reproducer.c_str());
      s += buf;
    }
    std::snprintf(buf, sizeof buf, "(%u more mnemonics compared without a difference)\n", quiet);
    s += buf;
    if (!kinds_.empty()) {
      std::vector<std::pair<std::string, std::pair<uint64_t, std::string>>> ks(kinds_.begin(),
                                                                               kinds_.end());
      std::sort(ks.begin(), ks.end(),
                [](auto& a, auto& b) { return a.second.first > b.second.first; });
      s += "\npvlab differences by kind\n";
      for (auto& [k, e] : ks) {
        std::snprintf(buf, sizeof buf, "%8llu  %s\n          e.g. %s\n",
                      (unsigned long long)e.first, k.c_str(), e.second.c_str());
        s += buf;
      }
    }
    std::printf("\n%s", s.c_str());
    if (!o_.report.empty()) {
      std::ofstream f(o_.report);
      f << s << "\nFirst difference per mnemonic\n=============================\n";
      for (auto& [m, st] : rows)
        if (st->failed) f << "\n" << st->first_failure;
      f << "\nUnicorn deviations from the host (not pvlab failures)\n"
           "=====================================================\n";
      for (auto& [m, st] : rows)
        if (st->uc_deviates) f << m << " x" << st->uc_deviates << ": " << st->first_uc << "\n";
      f << "\ndiff: " << passed_ << " passed, " << failed_ << " failed\n";
    }
    std::printf("diff: %llu passed, %llu failed\n", (unsigned long long)passed_,
                (unsigned long long)failed_);
    return failed_ ? 1 : 0;
  }

  Options o_;
  Generator gen_;
  std::unique_ptr<Engine> pv_, uc_;
  std::unique_ptr<HostEngine> host_;
  std::map<std::string, MnemonicStats> stats_;
  std::map<std::string, uint64_t> outcomes_;  // how sequences ended (end, #PF, ...)
  std::map<std::string, std::pair<uint64_t, std::string>> kinds_;  // kind -> count, example
  uint64_t cases_ = 0, insns_ = 0, passed_ = 0, failed_ = 0, uc_deviations_ = 0;
  uint64_t host_compared_ = 0, host_skipped_ = 0, inconclusive_ = 0;
  unsigned shown_ = 0;
};

// Zydis and Capstone must agree on the length of every instruction in the corpus.
int check_lengths(const Options& o) {
  csh cs;
  if (cs_open(CS_ARCH_X86, CS_MODE_32, &cs) != CS_ERR_OK) {
    std::fprintf(stderr, "pvlab-diff: capstone cannot open x86-32\n");
    return 2;
  }
  Generator gen(GenOptions{o.seq_len, 100});
  // Capstone 4 rejects a few encodings a P6 runs (hint NOPs in register form, MOV moffs
  // under a REP prefix): those are listed and counted as skipped; a failure is a length
  // both decoders give and disagree on.
  uint64_t passed = 0, failed = 0, skipped = 0;
  std::map<std::string, std::pair<uint64_t, std::string>> bad, rejected;
  gen.on_accepted = [&](const uint8_t* bytes, unsigned len) {
    uint8_t buf[32];
    std::memcpy(buf, bytes, len);
    std::memset(buf + len, 0x90, sizeof buf - len);
    cs_insn* insn = nullptr;
    size_t got = cs_disasm(cs, buf, sizeof buf, PD_CODE_BASE, 1, &insn);
    unsigned clen = got ? insn->size : 0;
    std::string cname = got ? std::string(insn->mnemonic) + " " + insn->op_str : "(invalid)";
    if (got) cs_free(insn, got);
    if (clen == len) {
      ++passed;
      return;
    }
    (got ? failed : skipped) += 1;
    SeqInsn si;
    std::memcpy(si.bytes, bytes, len);
    si.len = uint8_t(len);
    std::string key = gen.disasm(si);
    key = key.substr(0, key.find(' '));
    auto& e = (got ? bad : rejected)[key];
    if (!e.first++) {
      char h[8];
      std::string hex;
      for (unsigned k = 0; k < len; ++k) {
        std::snprintf(h, sizeof h, "%02x ", bytes[k]);
        hex += h;
      }
      e.second = hex + " zydis " + std::to_string(len) + " (" + gen.disasm(si) + "), capstone " +
                 std::to_string(clen) + " (" + cname + ")";
    }
  };
  uint64_t total = 0;
  for (uint64_t idx = 0; total < o.insns; ++idx) total += gen.make(o.seed, idx).insns.size();
  cs_close(&cs);
  for (auto& [m, e] : rejected)
    std::printf("capstone rejects %-10s x%llu  %s\n", m.c_str(), (unsigned long long)e.first,
                e.second.c_str());
  for (auto& [m, e] : bad)
    std::printf("length differs %-12s x%llu  %s\n", m.c_str(), (unsigned long long)e.first,
                e.second.c_str());
  std::printf("lengths: %llu passed, %llu failed, %llu skipped\n", (unsigned long long)passed,
              (unsigned long long)failed, (unsigned long long)skipped);
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"pvlab-diff: compare pvlab's CPU with Unicorn and the host processor"};
  app.add_option("--seed", o.seed, "seed of the test-case generator");
  app.add_option("--insns", o.insns, "instructions to compare in total");
  app.add_option("--seq-len", o.seq_len, "instructions per sequence")->check(CLI::Range(1, 200));
  app.add_option("--engines", o.engines, "comma-separated: pvlab, unicorn, host");
  app.add_option("--report", o.report, "write the summary and every first difference here");
  app.add_option("--show", o.show, "differences to print in full");
  app.add_option("--only", o.only, "run only the sequence with this index, printed in full");
  app.add_option("--start", o.start, "index of the first sequence (to split a long run)");
  app.add_option("--prefix", o.prefix, "with --only: run only the first K instructions");
  app.add_option("--host-helper", o.helper, "path of pvlab-diff-host");
  app.add_option("--unsafe-percent", o.unsafe_percent,
                 "percent of sequences allowed to read undefined flags (not run on the host)")
      ->check(CLI::Range(0, 100));
  app.add_option("--mnemonic", o.mnemonic, "print only differences attributed to this mnemonic");
  app.add_flag("--trace", o.trace, "name each sequence on stderr before it runs (to find a crash)");
  app.add_flag("--lengths", o.lengths, "only compare Zydis's and Capstone's instruction lengths");
  CLI11_PARSE(app, argc, argv);
  try {
    if (o.lengths) return check_lengths(o);
    Runner r(o);
    return r.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pvlab-diff: %s\n", e.what());
    return 2;
  }
}
