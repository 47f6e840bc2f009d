// What the hypervisor's unit tests share: Xen notes, and a PV kernel image made of one block
// of code at VIRT_BASE with the notes a 32-bit PAE kernel carries.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "hyper/guest_image.h"
#include "hyper/xen_abi.h"

namespace pvlab::hyper::test {

inline GuestNote str_note(uint32_t type, const std::string& s) {
  GuestNote n{"Xen", type, std::vector<uint8_t>(s.begin(), s.end())};
  n.desc.push_back(0);
  return n;
}

inline GuestNote num_note(uint32_t type, uint32_t v) {
  GuestNote n{"Xen", type, std::vector<uint8_t>(4)};
  std::memcpy(n.desc.data(), &v, 4);
  return n;
}

// `bytes` must outlive the image (the segment points into it).
inline GuestImage pv_image(const char* path, uint32_t base, const std::vector<uint8_t>& bytes,
                           uint32_t entry, uint32_t hypercall_page, const char* features = nullptr) {
  GuestImage g;
  g.path = path;
  g.elf_entry = entry;
  g.segments.push_back({base, uint32_t(bytes.size()), uint32_t(bytes.size()), bytes.data()});
  g.notes = {str_note(XEN_ELFNOTE_GUEST_OS, "pvlab-test"), str_note(XEN_ELFNOTE_XEN_VERSION, "xen-3.0"),
             str_note(XEN_ELFNOTE_LOADER, "generic"), num_note(XEN_ELFNOTE_VIRT_BASE, base),
             num_note(XEN_ELFNOTE_PADDR_OFFSET, base), num_note(XEN_ELFNOTE_ENTRY, entry),
             num_note(XEN_ELFNOTE_HYPERCALL_PAGE, hypercall_page), str_note(XEN_ELFNOTE_PAE_MODE, "yes")};
  if (features) g.notes.push_back(str_note(XEN_ELFNOTE_FEATURES, features));
  return g;
}

}  // namespace pvlab::hyper::test
