// Reading a PV kernel's Xen ELF notes or legacy `__xen_guest` section (see elf_notes.h).
#include "hyper/elf_notes.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string_view>

#include "hyper/xen_abi.h"

extern "C" {
#include <xen/features.h>
}

namespace pvlab::hyper {

namespace {

// The features pvlab's hypervisor offers, in one place (pvlab_xen_features and
// xenver_features below both come from it): writable page tables (the vm_assist that
// emulates a guest's write to its own L1), L3 tables anywhere in machine memory, and
// MMU_PT_UPDATE_PRESERVE_AD. Not offered: writable descriptor tables, auto-translated
// physmap, supervisor-mode kernel.
constexpr uint32_t kPvlabFeatures = 1u << XENFEAT_writable_page_tables | 1u << XENFEAT_pae_pgdir_above_4gb |
                                    1u << XENFEAT_mmu_pt_update_preserve_ad;
// What only translated guests are told of (Xen reports writable_page_tables with
// auto_translated_physmap): a PV kernel that saw it would leave its page tables writable.
constexpr uint32_t kTranslatedOnly = 1u << XENFEAT_writable_page_tables;

// __HYPERVISOR_VIRT_START_PAE of xen/arch-x86/xen-x86_32.h (not visible from a 64-bit host's
// headers): a 32-bit PAE guest owns the addresses below it.
constexpr uint64_t kHypervisorStartPae = 0xF5800000u;
constexpr uint64_t kPage = 4096;

struct FeatureName {
  const char* name;
  unsigned bit;
};
#define PVLAB_FEATURE(n) FeatureName{#n, XENFEAT_##n}
constexpr FeatureName kFeatureNames[] = {
    PVLAB_FEATURE(writable_page_tables),    PVLAB_FEATURE(writable_descriptor_tables),
    PVLAB_FEATURE(auto_translated_physmap), PVLAB_FEATURE(supervisor_mode_kernel),
    PVLAB_FEATURE(pae_pgdir_above_4gb),     PVLAB_FEATURE(mmu_pt_update_preserve_ad),
    PVLAB_FEATURE(highmem_assist),          PVLAB_FEATURE(gnttab_map_avail_bits),
    PVLAB_FEATURE(hvm_callback_vector),     PVLAB_FEATURE(hvm_safe_pvclock),
    PVLAB_FEATURE(hvm_pirqs),               PVLAB_FEATURE(dom0),
    PVLAB_FEATURE(memory_op_vnode_supported),
    PVLAB_FEATURE(ARM_SMCCC_supported),     PVLAB_FEATURE(linux_rsdp_unrestricted),
    PVLAB_FEATURE(not_direct_mapped),       PVLAB_FEATURE(direct_mapped),
};
#undef PVLAB_FEATURE

enum class Kind { string, number, ignored };

struct NoteKind {
  unsigned type;
  const char* name;
  Kind kind;
};
constexpr NoteKind kNoteKinds[] = {
    {XEN_ELFNOTE_ENTRY, "ENTRY", Kind::number},
    {XEN_ELFNOTE_HYPERCALL_PAGE, "HYPERCALL_PAGE", Kind::number},
    {XEN_ELFNOTE_VIRT_BASE, "VIRT_BASE", Kind::number},
    {XEN_ELFNOTE_PADDR_OFFSET, "PADDR_OFFSET", Kind::number},
    {XEN_ELFNOTE_XEN_VERSION, "XEN_VERSION", Kind::string},
    {XEN_ELFNOTE_GUEST_OS, "GUEST_OS", Kind::string},
    {XEN_ELFNOTE_GUEST_VERSION, "GUEST_VERSION", Kind::string},
    {XEN_ELFNOTE_LOADER, "LOADER", Kind::string},
    {XEN_ELFNOTE_PAE_MODE, "PAE_MODE", Kind::string},
    {XEN_ELFNOTE_FEATURES, "FEATURES", Kind::string},
    {XEN_ELFNOTE_BSD_SYMTAB, "BSD_SYMTAB", Kind::string},
    {XEN_ELFNOTE_HV_START_LOW, "HV_START_LOW", Kind::number},
    {XEN_ELFNOTE_SUPPORTED_FEATURES, "SUPPORTED_FEATURES", Kind::number},
};

const NoteKind* note_kind(unsigned type) {
  for (const auto& k : kNoteKinds)
    if (k.type == type) return &k;
  return nullptr;
}

const char* note_name(unsigned type) {
  const NoteKind* k = note_kind(type);
  return k ? k->name : "?";
}

// A string from the kernel, fit for a one-line message: printable, at most 64 characters.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < 64; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      static const char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  if (s.size() > 64) out += "...";
  return out + "\"";
}

std::string hex(uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v, 16);
  return "0x" + std::string(buf, r.ptr);
}

class Parser {
 public:
  Parser(XenGuestInfo& info, std::string& error) : info_(info), error_(error) {}

  bool fail(std::string what) {
    error_ = std::move(what);
    return false;
  }

  // ---- values, whichever source they came from ----
  bool set_string(unsigned type, std::string value) {
    info_.present |= 1u << type;
    switch (type) {
      case XEN_ELFNOTE_XEN_VERSION: info_.xen_version = std::move(value); break;
      case XEN_ELFNOTE_GUEST_OS: info_.guest_os = std::move(value); break;
      case XEN_ELFNOTE_GUEST_VERSION: info_.guest_version = std::move(value); break;
      case XEN_ELFNOTE_LOADER: info_.loader = std::move(value); break;
      case XEN_ELFNOTE_PAE_MODE: info_.pae_text = std::move(value); break;
      case XEN_ELFNOTE_FEATURES:
        if (!info_.features_text.empty() && !value.empty()) info_.features_text += '|';
        info_.features_text += value;
        break;
      case XEN_ELFNOTE_BSD_SYMTAB: info_.bsd_symtab = value == "yes"; break;
    }
    return true;
  }

  bool set_number(unsigned type, uint64_t v) {
    if (v > 0xffffffffull)
      return fail(std::string(note_name(type)) + " " + hex(v) +
                  " lies above 4 GiB: pvlab runs 32-bit guests only");
    info_.present |= 1u << type;
    switch (type) {
      case XEN_ELFNOTE_ENTRY: info_.entry = v; break;
      case XEN_ELFNOTE_HYPERCALL_PAGE: info_.hypercall_page = v; break;
      case XEN_ELFNOTE_VIRT_BASE: info_.virt_base = v; break;
      case XEN_ELFNOTE_PADDR_OFFSET: info_.paddr_offset = v; break;
      case XEN_ELFNOTE_HV_START_LOW: info_.hv_start_low = v; break;
      case XEN_ELFNOTE_SUPPORTED_FEATURES: info_.features_supported |= static_cast<uint32_t>(v); break;
    }
    return true;
  }

  // ---- notes ----
  bool note(const GuestNote& n) {
    const NoteKind* k = note_kind(n.type);
    if (!k) return true;  // INFO, L1_MFN_VALID, INIT_P2M, ... and unknown types: not used
    const std::string where = std::string("Xen note ") + k->name + " (type " + std::to_string(n.type) + ")";
    if (k->kind == Kind::number) {
      if (n.desc_cut)
        return fail("truncated " + where + ": its value runs past the end of the file");
      if (n.desc.size() != 4 && n.desc.size() != 8)
        return fail("malformed " + where + ": " + std::to_string(n.desc.size()) +
                    "-byte value, expected 4 or 8 bytes");
      uint64_t v = 0;
      for (size_t i = n.desc.size(); i-- > 0;) v = v << 8 | n.desc[i];
      return set_number(n.type, v);
    }
    auto nul = std::find(n.desc.begin(), n.desc.end(), uint8_t{0});
    if (nul == n.desc.end())
      return fail(n.desc_cut ? "truncated " + where + ": the string runs past the end of the file before its NUL"
                             : "malformed " + where + ": the string has no terminating NUL");
    return set_string(n.type, std::string(n.desc.begin(), nul));
  }

  // ---- the legacy section: NAME=value pairs separated by commas ----
  bool legacy(std::string_view text) {
    info_.source = XenGuestInfo::Source::legacy_section;
    if (auto nul = text.find('\0'); nul != std::string_view::npos) text = text.substr(0, nul);
    std::optional<uint64_t> hypercall_pfn;
    while (!text.empty()) {
      size_t comma = text.find(',');
      std::string_view pair = text.substr(0, comma);
      text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
      size_t eq = pair.find('=');
      std::string_view key = pair.substr(0, eq);
      std::string value(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
      struct Key {
        const char* name;
        unsigned type;
      };
      static constexpr Key kStrings[] = {
          {"GUEST_OS", XEN_ELFNOTE_GUEST_OS}, {"GUEST_VER", XEN_ELFNOTE_GUEST_VERSION},
          {"XEN_VER", XEN_ELFNOTE_XEN_VERSION}, {"LOADER", XEN_ELFNOTE_LOADER},
          {"PAE", XEN_ELFNOTE_PAE_MODE}, {"FEATURES", XEN_ELFNOTE_FEATURES}};
      static constexpr Key kNumbers[] = {{"VIRT_BASE", XEN_ELFNOTE_VIRT_BASE},
                                         {"ELF_PADDR_OFFSET", XEN_ELFNOTE_PADDR_OFFSET},
                                         {"VIRT_ENTRY", XEN_ELFNOTE_ENTRY}};
      // Other keys are ignored, as Xen does.
      for (const Key& k : kStrings)
        if (key == k.name) set_string(k.type, value);
      for (const Key& k : kNumbers)
        if (key == k.name) {
          auto v = number(key, value);
          if (!v || !set_number(k.type, *v)) return false;
        }
      if (key == "HYPERCALL_PAGE") {
        hypercall_pfn = number(key, value);
        if (!hypercall_pfn) return false;
      }
      if (key == "BSD_SYMTAB") {
        info_.present |= 1u << XEN_ELFNOTE_BSD_SYMTAB;
        info_.bsd_symtab = true;
      }
    }
    // HYPERCALL_PAGE is a page number counted from VIRT_BASE.
    if (hypercall_pfn) {
      if (*hypercall_pfn > 0xfffff)
        return fail("__xen_guest HYPERCALL_PAGE=" + hex(*hypercall_pfn) + " is past 4 GiB");
      if (!set_number(XEN_ELFNOTE_HYPERCALL_PAGE, info_.virt_base.value_or(0) + *hypercall_pfn * kPage))
        return false;
    }
    return true;
  }

  // A legacy number: decimal, 0x hexadecimal or 0 octal, as C's strtoull with base 0 reads.
  std::optional<uint64_t> number(std::string_view key, std::string_view text) {
    int base = 10;
    std::string_view digits = text;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
      base = 16;
      digits.remove_prefix(2);
    } else if (digits.size() > 1 && digits[0] == '0') {
      base = 8;
      digits.remove_prefix(1);
    }
    uint64_t v = 0;
    auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
    if (digits.empty() || r.ec != std::errc{} || r.ptr != digits.data() + digits.size()) {
      fail("__xen_guest " + std::string(key) + " value " + quoted(text) + " is not a number");
      return std::nullopt;
    }
    return v;
  }

  // ---- what pvlab requires of every kernel ----
  static bool starts_with(const std::string& s, std::string_view p) { return s.compare(0, p.size(), p) == 0; }

  bool check_kind() {
    auto starts = starts_with;
    if (!starts(info_.loader, "generic") && !starts(info_.guest_os, "linux"))
      return fail("built for loader " + quoted(info_.loader) + " and guest OS " + quoted(info_.guest_os) +
                  ": pvlab loads kernels for the generic loader (LOADER \"generic\") and Linux");
    if (!starts(info_.xen_version, "xen-3.0"))
      return fail("built for Xen interface " + quoted(info_.xen_version) +
                  ": pvlab runs kernels for xen-3.0 (XEN_VERSION)");
    return true;
  }

  bool check_pae() {
    const std::string& p = info_.pae_text;
    if (!info_.has(XEN_ELFNOTE_PAE_MODE) || p == "no")
      return fail(std::string("not a PAE kernel (PAE_MODE ") + (info_.has(XEN_ELFNOTE_PAE_MODE) ? "\"no\"" : "absent") +
                  "): pvlab runs 32-bit PAE guests only");
    // Xen reads a PAE_MODE note of "yes" as extended-CR3 capable; in the legacy section
    // "yes" is plain PAE and "yes[extended-cr3]" says so explicitly.
    const bool legacy = info_.source == XenGuestInfo::Source::legacy_section;
    if (p == "yes[extended-cr3]" || (p == "yes" && !legacy)) info_.pae = PaeMode::extended_cr3;
    else if (legacy && starts_with(p, "yes")) info_.pae = PaeMode::yes;
    else if (p == "bimodal") info_.pae = PaeMode::bimodal;
    else
      return fail("PAE_MODE " + quoted(p) + " is none of yes, yes[extended-cr3], bimodal, no");
    return true;
  }

  bool check_features() {
    std::string_view text = info_.features_text;
    while (!text.empty()) {
      size_t bar = text.find('|');
      std::string_view name = text.substr(0, bar);
      text = bar == std::string_view::npos ? std::string_view{} : text.substr(bar + 1);
      bool required = !name.empty() && name[0] == '!';
      if (required) name.remove_prefix(1);
      if (name.empty()) continue;
      const FeatureName* f = nullptr;
      for (const auto& fn : kFeatureNames)
        if (name == fn.name) f = &fn;
      if (!f) {
        if (required)
          return fail("requires feature " + quoted(name) + ", which pvlab does not know");
        info_.unknown_features.emplace_back(name);
        continue;
      }
      info_.features_supported |= 1u << f->bit;
      if (required) info_.features_required |= 1u << f->bit;
    }
    uint32_t missing = info_.features_required & ~kPvlabFeatures;
    if (missing) {
      unsigned bit = static_cast<unsigned>(__builtin_ctz(missing));
      std::string offered;
      for (unsigned b = 0; b < 32; ++b)
        if (kPvlabFeatures >> b & 1) offered += (offered.empty() ? "" : ", ") + xen_feature_name(b);
      return fail("requires feature " + xen_feature_name(bit) + ", which pvlab does not offer (it offers " +
                  offered + ")");
    }
    return true;
  }

  // The virtual layout of the image, and ENTRY / HYPERCALL_PAGE inside it.
  bool resolve(const XenGuestInput::Image& img) {
    if (info_.paddr_offset && !info_.virt_base) return fail("PADDR_OFFSET is given without VIRT_BASE");
    XenGuestInfo::Layout l;
    l.virt_base = info_.virt_base.value_or(0);
    l.paddr_offset = info_.paddr_offset.value_or(info_.source == XenGuestInfo::Source::notes ? 0 : l.virt_base);
    if (img.virt_end <= img.virt_start) return fail("the image has no loadable bytes");
    l.virt_kstart = img.virt_start;
    l.virt_kend = img.virt_end;
    const std::string span = hex(l.virt_kstart) + "-" + hex(l.virt_kend);
    if (l.virt_base > l.virt_kstart)
      return fail("VIRT_BASE " + hex(l.virt_base) + " lies above the image's start " + hex(l.virt_kstart));
    if (l.virt_kend > kHypervisorStartPae)
      return fail("the image (" + span + ") reaches the hypervisor's area at " + hex(kHypervisorStartPae));
    l.virt_entry = info_.entry.value_or(img.elf_entry);
    if (l.virt_entry < l.virt_kstart || l.virt_entry >= l.virt_kend)
      return fail("the entry point " + hex(l.virt_entry) + " lies outside the image (" + span + ")");
    if (info_.hypercall_page) {
      uint64_t hp = *info_.hypercall_page;
      if (hp % kPage)
        return fail("the hypercall page " + hex(hp) + " is not page-aligned");
      if (hp < l.virt_kstart || hp + kPage > l.virt_kend)
        return fail("the hypercall page " + hex(hp) + " lies outside the image (" + span + ")");
      l.virt_hypercall = hp;
    }
    info_.layout = l;
    return true;
  }

 private:
  XenGuestInfo& info_;
  std::string& error_;
};

bool is_xen_note(const GuestNote& n) { return n.owner == "Xen"; }

}  // namespace

bool looks_like_xen_guest(const XenGuestInput& in) {
  return in.legacy_section.has_value() || std::any_of(in.notes.begin(), in.notes.end(), is_xen_note);
}

std::optional<XenGuestInfo> parse_xen_guest(const XenGuestInput& in, std::string& error) {
  XenGuestInfo info;
  Parser p(info, error);
  bool notes = std::any_of(in.notes.begin(), in.notes.end(), is_xen_note);
  if (notes) {
    for (const GuestNote& n : in.notes)
      if (is_xen_note(n) && !p.note(n)) return std::nullopt;
  } else if (in.legacy_section) {
    if (!p.legacy(*in.legacy_section)) return std::nullopt;
  } else {
    p.fail("not a Xen PV kernel: no Xen ELF notes (owner \"Xen\") and no __xen_guest section");
    return std::nullopt;
  }
  if (!p.check_kind() || !p.check_pae() || !p.check_features()) return std::nullopt;
  if (in.image && !p.resolve(*in.image)) return std::nullopt;
  return info;
}

XenGuestInput xen_guest_input(const GuestImage& img) {
  XenGuestInput in;
  in.notes = img.notes;
  if (!img.xen_guest_section.empty()) in.legacy_section = img.xen_guest_section;
  XenGuestInput::Image span{img.elf_entry, ~0ull, 0};
  for (const GuestSegment& s : img.segments) {
    if (s.mem_size == 0) continue;
    span.virt_start = std::min<uint64_t>(span.virt_start, s.vaddr);
    span.virt_end = std::max<uint64_t>(span.virt_end, uint64_t(s.vaddr) + s.mem_size);
  }
  if (span.virt_end == 0) span.virt_start = 0;
  in.image = span;
  return in;
}

std::optional<XenGuestInfo> parse_xen_guest(const GuestImage& img, std::string& error) {
  auto info = parse_xen_guest(xen_guest_input(img), error);
  if (!info) error = img.path + ": " + error;
  return info;
}

uint32_t pvlab_xen_features() { return kPvlabFeatures; }

uint32_t xenver_features(bool initdomain, bool extended_cr3) {
  uint32_t m = kPvlabFeatures & ~kTranslatedOnly;
  if (!extended_cr3) m &= ~(1u << XENFEAT_pae_pgdir_above_4gb);
  if (initdomain) m |= 1u << XENFEAT_dom0;
  return m;
}

std::string xen_feature_name(unsigned bit) {
  for (const auto& f : kFeatureNames)
    if (f.bit == bit) return f.name;
  return "";
}

std::string describe(const XenGuestInfo& info) {
  std::string s = "GUEST_OS " + quoted(info.guest_os);
  if (!info.guest_version.empty()) s += " " + quoted(info.guest_version);
  s += ", LOADER " + quoted(info.loader) + ", XEN_VERSION " + quoted(info.xen_version) + ", PAE " +
       quoted(info.pae_text);
  std::string feats;
  for (unsigned b = 0; b < 32; ++b)
    if (info.features_supported >> b & 1) {
      std::string name = xen_feature_name(b);
      feats += (feats.empty() ? "" : "|") + std::string(info.features_required >> b & 1 ? "!" : "") +
               (name.empty() ? "bit" + std::to_string(b) : name);
    }
  s += ", features " + (feats.empty() ? std::string("none") : feats);
  if (info.layout) {
    s += ", image " + hex(info.layout->virt_kstart) + "-" + hex(info.layout->virt_kend) + ", entry " +
         hex(info.layout->virt_entry);
    if (info.layout->virt_hypercall) s += ", hypercall page " + hex(*info.layout->virt_hypercall);
  } else if (info.entry) {
    s += ", entry " + hex(*info.entry);
  }
  if (info.bsd_symtab) s += ", BSD symbol table";
  if (info.source == XenGuestInfo::Source::legacy_section) s += " (from __xen_guest)";
  return s;
}

}  // namespace pvlab::hyper
