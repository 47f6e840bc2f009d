// BSWAP reverses the bytes of a 32-bit register; flags unchanged. With a 16-bit operand size
// the result is undefined; pvlab swaps the whole register as the reference does.
//@ init: eax=0x12345678 ebx=0x11223344 edi=0x80000001 eflags=0x8d7
//@ expect: eax=0x78563412 ebx=0x44332211 edi=0x01000080 flags[0x8d5]=0x8d5
  bswap %eax
  bswap %edi
  .byte 0x66, 0x0f, 0xcb      /* bswap %bx */
  hlt
