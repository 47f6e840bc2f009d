// What a PV guest kernel tells its domain builder about itself: the Xen ELF notes (owner
// "Xen", types from xen/elfnote.h) or, in kernels older than the notes, the `__xen_guest`
// section ("GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000,..."). parse_xen_guest reads
// either into a XenGuestInfo and refuses, with one line, any kernel pvlab cannot run: not a
// Xen guest, not PAE, built for another loader or interface, requiring a feature pvlab does
// not offer, malformed notes, or an entry point / hypercall page outside the image.
//
// The rules follow Xen's domain builder: notes win over the legacy section (which is read
// only when there is no "Xen" note); unknown note types and unknown legacy keys are ignored;
// numeric notes are 4 or 8 bytes, little-endian; string notes end with a NUL; the last of
// two notes of one type wins; VIRT_BASE defaults to 0 and PADDR_OFFSET to 0 with notes or to
// VIRT_BASE with the legacy section; ENTRY defaults to the ELF entry point. pvlab loads
// segments at their virtual addresses (for real kernels Xen's paddr + VIRT_BASE -
// PADDR_OFFSET is the same place). The input is plain data: hyper/ does not know the
// frontend's ELF reader.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hyper/guest_image.h"

namespace pvlab::hyper {

struct XenGuestInput {
  std::vector<GuestNote> notes;               // every note of the image, any owner
  std::optional<std::string> legacy_section;  // the `__xen_guest` section's text, if present
  // The image, when known: its ELF entry point and the virtual span of its loadable
  // segments [virt_start, virt_end). With it the parser checks the layout, ENTRY and
  // HYPERCALL_PAGE.
  struct Image {
    uint64_t elf_entry = 0, virt_start = 0, virt_end = 0;
  };
  std::optional<Image> image;
};

// PAE_MODE: "yes" in a note and "yes[extended-cr3]" in the legacy section both mean the
// kernel's L3 may live anywhere (extended_cr3); the legacy "yes" alone is plain PAE.
enum class PaeMode { no, yes, extended_cr3, bimodal };

struct XenGuestInfo {
  enum class Source { notes, legacy_section } source = Source::notes;
  std::string guest_os, guest_version, xen_version, loader;
  std::string pae_text, features_text;  // as written
  PaeMode pae = PaeMode::no;
  // As Xen's builders do, a domain starts with VMASST_TYPE_pae_extended_cr3 enabled (and so
  // XENVER_get_features reports pae_pgdir_above_4gb) when this holds.
  bool extended_cr3() const { return pae == PaeMode::extended_cr3 || pae == PaeMode::bimodal; }
  std::optional<uint64_t> entry, virt_base, paddr_offset, hypercall_page, hv_start_low;
  // Feature bits (bit n = XENFEAT n of xen/features.h, submap 0) the kernel can use, and
  // those it requires ('!' in FEATURES); required bits are also supported bits.
  uint32_t features_supported = 0, features_required = 0;
  std::vector<std::string> unknown_features;  // names pvlab does not know, not required
  bool bsd_symtab = false;
  uint32_t present = 0;  // bit n: XEN_ELFNOTE n was given (by a note or a legacy key)
  bool has(unsigned note_type) const { return note_type < 32 && (present >> note_type & 1); }

  // The virtual layout, resolved when the input gave the image.
  struct Layout {
    uint64_t virt_base = 0, paddr_offset = 0;  // with their defaults applied
    uint64_t virt_kstart = 0, virt_kend = 0;   // the image, [start, end)
    uint64_t virt_entry = 0;
    std::optional<uint64_t> virt_hypercall;   // the hypercall page, when there is one
  };
  std::optional<Layout> layout;
};

// Parse and validate. On refusal returns std::nullopt and sets `error` to one line (without
// the file name: the caller prefixes it).
std::optional<XenGuestInfo> parse_xen_guest(const XenGuestInput& in, std::string& error);
// The same for a kernel as the domain builder holds it: its notes, its `__xen_guest` section
// (empty: absent), its entry point and the span of its segments; `error` starts with the path.
std::optional<XenGuestInfo> parse_xen_guest(const GuestImage& img, std::string& error);
XenGuestInput xen_guest_input(const GuestImage& img);

// True when the input has a "Xen" note or a legacy section: a PV kernel, not a bare-metal one.
bool looks_like_xen_guest(const XenGuestInput& in);

// The feature bits (XENFEAT_*, submap 0) pvlab's hypervisor offers: what a kernel's FEATURES
// may require ('!').
uint32_t pvlab_xen_features();
// Submap 0 of XENVER_get_features for a (non-translated) PV domain, derived from the same
// set: every offered feature except those Xen tells translated guests only
// (writable_page_tables); pae_pgdir_above_4gb only while the pae_extended_cr3 assist is on;
// plus dom0 for the initial domain.
uint32_t xenver_features(bool initdomain, bool extended_cr3);
// A feature's name as FEATURES spells it ("writable_page_tables"), or "" when unknown.
std::string xen_feature_name(unsigned bit);
// One line for logs: "GUEST_OS pvlab, LOADER generic, PAE yes, features ..., entry ...".
std::string describe(const XenGuestInfo& info);

}  // namespace pvlab::hyper
