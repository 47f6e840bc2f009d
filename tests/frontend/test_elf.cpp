// The ELF reader refuses bad images with one line that names the file and the problem.
#include <doctest/doctest.h>
#include <elf.h>

#include <cstring>

#include "frontend/elf_image.h"
#include "tests/elf_header.h"

using namespace pvlab;

namespace {

std::vector<uint8_t> minimal_elf(uint32_t paddr = 0x100000, uint32_t filesz = 16, uint32_t memsz = 16) {
  std::vector<uint8_t> b(sizeof(Elf32_Ehdr) + 2 * sizeof(Elf32_Phdr) + 64, 0);
  Elf32_Ehdr eh = pvlab::testing::i386_exec_header(paddr, 1);
  std::memcpy(b.data(), &eh, sizeof eh);
  Elf32_Phdr ph{};
  ph.p_type = PT_LOAD;
  ph.p_offset = sizeof eh + 2 * sizeof(Elf32_Phdr);
  ph.p_vaddr = ph.p_paddr = paddr;
  ph.p_filesz = filesz;
  ph.p_memsz = memsz;
  std::memcpy(b.data() + sizeof eh, &ph, sizeof ph);
  return b;
}

std::string error_of(std::vector<uint8_t> b) {
  std::string err;
  auto img = parse_elf("k.elf", std::move(b), err);
  CHECK_FALSE(img.has_value());
  return err;
}

}  // namespace

TEST_CASE("a minimal i386 executable parses") {
  std::string err;
  auto img = parse_elf("k.elf", minimal_elf(), err);
  REQUIRE(img.has_value());
  CHECK(img->entry == 0x100000);
  REQUIRE(img->segments.size() == 1);
  CHECK(img->segments[0].mem_size == 16);
}

TEST_CASE("bad images are refused with the file and the reason") {
  CHECK(error_of({'M', 'Z', 0, 0}).find("k.elf: not an ELF file") == 0);
  auto b = minimal_elf();
  b[EI_CLASS] = ELFCLASS64;
  CHECK(error_of(b).find("wrong ELF class") != std::string::npos);
  b = minimal_elf();
  b[18] = 62;  // e_machine = x86-64
  CHECK(error_of(b).find("wrong machine 62") != std::string::npos);
  b = minimal_elf();
  b.resize(sizeof(Elf32_Ehdr) + 8);
  CHECK(error_of(b).find("truncated") != std::string::npos);
  b = minimal_elf(0x100000, 4096, 4096);  // file data past the end
  CHECK(error_of(b).find("past the end of the file") != std::string::npos);
  b = minimal_elf(0x100000, 32, 16);
  CHECK(error_of(b).find("file size larger") != std::string::npos);
}

TEST_CASE("overlapping segments are refused") {
  auto b = minimal_elf();
  Elf32_Ehdr eh;
  std::memcpy(&eh, b.data(), sizeof eh);
  eh.e_phnum = 2;
  std::memcpy(b.data(), &eh, sizeof eh);
  Elf32_Phdr ph;
  std::memcpy(&ph, b.data() + sizeof eh, sizeof ph);
  ph.p_paddr += 8;
  std::memcpy(b.data() + sizeof eh + sizeof ph, &ph, sizeof ph);
  CHECK(error_of(b).find("overlaps") != std::string::npos);
}

TEST_CASE("random corruption of a header never crashes the reader") {
  uint32_t x = 12345;
  for (int round = 0; round < 2000; ++round) {
    auto b = minimal_elf();
    for (int k = 0; k < 4; ++k) {
      x = x * 1103515245u + 12345u;
      b[(x >> 8) % b.size()] = uint8_t(x >> 16);
    }
    if (round % 3 == 0) b.resize((x >> 4) % b.size());
    std::string err;
    auto img = parse_elf("fuzz.elf", b, err);
    if (!img) CHECK(err.rfind("fuzz.elf: ", 0) == 0);
  }
}
