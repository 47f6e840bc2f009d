// The Xen note parser (hyper/elf_notes): pvlab's own PV kernels' notes read from their ELF
// files, notes and legacy `__xen_guest` sections written by hand, every refusal, and a
// bounded fuzz loop of mutated note sets.
#include <doctest/doctest.h>
#include <elf.h>

#include <cstring>
#include <random>

#include "demo_guest.h"
#include "frontend/elf_image.h"
#include "tests/elf_header.h"
#include "hyper/elf_notes.h"
#include "hyper/xen_abi.h"
#include "pv_hello.h"
#include "pv_test_boot.h"

using namespace pvlab;
using namespace pvlab::hyper;

namespace {

constexpr uint32_t kBase = 0xC0000000u;

GuestNote str_note(uint32_t type, const std::string& s, const std::string& owner = "Xen") {
  GuestNote n{owner, type, std::vector<uint8_t>(s.begin(), s.end())};
  n.desc.push_back(0);
  return n;
}

GuestNote num_note(uint32_t type, uint64_t v, unsigned bytes = 4) {
  GuestNote n{"Xen", type, {}};
  for (unsigned i = 0; i < bytes; ++i) n.desc.push_back(i < 8 ? uint8_t(v >> (8 * i)) : 0);
  return n;
}

// A valid kernel: image 0xC0000000-0xC0010000, entry 0xC0000000, hypercall page at +0x1000.
XenGuestInput valid_input() {
  XenGuestInput in;
  in.notes = {str_note(XEN_ELFNOTE_GUEST_OS, "pvlab"),
              str_note(XEN_ELFNOTE_GUEST_VERSION, "0.1"),
              str_note(XEN_ELFNOTE_XEN_VERSION, "xen-3.0"),
              str_note(XEN_ELFNOTE_LOADER, "generic"),
              num_note(XEN_ELFNOTE_VIRT_BASE, kBase),
              num_note(XEN_ELFNOTE_PADDR_OFFSET, kBase),
              num_note(XEN_ELFNOTE_ENTRY, kBase),
              num_note(XEN_ELFNOTE_HYPERCALL_PAGE, kBase + 0x1000),
              str_note(XEN_ELFNOTE_PAE_MODE, "yes"),
              str_note(XEN_ELFNOTE_FEATURES, "!writable_page_tables|pae_pgdir_above_4gb")};
  in.image = XenGuestInput::Image{kBase, kBase, kBase + 0x10000};
  return in;
}

std::string refusal(const XenGuestInput& in) {
  std::string err;
  auto info = parse_xen_guest(in, err);
  CHECK_FALSE(info.has_value());
  CHECK(err.find('\n') == std::string::npos);
  return err;
}

void set_note(XenGuestInput& in, const GuestNote& n) {
  for (auto& o : in.notes)
    if (o.owner == n.owner && o.type == n.type) {
      o = n;
      return;
    }
  in.notes.push_back(n);
}

void drop_note(XenGuestInput& in, uint32_t type) {
  std::erase_if(in.notes, [&](const GuestNote& n) { return n.type == type; });
}

bool contains(const std::string& s, const char* what) { return s.find(what) != std::string::npos; }

ElfImage read_embedded(const char* name, const uint8_t* data, size_t size) {
  std::string err;
  auto img = parse_elf(name, std::vector<uint8_t>(data, data + size), err);
  REQUIRE_MESSAGE(img.has_value(), err);
  return *img;
}

XenGuestInput input_of(const ElfImage& img) {
  XenGuestInput in;
  for (const ElfNote& n : img.notes) in.notes.push_back({n.owner, n.type, n.desc, n.desc_cut});
  in.legacy_section = img.xen_guest_section;
  XenGuestInput::Image span{img.entry, ~0ull, 0};
  for (const ElfSegment& s : img.segments) {
    span.virt_start = std::min(span.virt_start, s.vaddr);
    span.virt_end = std::max(span.virt_end, s.vaddr + s.mem_size);
  }
  in.image = span;
  return in;
}

uint32_t symbol(const ElfImage& img, const char* name) {
  for (const auto& s : img.symbols)
    if (s.name == name) return s.value;
  FAIL("no symbol " << name);
  return 0;
}

// A minimal i386 executable with section headers only for what a Xen domain builder also
// reads there: a `__xen_guest` section and / or a SHT_NOTE section (no PT_NOTE segment).
std::vector<uint8_t> elf_with_sections(const std::string& legacy, const std::vector<uint8_t>& notes) {
  std::vector<uint8_t> b(sizeof(Elf32_Ehdr) + sizeof(Elf32_Phdr), 0);
  auto append = [&](const void* p, size_t n) {
    const size_t at = b.size();
    b.resize(at + n);   // resize + memcpy: GCC 12 misreads a vector insert here (-Warray-bounds)
    if (n) std::memcpy(b.data() + at, p, n);
    while (b.size() % 4) b.push_back(0);
    return uint32_t(at);
  };
  const uint8_t code[16] = {0xf4};
  const uint32_t code_off = append(code, sizeof code);
  const uint32_t legacy_off = append(legacy.c_str(), legacy.size() + 1);
  const uint32_t notes_off = append(notes.data(), notes.size());
  const char names[] = "\0__xen_guest\0.note.Xen\0.shstrtab";
  const uint32_t names_off = append(names, sizeof names);
  std::vector<Elf32_Shdr> sh(4);
  sh[1].sh_name = 1, sh[1].sh_type = SHT_PROGBITS, sh[1].sh_offset = legacy_off, sh[1].sh_size = uint32_t(legacy.size() + 1);
  sh[2].sh_name = 13, sh[2].sh_type = SHT_NOTE, sh[2].sh_offset = notes_off, sh[2].sh_size = uint32_t(notes.size());
  sh[3].sh_name = 23, sh[3].sh_type = SHT_STRTAB, sh[3].sh_offset = names_off, sh[3].sh_size = sizeof names;
  if (legacy.empty()) sh[1].sh_name = 23;  // no __xen_guest: call it something else
  const uint32_t sh_off = append(sh.data(), sh.size() * sizeof(Elf32_Shdr));
  Elf32_Ehdr eh = pvlab::testing::i386_exec_header(kBase, 1);
  eh.e_shoff = sh_off;
  eh.e_shentsize = sizeof(Elf32_Shdr);
  eh.e_shnum = uint16_t(sh.size());
  eh.e_shstrndx = 3;
  std::memcpy(b.data(), &eh, sizeof eh);
  Elf32_Phdr ph{};
  ph.p_type = PT_LOAD;
  ph.p_offset = code_off;
  ph.p_vaddr = ph.p_paddr = kBase;
  ph.p_filesz = ph.p_memsz = sizeof code;
  std::memcpy(b.data() + sizeof eh, &ph, sizeof ph);
  return b;
}

// One note in ELF form: namesz, descsz, type, name and descriptor padded to 4 bytes.
void put_note(std::vector<uint8_t>& out, const GuestNote& n) {
  auto word = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
  };
  word(uint32_t(n.owner.size() + 1));
  word(uint32_t(n.desc.size()));
  word(n.type);
  out.insert(out.end(), n.owner.begin(), n.owner.end());
  out.push_back(0);
  while (out.size() % 4) out.push_back(0);
  out.insert(out.end(), n.desc.begin(), n.desc.end());
  while (out.size() % 4) out.push_back(0);
}

}  // namespace

TEST_CASE("the ELF reader finds __xen_guest and the notes of SHT_NOTE sections") {
  const std::string legacy = "GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000,PAE=yes";
  std::string err;
  auto img = parse_elf("old.elf", elf_with_sections(legacy, {}), err);
  REQUIRE_MESSAGE(img.has_value(), err);
  REQUIRE(img->xen_guest_section.has_value());
  CHECK(*img->xen_guest_section == legacy);
  auto info = parse_xen_guest(input_of(*img), err);
  REQUIRE_MESSAGE(info.has_value(), err);
  CHECK(info->source == XenGuestInfo::Source::legacy_section);
  CHECK(info->layout->virt_entry == kBase);

  std::vector<uint8_t> notes;
  for (const GuestNote& n : valid_input().notes) put_note(notes, n);
  put_note(notes, GuestNote{"GNU", 3, {1, 2, 3, 4}});
  img = parse_elf("sections.elf", elf_with_sections("", notes), err);
  REQUIRE_MESSAGE(img.has_value(), err);
  CHECK_FALSE(img->xen_guest_section.has_value());
  CHECK(img->notes.size() == valid_input().notes.size());  // the Xen notes only
  XenGuestInput in = input_of(*img);
  in.image->virt_end = kBase + 0x2000;  // room for the hypercall page valid_input names
  info = parse_xen_guest(in, err);
  REQUIRE_MESSAGE(info.has_value(), err);
  CHECK(info->source == XenGuestInfo::Source::notes);
  CHECK(info->guest_os == "pvlab");
  CHECK(info->features_required == 1u << XENFEAT_writable_page_tables);
}

namespace {

// An i386 executable with one PT_LOAD and a PT_NOTE segment holding `notes` less its last
// `cut` bytes, the note segment ending the file: the shape of GRUB's Xen images.
std::vector<uint8_t> elf_with_note_segment(std::vector<uint8_t> notes, size_t cut) {
  notes.resize(notes.size() - cut);
  const uint32_t code_off = sizeof(Elf32_Ehdr) + 2 * sizeof(Elf32_Phdr);
  const uint8_t code[16] = {0xf4};
  const uint32_t notes_off = code_off + sizeof code;
  std::vector<uint8_t> b(notes_off + notes.size());   // sized at once: GCC 12 misreads inserts here
  std::memcpy(b.data() + code_off, code, sizeof code);
  if (!notes.empty()) std::memcpy(b.data() + notes_off, notes.data(), notes.size());
  Elf32_Ehdr eh = pvlab::testing::i386_exec_header(kBase, 2);
  std::memcpy(b.data(), &eh, sizeof eh);
  Elf32_Phdr ph[2]{};
  ph[0].p_type = PT_LOAD;
  ph[0].p_offset = code_off;
  ph[0].p_vaddr = ph[0].p_paddr = kBase;
  ph[0].p_filesz = ph[0].p_memsz = sizeof code;
  ph[1].p_type = PT_NOTE;
  ph[1].p_offset = notes_off;
  ph[1].p_filesz = uint32_t(notes.size());
  std::memcpy(b.data() + sizeof eh, ph, sizeof ph);
  return b;
}

// GRUB's notes: GUEST_OS, LOADER, XEN_VERSION, ENTRY, VIRT_BASE, then `last`.
std::vector<uint8_t> grub_notes(const GuestNote& last) {
  std::vector<uint8_t> out;
  for (const GuestNote& n : {str_note(XEN_ELFNOTE_GUEST_OS, "GRUB"), str_note(XEN_ELFNOTE_LOADER, "generic"),
                             str_note(XEN_ELFNOTE_XEN_VERSION, "xen-3.0"), num_note(XEN_ELFNOTE_ENTRY, kBase),
                             num_note(XEN_ELFNOTE_VIRT_BASE, kBase), last})
    put_note(out, n);
  return out;
}

}  // namespace

TEST_CASE("a note segment ending inside its last note, as GRUB's Xen images do, reads as Xen reads it") {
  // PAE_MODE with descsz 12: "yes" and nine NULs, of which the file holds "yes\0".
  GuestNote pae = str_note(XEN_ELFNOTE_PAE_MODE, "yes");
  pae.desc.resize(12, 0);
  std::string err;
  auto img = parse_elf("grub-xen.elf", elf_with_note_segment(grub_notes(pae), 8), err);
  REQUIRE_MESSAGE(img.has_value(), err);
  REQUIRE(img->notes.size() == 6);
  CHECK(img->notes.back().type == XEN_ELFNOTE_PAE_MODE);
  CHECK(img->notes.back().desc.size() == 4);
  CHECK(img->notes.back().desc_cut);
  CHECK_FALSE(img->notes.front().desc_cut);
  auto info = parse_xen_guest(input_of(*img), err);
  REQUIRE_MESSAGE(info.has_value(), err);
  CHECK(info->pae_text == "yes");
  CHECK(info->pae == PaeMode::extended_cr3);
  CHECK(info->guest_os == "GRUB");
  CHECK(info->layout->virt_entry == kBase);

  SUBCASE("the file ends before the string's NUL") {
    img = parse_elf("cut.elf", elf_with_note_segment(grub_notes(pae), 9), err);
    REQUIRE_MESSAGE(img.has_value(), err);
    const std::string why = refusal(input_of(*img));
    CHECK_MESSAGE(contains(why, "truncated Xen note PAE_MODE"), why);
    CHECK_MESSAGE(contains(why, "runs past the end of the file before its NUL"), why);
  }
  SUBCASE("a numeric note cut by the end of the file") {
    img = parse_elf("cut.elf", elf_with_note_segment(grub_notes(num_note(XEN_ELFNOTE_HV_START_LOW, 0, 8)), 4), err);
    REQUIRE_MESSAGE(img.has_value(), err);
    const std::string why = refusal(input_of(*img));
    CHECK_MESSAGE(contains(why, "truncated Xen note HV_START_LOW"), why);
  }
  SUBCASE("a name leaving the file") {
    std::vector<uint8_t> notes = grub_notes(pae);
    notes.resize(notes.size() - 13);  // the last note: its header and 3 of its name's 4 bytes
    CHECK_FALSE(parse_elf("cut.elf", elf_with_note_segment(notes, 0), err).has_value());
    CHECK_MESSAGE(contains(err, "cut.elf: truncated: the name of note 5 of note segment 1"), err);
    CHECK_MESSAGE(contains(err, "runs past the end of the file"), err);
  }
  SUBCASE("a header leaving the file") {
    std::vector<uint8_t> notes = grub_notes(pae);
    notes.resize(notes.size() - 24);  // 4 bytes of the last note's header
    CHECK_FALSE(parse_elf("cut.elf", elf_with_note_segment(notes, 0), err).has_value());
    CHECK_MESSAGE(contains(err, "the header of note 5 of note segment 1"), err);
  }
}

TEST_CASE("pvlab's own PV kernels: their notes describe them") {
  struct Kernel {
    const char* name;
    const uint8_t* data;
    size_t size;
  };
  for (const Kernel& k : {Kernel{"pv-hello.elf", kPvHello, sizeof kPvHello},
                          Kernel{"pv-test-boot.elf", kPvTestBoot, sizeof kPvTestBoot}}) {
    CAPTURE(k.name);
    ElfImage img = read_embedded(k.name, k.data, k.size);
    XenGuestInput in = input_of(img);
    CHECK(looks_like_xen_guest(in));
    CHECK_FALSE(in.legacy_section.has_value());
    std::string err;
    auto info = parse_xen_guest(in, err);
    REQUIRE_MESSAGE(info.has_value(), err);
    CHECK(info->source == XenGuestInfo::Source::notes);
    CHECK(info->guest_os == "pvlab");
    CHECK(info->loader == "generic");
    CHECK(info->xen_version == "xen-3.0");
    CHECK(info->pae == PaeMode::extended_cr3);  // a PAE_MODE note of "yes"
    CHECK(info->extended_cr3());
    CHECK(info->virt_base == kBase);
    CHECK(info->paddr_offset == kBase);
    CHECK(info->entry == img.entry);
    CHECK(info->entry == symbol(img, "_start"));
    CHECK(info->hypercall_page == symbol(img, "hypercall_page"));
    CHECK(info->features_supported ==
          (1u << XENFEAT_writable_page_tables | 1u << XENFEAT_pae_pgdir_above_4gb));
    CHECK(info->features_required == 0);
    CHECK_FALSE(info->bsd_symtab);
    for (unsigned t : {XEN_ELFNOTE_GUEST_OS, XEN_ELFNOTE_GUEST_VERSION, XEN_ELFNOTE_XEN_VERSION,
                       XEN_ELFNOTE_LOADER, XEN_ELFNOTE_VIRT_BASE, XEN_ELFNOTE_PADDR_OFFSET,
                       XEN_ELFNOTE_ENTRY, XEN_ELFNOTE_HYPERCALL_PAGE, XEN_ELFNOTE_PAE_MODE,
                       XEN_ELFNOTE_FEATURES})
      CHECK(info->has(t));
    CHECK_FALSE(info->has(XEN_ELFNOTE_BSD_SYMTAB));
    REQUIRE(info->layout.has_value());
    CHECK(info->layout->virt_kstart == kBase);
    CHECK(info->layout->virt_entry == img.entry);
    CHECK(info->layout->virt_hypercall == symbol(img, "hypercall_page"));
    CHECK(*info->layout->virt_hypercall % 4096 == 0);
    CHECK(contains(describe(*info), "GUEST_OS \"pvlab\""));

    // The same through the domain builder's view of the kernel.
    GuestImage g;
    g.path = k.name;
    g.elf_entry = img.entry;
    for (const ElfSegment& s : img.segments)
      g.segments.push_back({uint32_t(s.vaddr), uint32_t(s.file_size), uint32_t(s.mem_size), nullptr});
    for (const ElfNote& n : img.notes) g.notes.push_back({n.owner, n.type, n.desc, n.desc_cut});
    auto via_image = parse_xen_guest(g, err);
    REQUIRE_MESSAGE(via_image.has_value(), err);
    CHECK(via_image->layout->virt_kend == info->layout->virt_kend);
  }
}

TEST_CASE("a bare-metal kernel is not a Xen guest") {
  ElfImage img = read_embedded("hello.elf", kDemoGuest, sizeof kDemoGuest);
  XenGuestInput in = input_of(img);
  CHECK_FALSE(looks_like_xen_guest(in));
  CHECK(contains(refusal(in), "not a Xen PV kernel"));
  GuestImage g;
  g.path = "hello.elf";
  std::string err;
  CHECK_FALSE(parse_xen_guest(g, err).has_value());
  CHECK(err.find("hello.elf: not a Xen PV kernel") == 0);
}

TEST_CASE("numeric notes are 4 or 8 bytes, strings end with a NUL") {
  auto in = valid_input();
  set_note(in, num_note(XEN_ELFNOTE_ENTRY, kBase + 0x10, 8));
  std::string err;
  auto info = parse_xen_guest(in, err);
  REQUIRE_MESSAGE(info.has_value(), err);
  CHECK(info->entry == kBase + 0x10);

  for (unsigned bytes : {0u, 1u, 2u, 3u, 5u, 16u}) {
    CAPTURE(bytes);
    in = valid_input();
    set_note(in, num_note(XEN_ELFNOTE_VIRT_BASE, kBase, bytes));
    std::string e = refusal(in);
    CHECK(contains(e, "malformed Xen note VIRT_BASE"));
    CHECK(contains(e, (std::to_string(bytes) + "-byte").c_str()));
  }
  in = valid_input();
  set_note(in, num_note(XEN_ELFNOTE_ENTRY, 0x1'0000'0000ull, 8));
  CHECK(contains(refusal(in), "ENTRY 0x100000000 lies above 4 GiB"));

  in = valid_input();
  GuestNote unterminated{"Xen", XEN_ELFNOTE_GUEST_OS, {'p', 'v'}};
  set_note(in, unterminated);
  CHECK(contains(refusal(in), "GUEST_OS (type 6): the string has no terminating NUL"));
  in = valid_input();
  set_note(in, GuestNote{"Xen", XEN_ELFNOTE_LOADER, {}});
  CHECK(contains(refusal(in), "malformed Xen note LOADER"));
}

TEST_CASE("other owners and unknown note types are ignored; the last note of a type wins") {
  auto in = valid_input();
  in.notes.push_back(str_note(XEN_ELFNOTE_PAE_MODE, "no", "GNU"));
  in.notes.push_back(GuestNote{"Xen", 0x777, {1, 2, 3}});
  in.notes.push_back(GuestNote{"Xen", XEN_ELFNOTE_L1_MFN_VALID, {1, 2, 3}});  // not used
  in.notes.push_back(str_note(XEN_ELFNOTE_GUEST_OS, "second"));
  std::string err;
  auto info = parse_xen_guest(in, err);
  REQUIRE_MESSAGE(info.has_value(), err);
  CHECK(info->pae == PaeMode::extended_cr3);  // the GNU note saying "no" is not read
  CHECK(info->guest_os == "second");
}

TEST_CASE("PAE modes and the BSD symbol table") {
  for (auto [text, mode] : {std::pair{"yes", PaeMode::extended_cr3}, std::pair{"yes[extended-cr3]", PaeMode::extended_cr3},
                            std::pair{"bimodal", PaeMode::bimodal}}) {
    auto in = valid_input();
    set_note(in, str_note(XEN_ELFNOTE_PAE_MODE, text));
    std::string err;
    auto info = parse_xen_guest(in, err);
    REQUIRE_MESSAGE(info.has_value(), err);
    CHECK(info->pae == mode);
  }
  auto in = valid_input();
  in.notes.push_back(str_note(XEN_ELFNOTE_BSD_SYMTAB, "yes"));
  std::string err;
  auto info = parse_xen_guest(in, err);
  REQUIRE(info.has_value());
  CHECK(info->bsd_symtab);
  CHECK(contains(describe(*info), "BSD symbol table"));
}

TEST_CASE("features: names from xen/features.h, '!' required, the SUPPORTED_FEATURES bitmap") {
  auto in = valid_input();
  set_note(in, str_note(XEN_ELFNOTE_FEATURES, "writable_page_tables|!pae_pgdir_above_4gb||dom0|future_thing"));
  in.notes.push_back(num_note(XEN_ELFNOTE_SUPPORTED_FEATURES, 1u << XENFEAT_hvm_callback_vector));
  std::string err;
  auto info = parse_xen_guest(in, err);
  REQUIRE_MESSAGE(info.has_value(), err);
  CHECK(info->features_supported == (1u << XENFEAT_writable_page_tables | 1u << XENFEAT_pae_pgdir_above_4gb |
                                     1u << XENFEAT_dom0 | 1u << XENFEAT_hvm_callback_vector));
  CHECK(info->features_required == 1u << XENFEAT_pae_pgdir_above_4gb);
  REQUIRE(info->unknown_features.size() == 1);
  CHECK(info->unknown_features[0] == "future_thing");
  CHECK(contains(describe(*info), "writable_page_tables|!pae_pgdir_above_4gb"));

  CHECK((pvlab_xen_features() >> XENFEAT_writable_page_tables & 1));
  CHECK((pvlab_xen_features() >> XENFEAT_pae_pgdir_above_4gb & 1));
  CHECK_FALSE((pvlab_xen_features() >> XENFEAT_writable_descriptor_tables & 1));
  CHECK_FALSE((pvlab_xen_features() >> XENFEAT_auto_translated_physmap & 1));
  CHECK(xen_feature_name(XENFEAT_writable_descriptor_tables) == "writable_descriptor_tables");
  CHECK(xen_feature_name(31).empty());
}

TEST_CASE("XENVER_get_features reports the offered feature map as a PV domain sees it") {
  const uint32_t offered = pvlab_xen_features();
  const uint32_t dom0 = 1u << XENFEAT_dom0, pae = 1u << XENFEAT_pae_pgdir_above_4gb;
  for (bool initdomain : {false, true})
    for (bool extended_cr3 : {false, true}) {
      CAPTURE(initdomain);
      CAPTURE(extended_cr3);
      const uint32_t told = xenver_features(initdomain, extended_cr3);
      CHECK((told & ~offered & ~dom0) == 0);                            // nothing that is not offered
      CHECK((offered & ~told & ~pae) == (1u << XENFEAT_writable_page_tables));   // all but the translated one
      CHECK(!!(told & pae) == extended_cr3);
      CHECK(!!(told & dom0) == initdomain);
    }
  // A kernel may require what the domain is then told it has.
  XenGuestInput in = valid_input();
  in.notes.push_back(str_note(XEN_ELFNOTE_FEATURES, "!mmu_pt_update_preserve_ad|!pae_pgdir_above_4gb"));
  std::string err;
  CHECK_MESSAGE(parse_xen_guest(in, err).has_value(), err);
}

TEST_CASE("the legacy __xen_guest section") {
  XenGuestInput in;
  in.legacy_section =
      "GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000,ELF_PADDR_OFFSET=0xC0000000,"
      "HYPERCALL_PAGE=0x2,LOADER=generic,PAE=yes[extended-cr3],"
      "FEATURES=writable_page_tables|!pae_pgdir_above_4gb,BSD_SYMTAB,SOMETHING_NEW=1";
  in.image = XenGuestInput::Image{kBase + 0x100, kBase, kBase + 0x8000};
  CHECK(looks_like_xen_guest(in));
  std::string err;
  auto info = parse_xen_guest(in, err);
  REQUIRE_MESSAGE(info.has_value(), err);
  CHECK(info->source == XenGuestInfo::Source::legacy_section);
  CHECK(info->guest_os == "linux");
  CHECK(info->xen_version == "xen-3.0");
  CHECK(info->loader == "generic");
  CHECK(info->pae == PaeMode::extended_cr3);
  CHECK(info->virt_base == kBase);
  CHECK(info->paddr_offset == kBase);
  CHECK(info->hypercall_page == kBase + 0x2000);  // a page number counted from VIRT_BASE
  CHECK(info->features_required == 1u << XENFEAT_pae_pgdir_above_4gb);
  CHECK(info->bsd_symtab);
  CHECK(info->layout->virt_entry == kBase + 0x100);  // no VIRT_ENTRY: the ELF entry
  CHECK(contains(describe(*info), "(from __xen_guest)"));

  SUBCASE("PADDR_OFFSET defaults to VIRT_BASE, numbers in any C base") {
    in.legacy_section = "GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=3221225472,PAE=yes,VIRT_ENTRY=0xc0000010,"
                        "HYPERCALL_PAGE=03";
    info = parse_xen_guest(in, err);
    REQUIRE_MESSAGE(info.has_value(), err);
    CHECK(info->layout->paddr_offset == kBase);
    CHECK(info->layout->virt_entry == kBase + 0x10);
    CHECK(info->hypercall_page == kBase + 0x3000);
    CHECK(info->pae == PaeMode::yes);  // the legacy "yes": plain PAE, no extended CR3
    CHECK_FALSE(info->extended_cr3());
  }
  SUBCASE("with notes, the section is not read") {
    auto v = valid_input();
    v.legacy_section = "GUEST_OS=linux,XEN_VER=xen-3.0,PAE=no";
    info = parse_xen_guest(v, err);
    REQUIRE_MESSAGE(info.has_value(), err);
    CHECK(info->source == XenGuestInfo::Source::notes);
    CHECK(info->guest_os == "pvlab");
  }
  SUBCASE("refusals") {
    in.legacy_section = "GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xC00Z0000,PAE=yes";
    CHECK(contains(refusal(in), "__xen_guest VIRT_BASE value \"0xC00Z0000\" is not a number"));
    in.legacy_section = "GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=";
    CHECK(contains(refusal(in), "is not a number"));
    in.legacy_section = "GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000";
    CHECK(contains(refusal(in), "PAE_MODE absent"));
    in.legacy_section = "";
    CHECK(contains(refusal(in), "built for loader \"\" and guest OS \"\""));
    in.legacy_section = "GUEST_OS=linux,XEN_VER=xen-3.0,PAE=yes,HYPERCALL_PAGE=0x100000";
    CHECK(contains(refusal(in), "past 4 GiB"));
  }
}

// The notes of a 32-bit PAE Linux kernel as Xen reports them (2.6-era pvops, PADDR_OFFSET 0
// with the kernel's ELF physical addresses at 16 MiB): Linux requires writable_page_tables.
TEST_CASE("a 32-bit PAE Linux kernel's notes") {
  XenGuestInput in;
  in.notes = {str_note(XEN_ELFNOTE_GUEST_OS, "linux"),
              str_note(XEN_ELFNOTE_GUEST_VERSION, "2.6"),
              str_note(XEN_ELFNOTE_XEN_VERSION, "xen-3.0"),
              num_note(XEN_ELFNOTE_VIRT_BASE, kBase),
              num_note(XEN_ELFNOTE_ENTRY, 0xC1501000u),
              num_note(XEN_ELFNOTE_HYPERCALL_PAGE, 0xC1002000u),
              str_note(XEN_ELFNOTE_FEATURES, "!writable_page_tables|pae_pgdir_above_4gb"),
              num_note(XEN_ELFNOTE_SUPPORTED_FEATURES, 1u << XENFEAT_writable_page_tables | 1u << XENFEAT_dom0),
              str_note(XEN_ELFNOTE_PAE_MODE, "yes"),
              str_note(XEN_ELFNOTE_LOADER, "generic"),
              GuestNote{"Xen", XEN_ELFNOTE_L1_MFN_VALID, std::vector<uint8_t>(16, 0)},
              num_note(XEN_ELFNOTE_SUSPEND_CANCEL, 1),
              num_note(XEN_ELFNOTE_HV_START_LOW, 0xF5800000u),
              num_note(XEN_ELFNOTE_PADDR_OFFSET, 0)};
  in.notes.push_back(GuestNote{"GNU", 3, std::vector<uint8_t>(20, 0xab)});  // a build id
  in.image = XenGuestInput::Image{0xC1501000u, 0xC1000000u, 0xC1E00000u};
  std::string err;
  auto info = parse_xen_guest(in, err);
  REQUIRE_MESSAGE(info.has_value(), err);
  CHECK(info->guest_os == "linux");
  CHECK(info->loader == "generic");
  CHECK(info->features_required == 1u << XENFEAT_writable_page_tables);
  CHECK(info->features_supported ==
        (1u << XENFEAT_writable_page_tables | 1u << XENFEAT_pae_pgdir_above_4gb | 1u << XENFEAT_dom0));
  CHECK(info->extended_cr3());
  CHECK(info->hv_start_low == 0xF5800000u);
  CHECK(info->layout->paddr_offset == 0);
  CHECK(info->layout->virt_entry == 0xC1501000u);
  CHECK(info->layout->virt_hypercall == 0xC1002000u);
}

TEST_CASE("kernels pvlab refuses, each with one line naming the reason") {
  auto in = valid_input();
  in.notes.clear();
  CHECK(contains(refusal(in), "not a Xen PV kernel: no Xen ELF notes"));

  in = valid_input();
  drop_note(in, XEN_ELFNOTE_PAE_MODE);
  CHECK(refusal(in) == "not a PAE kernel (PAE_MODE absent): pvlab runs 32-bit PAE guests only");
  in = valid_input();
  set_note(in, str_note(XEN_ELFNOTE_PAE_MODE, "no"));
  CHECK(refusal(in) == "not a PAE kernel (PAE_MODE \"no\"): pvlab runs 32-bit PAE guests only");
  in = valid_input();
  set_note(in, str_note(XEN_ELFNOTE_PAE_MODE, "maybe\x01"));
  CHECK(contains(refusal(in), "PAE_MODE \"maybe\\x01\" is none of"));

  in = valid_input();
  set_note(in, str_note(XEN_ELFNOTE_LOADER, "elf"));
  CHECK(contains(refusal(in), "built for loader \"elf\" and guest OS \"pvlab\""));
  set_note(in, str_note(XEN_ELFNOTE_GUEST_OS, "linux-2.6"));  // Linux needs no LOADER
  std::string err;
  CHECK(parse_xen_guest(in, err).has_value());

  in = valid_input();
  set_note(in, str_note(XEN_ELFNOTE_XEN_VERSION, "xen-2.0"));
  CHECK(contains(refusal(in), "built for Xen interface \"xen-2.0\""));
  in = valid_input();
  drop_note(in, XEN_ELFNOTE_XEN_VERSION);
  CHECK(contains(refusal(in), "built for Xen interface \"\""));

  in = valid_input();
  set_note(in, str_note(XEN_ELFNOTE_FEATURES, "writable_page_tables|!writable_descriptor_tables"));
  CHECK(refusal(in) ==
        "requires feature writable_descriptor_tables, which pvlab does not offer (it offers "
        "writable_page_tables, pae_pgdir_above_4gb, mmu_pt_update_preserve_ad)");
  set_note(in, str_note(XEN_ELFNOTE_FEATURES, "!auto_translated_physmap"));
  CHECK(contains(refusal(in), "requires feature auto_translated_physmap"));
  set_note(in, str_note(XEN_ELFNOTE_FEATURES, "!time_travel"));
  CHECK(refusal(in) == "requires feature \"time_travel\", which pvlab does not know");

  in = valid_input();
  drop_note(in, XEN_ELFNOTE_VIRT_BASE);
  CHECK(refusal(in) == "PADDR_OFFSET is given without VIRT_BASE");
  in = valid_input();
  set_note(in, num_note(XEN_ELFNOTE_ENTRY, kBase + 0x10000));
  CHECK(refusal(in) == "the entry point 0xc0010000 lies outside the image (0xc0000000-0xc0010000)");
  set_note(in, num_note(XEN_ELFNOTE_ENTRY, kBase - 1));
  CHECK(contains(refusal(in), "the entry point 0xbfffffff lies outside"));
  in = valid_input();
  set_note(in, num_note(XEN_ELFNOTE_HYPERCALL_PAGE, kBase + 0x10000));
  CHECK(contains(refusal(in), "the hypercall page 0xc0010000 lies outside the image"));
  set_note(in, num_note(XEN_ELFNOTE_HYPERCALL_PAGE, kBase + 0xf800));
  CHECK(refusal(in) == "the hypercall page 0xc000f800 is not page-aligned");
  set_note(in, num_note(XEN_ELFNOTE_HYPERCALL_PAGE, 0x1000));
  CHECK(contains(refusal(in), "the hypercall page 0x1000 lies outside"));
  in = valid_input();
  in.image = XenGuestInput::Image{0xF5000000u, 0xF5000000u, 0xF5801000u};
  CHECK(contains(refusal(in), "reaches the hypervisor's area at 0xf5800000"));
  in = valid_input();
  set_note(in, num_note(XEN_ELFNOTE_VIRT_BASE, kBase + 0x1000));
  CHECK(contains(refusal(in), "VIRT_BASE 0xc0001000 lies above the image's start 0xc0000000"));
  in = valid_input();
  in.image = XenGuestInput::Image{kBase, kBase, kBase};
  CHECK(refusal(in) == "the image has no loadable bytes");

  // Without the image, nothing about addresses is checked and no layout is given.
  in = valid_input();
  set_note(in, num_note(XEN_ELFNOTE_ENTRY, 0x1234));
  in.image.reset();
  auto info = parse_xen_guest(in, err);
  REQUIRE(info.has_value());
  CHECK_FALSE(info->layout.has_value());
  CHECK(info->entry == 0x1234);
}

// Random mutations of a valid note set never crash the parser: each either parses (and then
// satisfies pvlab's rules) or is refused with one non-empty line.
TEST_CASE("fuzz: mutated note sets parse or are refused") {
  std::mt19937 rng(20260422);
  auto pick = [&](uint32_t n) { return n ? uint32_t(rng() % n) : 0u; };
  const std::string legacy_ok =
      "GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000,HYPERCALL_PAGE=0x1,PAE=yes,FEATURES=!writable_page_tables";
  unsigned parsed = 0, refused = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    XenGuestInput in = valid_input();
    if (pick(4) == 0) {
      in.notes.clear();
      in.legacy_section = legacy_ok;
    }
    const unsigned mutations = 1 + pick(4);
    for (unsigned m = 0; m < mutations; ++m) {
      GuestNote* n = in.notes.empty() ? nullptr : &in.notes[pick(uint32_t(in.notes.size()))];
      switch (pick(9)) {
        case 0:
          if (n && !n->desc.empty()) n->desc[pick(uint32_t(n->desc.size()))] ^= uint8_t(1u << pick(8));
          break;
        case 1:
          if (n) n->desc.resize(pick(uint32_t(n->desc.size()) + 2));
          break;
        case 2:
          if (n) n->desc.push_back(uint8_t(pick(256)));
          break;
        case 3:
          if (n) n->type = pick(24);
          break;
        case 4:
          if (n) n->owner = pick(2) ? "Xen\x01" : "";
          break;
        case 5:
          if (n) in.notes.push_back(*n);
          break;
        case 6:
          if (n) in.notes.erase(in.notes.begin() + (n - in.notes.data()));
          break;
        case 7:
          if (in.legacy_section && !in.legacy_section->empty())
            (*in.legacy_section)[pick(uint32_t(in.legacy_section->size()))] = char(pick(256));
          else
            in.legacy_section = std::string(pick(40), char('A' + pick(26)));
          break;
        case 8:
          if (in.image) {
            in.image->virt_start = pick(2) ? kBase : uint64_t(rng());
            in.image->virt_end = in.image->virt_start + pick(0x40000);
          }
          break;
      }
    }
    std::string err;
    auto info = parse_xen_guest(in, err);
    if (info) {
      ++parsed;
      CHECK(info->pae != PaeMode::no);
      CHECK((info->features_required & ~pvlab_xen_features()) == 0);
      if (info->layout) {
        CHECK(info->layout->virt_entry >= info->layout->virt_kstart);
        CHECK(info->layout->virt_entry < info->layout->virt_kend);
        CHECK(info->layout->virt_kend <= 0xF5800000u);
      }
      CHECK_FALSE(describe(*info).empty());
    } else {
      ++refused;
      CHECK_FALSE(err.empty());
      CHECK(err.find('\n') == std::string::npos);
    }
  }
  // Both outcomes must occur, or the loop tests nothing.
  CHECK(parsed > 100);
  CHECK(refused > 100);
}
