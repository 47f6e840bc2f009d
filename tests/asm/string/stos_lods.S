/* STOS and LODS in all sizes, both directions; REP LODS leaves the last element. */
//@ init: m32[0x20100]=0x04030201 m32[0x20104]=0x08070605
//@ expect: m8[0x20000]=0x44 m16[0x20001]=0x3344 m32[0x20003]=0x11223344 m8[0x20007]=0
//@ expect: m8[0x20010]=0x44 m8[0x2000f]=0x44 m8[0x20011]=0 m32[0x20200]=0x2000e
//@ expect: m32[0x20204]=0x11220302 m32[0x20208]=0x20103 m32[0x2020c]=0x08070605
//@ expect: eax=0x11223304 esi=0x20103 ecx=0
  mov $0x11223344, %eax
  mov $0x20000, %edi
  stosb
  stosw
  stosl
  std
  mov $0x20010, %edi
  stosb
  stosb
  cld
  mov %edi, 0x20200
  mov $0x20100, %esi
  lodsb
  lodsw                      /* 0x0302 */
  mov %eax, 0x20204
  mov %esi, 0x20208
  mov $0x20104, %esi
  lodsl
  mov %eax, 0x2020c
  mov $0x11223344, %eax
  mov $0x20100, %esi
  mov $4, %ecx
  rep lodsb                  /* AL = the fourth byte */
  std
  dec %esi
  cld
  hlt
