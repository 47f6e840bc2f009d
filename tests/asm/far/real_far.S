/* Real mode: far JMP, CALL and RETF load CS as a paragraph; IRET (16- and 32-bit) pops IP, CS
   and FLAGS; INT n goes through the IVT. */
//@ mode: real
//@ expect: eax=0x2000 ebx=5 ecx=1 edx=7 esp=0x8000 flags[0x1]=1 m16[0x500]=0x1000
  .code16
base:
  movw $(handler - base), 0xc0       /* IVT entry 0x30 */
  movw $0x1000, 0xc2
  ljmp $0x1000, $(r1 - base)
r1:
  lcall $0x1000, $(f1 - base)
  mov %cs, 0x500
  pushf
  push %cs
  push $(r2 - base)
  iret
r2:
  stc
  pushfl
  pushl $0x1000
  pushl $(r3 - base)
  iretl
r3:
  int $0x30
  mov $5, %bx
  hlt
f1:
  mov $1, %cx
  lret
handler:
  mov $7, %dx
  mov %sp, %ax
  sub $0x7000, %ax                    /* 6 bytes below 0x8000 */
  add $0x1006, %ax
  iret
