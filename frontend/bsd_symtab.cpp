#include "frontend/bsd_symtab.h"

#include <elf.h>

#include <cstring>

namespace pvlab {

namespace {

constexpr uint32_t kSizeWord = 4;
constexpr uint32_t kEhdrSlot = 64;                     // sizeof(Elf64_Ehdr): Xen's header union
constexpr uint32_t kShdrSlot = 64;                     // sizeof(Elf64_Shdr)
constexpr uint32_t kHeaderBlock = kSizeWord + kEhdrSlot + 3 * kShdrSlot;   // 260
constexpr unsigned kSymtabIndex = 1, kStrtabIndex = 2;

uint32_t round4(uint64_t v) { return uint32_t((v + 3) & ~uint64_t(3)); }

template <typename T>
bool read_at(const std::vector<uint8_t>& b, uint64_t off, T& out) {
  if (off > b.size() || sizeof(T) > b.size() - off) return false;
  std::memcpy(&out, b.data() + off, sizeof(T));
  return true;
}

bool inside(const std::vector<uint8_t>& b, const Elf32_Shdr& s) {
  return uint64_t(s.sh_offset) + s.sh_size <= b.size();
}

}  // namespace

std::vector<uint8_t> bsd_symtab_block(const std::vector<uint8_t>& b, std::string& error) {
  Elf32_Ehdr eh;
  if (!read_at(b, 0, eh) || eh.e_shoff == 0 || eh.e_shentsize != sizeof(Elf32_Shdr)) {
    error = "the file has no section headers";
    return {};
  }
  Elf32_Shdr sym{}, str{};
  bool found = false;
  for (unsigned k = 0; k < eh.e_shnum && !found; ++k) {
    Elf32_Shdr s;
    if (!read_at(b, uint64_t(eh.e_shoff) + uint64_t(k) * sizeof s, s)) break;
    if (s.sh_type != SHT_SYMTAB) continue;
    if (s.sh_link == SHN_UNDEF || s.sh_link >= eh.e_shnum ||
        !read_at(b, uint64_t(eh.e_shoff) + uint64_t(s.sh_link) * sizeof str, str) || str.sh_type != SHT_STRTAB) {
      error = "section " + std::to_string(k) + " (the symbol table) does not link to a string table";
      return {};
    }
    sym = s;
    found = true;
  }
  if (!found) {
    error = "the file has no symbol table (.symtab)";
    return {};
  }
  if (!inside(b, sym) || !inside(b, str)) {
    error = "the symbol table or its string table lies past the end of the file";
    return {};
  }

  const uint32_t elf_base = kSizeWord;                        // offsets count from here
  const uint32_t sym_at = round4(kHeaderBlock);
  const uint32_t str_at = round4(uint64_t(sym_at) + sym.sh_size);
  const uint32_t end = str_at + str.sh_size;
  std::vector<uint8_t> out(end, 0);

  const uint32_t size = end - elf_base;
  std::memcpy(out.data(), &size, 4);

  Elf32_Ehdr h = eh;
  h.e_ehsize = sizeof(Elf32_Ehdr);
  h.e_shentsize = sizeof(Elf32_Shdr);
  h.e_version = EV_CURRENT;
  h.e_shoff = kEhdrSlot;
  h.e_shnum = 3;
  h.e_phoff = 0;
  h.e_phentsize = 0;
  h.e_phnum = 0;
  h.e_shstrndx = SHN_UNDEF;
  std::memcpy(out.data() + elf_base, &h, sizeof h);

  Elf32_Shdr s1 = sym, s2 = str;
  s1.sh_offset = sym_at - elf_base;
  s1.sh_link = kStrtabIndex;
  s2.sh_offset = str_at - elf_base;
  const uint32_t shdrs = elf_base + kEhdrSlot;
  std::memcpy(out.data() + shdrs + kSymtabIndex * sizeof(Elf32_Shdr), &s1, sizeof s1);
  std::memcpy(out.data() + shdrs + kStrtabIndex * sizeof(Elf32_Shdr), &s2, sizeof s2);

  std::memcpy(out.data() + sym_at, b.data() + sym.sh_offset, sym.sh_size);
  std::memcpy(out.data() + str_at, b.data() + str.sh_offset, str.sh_size);
  return out;
}

}  // namespace pvlab
