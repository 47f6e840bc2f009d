/* Microbenchmarks for pvlab's timing model (docs/timing.md): short kernels whose cost on a
   configured core is known in advance. The guest prints raw cycle counts, one line per
   measurement; tests/timing/check_microbench.py turns them into per-instruction figures and
   compares them with what the configuration says.

   The command line may hold "only=NAME" (dep_add, dep_imul, indep_add, chase, seqchase, mlp,
   branch_fixed, branch_random) to run one group. Each timed function runs once to warm the caches and
   predictors, then is measured. Paging stays off, so no TLB walks enter the figures. */
#include "bench.h"
#include "poweroff.h"
#include "rt.h"

uint32_t t_dep_add_1(void), t_dep_add_2(void);
uint32_t t_dep_imul_1(void), t_dep_imul_2(void);
uint32_t t_indep_add_1(void), t_indep_add_2(void);
uint32_t t_chase(const void* start, uint32_t n16);
uint32_t t_stream(const void* start, uint32_t n16);
uint32_t t_branch(uint32_t n, uint32_t mask);

/* Instructions in the bodies of kernels.S. */
enum { kDepAdd1 = 600, kDepAdd2 = 1200, kDepImul1 = 300, kDepImul2 = 600,
       kIndep1 = 600, kIndep2 = 1200 };

#define CHASE_BASE 0x01000000u   /* 16 MiB: the lists live above the kernel */
#define CHASE_STRIDE 64u         /* one list node per 64-byte line */
#define BRANCH_ITERS 4096u
#define SEQCHASE_BYTES (8u << 20)  /* past every shipped L2 */
#define MLP_BASE 0x02000000u       /* 32 MiB: the independent-load stream's fresh lines */
#define MLP_LOADS 1600u            /* the shorter of the two measured runs */

static char only[16];

static void read_only(const struct mb_info* mb) {
  if (!mb || !(mb->flags & 4) || !mb->cmdline) return;
  static const char key[] = "only=";
  for (const char* s = (const char*)mb->cmdline; *s; ++s) {
    int k = 0;
    while (key[k] && s[k] == key[k]) ++k;
    if (key[k]) continue;
    s += k;
    for (k = 0; k < 15 && s[k] && s[k] != ' '; ++k) only[k] = s[k];
    only[k] = 0;
    return;
  }
}

static int wanted(const char* name) {
  if (!only[0]) return 1;
  int k = 0;
  while (name[k] && name[k] == only[k]) ++k;
  return name[k] == 0 && only[k] == 0;
}

static void pair(const char* name, uint32_t n1, uint32_t (*f1)(void), uint32_t n2,
                 uint32_t (*f2)(void)) {
  f1();
  f2();
  uint32_t c1 = f1(), c2 = f2();
  puts_(name);
  putc_(' ');
  putu(n1);
  putc_(' ');
  putu(c1);
  putc_(' ');
  putu(n2);
  putc_(' ');
  putu(c2);
  putc_('\n');
}

/* The list of `bytes` / 64 nodes, one per line: in address order (each node points to the
   next line) or in a random order visiting every node once per round (Sattolo's shuffle of
   the successors, from a fixed seed), which no prefetcher can follow. */
static void chase_list(uint32_t bytes, int random) {
  uint32_t nodes = bytes / CHASE_STRIDE;
  volatile uint32_t* base = (volatile uint32_t*)CHASE_BASE;
  const uint32_t step = CHASE_STRIDE / 4;
  for (uint32_t i = 0; i < nodes; ++i) base[i * step] = random ? i : (i + 1) % nodes;
  if (random) {   /* from the identity, Sattolo's shuffle leaves one cycle through all */
    uint32_t x = 2463534242u;
    for (uint32_t i = nodes - 1; i > 0; --i) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      uint32_t j = x % i, t = base[i * step];
      base[i * step] = base[j * step];
      base[j * step] = t;
    }
  }
  for (uint32_t i = 0; i < nodes; ++i) base[i * step] = CHASE_BASE + base[i * step] * CHASE_STRIDE;
}

static void chase(const char* name, uint32_t bytes, int random) {
  uint32_t nodes = bytes / CHASE_STRIDE;
  chase_list(bytes, random);
  t_chase((const void*)CHASE_BASE, nodes / 16);          /* warm: every node once */
  uint32_t c1 = t_chase((const void*)CHASE_BASE, nodes / 16);
  uint32_t c2 = t_chase((const void*)CHASE_BASE, 2 * nodes / 16);
  puts_(name);
  putc_(' ');
  putu(bytes);
  putc_(' ');
  putu(nodes);
  putc_(' ');
  putu(c1);
  putc_(' ');
  putu(2 * nodes);
  putc_(' ');
  putu(c2);
  putc_('\n');
}

/* Independent loads to lines nothing has touched: MLP_LOADS of them, then twice as many
   further on (a short run first brings the code into the caches). */
static void mlp(void) {
  const char* p = (const char*)MLP_BASE;
  t_stream(p, 1);
  p += 16 * CHASE_STRIDE;
  uint32_t c1 = t_stream(p, MLP_LOADS / 16);
  p += MLP_LOADS * CHASE_STRIDE;
  uint32_t c2 = t_stream(p, 2 * MLP_LOADS / 16);
  puts_("mlp ");
  putu(MLP_LOADS);
  putc_(' ');
  putu(c1);
  putc_(' ');
  putu(2 * MLP_LOADS);
  putc_(' ');
  putu(c2);
  putc_('\n');
}

/* The branch loop twice (the first run trains the predictor), the second measured. */
static void branch(const char* name, uint32_t mask) {
  t_branch(BRANCH_ITERS, mask);
  uint32_t c = t_branch(BRANCH_ITERS, mask);
  puts_(name);
  putc_(' ');
  putu(BRANCH_ITERS);
  putc_(' ');
  putu(c);
  putc_('\n');
}

int main(uint32_t magic, const struct mb_info* mb) {
  (void)magic;
  read_only(mb);
  if (wanted("dep_add")) pair("dep_add", kDepAdd1, t_dep_add_1, kDepAdd2, t_dep_add_2);
  if (wanted("dep_imul")) pair("dep_imul", kDepImul1, t_dep_imul_1, kDepImul2, t_dep_imul_2);
  if (wanted("indep_add")) pair("indep_add", kIndep1, t_indep_add_1, kIndep2, t_indep_add_2);
  if (wanted("chase"))
    for (uint32_t kib = 4; kib <= 8192; kib *= 2) chase("chase", kib * 1024, 1);
  if (wanted("seqchase")) chase("seqchase", SEQCHASE_BYTES, 0);
  if (wanted("mlp")) mlp();
  if (wanted("branch_fixed")) branch("branch_fixed", 0);
  if (wanted("branch_random")) branch("branch_random", 1);
  puts_("done\n");
  power_off();
}
