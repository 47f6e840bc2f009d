#include "hyper/mm.h"

#include "hyper/hypervisor.h"

namespace pvlab::hyper {

int mm_pin(Hypervisor& hv, Domain&, uint32_t mfn, PageType type, std::string&) {
  FrameInfo& f = hv.frames()[mfn];
  f.type = type;
  f.validated = true;
  f.pinned = true;
  ++f.type_count;
  ++f.count;
  return 0;
}

int mm_set_baseptr(Hypervisor& hv, Vcpu& v, uint32_t l3_mfn, std::string&) {
  hv.load_cr3(v, l3_mfn);
  return 0;
}

void mm_note_boot_mapping(Hypervisor& hv, uint32_t mfn, bool writable) {
  FrameInfo& f = hv.frames()[mfn];
  ++f.count;
  if (writable) {
    f.type = PageType::Writable;
    ++f.type_count;
  }
}

}  // namespace pvlab::hyper
