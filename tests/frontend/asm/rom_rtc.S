/* --rtc-epoch: print the RTC's century, year, month, day, hour, minute and second registers
   (BCD, as the CMOS powers up) on port 0xE9, then leave through isa-debug-exit with 0. */
#include "rom.inc"
.code16
start:
low:
  cli
  .irp reg, 0x32, 0x09, 0x08, 0x07, 0x04, 0x02, 0x00
  mov $\reg, %al
  out %al, $0x70
  in $0x71, %al
  out %al, $0xe9
  .endr
  mov $0, %al
  out %al, $0xf4
  hlt
  ROM_END
