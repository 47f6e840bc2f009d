// Result comparison and the text the differential tester prints (see compare.h).
#include "compare.h"

#include <cstdio>
#include <cstring>

namespace pvdiff {

namespace {

const char* const kRegNames[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};

std::string flag_names(uint32_t bits) {
  static const struct { uint32_t bit; const char* name; } kNames[] = {
      {0x1, "CF"}, {0x4, "PF"}, {0x10, "AF"}, {0x40, "ZF"}, {0x80, "SF"}, {0x100, "TF"},
      {0x200, "IF"}, {0x400, "DF"}, {0x800, "OF"}, {0x3000, "IOPL"}, {0x4000, "NT"},
      {0x10000, "RF"}, {0x40000, "AC"}, {0x200000, "ID"}};
  std::string s;
  for (auto& n : kNames)
    if (bits & n.bit) s += (s.empty() ? "" : " ") + std::string(n.name);
  return s.empty() ? "-" : s;
}

std::string vector_name(int v) {
  static const char* const kNames[] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
                                       "#DF", "?9",  "#TS", "#NP", "#SS", "#GP", "#PF", "?15",
                                       "#MF", "#AC"};
  if (v == kVecEnd) return "end";
  if (v == kVecStopped) return "stopped";
  if (v >= 0 && v < int(sizeof kNames / sizeof kNames[0])) return kNames[v];
  return "vector " + std::to_string(v);
}

}  // namespace

std::string hex32(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "%#x", v);
  return b;
}

std::vector<std::string> compare(const Result& a, const Result& b, uint32_t flag_mask) {
  std::vector<std::string> d;
  if (a.vector != b.vector) {
    d.push_back("outcome " + describe_outcome(a) + " / " + describe_outcome(b));
  } else if (a.vector != kVecEnd) {
    if (a.eip != b.eip) d.push_back("eip " + hex32(a.eip) + " / " + hex32(b.eip));
    if (a.err_known && b.err_known && vector_has_error(a.vector) && a.err != b.err)
      d.push_back("error code " + hex32(a.err) + " / " + hex32(b.err));
    if (a.vector == 14 && a.cr2 != b.cr2) d.push_back("cr2 " + hex32(a.cr2) + " / " + hex32(b.cr2));
  }
  for (unsigned k = 0; k < 8; ++k)
    if (a.regs[k] != b.regs[k])
      d.push_back(std::string(kRegNames[k]) + " " + hex32(a.regs[k]) + " / " + hex32(b.regs[k]));
  uint32_t fx = (a.eflags ^ b.eflags) & flag_mask;
  if (fx)
    d.push_back("eflags " + hex32(a.eflags) + " / " + hex32(b.eflags) + " (" + flag_names(fx) + ")");
  unsigned nbytes = 0;
  uint32_t first = 0;
  for (unsigned p = 0; p < PD_NUM_DATA; ++p) {
    if (std::memcmp(a.data[p], b.data[p], PD_PAGE) == 0) continue;
    for (unsigned o = 0; o < PD_PAGE; ++o)
      if (a.data[p][o] != b.data[p][o]) {
        if (!nbytes) first = pd_data_page(p) + o;
        ++nbytes;
      }
  }
  if (nbytes) {
    char buf[96];
    unsigned p = unsigned(pd_data_index(first)), o = first & (PD_PAGE - 1);
    std::snprintf(buf, sizeof buf, "memory: %u bytes differ, first at %#x (%02x / %02x)", nbytes,
                  first, a.data[p][o], b.data[p][o]);
    d.push_back(buf);
  }
  return d;
}

Verdict judge(const TestCase& tc, const Result* pv, const Result* uc, const Result* host,
              bool host_valid) {
  Verdict v;
  v.host_compared = host && host_valid && host->ran;
  if (v.host_compared) {
    const uint32_t mask = kCmpFlags & ~tc.undef_at(host->eip);
    if (pv) v.pv_host = compare(*pv, *host, mask);
    if (uc) v.uc_host = compare(*uc, *host, mask);
    v.unicorn_deviates = !v.uc_host.empty();
  }
  if (pv && uc) v.pv_uc = compare(*pv, *uc, kCmpFlags & ~tc.qctx_at(uc->eip));
  // An access that lands in the engines' own system pages (one in a million or so) finds
  // different things in each.
  if (pv && pv->vector == 14 && pv->cr2 - PD_SYS_BASE < PD_SYS_SIZE) {
    v.inconclusive = true;
    return v;
  }
  if (!pv) {
    // Without pvlab the run checks the references against each other.
    v.pvlab_ok = !v.unicorn_deviates;
    if (!v.pvlab_ok) v.reason = "unicorn differs from host: " + v.uc_host.front();
    return v;
  }
  // When both operands of CMPS fault, the host's choice of which to report first differs
  // between REP and plain forms; where Unicorn and pvlab agree on it, it is not counted.
  if (v.host_compared && uc && v.pv_uc.empty() && v.pv_host.size() == 1 &&
      v.pv_host.front().rfind("cr2 ", 0) == 0) {
    int k = tc.index_at(pv->eip);
    if (k >= 0 && size_t(k) < tc.insns.size()) {
      const uint16_t m = tc.insns[size_t(k)].mnemonic;
      if (m == ZYDIS_MNEMONIC_CMPSB || m == ZYDIS_MNEMONIC_CMPSW || m == ZYDIS_MNEMONIC_CMPSD)
        v.pv_host.clear();
    }
  }
  if (v.host_compared) {
    if (!v.pv_host.empty()) {
      v.pvlab_ok = false;
      v.reason = "differs from host: " + v.pv_host.front();
    } else if (uc && !v.unicorn_deviates && !v.pv_uc.empty()) {
      v.pvlab_ok = false;
      v.reason = "differs from unicorn: " + v.pv_uc.front();
    }
  } else if (uc && !v.pv_uc.empty()) {
    // A sequence Unicorn is known to get wrong somewhere has no reference without the host.
    if (tc.unicorn_unreliable) {
      v.inconclusive = true;
      return v;
    }
    // Unicorn applies no segment limit to an access that wraps past 4 GiB (the host raises
    // #GP or #SS); with no host to ask, such a case says nothing.
    if (uc->vector == 14 && uc->cr2 >= 0xfffffff9u) {
      v.inconclusive = true;
      return v;
    }
    // Nor does it check the pages of a page-crossing access in the processor's order.
    if (uc->vector == 14 && pv->vector == 14 && uc->eip == pv->eip &&
        uc->cr2 - pv->cr2 + 16 < 32) {
      v.inconclusive = true;
      return v;
    }
    v.pvlab_ok = false;
    v.reason = "differs from unicorn: " + v.pv_uc.front();
  }
  return v;
}

TestCase truncate(const TestCase& tc, size_t k) {
  TestCase t = tc;
  if (k >= tc.insns.size() || k == 0) return t;
  t.insns.resize(k);
  uint32_t len = k ? t.insns.back().offset + t.insns.back().len : 0;
  t.end = PD_CODE_BASE + len;
  // Flags at the new end: as the last instruction left them, merged with those of every
  // branch that now goes to the end.
  uint32_t undef = t.insns.back().undef_after, qctx = t.insns.back().qctx_after;
  for (const SeqInsn& s : t.insns)
    if (s.rel_size && size_t(s.target) >= k) {
      undef |= s.undef_after;
      qctx |= s.qctx_after;
    }
  t.undef_end = undef;
  t.qctx_end = qctx;
  std::memset(t.code, 0, sizeof t.code);
  for (auto& s : t.insns) {
    if (s.rel_size && size_t(s.target) >= k) {
      s.target = int16_t(k);
      uint32_t rel = t.end - (PD_CODE_BASE + s.offset + s.len);
      for (unsigned b = 0; b < s.rel_size; ++b) s.bytes[s.rel_offset + b] = uint8_t(rel >> (8 * b));
    }
    std::memcpy(t.code + s.offset, s.bytes, s.len);
  }
  t.code[len] = 0xe9;
  uint32_t rel = PD_LANDING - (t.end + 5);
  std::memcpy(t.code + len + 1, &rel, 4);
  return t;
}

std::string describe_outcome(const Result& r) {
  if (!r.ran) return "not run (" + r.note + ")";
  std::string s = vector_name(r.vector);
  if (r.vector == kVecEnd) return s;
  if (r.vector == kVecStopped) return s + " at " + hex32(r.eip) + " (" + r.note + ")";
  if (vector_has_error(r.vector)) s += r.err_known ? " err=" + hex32(r.err) : " err=?";
  if (r.vector == 14) s += " cr2=" + hex32(r.cr2);
  return s + " at " + hex32(r.eip);
}

std::string describe_result(const Result& r, const TestCase& tc) {
  (void)tc;
  std::string s = describe_outcome(r);
  if (!r.ran) return s;
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "\n        eax=%08x ecx=%08x edx=%08x ebx=%08x esp=%08x ebp=%08x esi=%08x "
                "edi=%08x eflags=%08x",
                r.regs[0], r.regs[1], r.regs[2], r.regs[3], r.regs[4], r.regs[5], r.regs[6],
                r.regs[7], r.eflags);
  s += buf;
  if (!r.note.empty() && r.vector != kVecStopped) s += "\n        note: " + r.note;
  return s;
}

std::string describe_case(const TestCase& tc, const Generator& g) {
  std::string s;
  char buf[256];
  for (const SeqInsn& i : tc.insns) {
    std::string hex;
    for (unsigned b = 0; b < i.len; ++b) {
      std::snprintf(buf, sizeof buf, "%02x ", i.bytes[b]);
      hex += buf;
    }
    std::snprintf(buf, sizeof buf, "    %#07x  %-34s %-36s", PD_CODE_BASE + i.offset, hex.c_str(),
                  g.disasm(i).c_str());
    s += buf;
    if (i.undef_before) s += " ; undefined before: " + flag_names(i.undef_before);
    if (i.inserted) s += " ; (inserted)";
    s += "\n";
  }
  std::snprintf(buf, sizeof buf, "    %#07x  end%s\n", tc.end,
                tc.undef_end ? ("; undefined: " + flag_names(tc.undef_end)).c_str() : "");
  s += buf;
  std::snprintf(buf, sizeof buf,
                "  initial: eax=%08x ecx=%08x edx=%08x ebx=%08x esp=%08x ebp=%08x esi=%08x "
                "edi=%08x eflags=%08x\n",
                tc.regs[0], tc.regs[1], tc.regs[2], tc.regs[3], tc.regs[4], tc.regs[5],
                tc.regs[6], tc.regs[7], tc.eflags);
  s += buf;
  if (!tc.host_ok) s += "  host not compared: " + tc.host_why + "\n";
  return s;
}

}  // namespace pvdiff
