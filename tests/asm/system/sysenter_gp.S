//@ expect: exc=13 err=0 eip=0x10000
/* SYSENTER with SYSENTER_CS null: #GP(0). */
  sysenter
  hlt
