/* The v86 kernel's assembly: entering and leaving virtual-8086 mode, and the real-mode
   programs it runs (copied to V86_BASE; every data reference is an offset from v86_blob). */
  .text
/* uint32_t v86_run(struct v86_regs* r): IRET into virtual-8086 mode with r's registers.
   Returns when the monitor calls v86_leave(). */
  .globl v86_run
v86_run:
  pushl %ebp
  pushl %ebx
  pushl %esi
  pushl %edi
  movl %esp, v86_saved_esp
  movl 20(%esp), %ebp
  pushl 0(%ebp)                /* GS */
  pushl 4(%ebp)                /* FS */
  pushl 8(%ebp)                /* DS */
  pushl 12(%ebp)               /* ES */
  pushl 16(%ebp)               /* SS */
  pushl 20(%ebp)               /* ESP */
  pushl 24(%ebp)               /* EFLAGS, with VM */
  pushl 28(%ebp)               /* CS */
  pushl 32(%ebp)               /* EIP */
  movl 36(%ebp), %eax
  movl 40(%ebp), %ebx
  movl 44(%ebp), %ecx
  movl 48(%ebp), %edx
  movl 52(%ebp), %esi
  movl 56(%ebp), %edi
  movl 60(%ebp), %ebp
  iretl

/* void v86_leave(void): back to v86_run's caller, from a trap handler. */
  .globl v86_leave
v86_leave:
  movw $0x10, %ax
  movw %ax, %ds
  movw %ax, %es
  movw %ax, %fs
  movw %ax, %gs
  movl v86_saved_esp, %esp
  popl %edi
  popl %esi
  popl %ebx
  popl %ebp
  ret

  .bss
  .align 4
v86_saved_esp:
  .long 0

/* ---- real-mode code ---- */
  .section .rodata
  .code16
  .globl v86_blob, v86_blob_end, v86_prog_iopl3, v86_prog_iopl0, v86_prog_vme, v86_int31_handler
v86_blob:

/* IOPL 3: INT n goes straight to the ring 0 gate; CLI, STI, PUSHF, POPF just run. */
v86_prog_iopl3:
  movw $0x1234, %ax
  movw $0x0011, %bx
  int $0x30                    /* the monitor adds BX to AX */
  movw %ax, %dx
  cli
  pushfw
  popw %cx                     /* CX: FLAGS with IF clear */
  sti
  movw %ds:(v86_data - v86_blob), %si
  movw $0x4321, %es:(v86_data - v86_blob + 2)
  int $0x3f                    /* done */

/* IOPL 0: INT n, IRET, CLI, STI, HLT and I/O to a denied port trap to the monitor with #GP;
   I/O to a port the TSS bitmap allows runs. */
v86_prog_iopl0:
  movw $5, %ax
  int $0x31                    /* reflected to the IVT entry: v86_int31_handler doubles AX */
  movw %ax, %bx
  cli                          /* emulated: the virtual IF goes to 0 */
  pushfw                       /* emulated: IF shows the virtual IF */
  popw %cx
  sti
  outb %al, $0x80              /* allowed by the I/O bitmap */
  outb %al, $0x84              /* denied: #GP, skipped by the monitor */
  movw $0x7777, %si
  hlt                          /* #GP: the monitor ends the run */

/* CR4.VME at IOPL 0: CLI, STI, PUSHF and POPF work on VIF without trapping; INT 0x31 (its
   redirection bit clear) goes through the IVT by itself; INT 0x32 (bit set) traps with #GP. */
v86_prog_vme:
  cli                          /* VIF = 0 */
  pushfw
  popw %cx                     /* CX: IF shows VIF (0), IOPL shows 3 */
  sti                          /* VIF = 1 */
  pushfw
  popw %dx                     /* DX: IF shows VIF (1) */
  movw $0x0002, %di
  pushw %di
  popfw                        /* IF = 0 in the image: VIF = 0 */
  pushfw
  popw %di                     /* DI: IF shows VIF (0) */
  sti
  movw $3, %ax
  int $0x31                    /* redirected: the handler doubles AX; its IRET restores VIF */
  movw %ax, %bx
  int $0x32                    /* redirection bit set: #GP to the monitor */
  movw $0x5555, %si
  hlt

v86_int31_handler:
  addw %ax, %ax
  iret

  .align 2
v86_data:
  .word 0xbeef, 0
v86_blob_end:
  .code32

  .section .note.GNU-stack, "", @progbits
