// The monitor commands (gdb's `monitor ...`, and any text front end): one line in, text out,
// each command a thin call into the Session's views.
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <sstream>

#include "frontend/session.h"

namespace pvlab {

namespace {

constexpr const char* kHelp =
    "pvlab monitor commands (numbers in C syntax: 0x1000, 4096, or a register: eip, $esp):\n"
    "  regs                    registers, segment caches, control registers, last instructions\n"
    "  pt ADDR                 the page walk of linear ADDR: every level's entry and its bits\n"
    "  tlb                     I-TLB and D-TLB entries and counters\n"
    "  gdt | ldt | idt | tss   descriptor tables and the current TSS, decoded\n"
    "  counters                instruction and cycle counts, block cache and TLB counters\n"
    "  disas [ADDR [N [att]]]  N instructions at ADDR (default: EIP), Intel or AT&T syntax\n"
    "  x ADDR [N] [phys]       N bytes of memory (linear, or physical)\n"
    "  vcpu [N]                show or select the vcpu the views and steps address\n"
    "  catch vector N [off]    stop after an exception or interrupt with vector N is delivered\n"
    "  catch hypercall N|any|failed [off]   PV: stop after hypercall N (any; any refused)\n"
    "  catch upcall [PORT|any] [off]   PV: stop at the event callback when an upcall is\n"
    "                          delivered (that will find PORT pending; any port)\n"
    "  catch rejected [off]    PV: stop after a refused page-table or descriptor update\n"
    "                          (update hypercalls and writable-page-table stores)\n"
    "  catch clear             drop every catch\n"
    "  hypercalls [N]          PV: the last N hypercalls with arguments, results and reasons\n"
    "  evtchn                  PV: event channels, pending and masked bits, upcall flags\n"
    "  frames [MFN [COUNT]]    PV: the frame table (summary, then typed or pinned frames)\n"
    "  help                    this list\n";

bool parse_num(const std::string& s, uint64_t& v) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  v = std::strtoull(s.c_str(), &end, 0);
  return errno == 0 && end && *end == '\0';
}

}  // namespace

std::string Session::monitor(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> w;
  for (std::string t; in >> t;) w.push_back(t);
  if (w.empty() || w[0] == "help") return kHelp;
  const std::string& cmd = w[0];
  uint64_t a = 0, b = 0;
  // A number, or a register's value ("eip", "$esp", "cr3").
  auto num = [&](size_t i, uint64_t& out) {
    if (i >= w.size()) return false;
    if (parse_num(w[i], out)) return true;
    const std::optional<Reg> r = reg_by_name(w[i][0] == '$' ? w[i].substr(1) : w[i]);
    if (r) out = reg(*r);
    return r.has_value();
  };
  const std::string bad = "monitor " + cmd + ": bad arguments (see 'monitor help')\n";

  if (cmd == "regs") return registers_text();
  if (cmd == "pt") {
    if (!num(1, a) || a > 0xffffffffu) return "usage: monitor pt ADDR (a linear address)\n";
    return format_page_walk(page_walk(uint32_t(a)));
  }
  if (cmd == "tlb") return tlb_text();
  if (cmd == "gdt") return descriptor_text(DescTableKind::Gdt);
  if (cmd == "ldt") return descriptor_text(DescTableKind::Ldt);
  if (cmd == "idt") return descriptor_text(DescTableKind::Idt);
  if (cmd == "tss") return tss_text();
  if (cmd == "counters" || cmd == "stats") return counters_text();
  if (cmd == "disas") {
    uint32_t at = uint32_t(reg(Reg::CS_BASE) + reg(Reg::EIP));
    uint64_t n = 8;
    if (w.size() > 1 && !num(1, a)) return bad;
    if (w.size() > 1) at = uint32_t(a);
    if (w.size() > 2 && (!num(2, n) || n == 0 || n > 1000)) return bad;
    const bool att = w.size() > 3 && w[3] == "att";
    return disassemble(at, unsigned(n), att);
  }
  if (cmd == "x") {
    uint64_t n = 64;
    if (!num(1, a) || (w.size() > 2 && w[2] != "phys" && (!num(2, n) || n == 0 || n > 65536))) return bad;
    const bool phys = w.back() == "phys";
    std::vector<uint8_t> buf(n);
    const size_t got = read_memory(a, buf.data(), n, phys);
    std::string o;
    char row[128];
    for (size_t k = 0; k < got; k += 16) {
      int len = std::snprintf(row, sizeof row, "%s%08llx:", phys ? "p:" : "", (unsigned long long)(a + k));
      for (size_t j = k; j < k + 16 && j < got; ++j) len += std::snprintf(row + len, sizeof row - len, " %02x", buf[j]);
      o += row;
      o += '\n';
    }
    if (got < n) o += "(not readable from " + std::to_string(a + got) + ")\n";
    return o;
  }
  if (cmd == "vcpu") {
    if (w.size() > 1) {
      if (!num(1, a) || a >= vcpus()) return "no such vcpu\n";
      select_vcpu(unsigned(a));
    }
    return "vcpu " + std::to_string(vcpu()) + " of " + std::to_string(vcpus()) + "\n";
  }
  if (cmd == "catch") {
    if (w.size() == 2 && w[1] == "clear") {
      clear_catches();
      return "no catches\n";
    }
    const bool off = w.back() == "off";
    if (w.size() >= 3 && w[1] == "vector") {
      if (!num(2, a) || a > 255) return bad;
      catch_vector(uint8_t(a), !off);
      return std::string(off ? "no longer catching" : "catching") + " vector " + std::to_string(a) + "\n";
    }
    if (w.size() >= 3 && w[1] == "hypercall") {
      std::optional<uint32_t> nr;
      bool failed = false;
      if (w[2] == "failed") failed = true;
      else if (w[2] != "any") {
        if (!num(2, b) || b > 0xffffffffu) return bad;
        nr = uint32_t(b);
      }
      if (!catch_hypercall(nr, !off, failed)) return "not a PV domain: no hypercalls to catch\n";
      return std::string(off ? "no longer catching" : "catching") + " hypercall " + w[2] + "\n";
    }
    if (w.size() >= 2 && w[1] == "upcall") {
      std::optional<uint32_t> port;
      const size_t args = w.size() - 2 - (off ? 1 : 0);
      if (args > 1) return bad;
      if (args == 1 && w[2] != "any") {
        if (!num(2, b) || b > 0xffffffffu) return bad;
        port = uint32_t(b);
      }
      if (!catch_upcall(port, !off)) return "not a PV domain: no event upcalls to catch\n";
      return std::string(off ? "no longer catching" : "catching") + " event upcalls" +
             (port ? " for port " + std::to_string(*port) : std::string()) + "\n";
    }
    if (w.size() >= 2 && w[1] == "rejected") {
      if (w.size() > 3 || (w.size() == 3 && !off)) return bad;
      if (!catch_rejected_updates(!off)) return "not a PV domain: no page-table updates to catch\n";
      return std::string(off ? "no longer catching" : "catching") + " refused page-table and descriptor updates\n";
    }
    return bad;
  }
  if (cmd == "hypercalls") {
    uint64_t n = 32;
    if (w.size() > 1 && (!num(1, n) || n == 0 || n > 4096)) return bad;
    return hypercalls_text(unsigned(n));
  }
  if (cmd == "evtchn") return evtchn_text();
  if (cmd == "frames") {
    if (w.size() > 1 && (!num(1, a) || a > 0xffffffffu)) return bad;
    if (w.size() > 2 && (!num(2, b) || b > 0xffffffffu)) return bad;
    if (w.size() > 1 && w.size() < 3) b = 16;
    return frames_text(uint32_t(a), uint32_t(b));
  }
  return "unknown monitor command '" + cmd + "' (see 'monitor help')\n";
}

}  // namespace pvlab
