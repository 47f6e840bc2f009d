/* Echo: poll COM1 for received bytes and send each back, until a newline; then leave through
   isa-debug-exit with 0 (pvlab exit status 1). Reads what the host feeds COM1 (stdin, or a
   recording on replay). */
#include "rom.inc"
.code16
start:
low:
  cli
wait:
  mov $0x3fd, %dx
  in %dx, %al
  test $1, %al
  jz wait
  mov $0x3f8, %dx
  in %dx, %al
  out %al, %dx
  cmp $0x0a, %al
  jne wait
  mov $0, %al
  out %al, $0xf4
  hlt
  ROM_END
