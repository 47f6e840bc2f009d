//@ expect: eax=0x00000011 ebx=0x12345678 ecx=0x000000b0 edx=0x00050033 cr0=0x00050033
//@ expect: cr4=0xb0 cr2=0x12345678
/* MOV to and from CR0, CR2 and CR4. ET is hard-wired to one; writes to reserved CR0 bits are
   ignored (they read as zero). */
  mov %cr0, %eax
  mov $0x12345678, %ebx
  mov %ebx, %cr2
  mov %cr2, %ebx
  mov $0xb0, %ecx                   /* PSE | PGE | DE */
  mov %ecx, %cr4
  mov %cr4, %ecx
  mov $0x00050123, %edx             /* AM | WP | NE | MP | PE and reserved bit 8 */
  and $0xffffffef, %edx             /* ET clear: still reads one */
  mov %edx, %cr0
  mov %cr0, %edx
  hlt
