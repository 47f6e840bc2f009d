// BT* on memory with an immediate offset: the offset is masked to the operand width.
//@ init: m32[0x20100]=0x80000001
//@ expect: m32[0x20100]=0x12 m32[0x20000]=0x01000101 m16[0x20004]=0x0001
  btl $31, 0x20100            /* 1 */
  setc 0x20000
  btw $15, 0x20102            /* the word 0x8000: 1 */
  setc 0x20001
  btsl $36, 0x20100           /* bit 4: 0x80000011 */
  setc 0x20002
  btrw $0, 0x20100            /* 0x80000010 */
  setc 0x20003
  btcl $31, 0x20100           /* 0x00000010 */
  setc 0x20004
  lock btsl $1, 0x20100       /* 0x12 */
  setc 0x20005
  hlt
