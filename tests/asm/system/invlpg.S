//@ expect: eax=1
/* INVLPG, WBINVD and INVD at CPL 0 run (the TLB effect is tested with paging). */
  invlpg 0x20000
  wbinvd
  invd
  mov $1, %eax
  hlt
