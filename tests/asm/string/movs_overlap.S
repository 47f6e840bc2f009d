/* Overlapping REP MOVS behaves element by element: a destination just above the source
   re-reads what it wrote (byte and doubleword forms); one below it shifts data down. */
//@ init: m8[0x20000]=0x5a m32[0x21000]=0x11223344 m32[0x21004]=0x55667788
//@ init: m32[0x22000]=1 m32[0x22004]=2 m32[0x22008]=3 m32[0x2200c]=4 m32[0x22010]=5
//@ expect: m32[0x20000]=0x5a5a5a5a m32[0x2005c]=0x5a5a5a5a m32[0x20060]=0x5a m8[0x20064]=0
//@ expect: m32[0x21000]=0x33443344 m32[0x21004]=0x11221122 m32[0x21008]=0x55665566
//@ expect: m32[0x2100c]=0 m32[0x21010]=0
//@ expect: m32[0x22000]=2 m32[0x22004]=3 m32[0x22008]=4 m32[0x2200c]=5 m32[0x22010]=5
  mov $0x20000, %esi
  mov $0x20001, %edi
  mov $96, %ecx
  rep movsb
  mov $0x21000, %esi
  mov $0x21002, %edi
  mov $4, %ecx
  rep movsl
  mov $0x22004, %esi
  mov $0x22000, %edi
  mov $4, %ecx
  rep movsl
  hlt
