// The guest's symbols (from the ELF image's .symtab) and the address expressions the debugger
// accepts wherever it asks for an address: a symbol, a register name, a hexadecimal number
// (0x optional), each optionally followed by +OFFSET or -OFFSET (hexadecimal).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "frontend/elf_image.h"

namespace pvlab {
class Session;
}

namespace pvlab::ui {

class Symbols {
 public:
  Symbols() = default;
  explicit Symbols(const std::vector<ElfImage::Symbol>& syms);
  // "name" or "name+0x1c" for an address inside (or, for sizeless symbols, just after within
  // 4 KiB of) a symbol; empty when none.
  std::string describe(uint32_t addr) const;
  // The symbol starting exactly at addr (empty when none).
  std::string at(uint32_t addr) const;
  // The start of the symbol containing addr (nullopt when none).
  std::optional<uint32_t> start_of(uint32_t addr) const;
  std::optional<uint32_t> find(const std::string& name) const;
  size_t size() const { return syms_.size(); }

 private:
  const ElfImage::Symbol* containing(uint32_t addr) const;
  std::vector<ElfImage::Symbol> syms_;   // by value
};

// Evaluate an address expression; nullopt with `error` set when it means nothing.
std::optional<uint32_t> eval_address(const std::string& text, const Symbols& syms, Session& s,
                                     std::string& error);

// "0x1234abcd" style parse of a whole string (0x optional); nullopt when it is not hex.
std::optional<uint64_t> parse_hex(const std::string& text);

}  // namespace pvlab::ui
