/* Far CALL with an LDT selector while no LDT is loaded: #GP(selector). */
//@ expect: exc=13 err=0x44 esp=0x8fff0
  lcall $0x47, $0
