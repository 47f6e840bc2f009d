// The BSD_SYMTAB block built from a kernel file: Xen's layout, and files it cannot be built from.
#include <doctest/doctest.h>
#include <elf.h>

#include <cstring>
#include <iterator>
#include <string>
#include <vector>

#include "frontend/bsd_symtab.h"
#include "pv_hello.h"

using namespace pvlab;

namespace {

template <typename T>
T at(const std::vector<uint8_t>& b, size_t off) {
  T v;
  REQUIRE(off + sizeof v <= b.size());
  std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}

}  // namespace

TEST_CASE("bsd_symtab: the block of a PV kernel has Xen's layout") {
  const std::vector<uint8_t> elf(std::begin(kPvHello), std::end(kPvHello));
  std::string err;
  const std::vector<uint8_t> b = bsd_symtab_block(elf, err);
  REQUIRE_MESSAGE(!b.empty(), err);
  const uint32_t size = at<uint32_t>(b, 0);
  CHECK(size == b.size() - 4);
  const Elf32_Ehdr eh = at<Elf32_Ehdr>(b, 4);
  CHECK(std::memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0);
  CHECK(eh.e_shoff == 64);
  CHECK(eh.e_shnum == 3);
  CHECK(eh.e_shentsize == sizeof(Elf32_Shdr));
  CHECK(eh.e_phoff == 0);
  CHECK(eh.e_phnum == 0);
  CHECK(eh.e_shstrndx == SHN_UNDEF);
  const Elf32_Shdr null = at<Elf32_Shdr>(b, 4 + 64);
  const Elf32_Shdr sym = at<Elf32_Shdr>(b, 4 + 64 + 40);
  const Elf32_Shdr str = at<Elf32_Shdr>(b, 4 + 64 + 80);
  CHECK(null.sh_type == SHT_NULL);
  CHECK(null.sh_size == 0);
  CHECK(sym.sh_type == SHT_SYMTAB);
  CHECK(sym.sh_link == 2);
  CHECK(sym.sh_offset == 256);   // 260 bytes from the block's start
  CHECK(str.sh_type == SHT_STRTAB);
  CHECK(str.sh_offset == ((sym.sh_offset + sym.sh_size + 3) & ~3u));
  CHECK(size == str.sh_offset + str.sh_size);
  // The file's own tables, byte for byte.
  const Elf32_Ehdr feh = at<Elf32_Ehdr>(elf, 0);
  bool found = false;
  for (unsigned k = 0; k < feh.e_shnum; ++k) {
    const Elf32_Shdr s = at<Elf32_Shdr>(elf, feh.e_shoff + k * sizeof(Elf32_Shdr));
    if (s.sh_type != SHT_SYMTAB) continue;
    found = true;
    CHECK(s.sh_size == sym.sh_size);
    CHECK(std::memcmp(elf.data() + s.sh_offset, b.data() + 4 + sym.sh_offset, s.sh_size) == 0);
    const Elf32_Shdr fs = at<Elf32_Shdr>(elf, feh.e_shoff + s.sh_link * sizeof(Elf32_Shdr));
    CHECK(std::memcmp(elf.data() + fs.sh_offset, b.data() + 4 + str.sh_offset, fs.sh_size) == 0);
  }
  CHECK(found);
}

TEST_CASE("bsd_symtab: files without a usable symbol table are named as such") {
  std::vector<uint8_t> elf(std::begin(kPvHello), std::end(kPvHello));
  std::string err;
  // No section headers.
  std::vector<uint8_t> headless = elf;
  Elf32_Ehdr eh = at<Elf32_Ehdr>(headless, 0);
  eh.e_shoff = 0;
  std::memcpy(headless.data(), &eh, sizeof eh);
  CHECK(bsd_symtab_block(headless, err).empty());
  CHECK(err.find("no section headers") != std::string::npos);
  // A symbol table past the end of the file.
  eh = at<Elf32_Ehdr>(elf, 0);
  for (unsigned k = 0; k < eh.e_shnum; ++k) {
    const size_t off = eh.e_shoff + k * sizeof(Elf32_Shdr);
    Elf32_Shdr s = at<Elf32_Shdr>(elf, off);
    if (s.sh_type != SHT_SYMTAB) continue;
    s.sh_offset = uint32_t(elf.size());
    std::memcpy(elf.data() + off, &s, sizeof s);
  }
  err.clear();
  CHECK(bsd_symtab_block(elf, err).empty());
  CHECK(err.find("past the end of the file") != std::string::npos);
}
