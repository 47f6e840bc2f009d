//@ expect: eax=0 edx=0 esi=0xfffffff0 edi=0xff exc=13 err=0 eip=0x10028
/* RDPMC reads the two P6 counters at CPL 0 (they hold what WRMSR wrote and never count);
   ECX past 1 is #GP(0). */
  mov $0xc2, %ecx
  mov $0xfffffff0, %eax
  xor %edx, %edx
  wrmsr
  mov $1, %ecx
  rdpmc
  mov %eax, %esi
  mov %edx, %edi
  xor %ecx, %ecx
  rdpmc
  mov $2, %ecx
  .org 0x28, 0x90
  rdpmc
  hlt
