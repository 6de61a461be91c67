/* 256 interrupt stubs, 16 bytes apart (isr_stubs + 16 * vector). Each pushes
 * a dummy error code unless the CPU pushes one, then the vector, and jumps to
 * isr_common, which saves the GPRs and calls isr_dispatch(Frame*) with RSP
 * 16-byte aligned (40 hw + 16 + 120 = 176 bytes). */
        .text
        .code64
        .p2align 4
        .globl isr_stubs
isr_stubs:
        .set vec, 0
        .rept 256
        .p2align 4
        .if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
        .else
        pushq   $0
        .endif
        pushq   $vec
        jmp     isr_common
        .set vec, vec + 1
        .endr

isr_common:
        push    %rax
        push    %rbx
        push    %rcx
        push    %rdx
        push    %rsi
        push    %rdi
        push    %rbp
        push    %r8
        push    %r9
        push    %r10
        push    %r11
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        cld
        mov     %rsp, %rdi
        call    isr_dispatch
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %r11
        pop     %r10
        pop     %r9
        pop     %r8
        pop     %rbp
        pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rbx
        pop     %rax
        add     $16, %rsp
        iretq

        .section .note.GNU-stack, "", @progbits
