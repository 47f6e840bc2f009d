/* Ending a run from inside the guest, on pvlab and on the emulators it is compared with. */
#ifndef PVLAB_GUEST_POWEROFF_H
#define PVLAB_GUEST_POWEROFF_H

/* Power the machine off: the ACPI PM1a control port 0x604 (pvlab, QEMU's pc and q35 machines),
   then the "Shutdown" string on port 0x8900 (Bochs). Never returns. */
void power_off(void) __attribute__((noreturn));

#endif
