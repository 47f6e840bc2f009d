/* Symbol table: a kernel whose notes say BSD_SYMTAB "yes" finds its own symbols in memory
   after its image, the way Xen's domain builder leaves them.

   - At _end (the end of the loaded image, already 4-byte aligned) lies a 32-bit size, then
     an ELF header whose section headers (e_shoff from the header, e_shentsize 40, 3 of them)
     are a null section, the symbol table (linked to section 2) and its string table, with
     offsets counted from the ELF header; the size reaches exactly to the string table's end.
   - Walking the symbols finds known functions and objects at their addresses.
   - The bootstrap region moves past the block: the P2M list starts on the page after it. */
#include "pv.h"

/* The parts of elf.h this kernel needs (the guest build has no C library headers). */
typedef struct {
  uint8_t e_ident[16];
  uint16_t e_type, e_machine;
  uint32_t e_version, e_entry, e_phoff, e_shoff, e_flags;
  uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
} elf32_ehdr;
typedef struct {
  uint32_t sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_link, sh_info, sh_addralign, sh_entsize;
} elf32_shdr;
typedef struct {
  uint32_t st_name, st_value, st_size;
  uint8_t st_info, st_other;
  uint16_t st_shndx;
} elf32_sym;
#define SHT_SYMTAB 2
#define SHT_STRTAB 3

/* Symbols to look for: a function and an object with known addresses. */
__attribute__((noinline, used)) int symtab_marker_function(int x) { return x * 3 + 1; }
volatile uint32_t symtab_marker_object = 0x5a5a5a5a;

static int same(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}

static const elf32_sym* lookup(const elf32_shdr* sym, const elf32_shdr* str, const uint8_t* base,
                               const char* name) {
  const elf32_sym* s = (const elf32_sym*)(base + sym->sh_offset);
  const char* names = (const char*)(base + str->sh_offset);
  for (uint32_t i = 0; i < sym->sh_size / sizeof *s; ++i)
    if (s[i].st_name < str->sh_size && same(names + s[i].st_name, name)) return &s[i];
  return 0;
}

int main(void) {
  const start_info_t* si = pv_start_info;
  const uint32_t start = ((uint32_t)(uintptr_t)_end + 3) & ~3u;
  const uint32_t size = *(const volatile uint32_t*)(uintptr_t)start;
  const uint8_t* base = (const uint8_t*)(uintptr_t)(start + 4);
  const elf32_ehdr* eh = (const elf32_ehdr*)base;
  kprintf("  (symbol table block at %#x, %u bytes after the size word)\n", start, size);
  if (!ktest_check("symtab-size", size >= sizeof *eh + 3 * sizeof(elf32_shdr) && size < 16u * 1024 * 1024,
                   "the word at _end (%#x) is %u: no symbol table block there", start, size))
    ktest_finish();
  int magic = eh->e_ident[0] == 0x7f && eh->e_ident[1] == 'E' && eh->e_ident[2] == 'L' && eh->e_ident[3] == 'F';
  ktest_check("symtab-elf-header", magic && eh->e_ident[4] == 1 /* ELFCLASS32 */ && eh->e_machine == 3,
              "ELF header: magic %d class %u machine %u", magic, eh->e_ident[4], eh->e_machine);
  ktest_check("symtab-section-headers",
              eh->e_shnum == 3 && eh->e_shentsize == sizeof(elf32_shdr) && eh->e_shoff == 64 &&
                  eh->e_phnum == 0 && eh->e_phoff == 0 && eh->e_shstrndx == 0,
              "e_shnum %u e_shentsize %u e_shoff %u e_phnum %u e_phoff %u e_shstrndx %u", eh->e_shnum,
              eh->e_shentsize, eh->e_shoff, eh->e_phnum, eh->e_phoff, eh->e_shstrndx);
  const elf32_shdr* sh = (const elf32_shdr*)(base + eh->e_shoff);
  const uint32_t* null = (const uint32_t*)&sh[0];
  uint32_t nonzero = 0;
  for (unsigned i = 0; i < sizeof *sh / 4; ++i) nonzero |= null[i];
  KCHECK_EQ("symtab-null-section", nonzero, 0);
  if (!ktest_check("symtab-sections", sh[1].sh_type == SHT_SYMTAB && sh[1].sh_link == 2 && sh[2].sh_type == SHT_STRTAB,
                   "section 1 type %u link %u, section 2 type %u", sh[1].sh_type, sh[1].sh_link, sh[2].sh_type))
    ktest_finish();
  ktest_check("symtab-layout",
              sh[1].sh_offset == 256 && sh[2].sh_offset == ((sh[1].sh_offset + sh[1].sh_size + 3) & ~3u) &&
                  size == sh[2].sh_offset + sh[2].sh_size,
              "symtab at %#x (%u bytes), strtab at %#x (%u bytes), size %u", sh[1].sh_offset, sh[1].sh_size,
              sh[2].sh_offset, sh[2].sh_size, size);

  const elf32_sym* f = lookup(&sh[1], &sh[2], base, "symtab_marker_function");
  ktest_check("symtab-finds-function", f && f->st_value == (uint32_t)(uintptr_t)symtab_marker_function,
              "symtab_marker_function: %s at %#x, expected %#x", f ? "found" : "not found", f ? f->st_value : 0,
              (uint32_t)(uintptr_t)symtab_marker_function);
  const elf32_sym* o = lookup(&sh[1], &sh[2], base, "symtab_marker_object");
  ktest_check("symtab-finds-object", o && o->st_value == (uint32_t)(uintptr_t)&symtab_marker_object && o->st_size == 4,
              "symtab_marker_object: %s at %#x size %u", o ? "found" : "not found", o ? o->st_value : 0,
              o ? o->st_size : 0);
  const elf32_sym* m = lookup(&sh[1], &sh[2], base, "main");
  ktest_check("symtab-finds-main", m && m->st_value == (uint32_t)(uintptr_t)main, "main: %s",
              m ? "at the wrong address" : "not found");

  const uint32_t block_end = start + 4 + size;
  const uint32_t want_p2m = (block_end + PV_PAGE_SIZE - 1) & ~(PV_PAGE_SIZE - 1);
  ktest_check("symtab-p2m-after-block", (uint32_t)si->mfn_list == want_p2m,
              "mfn_list %#lx, expected %#x: the page after the block's end %#x", si->mfn_list, want_p2m, block_end);
  (void)symtab_marker_function(1);
  ktest_finish();
}
