/* PUSHAD and the 16-bit PUSHA/POPA: the pushed ESP is the value before the instruction,
   POPA skips the SP slot and keeps the registers' upper halves. */
//@ init: eax=0x11111111 ecx=0x22222222 edx=0x33333333 ebx=0x44444444 ebp=0x66666666
//@ init: esi=0x77777777 edi=0x88888888
//@ expect: m32[0x8ffec]=0x11111111 m32[0x8ffe8]=0x22222222 m32[0x8ffe4]=0x33333333
//@ expect: m32[0x8ffe0]=0x44444444 m32[0x8ffdc]=0x8fff0 m32[0x8ffd8]=0x66666666
//@ expect: m32[0x8ffd4]=0x77777777 m32[0x8ffd0]=0x88888888
//@ expect: m16[0x2000e]=0x1111 m16[0x20008]=0x4444 m16[0x20006]=0x0010 m16[0x20000]=0x8888
//@ expect: eax=0xaaaa1111 ecx=0xaaaa2222 edx=0xaaaa3333 ebx=0xaaaa4444 ebp=0xaaaa6666
//@ expect: esi=0xaaaa7777 edi=0xaaaa8888 esp=0x20010
  pushal
  mov $0x20010, %esp
  pushaw                     /* 16 bytes at 0x20000 */
  mov $0xaaaa0000, %eax
  mov %eax, %ecx
  mov %eax, %edx
  mov %eax, %ebx
  mov %eax, %ebp
  mov %eax, %esi
  mov %eax, %edi
  popaw
  hlt
