// BT* on memory with a register offset: a signed bit offset into the bit string starting at
// the operand, reaching whole dwords (words) before or after it.
//@ init: edx=0x1234ffff m32[0x200f8]=0 m32[0x200fc]=0x80000000 m32[0x20100]=1 m32[0x20104]=0 m32[0x20108]=4
//@ expect: m32[0x200f8]=0x80000001 m32[0x20108]=0x2 m32[0x20000]=0x00000101 m32[0x20004]=0x00000101 m32[0x200fc]=0x80000000
  mov $66, %ecx
  bt %ecx, 0x20100            /* dword 0x20108, bit 2: 1 */
  setc 0x20000
  mov $-1, %ecx
  bt %ecx, 0x20100            /* dword 0x200fc, bit 31: 1 */
  setc 0x20001
  mov $-33, %ecx
  bts %ecx, 0x20100           /* dword 0x200f8, bit 31: was 0 */
  setc 0x20002
  mov $-64, %ecx
  lock btc %ecx, 0x20100      /* dword 0x200f8, bit 0: was 0 */
  setc 0x20003
  bt %dx, 0x20100             /* DX = -1: word 0x200fe, bit 15: 1 */
  setc 0x20004
  mov $0x42, %dx
  lock btr %dx, 0x20100       /* word 0x20108, bit 2: 1, cleared */
  setc 0x20005
  mov $0x20100, %ebx
  mov $33, %esi
  btc %esi, 4(%ebx)           /* dword 0x20108, bit 1: 0, set */
  setc 0x20006
  hlt
