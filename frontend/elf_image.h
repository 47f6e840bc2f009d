// Reading a guest kernel's ELF file: validation with errors that name the file and the
// problem, and the loadable segments.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pvlab {

struct ElfSegment {
  uint64_t paddr = 0, vaddr = 0;
  uint64_t file_offset = 0, file_size = 0, mem_size = 0;
  uint32_t flags = 0;
};

// A note as Xen's libelf reads it: every note whose header starts inside the note segment
// (or SHT_NOTE section) counts, and its name and descriptor are bounded by the file, not by
// the segment. GRUB's Xen images end their last note (PAE_MODE, descsz 12, "yes\0") at the
// end of the file, 8 bytes short of its padded size; Xen reads the string up to its NUL.
// `desc` holds the descriptor's bytes that lie in the file; desc_cut says it was cut short.
struct ElfNote {
  std::string owner;
  uint32_t type = 0;
  std::vector<uint8_t> desc;
  bool desc_cut = false;
};

struct ElfImage {
  std::string path;
  std::vector<uint8_t> bytes;
  uint32_t entry = 0;
  std::vector<ElfSegment> segments;
  std::vector<ElfNote> notes;
  // The legacy `__xen_guest` section of old PV kernels (its text up to the first NUL).
  std::optional<std::string> xen_guest_section;
  // Symbols from .symtab (value, size, name), for debuggers and CPI stacks.
  struct Symbol { uint32_t value, size; std::string name; };
  std::vector<Symbol> symbols;
};

// Parse an ELF32 i386 executable. On failure returns std::nullopt and sets `error` to one
// line naming the file and what is wrong with it.
std::optional<ElfImage> read_elf(const std::string& path, std::string& error);
std::optional<ElfImage> parse_elf(std::string path, std::vector<uint8_t> bytes, std::string& error);

// True when the bytes start with the ELF magic (used to detect the image kind).
bool looks_like_elf(const std::vector<uint8_t>& bytes);

}  // namespace pvlab
