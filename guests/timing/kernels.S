/* The timed code of the timing-model microbenchmarks (timing.c). Each function returns the
   cycles (low 32 bits of the time-stamp counter) its measured part took. The bodies are
   straight-line runs of one instruction pattern, so the difference between two lengths is
   the cost of the extra instructions alone. cdecl; EBX, ESI, EDI and EBP are preserved. */
	.text

.macro ENTER_TIMED
	push %ebp
	push %ebx
	push %esi
	push %edi
.endm
.macro LEAVE_TIMED
	pop %edi
	pop %esi
	pop %ebx
	pop %ebp
	ret
.endm

/* A chain of dependent adds: each needs the previous result. */
.macro DEP_ADD name, count
	.globl \name
\name:
	ENTER_TIMED
	xor %ecx, %ecx
	rdtsc
	mov %eax, %ebp
	.rept \count
	add $1, %ecx
	.endr
	rdtsc
	sub %ebp, %eax
	LEAVE_TIMED
.endm
DEP_ADD t_dep_add_1, 600
DEP_ADD t_dep_add_2, 1200

/* A chain of dependent multiplies. */
.macro DEP_IMUL name, count
	.globl \name
\name:
	ENTER_TIMED
	mov $3, %ecx
	rdtsc
	mov %eax, %ebp
	.rept \count
	imul %ecx, %ecx
	.endr
	rdtsc
	sub %ebp, %eax
	LEAVE_TIMED
.endm
DEP_IMUL t_dep_imul_1, 300
DEP_IMUL t_dep_imul_2, 600

/* Six independent chains of adds, interleaved. */
.macro INDEP_ADD name, groups
	.globl \name
\name:
	ENTER_TIMED
	rdtsc
	mov %eax, %ebp
	.rept \groups
	add $1, %eax
	add $1, %ebx
	add $1, %ecx
	add $1, %edx
	add $1, %esi
	add $1, %edi
	.endr
	rdtsc
	sub %ebp, %eax
	LEAVE_TIMED
.endm
INDEP_ADD t_indep_add_1, 100
INDEP_ADD t_indep_add_2, 200

/* uint32_t t_chase(const void* start, uint32_t n16): 16 * n16 dependent loads following a
   linked list from `start`. */
	.globl t_chase
t_chase:
	ENTER_TIMED
	mov 20(%esp), %esi
	mov 24(%esp), %ecx
	rdtsc
	mov %eax, %ebp
	mov %esi, %eax
1:
	.rept 16
	mov (%eax), %eax
	.endr
	dec %ecx
	jnz 1b
	rdtsc
	sub %ebp, %eax
	LEAVE_TIMED

/* uint32_t t_stream(const void* start, uint32_t n16): 16 * n16 independent loads, each to
   the next 64-byte line from `start` on (nothing waits for their data). */
	.globl t_stream
t_stream:
	ENTER_TIMED
	mov 20(%esp), %esi
	mov 24(%esp), %ecx
	rdtsc
	mov %eax, %ebp
4:
	.irp k, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	mov \k*64(%esi), %eax
	.endr
	add $1024, %esi
	dec %ecx
	jnz 4b
	rdtsc
	sub %ebp, %eax
	LEAVE_TIMED

/* uint32_t t_branch(uint32_t n, uint32_t mask): n iterations of a xorshift step and a
   conditional branch on (state & mask): mask 0 gives a branch that always goes the same way,
   mask 1 one that follows the generator's low bit. Same instructions either way. */
	.globl t_branch
t_branch:
	ENTER_TIMED
	mov 20(%esp), %ecx
	mov 24(%esp), %edi
	mov $2463534242, %esi
	xor %ebx, %ebx
	rdtsc
	mov %eax, %ebp
2:
	mov %esi, %eax
	shl $13, %eax
	xor %eax, %esi
	mov %esi, %eax
	shr $17, %eax
	xor %eax, %esi
	mov %esi, %eax
	shl $5, %eax
	xor %eax, %esi
	test %edi, %esi
	jz 3f
	add $1, %ebx
3:
	dec %ecx
	jnz 2b
	rdtsc
	sub %ebp, %eax
	LEAVE_TIMED

	.section .note.GNU-stack,"",@progbits
