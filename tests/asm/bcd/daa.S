// DAA after packed-BCD additions: low digit and high digit adjustments, carry out, AF input.
//@ init: eax=0x79 ebx=0x35 eflags=0x802
//@ expect: eax=0x16 m8[0x20020]=0x14 m8[0x20021]=0x83 m8[0x20022]=0x00 m32[0x20000]=0x00000001 m32[0x20004]=0x00010000 m32[0x20008]=0x00000101 flags[0x8d5]=0x10
#define SAVEF(a) setc a; setz a+1; sets a+2; seto a+3
  add %bl, %al                /* 79 + 35 = 0xae */
  daa                         /* 0x14, CF (114) */
  SAVEF(0x20000)
  mov %al, 0x20020
  mov $0x38, %al
  add $0x45, %al              /* 0x7d */
  daa                         /* 0x83 */
  SAVEF(0x20004)
  mov %al, 0x20021
  mov $0x99, %al
  add $0x01, %al              /* 0x9a */
  daa                         /* 0x00 with CF: 100 */
  SAVEF(0x20008)
  mov %al, 0x20022
  mov $0x08, %al
  add $0x08, %al              /* 0x10 with AF */
  daa                         /* 0x16: AF stays set, CF clear, OF cleared */
  hlt
