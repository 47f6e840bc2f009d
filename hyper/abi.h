// Facts of the Xen ABI that code outside hyper/ may ask for without including Xen headers.
#pragma once

namespace pvlab::hyper {

const char* start_info_magic();   // the PAE start_info magic string
unsigned hypercall_iret();        // __HYPERVISOR_iret

}  // namespace pvlab::hyper
