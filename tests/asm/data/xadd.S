/* XADD: dest <- dest + src, src <- old dest; flags as ADD. XADD r, r with one register
   leaves the sum. */
//@ expect: eax=0x80000000 ebx=1 ecx=0x20 m32[0x20000]=0x30 edx=0x10 esi=0xff01 edi=0xfe
//@ expect: flags[0x8d5]=0x890
  mov $0x7fffffff, %ebx
  mov $1, %eax
  xadd %ebx, %eax            /* eax = 0x80000000 (sum), ebx = 1 */
  xchg %eax, %ebx
  xchg %eax, %ebx
  movl $0x10, 0x20000
  mov $0x20, %edx
  xadd %edx, 0x20000         /* mem = 0x30, edx = 0x10 */
  mov $0x10, %ecx
  xadd %ecx, %ecx            /* ecx = 0x20 */
  mov $0xff80, %esi
  mov $0x7f, %edi
  xadd %di, %si              /* si = 0xffff, di = 0xff80 */
  mov $0x01, %edi
  xadd %si, %di              /* di = 0x0000, si = 0x0001 */
  mov $0xff01, %esi
  mov $0xff, %edi
  xadd %al, %al              /* al = 0 + 0 */
  mov $0x7f, %dl
  mov $0x7f, %dh
  xadd %dl, %dh              /* dh = 0xfe: OF SF AF; dl = 0x7f */
  movzbl %dh, %edi
  mov $0x10, %edx
  hlt
