/* Virtual-8086 mode: a ring 0 monitor enters v86 by IRET and runs two real-mode programs
   (v86_code.S). With IOPL 3, INT n reaches a DPL 3 gate directly and CLI/STI/PUSHF/POPF run
   natively; with IOPL 0 they raise #GP(0) and the monitor emulates them (INT n reflected
   through the real-mode IVT, IRET, the virtual IF), I/O is checked against the TSS bitmap,
   and HLT ends the run. With CR4.VME (when CPUID has it), CLI/STI/PUSHF/POPF act on VIF and
   INT n follows the TSS interrupt redirection bitmap. */
#include "ktest.h"

#define V86_BASE 0x8000u /* linear address of the real-mode code: segment 0x0800 */
#define V86_SEG 0x0800u
#define V86_SP 0x1000u   /* stack at 0x0800:0x1000 = linear 0x9000 */

struct v86_regs {
  uint32_t gs, fs, ds, es, ss, esp, eflags, cs, eip;
  uint32_t eax, ebx, ecx, edx, esi, edi, ebp;
};

extern char v86_blob[], v86_blob_end[], v86_prog_iopl3[], v86_prog_iopl0[], v86_prog_vme[], v86_int31_handler[];
uint32_t v86_run(struct v86_regs* r);
void v86_leave(void) __attribute__((noreturn));

static struct v86_regs out;      /* registers when the program ended */
static struct trap_frame at_int30;
static uint32_t gp_count, gp_bad_err, denied_io, vif = 1, why_end, gp_int_vec;
static int vme_run;       /* only INT 0x32 and HLT may trap */

static uint32_t off(const char* label) { return (uint32_t)(label - v86_blob); }
static uint8_t* lin(uint32_t seg, uint32_t o) { return (uint8_t*)(seg * 16 + (o & 0xffff)); }

static void __attribute__((noreturn)) finish(struct trap_frame* f, uint32_t why) {
  out.eax = f->eax;
  out.ebx = f->ebx;
  out.ecx = f->ecx;
  out.edx = f->edx;
  out.esi = f->esi;
  out.edi = f->edi;
  out.eip = f->eip;
  out.cs = f->cs & 0xffff;
  out.eflags = f->eflags;
  out.ds = f->v86_ds & 0xffff;
  out.es = f->v86_es & 0xffff;
  why_end = why;
  v86_leave();
}

static void push16(struct trap_frame* f, uint16_t v) {
  f->esp = (f->esp - 2) & 0xffff;
  *(uint16_t*)lin(f->ss, f->esp) = v;
}
static uint16_t pop16(struct trap_frame* f) {
  uint16_t v = *(uint16_t*)lin(f->ss, f->esp);
  f->esp = (f->esp + 2) & 0xffff;
  return v;
}
static uint16_t vflags(struct trap_frame* f) {
  return (uint16_t)((f->eflags & ~EFL_IF) | (vif ? EFL_IF : 0));
}

/* INT 0x30 at IOPL 3: AX += BX. */
static void on_int30(struct trap_frame* f) {
  at_int30 = *f;
  f->eax = (f->eax & 0xffff0000u) | ((f->eax + f->ebx) & 0xffff);
}

static void on_int3f(struct trap_frame* f) { finish(f, 0x3f); }

/* #GP from v86 mode at IOPL 0: emulate the sensitive instruction at CS:IP. */
static void on_gp(struct trap_frame* f) {
  if (!(f->eflags & EFL_VM)) {
    ktrap_default(f);
    return;
  }
  ++gp_count;
  if (f->err != 0) ++gp_bad_err;
  uint8_t* ip = lin(f->cs, f->eip);
  if (vme_run) {
    if (ip[0] == 0xcd && ip[1] == 0x32) {
      gp_int_vec = ip[1];
      f->eip += 2;
      return;
    }
    finish(f, ip[0] == 0xf4 ? 0xf4 : 0x200 | ip[0]); /* anything else ends the run at once */
  }
  switch (ip[0]) {
    case 0xcd: { /* INT n: through the real-mode IVT */
      gp_int_vec = ip[1];
      uint16_t* ivt = (uint16_t*)(ip[1] * 4u);
      push16(f, vflags(f));
      push16(f, (uint16_t)f->cs);
      push16(f, (uint16_t)(f->eip + 2));
      vif = 0;
      f->eip = ivt[0];
      f->cs = ivt[1];
      return;
    }
    case 0xcf: { /* IRET */
      f->eip = pop16(f);
      f->cs = pop16(f);
      uint16_t fl = pop16(f);
      vif = (fl & EFL_IF) != 0;
      f->eflags = (f->eflags & 0xffff0000u) | (fl & 0x0dd5) | EFL_IF | 2;
      return;
    }
    case 0xfa: vif = 0; f->eip += 1; return; /* CLI */
    case 0xfb: vif = 1; f->eip += 1; return; /* STI */
    case 0x9c: push16(f, vflags(f)); f->eip += 1; return; /* PUSHF */
    case 0x9d: { /* POPF */
      uint16_t fl = pop16(f);
      vif = (fl & EFL_IF) != 0;
      f->eflags = (f->eflags & 0xffff0000u) | (fl & 0x0dd5) | EFL_IF | 2;
      f->eip += 1;
      return;
    }
    case 0xe6: ++denied_io; f->eip += 2; return; /* OUT imm8, AL */
    case 0xf4: finish(f, 0xf4); /* HLT: the end */
    default: finish(f, 0x100 | ip[0]);
  }
}

static void start(const char* prog, uint32_t iopl) {
  struct v86_regs r = {0};
  r.cs = r.ds = r.es = r.fs = r.gs = r.ss = V86_SEG;
  r.esp = V86_SP;
  r.eip = off(prog);
  r.eflags = EFL_VM | EFL_IF | (iopl << 12) | 2;
  why_end = 0;
  v86_run(&r);
}

int main(uint32_t magic, uint32_t info) {
  ktest_init(magic, info);
  uint8_t* dst = (uint8_t*)V86_BASE;
  for (const char* p = v86_blob; p < v86_blob_end; ++p) *dst++ = (uint8_t)*p;
  /* The PIC's interrupts stay masked: the programs run with IF set. */
  kpic_remap(0x20, 0x28);
  ktrap_set(0x30, on_int30);
  ktrap_set(0x3f, on_int3f);
  ktrap_set(13, on_gp);
  kidt_stub(0x30, KG_INT | KD_DPL(3));
  kidt_stub(0x3f, KG_INT | KD_DPL(3));

  /* ---- IOPL 3 ---- */
  start(v86_prog_iopl3, 3);
  ktest_check("v86-int-gate-iopl3", why_end == 0x3f && (out.edx & 0xffff) == 0x1245,
              "ended by %#x, DX %#x (expected 0x1245)", why_end, out.edx & 0xffff);
  ktest_check("v86-trap-frame", (at_int30.eflags & EFL_VM) && (at_int30.cs & 0xffff) == V86_SEG &&
                                    (at_int30.ss & 0xffff) == V86_SEG && (at_int30.v86_ds & 0xffff) == V86_SEG &&
                                    (at_int30.v86_es & 0xffff) == V86_SEG &&
                                    (at_int30.v86_gs & 0xffff) == V86_SEG && (at_int30.ds & 0xffff) == 0 &&
                                    (at_int30.es & 0xffff) == 0 && (at_int30.gs & 0xffff) == 0,
              "EFLAGS %#x CS %#x SS %#x v86 DS %#x ES %#x GS %#x, DS/ES/GS at the handler %#x %#x %#x",
              at_int30.eflags, at_int30.cs & 0xffff, at_int30.ss & 0xffff, at_int30.v86_ds & 0xffff,
              at_int30.v86_es & 0xffff, at_int30.v86_gs & 0xffff, at_int30.ds & 0xffff,
              at_int30.es & 0xffff, at_int30.gs & 0xffff);
  ktest_check("v86-iopl3-cli-pushf", gp_count == 0 && !(out.ecx & EFL_IF) && (out.eflags & EFL_IF),
              "%u #GP, FLAGS after CLI %#x, EFLAGS at the end %#x", gp_count, out.ecx & 0xffff, out.eflags);
  uint16_t stored = *(uint16_t*)(V86_BASE + (uint32_t)(v86_blob_end - v86_blob) - 2);
  ktest_check("v86-segment-addressing", (out.esi & 0xffff) == 0xbeef && stored == 0x4321,
              "SI %#x (expected 0xbeef), stored %#x", out.esi & 0xffff, stored);

  /* ---- IOPL 0 ---- */
  uint16_t* ivt = (uint16_t*)(0x31 * 4);
  __asm__("" : "+r"(ivt)); /* a real address, whatever the compiler thinks of low constants */
  ivt[0] = (uint16_t)off(v86_int31_handler);
  ivt[1] = V86_SEG;
  ktss_allow_port(0x80, 1);
  gp_count = gp_bad_err = denied_io = 0;
  vif = 1;
  start(v86_prog_iopl0, 0);
  ktss_allow_port(0x80, 0);
  ktest_check("v86-gp-monitor", why_end == 0xf4 && gp_bad_err == 0 && (out.esi & 0xffff) == 0x7777,
              "ended by %#x, %u #GP with a nonzero error code, SI %#x", why_end, gp_bad_err, out.esi & 0xffff);
  ktest_check("v86-int-reflect-iret", (out.ebx & 0xffff) == 10, "BX %#x after INT 0x31 (expected 10)",
              out.ebx & 0xffff);
  ktest_check("v86-virtual-if", !(out.ecx & EFL_IF) && vif == 1, "FLAGS pushed after CLI %#x, virtual IF %u",
              out.ecx & 0xffff, vif);
  /* INT, IRET, CLI, PUSHF, STI, the denied OUT and HLT: 7 traps; the allowed OUT none. */
  ktest_check("v86-io-bitmap", denied_io == 1 && gp_count == 7, "%u denied OUTs, %u #GP in all", denied_io,
              gp_count);
  ktest_check("v86-left", !(read_eflags() & EFL_VM) && read_cs() == KSEL_KCODE, "EFLAGS %#x CS %#x", read_eflags(),
              read_cs());

  /* ---- CR4.VME, IOPL 0 ---- */
  if (!(cpuid_edx(1) & (1u << 1))) {
    ktest_skip("v86-vme", "CPUID reports no VME");
    ktest_finish();
  }
  ktest_intredir[0x32 / 8] |= (uint8_t)(1u << (0x32 % 8));
  write_cr4(read_cr4() | CR4_VME);
  gp_count = gp_bad_err = gp_int_vec = 0;
  vme_run = 1;
  start(v86_prog_vme, 0);
  vme_run = 0;
  write_cr4(read_cr4() & ~CR4_VME);
  ktest_intredir[0x32 / 8] = 0;
  uint32_t cx = out.ecx & 0xffff, dx = out.edx & 0xffff, di = out.edi & 0xffff;
  ktest_check("v86-vme-cli-sti-pushf", !(cx & EFL_IF) && (cx & EFL_IOPL3) == EFL_IOPL3 && (dx & EFL_IF),
              "FLAGS pushed after CLI %#x (expected IF 0, IOPL 3), after STI %#x", cx, dx);
  ktest_check("v86-vme-popf", (di & 2) && !(di & EFL_IF), "FLAGS pushed after POPF of IF=0: %#x", di);
  ktest_check("v86-vme-int-redirect", (out.ebx & 0xffff) == 6, "BX %#x after the redirected INT 0x31 (expected 6)",
              out.ebx & 0xffff);
  /* The only traps: INT 0x32 and HLT (the monitor stops at any other, 0x200 | its opcode). */
  ktest_check("v86-vme-redirect-bitmap", why_end == 0xf4 && gp_count == 2 && gp_int_vec == 0x32 &&
                                             (out.esi & 0xffff) == 0x5555,
              "ended by %#x at offset %#x of the program after %u #GP, INT vector trapped %#x, SI %#x",
              why_end, out.eip - off(v86_prog_vme), gp_count, gp_int_vec, out.esi & 0xffff);
  ktest_finish();
}
