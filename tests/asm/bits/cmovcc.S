// All sixteen CMOVcc conditions (CF=1 ZF=0 SF=1 OF=0 PF=1), collected one bit each into EAX
// with LEA (which leaves the flags alone); then 16-bit and memory forms, true and false.
//@ init: eax=0 edx=1 esi=0x5555aaaa edi=0x6666bbbb ebp=0x77777777 m32[0x20100]=0x12348765 eflags=0x87
//@ expect: eax=0x66aa esi=0x55558765 edi=0x6666bbbb ebp=0x77777777 ebx=0x12348765 flags[0x8d5]=0x85
#define STEP(cc) mov $0, %ecx; cmov##cc %edx, %ecx; lea (%ecx,%eax,2), %eax
  STEP(o)
  STEP(no)
  STEP(b)
  STEP(nb)
  STEP(z)
  STEP(nz)
  STEP(be)
  STEP(nbe)
  STEP(s)
  STEP(ns)
  STEP(p)
  STEP(np)
  STEP(l)
  STEP(nl)
  STEP(le)
  STEP(nle)
  cmovbw 0x20100, %si         /* true: low word replaced */
  cmovnbw 0x20100, %di        /* false: kept */
  cmovo 0x20100, %ebp         /* false: kept */
  cmovs 0x20100, %ebx         /* true */
  hlt
