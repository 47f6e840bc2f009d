//@ expect: eax=5050 ecx=0 m32[0x20000]=5050
  xor %eax, %eax
  mov $100, %ecx
1:
  add %ecx, %eax
  loop 1b
  mov %eax, 0x20000
  hlt
