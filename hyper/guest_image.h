// A PV kernel as the domain builder needs it: the file's loadable segments, its notes and the
// legacy `__xen_guest` section. The command line fills it from the ELF reader, so hyper/
// needs no ELF code of its own.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace pvlab::hyper {

struct GuestSegment {
  uint32_t vaddr = 0;
  uint32_t file_size = 0, mem_size = 0;
  const uint8_t* data = nullptr;    // file_size bytes
};

struct GuestNote {
  std::string owner;
  uint32_t type = 0;
  std::vector<uint8_t> desc;
  // The descriptor runs past the end of the file: `desc` holds the part inside it (see
  // frontend/elf_image.h). A string note may still be whole (its NUL inside the file).
  bool desc_cut = false;
};

struct GuestImage {
  std::string path;                 // for messages
  uint32_t elf_entry = 0;
  std::vector<GuestSegment> segments;
  std::vector<GuestNote> notes;
  std::string xen_guest_section;    // contents of `__xen_guest`, empty when absent
  // The symbol-table block (frontend/bsd_symtab.h) built from the file's .symtab; the builder
  // appends it to the image when the kernel's notes ask for it (BSD_SYMTAB). Empty when the
  // file has none, with the reason in symtab_error.
  std::vector<uint8_t> symtab;
  std::string symtab_error;
};

}  // namespace pvlab::hyper
