//@ expect: eax=0x00123000 cr3=0x00123000
/* CR3 with paging off is a plain register. */
  mov $0x00123000, %eax
  mov %eax, %cr3
  xor %eax, %eax
  mov %cr3, %eax
  hlt
