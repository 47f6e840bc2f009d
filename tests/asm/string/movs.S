/* MOVSB/MOVSW/MOVSD forward, REP MOVSD forward and backward (DF=1), and REP with ECX=0. */
//@ init: m32[0x20000]=0x44332211 m32[0x20004]=0x88776655 m32[0x20008]=0xccbbaa99
//@ init: m32[0x21004]=0xeeeeeeee
//@ expect: m32[0x21000]=0x44332211 m32[0x21004]=0xee776655
//@ expect: m32[0x22000]=0x44332211 m32[0x22004]=0x88776655 m32[0x22008]=0xccbbaa99
//@ expect: m32[0x23000]=0x44332211 m32[0x23004]=0x88776655 m32[0x23008]=0xccbbaa99
//@ expect: m32[0x2300c]=0 m32[0x22ffc]=0
//@ expect: m32[0x20100]=0x20007 m32[0x20104]=0x21007 m32[0x20108]=0x2000c m32[0x2010c]=0x2200c
//@ expect: esi=0x1fffc edi=0x22ffc ecx=0 flags[0x400]=0
  mov $0x20000, %esi
  mov $0x21000, %edi
  movsb
  movsw
  movsl
  xor %ecx, %ecx
  rep movsb                  /* ECX=0: nothing */
  mov %esi, 0x20100
  mov %edi, 0x20104
  mov $0x20000, %esi
  mov $0x22000, %edi
  mov $3, %ecx
  rep movsl
  mov %esi, 0x20108
  mov %edi, 0x2010c
  std
  mov $0x20008, %esi
  mov $0x23008, %edi
  mov $3, %ecx
  rep movsl                  /* backwards */
  cld
  hlt
