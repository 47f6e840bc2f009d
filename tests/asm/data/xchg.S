/* XCHG between registers of every size and with memory; the flags do not change. */
//@ init: eflags=0x8d5
//@ expect: eax=0x22221111 ebx=0x11112222 ecx=0xaa01bb02 edx=0x5678 edi=0x77777777
//@ expect: m32[0x20000]=0x12345678 m16[0x20004]=0x9999 m8[0x20008]=0x01 esi=0xcc eflags=0x8d7
  mov $0x11112222, %eax
  mov $0x22221111, %ebx
  xchg %eax, %ebx
  xchg %ebx, %eax
  xchg %eax, %ebx            /* eax=0x22221111 ebx=0x11112222 */
  mov $0xaa0102bb, %ecx
  xchg %ch, %cl              /* 0xaa01bb02 */
  xchg %cl, %ch
  xchg %ch, %cl
  mov $0x12345678, %edx
  movl $0x77777777, 0x20000
  xchg %edx, 0x20000         /* edx=0x77777777, mem=0x12345678 */
  mov %edx, %edi
  mov $0x5678, %edx
  movw $0x9999, 0x20004
  mov $0x20004, %esi
  xchg (%esi), %dx           /* dx=0x9999, mem=0x5678 */
  xchg %dx, (%esi)           /* back: dx=0x5678, mem=0x9999 */
  movb $0xcc, 0x20008
  push %eax
  mov $0x01, %ah
  xchg %ah, 0x20008          /* ah=0xcc, mem=1 */
  movzbl %ah, %esi
  pop %eax
  hlt
