// The --log categories (see guest_log.h for what each reports and where it hooks in).
#include "frontend/guest_log.h"

#include <array>

#include "cpu/decode/decoder.h"
#include "cpu/interp/groups.h"
#include "frontend/state_dump.h"

namespace pvlab {

namespace {

constexpr std::array<LogCategory, 7> kCategories = {{
    {"int", log_cat::kInt, "every exception and interrupt delivered (vector, error code, CS:EIP)"},
    {"pf", log_cat::kPf, "page faults: CR2, the error code and what it means, CS:EIP"},
    {"unimp", log_cat::kUnimp,
     "#UD from an invalid opcode or an instruction pvlab does not implement (once per address)"},
    {"cpu", log_cat::kCpu, "CR0/CR3/CR4 writes, real/protected/V86 mode switches, LTR, task switches"},
    {"io", log_cat::kIo, "ports no device answers (once each, at the end of the run)"},
    {"hcall", log_cat::kHcall, "hypercalls of a Xen PV guest (--machine pv)"},
    {"refused", log_cat::kRefused, "PV hypercalls the hypervisor refused, with the reason (on for the built-in demo)"},
}};

const char* mode_name(CpuMode m) {
  return m == CpuMode::Real ? "real" : m == CpuMode::V86 ? "v86" : "protected";
}

struct BitName {
  uint32_t bit;
  const char* name;
};
constexpr BitName kCr0Bits[] = {{cr0::PE, "PE"}, {cr0::MP, "MP"}, {cr0::EM, "EM"}, {cr0::TS, "TS"},
                                {cr0::ET, "ET"}, {cr0::NE, "NE"}, {cr0::WP, "WP"}, {cr0::AM, "AM"},
                                {cr0::NW, "NW"}, {cr0::CD, "CD"}, {cr0::PG, "PG"}};
constexpr BitName kCr4Bits[] = {{cr4::VME, "VME"}, {cr4::PVI, "PVI"}, {cr4::TSD, "TSD"},
                                {cr4::DE, "DE"},   {cr4::PSE, "PSE"}, {cr4::PAE, "PAE"},
                                {cr4::MCE, "MCE"}, {cr4::PGE, "PGE"}, {cr4::PCE, "PCE"}};

// "+PG -WP": the named bits that changed between `from` and `to`.
template <size_t N>
std::string bit_changes(uint32_t from, uint32_t to, const BitName (&names)[N]) {
  std::string s;
  for (const BitName& b : names) {
    if (!((from ^ to) & b.bit)) continue;
    if (!s.empty()) s += ' ';
    s += (to & b.bit) ? '+' : '-';
    s += b.name;
  }
  return s;
}

}  // namespace

std::span<const LogCategory> log_categories() { return kCategories; }

bool parse_log_categories(const std::vector<std::string>& names, unsigned& mask, std::string& error) {
  mask = 0;
  for (const std::string& n : names) {
    bool found = false;
    for (const LogCategory& c : kCategories) {
      if (n == c.name) {
        mask |= c.bit;
        found = true;
      }
    }
    if (!found) {
      error = "--log " + n + ": unknown category (known:";
      for (const LogCategory& c : kCategories) error += std::string(" ") + c.name;
      error += "; --log help describes them)";
      return false;
    }
  }
  return true;
}

std::string log_help() {
  std::string s = "pvlab run --log CATEGORY[,CATEGORY...] reports on standard error:\n";
  for (const LogCategory& c : kCategories) {
    char line[160];
    std::snprintf(line, sizeof line, "  %-6s %s\n", c.name, c.help);
    s += line;
  }
  return s;
}

GuestLog::GuestLog(FILE* out, unsigned mask) : out_(out), mask_(mask) {}
GuestLog::~GuestLog() = default;

GuestLog::Control GuestLog::control_of(const Cpu& cpu) {
  return {cpu.s.cr0, cpu.s.cr3, cpu.s.cr4, cpu.s.tr.sel, cpu.s.mode};
}

void GuestLog::attach(Cpu& cpu) {
  last_ = control_of(cpu);
  if (on(log_cat::kCpu)) cpu.add_retire_hook(this);
}

void GuestLog::event(Cpu& c, const Event& e) {
  const auto cycle = (unsigned long long)c.s.cycles;
  const bool fault = e.kind == EventKind::Fault;
  if (on(log_cat::kInt)) {
    static const char* kinds[] = {"fault", "trap", "int", "int3", "irq", "nmi"};
    std::fprintf(out_, "pvlab: [cycle %llu] %s vector %u", cycle, kinds[unsigned(e.kind)], e.vector);
    if (e.has_error) std::fprintf(out_, " error %#x", e.error);
    std::fprintf(out_, " at %04x:%08x\n", c.s.seg[CS].sel, c.s.eip);
  }
  if (on(log_cat::kPf) && fault && e.vector == exc::PF) {
    const uint32_t err = e.error;
    std::fprintf(out_, "pvlab: [cycle %llu] pf: cr2=%08x error=%#x (%s, %s, %s%s%s) at %04x:%08x\n",
                 cycle, c.s.cr2, err, err & 1 ? "protection" : "not present",
                 err & 2 ? "write" : "read", err & 4 ? "user" : "supervisor",
                 err & 8 ? ", reserved bit" : "", err & 16 ? ", fetch" : "", c.s.seg[CS].sel, c.s.eip);
  }
  if (on(log_cat::kUnimp) && fault && e.vector == exc::UD) unimplemented(c);
}

// A #UD at CS:EIP: report it when the opcode is invalid or pvlab lacks the instruction.
void GuestLog::unimplemented(Cpu& c) {
  const uint32_t lin = c.s.seg[CS].base + c.s.eip;
  if (ud_seen_.count(lin)) return;
  uint8_t buf[15];
  size_t n = 0;
  while (n < sizeof buf && c.debug_read(lin + uint32_t(n), buf + n, 1)) ++n;
  if (!decoder_) decoder_ = std::make_unique<Decoder>();
  Insn insn;
  const DecodeStatus st = decoder_->decode(buf, n, c.code32(), insn);
  const char* why = nullptr;
  if (st == DecodeStatus::Invalid) why = "invalid opcode";
  else if (st == DecodeStatus::Ok && insn.fn == interp::unimplemented) why = "not implemented by pvlab";
  else if (st == DecodeStatus::Ok && insn.fn == interp::x87_unavailable) why = "x87: pvlab has no FPU";
  if (!why) return;  // UD2 and the #UD an implemented instruction raises by its own rules
  ud_seen_.insert(lin);
  unsigned size = 0;
  const std::string text = disassemble_one(c, lin, size);
  std::string bytes;
  for (unsigned k = 0; k < (size ? size : 4u) && k < n; ++k) {
    char h[4];
    std::snprintf(h, sizeof h, k ? " %02x" : "%02x", buf[k]);
    bytes += h;
  }
  std::fprintf(out_, "pvlab: [cycle %llu] unimp: #UD at %04x:%08x: ", (unsigned long long)c.s.cycles,
               c.s.seg[CS].sel, c.s.eip);
  if (size) std::fprintf(out_, "%s (%s): %s\n", text.c_str(), bytes.c_str(), why);
  else std::fprintf(out_, "%s (bytes %s ...)\n", why, bytes.c_str());
}

void GuestLog::retired(Cpu& cpu, const Insn& insn, uint32_t eip) {
  const CpuState& s = cpu.s;
  const bool cr_write = insn.nops == 2 && insn.op[0].kind == OpKind::CReg;
  if (!cr_write && s.cr0 == last_.cr0 && s.cr3 == last_.cr3 && s.cr4 == last_.cr4 &&
      s.tr.sel == last_.tr && s.mode == last_.mode)
    return;
  const Control now = control_of(cpu);
  const auto cycle = (unsigned long long)s.cycles;
  auto line = [&](const std::string& what) {
    std::fprintf(out_, "pvlab: [cycle %llu] cpu: %s, by the instruction at eip %08x\n", cycle,
                 what.c_str(), eip);
  };
  char buf[128];
  auto cr_line = [&](unsigned n, uint32_t from, uint32_t to, const std::string& bits) {
    if (from == to) std::snprintf(buf, sizeof buf, "cr%u %08x written again", n, to);
    else std::snprintf(buf, sizeof buf, "cr%u %08x -> %08x%s%s%s", n, from, to,
                       bits.empty() ? "" : " (", bits.c_str(), bits.empty() ? "" : ")");
    line(buf);
  };
  const unsigned written = cr_write ? insn.op[0].reg : ~0u;
  if (now.cr0 != last_.cr0 || written == 0) cr_line(0, last_.cr0, now.cr0, bit_changes(last_.cr0, now.cr0, kCr0Bits));
  if (now.cr3 != last_.cr3 || written == 3) cr_line(3, last_.cr3, now.cr3, "");
  if (now.cr4 != last_.cr4 || written == 4) cr_line(4, last_.cr4, now.cr4, bit_changes(last_.cr4, now.cr4, kCr4Bits));
  if (now.mode != last_.mode) {
    std::snprintf(buf, sizeof buf, "mode %s -> %s", mode_name(last_.mode), mode_name(now.mode));
    line(buf);
  }
  if (now.tr != last_.tr) {
    if (insn.mnemonic == ZYDIS_MNEMONIC_LTR) std::snprintf(buf, sizeof buf, "ltr %04x", now.tr);
    else std::snprintf(buf, sizeof buf, "task switch tr %04x -> %04x, now at %04x:%08x", last_.tr,
                       now.tr, s.seg[CS].sel, s.eip);
    line(buf);
  }
  last_ = now;
}

void GuestLog::finish(Bus& bus) {
  if (on(log_cat::kIo))
    for (uint16_t port : bus.unknown_ports())
      std::fprintf(out_, "pvlab: io: the guest used port %#06x, which no device answers\n", port);
}

}  // namespace pvlab
