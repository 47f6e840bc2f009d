// The symbol-table block Xen's domain builder appends to a kernel whose notes ask for it
// (XEN_ELFNOTE_BSD_SYMTAB, "yes"): the kernel finds its own symbols in memory after its
// image, as BSD kernels loaded by a boot loader do.
//
// The block is built from the ELF file and placed by the builder (hyper/builder.cpp) at the
// end of the loaded image rounded up to 4 bytes. Its layout, relative to that start S:
//   S+0     uint32  size: the bytes that follow it, up to the end of the string table
//   S+4     an ELF header copied from the file's, with e_phoff/e_phentsize/e_phnum and
//           e_shstrndx cleared, e_shoff = 64, e_shnum = 3, e_shentsize = 40, e_ehsize = 52
//   S+68    three section headers: [0] all zero, [1] the symbol table (sh_link = 2),
//           [2] its string table; sh_offset counts from S+4
//   S+260   the symbol table, then (4-byte aligned) the string table
// The gap after the section headers is Xen's: its header buffer holds a 64-byte ELF header
// and three 64-byte section headers whatever the class, and the tables follow the buffer.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace pvlab {

// The block for an ELF32 file. Empty with `error` set when the file has no symbol table or
// its symbol or string table lies outside the file.
std::vector<uint8_t> bsd_symtab_block(const std::vector<uint8_t>& elf, std::string& error);

}  // namespace pvlab
