// CBW, CWDE, CWD, CDQ: sign extension within EAX and into DX / EDX; no flag changes.
//@ init: eax=0x12345680 edx=0x11112222 eflags=0x8d7
//@ expect: eax=0xffff edx=0 m32[0x20000]=0x1234ff80 m32[0x20004]=0x1111ffff m32[0x20008]=0xffffff80 m32[0x2000c]=0xffffffff m32[0x20010]=0xffff0000 flags[0x8d5]=0x8d5
  cbw                         /* AX = 0xff80 */
  mov %eax, 0x20000
  cwd                         /* DX = 0xffff, upper EDX kept */
  mov %edx, 0x20004
  cwde                        /* EAX = 0xffffff80 */
  mov %eax, 0x20008
  cdq
  mov %edx, 0x2000c
  mov $0x17fff, %eax
  cwd                         /* DX = 0 */
  mov %edx, 0x20010
  cwde                        /* 0x7fff */
  cdq                         /* 0 */
  mov $0xff, %al
  cbw                         /* 0x7fff -> AL 0xff -> AX 0xffff */
  hlt
