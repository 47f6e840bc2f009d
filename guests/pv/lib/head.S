/* The start of every pvlab PV guest kernel: the Xen ELF notes that tell a domain builder
   what the kernel is, the hypercall page the hypervisor fills, and _start.

   Notes (owner "Xen", types from xen/elfnote.h) in section .note.Xen, which link.ld puts in
   a PT_NOTE segment. FEATURES lists what the kernel can use; a leading '!' would make one
   required. A kernel may choose another list with -DPV_FEATURES='"..."'. pvlab's kernels use
   neither writable descriptor tables nor an auto-translated physmap, so neither is listed.

   _start: the domain builder enters in ring 1 with ESI = start_info and ESP at the top of
   the bootstrap stack. Every register goes to pv_boot_regs first (the boot test checks
   them), then the runtime moves to its own stack and calls pv_start(start_info). */
#include <xen/elfnote.h>

#ifndef PV_FEATURES
#define PV_FEATURES "writable_page_tables|pae_pgdir_above_4gb"
#endif

/* One note: namesz, descsz, type, "Xen\0", the descriptor padded to 4 bytes. */
.macro xen_note type:req, kind:req, value:req
  .pushsection .note.Xen, "a", @note
  .balign 4
  .long 4
  .long 2f - 1f
  .long \type
  .asciz "Xen"
1:
  .ifc \kind, str
  .asciz "\value"
  .else
  .long \value
  .endif
2:
  .balign 4
  .popsection
.endm

  xen_note XEN_ELFNOTE_GUEST_OS, str, "pvlab"
  xen_note XEN_ELFNOTE_GUEST_VERSION, str, "0.1"
  xen_note XEN_ELFNOTE_XEN_VERSION, str, "xen-3.0"
  xen_note XEN_ELFNOTE_LOADER, str, "generic"
  xen_note XEN_ELFNOTE_VIRT_BASE, num, 0xC0000000
  xen_note XEN_ELFNOTE_PADDR_OFFSET, num, 0xC0000000
  xen_note XEN_ELFNOTE_ENTRY, num, _start
  xen_note XEN_ELFNOTE_HYPERCALL_PAGE, num, hypercall_page
  xen_note XEN_ELFNOTE_PAE_MODE, str, "yes"
  xen_note XEN_ELFNOTE_FEATURES, str, PV_FEATURES
/* -DPV_BSD_SYMTAB: ask the domain builder to append the symbol table after the image. */
#ifdef PV_BSD_SYMTAB
  xen_note XEN_ELFNOTE_BSD_SYMTAB, str, "yes"
#endif

/* The hypercall page: 128 stubs of 32 bytes written by the hypervisor at domain build.
   Zero in the image, so a page the hypervisor left unfilled shows. */
  .section .text.hypercall_page, "ax", @progbits
  .balign 4096
  .globl hypercall_page
hypercall_page:
  .fill 4096, 1, 0

/* Offsets in struct pv_boot_regs (pv.h; pvrt.c checks them). */
#define R_EAX 0
#define R_EBX 4
#define R_ECX 8
#define R_EDX 12
#define R_ESI 16
#define R_EDI 20
#define R_EBP 24
#define R_ESP 28
#define R_EFLAGS 32
#define R_CS 36
#define R_DS 40
#define R_ES 44
#define R_FS 48
#define R_GS 52
#define R_SS 56

  .section .text.head, "ax", @progbits
  .globl _start
_start:
  movl %eax, pv_boot_regs + R_EAX
  movl %ebx, pv_boot_regs + R_EBX
  movl %ecx, pv_boot_regs + R_ECX
  movl %edx, pv_boot_regs + R_EDX
  movl %esi, pv_boot_regs + R_ESI
  movl %edi, pv_boot_regs + R_EDI
  movl %ebp, pv_boot_regs + R_EBP
  movl %esp, pv_boot_regs + R_ESP
  movl %cs, %eax
  movl %eax, pv_boot_regs + R_CS
  movl %ds, %eax
  movl %eax, pv_boot_regs + R_DS
  movl %es, %eax
  movl %eax, pv_boot_regs + R_ES
  movl %fs, %eax
  movl %eax, pv_boot_regs + R_FS
  movl %gs, %eax
  movl %eax, pv_boot_regs + R_GS
  movl %ss, %eax
  movl %eax, pv_boot_regs + R_SS
  movl $pv_stack_top, %esp
  pushfl
  popl pv_boot_regs + R_EFLAGS
  cld
  xorl %ebp, %ebp
  pushl %esi
  call pv_start
  ud2

  .section .data.pv_boot_regs, "aw", @progbits
  .balign 4
  .globl pv_boot_regs
pv_boot_regs:
  .fill 15, 4, 0

  .section .bss.pv_stack, "aw", @nobits
  .balign 16
  .space 16384
  .globl pv_stack_top
pv_stack_top:

  .section .note.GNU-stack, "", @progbits
