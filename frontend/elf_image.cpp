#include "frontend/elf_image.h"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

namespace pvlab {

bool looks_like_elf(const std::vector<uint8_t>& b) {
  return b.size() >= 4 && std::memcmp(b.data(), ELFMAG, SELFMAG) == 0;
}

namespace {

template <typename T>
bool read_at(const std::vector<uint8_t>& b, uint64_t off, T& out) {
  if (off > b.size() || sizeof(T) > b.size() - off) return false;
  std::memcpy(&out, b.data() + off, sizeof(T));
  return true;
}

// The notes of [off, off + size) (which the caller checked lies in the file). A note header
// or name leaving the file is an error naming the note; a descriptor leaving it is kept cut.
bool parse_notes(ElfImage& img, uint64_t off, uint64_t size, const std::string& where, std::string& error) {
  const uint64_t end = off + size, file = img.bytes.size();
  for (unsigned index = 0; off < end; ++index) {
    const std::string what = "note " + std::to_string(index) + " of " + where + " (at file offset " +
                             std::to_string(off) + ")";
    Elf32_Nhdr nh;
    if (!read_at(img.bytes, off, nh)) {
      error = "truncated: the header of " + what + " lies past the end of the file";
      return false;
    }
    const uint64_t name_off = off + 12;
    const uint64_t desc_off = name_off + ((uint64_t(nh.n_namesz) + 3u) & ~3ull);
    if (name_off + nh.n_namesz > file) {
      error = "truncated: the name of " + what + " (" + std::to_string(nh.n_namesz) +
              " bytes) runs past the end of the file";
      return false;
    }
    ElfNote n;
    n.type = nh.n_type;
    if (nh.n_namesz) {
      const char* p = reinterpret_cast<const char*>(img.bytes.data() + name_off);
      n.owner.assign(p, strnlen(p, nh.n_namesz));
    }
    const uint64_t desc_end = std::min<uint64_t>(desc_off + nh.n_descsz, file);
    n.desc_cut = desc_off + nh.n_descsz > file;
    if (desc_off < desc_end) n.desc.assign(img.bytes.begin() + long(desc_off), img.bytes.begin() + long(desc_end));
    img.notes.push_back(std::move(n));
    off = desc_off + ((uint64_t(nh.n_descsz) + 3u) & ~3ull);
  }
  return true;
}

// What a Xen domain builder also reads from the section headers: the legacy `__xen_guest`
// section, and the Xen notes of SHT_NOTE sections when no PT_NOTE segment held any.
bool read_xen_sections(ElfImage& img, const Elf32_Ehdr& eh, const std::vector<Elf32_Shdr>& sh,
                       std::string& error) {
  const auto& b = img.bytes;
  auto is_xen = [](const ElfNote& n) { return n.owner == "Xen"; };
  const bool have_xen_notes = std::any_of(img.notes.begin(), img.notes.end(), is_xen);
  const Elf32_Shdr* names = eh.e_shstrndx < sh.size() ? &sh[eh.e_shstrndx] : nullptr;
  for (size_t k = 0; k < sh.size(); ++k) {
    const Elf32_Shdr& s = sh[k];
    const bool inside = s.sh_type != SHT_NOBITS && uint64_t(s.sh_offset) + s.sh_size <= b.size();
    if (!inside) continue;
    if (s.sh_type == SHT_NOTE && !have_xen_notes) {
      const size_t before = img.notes.size();
      if (!parse_notes(img, s.sh_offset, s.sh_size, "note section " + std::to_string(k), error)) return false;
      img.notes.erase(std::remove_if(img.notes.begin() + long(before), img.notes.end(),
                                     [&](const ElfNote& n) { return !is_xen(n); }),
                      img.notes.end());
    }
    if (!names || s.sh_name >= names->sh_size) continue;
    const uint64_t name_at = uint64_t(names->sh_offset) + s.sh_name;
    static constexpr char kLegacy[] = "__xen_guest";
    if (name_at + sizeof kLegacy > b.size() || uint64_t(s.sh_name) + sizeof kLegacy > names->sh_size ||
        std::memcmp(b.data() + name_at, kLegacy, sizeof kLegacy) != 0)
      continue;
    const char* p = reinterpret_cast<const char*>(b.data() + s.sh_offset);
    img.xen_guest_section = std::string(p, strnlen(p, s.sh_size));
  }
  return true;
}

}  // namespace

std::optional<ElfImage> parse_elf(std::string path, std::vector<uint8_t> bytes, std::string& error) {
  auto fail = [&](const std::string& what) {
    error = path + ": " + what;
    return std::nullopt;
  };
  ElfImage img;
  img.path = path;
  img.bytes = std::move(bytes);
  const auto& b = img.bytes;
  if (!looks_like_elf(b)) return fail("not an ELF file (bad magic)");
  Elf32_Ehdr eh;
  if (!read_at(b, 0, eh)) return fail("truncated ELF header");
  if (eh.e_ident[EI_CLASS] != ELFCLASS32)
    return fail("wrong ELF class: pvlab runs 32-bit (ELFCLASS32) kernels");
  if (eh.e_ident[EI_DATA] != ELFDATA2LSB) return fail("not little-endian");
  if (eh.e_machine != EM_386) return fail("wrong machine " + std::to_string(eh.e_machine) + " (expected i386)");
  if (eh.e_type != ET_EXEC) return fail("not an executable (ET_EXEC) image");
  if (eh.e_phentsize != sizeof(Elf32_Phdr) || eh.e_phnum == 0)
    return fail("no program headers");
  img.entry = eh.e_entry;
  for (unsigned k = 0; k < eh.e_phnum; ++k) {
    Elf32_Phdr ph;
    if (!read_at(b, uint64_t(eh.e_phoff) + uint64_t(k) * sizeof ph, ph))
      return fail("truncated: program header " + std::to_string(k) + " lies past the end of the file");
    if (ph.p_type == PT_NOTE) {
      if (uint64_t(ph.p_offset) + ph.p_filesz > b.size())
        return fail("truncated: note segment " + std::to_string(k) + " lies past the end of the file");
      std::string why;
      if (!parse_notes(img, ph.p_offset, ph.p_filesz, "note segment " + std::to_string(k), why)) return fail(why);
    }
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    if (ph.p_filesz > ph.p_memsz)
      return fail("segment " + std::to_string(k) + " has a file size larger than its memory size");
    if (uint64_t(ph.p_offset) + ph.p_filesz > b.size())
      return fail("truncated: segment " + std::to_string(k) + " lies past the end of the file");
    ElfSegment s{ph.p_paddr, ph.p_vaddr, ph.p_offset, ph.p_filesz, ph.p_memsz, ph.p_flags};
    for (const ElfSegment& o : img.segments) {
      if (s.paddr < o.paddr + o.mem_size && o.paddr < s.paddr + s.mem_size)
        return fail("segment " + std::to_string(k) + " overlaps another loadable segment");
    }
    img.segments.push_back(s);
  }
  if (img.segments.empty()) return fail("no loadable segments");
  // Section headers are optional; read notes and symbols where they are sane.
  if (eh.e_shoff && eh.e_shentsize == sizeof(Elf32_Shdr)) {
    std::vector<Elf32_Shdr> sh(eh.e_shnum);
    bool ok = true;
    for (unsigned k = 0; k < eh.e_shnum && ok; ++k)
      ok = read_at(b, uint64_t(eh.e_shoff) + uint64_t(k) * sizeof(Elf32_Shdr), sh[k]);
    if (ok) {
      for (const auto& s : sh) {
        if (s.sh_type != SHT_SYMTAB || s.sh_link >= sh.size()) continue;
        const auto& str = sh[s.sh_link];
        for (uint64_t off = s.sh_offset; off + sizeof(Elf32_Sym) <= uint64_t(s.sh_offset) + s.sh_size;
             off += sizeof(Elf32_Sym)) {
          Elf32_Sym sym;
          if (!read_at(b, off, sym)) break;
          if (sym.st_name == 0 || sym.st_name >= str.sh_size) continue;
          uint64_t name_at = uint64_t(str.sh_offset) + sym.st_name;
          if (name_at >= b.size()) continue;
          const char* p = reinterpret_cast<const char*>(b.data() + name_at);
          size_t maxlen = std::min<uint64_t>(b.size() - name_at, str.sh_size - sym.st_name);
          unsigned type = ELF32_ST_TYPE(sym.st_info);
          if (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE) continue;
          img.symbols.push_back({sym.st_value, sym.st_size, std::string(p, strnlen(p, maxlen))});
        }
      }
      std::sort(img.symbols.begin(), img.symbols.end(),
                [](const auto& x, const auto& y) { return x.value < y.value; });
      std::string why;
      if (!read_xen_sections(img, eh, sh, why)) return fail(why);
    }
  }
  return img;
}

std::optional<ElfImage> read_elf(const std::string& path, std::string& error) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    error = path + ": cannot open file";
    return std::nullopt;
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return parse_elf(path, std::move(bytes), error);
}

}  // namespace pvlab
