// Symbols and address expressions (ui/expr.h).
#include "ui/expr.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "frontend/session.h"

namespace pvlab::ui {

Symbols::Symbols(const std::vector<ElfImage::Symbol>& syms) {
  for (const ElfImage::Symbol& s : syms)
    if (!s.name.empty() && s.value != 0 && s.name[0] != '.' && s.name[0] != '$') syms_.push_back(s);
  std::stable_sort(syms_.begin(), syms_.end(),
                   [](const ElfImage::Symbol& a, const ElfImage::Symbol& b) { return a.value < b.value; });
}

const ElfImage::Symbol* Symbols::containing(uint32_t addr) const {
  auto it = std::upper_bound(syms_.begin(), syms_.end(), addr,
                             [](uint32_t a, const ElfImage::Symbol& s) { return a < s.value; });
  // Among the symbols at the closest start at or below addr, prefer one that covers it.
  while (it != syms_.begin()) {
    --it;
    const uint32_t off = addr - it->value;
    if (it->size ? off < it->size : off < 0x1000) return &*it;
    if (it->size) return nullptr;
  }
  return nullptr;
}

std::string Symbols::describe(uint32_t addr) const {
  const ElfImage::Symbol* s = containing(addr);
  if (!s) return {};
  if (addr == s->value) return s->name;
  char buf[32];
  std::snprintf(buf, sizeof buf, "+%#x", addr - s->value);
  return s->name + buf;
}

std::string Symbols::at(uint32_t addr) const {
  auto it = std::lower_bound(syms_.begin(), syms_.end(), addr,
                             [](const ElfImage::Symbol& s, uint32_t a) { return s.value < a; });
  // Prefer a sized (function or object) symbol over a label at the same address.
  std::string best;
  for (; it != syms_.end() && it->value == addr; ++it)
    if (best.empty() || it->size) best = it->name;
  return best;
}

std::optional<uint32_t> Symbols::start_of(uint32_t addr) const {
  const ElfImage::Symbol* s = containing(addr);
  if (!s) return std::nullopt;
  return s->value;
}

std::optional<uint32_t> Symbols::find(const std::string& name) const {
  for (const ElfImage::Symbol& s : syms_)
    if (s.name == name) return s.value;
  return std::nullopt;
}

std::optional<uint64_t> parse_hex(const std::string& text) {
  std::string t = text;
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) t = t.substr(2);
  if (t.empty() || t.size() > 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : t) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 16 + uint64_t(std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (std::tolower(c) - 'a' + 10));
  }
  return v;
}

std::optional<uint32_t> eval_address(const std::string& text, const Symbols& syms, Session& s,
                                     std::string& error) {
  std::string t;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) t += c;
  if (t.empty()) {
    error = "empty address";
    return std::nullopt;
  }
  // base [(+|-) offset]
  size_t op = t.find_first_of("+-", 1);
  const std::string base = t.substr(0, op);
  int64_t off = 0;
  if (op != std::string::npos) {
    auto o = parse_hex(t.substr(op + 1));
    if (!o) {
      error = "'" + t.substr(op + 1) + "' is not a hexadecimal offset";
      return std::nullopt;
    }
    off = t[op] == '-' ? -int64_t(*o) : int64_t(*o);
  }
  std::optional<uint64_t> v;
  if (auto sym = syms.find(base)) {
    v = *sym;
  } else if (auto r = reg_by_name(base)) {
    v = s.reg(*r);
    if (*r == Reg::EIP) v = *v + s.reg(Reg::CS_BASE);
    if (*r == Reg::ESP || *r == Reg::EBP) v = *v + s.reg(Reg::SS_BASE);
  } else {
    v = parse_hex(base);
  }
  if (!v) {
    error = "'" + base + "' is neither a symbol, a register nor a hexadecimal number";
    return std::nullopt;
  }
  return uint32_t(*v + uint64_t(off));
}

}  // namespace pvlab::ui
