/* The smallest PV guest: greets, tells what the domain builder handed it in start_info, and
   powers off. */
#include "pv.h"

int main(void) {
  const start_info_t* si = pv_start_info;
  kprintf("Hello from a pvlab PV guest in ring %u.\n", pv_boot_regs.cs & 3);
  char magic[sizeof si->magic + 1];
  for (unsigned i = 0; i < sizeof si->magic; ++i) magic[i] = si->magic[i];
  magic[sizeof si->magic] = '\0';
  kprintf("start_info at %p: magic \"%s\"\n", (const void*)si, magic);
  kprintf("  nr_pages     %lu (%lu KiB)\n", si->nr_pages, si->nr_pages * 4);
  kprintf("  shared_info  machine address %#lx, %s\n", si->shared_info,
          pv_shared_info ? "mapped" : "not mapped");
  kprintf("  flags        %#x\n", si->flags);
  kprintf("  pt_base      %#lx, %lu page-table frames\n", si->pt_base, si->nr_pt_frames);
  kprintf("  mfn_list     %#lx (pfn 0 is mfn %#lx)\n", si->mfn_list, (unsigned long)pv_pfn_to_mfn(0));
  kprintf("  store        mfn %#lx, event channel %u\n", (unsigned long)si->store_mfn, si->store_evtchn);
  kprintf("  console      mfn %#lx, event channel %u\n", (unsigned long)si->console.domU.mfn,
          si->console.domU.evtchn);
  kprintf("  cmdline      \"%s\"\n", (const char*)si->cmd_line);
  if (!pv_shared_info) kprintf("mapping shared_info failed: %d\n", pv_shared_info_error);
  kprintf("Powering off.\n");
  return 0;
}
