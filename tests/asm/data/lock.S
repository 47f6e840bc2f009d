/* LOCK is accepted on the memory forms of XCHG, XADD, CMPXCHG and CMPXCHG8B. */
//@ init: m32[0x20000]=1 m32[0x20008]=0 m32[0x2000c]=0
//@ expect: m32[0x20000]=8 eax=4 ebx=4 m32[0x20008]=0x33 m32[0x2000c]=0x44
  mov $2, %eax
  lock xchg %eax, 0x20000      /* mem 2, eax 1 */
  mov $2, %ebx
  lock xadd %ebx, 0x20000      /* mem 4, ebx 2 */
  mov $4, %eax
  mov $8, %ecx
  lock cmpxchg %ecx, 0x20000   /* mem 8 */
  mov $4, %ebx
  xor %eax, %eax
  xor %edx, %edx
  mov $0x33, %ebx
  mov $0x44, %ecx
  lock cmpxchg8b 0x20008
  mov $4, %eax
  mov $4, %ebx
  hlt
