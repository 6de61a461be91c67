/* AP real-mode trampoline, copied to 0x8000 by the BSP (SIPI vector 0x08:
 * CS = 0x0800, IP = 0). It loads the kernel's GDT and far-jumps straight to
 * 32-bit code in the image (boot.S: ap_pm32). Position-independent within
 * its page: only label differences and absolute kernel addresses. */
        .section .rodata
        .code16
        .globl ap_tramp_start, ap_tramp_end
ap_tramp_start:
        cli
        cld
        mov     %cs, %ax
        mov     %ax, %ds
        lgdtl   (ap_tramp_gdtr - ap_tramp_start)
        mov     %cr0, %eax
        or      $1, %eax
        mov     %eax, %cr0
        ljmpl   $0x08, $ap_pm32
        .p2align 1
ap_tramp_gdtr:
        .word 31
        .long boot_gdt
ap_tramp_end:
        .code64

        .section .note.GNU-stack, "", @progbits
