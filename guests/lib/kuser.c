/* Running a function at ring 3 (see kuser_entry.S). */
#include "ktest.h"

int kuser_enter(int (*fn)(void*), void* arg, uint32_t user_esp, uint32_t eflags);
void kuser_return(void);

static uint8_t user_stack[16384] __attribute__((aligned(16)));

int ktest_run_user(int (*fn)(void*), void* arg, uint32_t eflags) {
  kidt_gate(KTEST_USER_RETURN_VEC, (uint32_t)kuser_return, KSEL_KCODE, KG_INT | KD_DPL(3));
  return kuser_enter(fn, arg, (uint32_t)(user_stack + sizeof user_stack), eflags | 0x2);
}
