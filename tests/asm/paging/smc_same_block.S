//@ expect: eax=0x42 ebx=2
/* A store that patches an instruction later in the same block: the store finishes, the block
 * is left, and the patched instruction runs with its new immediate. */
#include "harness.inc"
  mov $1, %ebx
  movb $0x42, patch + 1
patch:
  mov $0x11, %eax
  inc %ebx
  hlt
