//@ expect: exc=14 err=0x9 cr2=0x456789 m32[0x24010]=0x6020a3
/* A 2 MiB PDE with bit 13 set (reserved: only bit 12, PAT, is defined below bit 21). */
#include "harness.inc"
#include "paging.inc"
  map_pae_identity
  movl $(0x602000 | PG_P | PG_RW | PG_PS | PG_A), PAE_PD + 16
  paging_on
  mov 0x456789, %eax
  hlt
