// The ELF header of a 32-bit little-endian i386 executable, for tests that build small ELF
// files byte by byte: program headers right after it, no section headers unless set.
#pragma once
#include <elf.h>

#include <cstdint>
#include <cstring>

namespace pvlab::testing {

inline Elf32_Ehdr i386_exec_header(uint32_t entry, uint16_t phnum) {
  Elf32_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS32;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_EXEC;
  eh.e_machine = EM_386;
  eh.e_version = EV_CURRENT;
  eh.e_entry = entry;
  eh.e_phoff = sizeof eh;
  eh.e_ehsize = sizeof eh;
  eh.e_phentsize = sizeof(Elf32_Phdr);
  eh.e_phnum = phnum;
  return eh;
}

}  // namespace pvlab::testing
