//@ expect: eax=0 ebx=0x80000000 flags[0x8d5]=0x1 ecx=2
  mov $0xffffffff, %eax
  add $1, %eax                 /* 0: CF ZF PF AF */
  mov $0x7fffffff, %ebx
  inc %ebx                     /* OF SF AF PF, CF kept from the add */
  mov $1, %ecx
  inc %ecx
  hlt
