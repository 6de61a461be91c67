/* Boot: PVH entry (32-bit protected mode, paging off) -> identity map of
 * 0..4 GiB with 2 MiB pages -> long mode -> kmain(start_info).
 * APs arrive from the real-mode trampoline (trampoline.S) at ap_pm32 and
 * share the long-mode switch; %edi tells the two apart (0 BSP, 1 AP).
 * Contract: kmain/ap_main never return; ap_stack_top is set by the BSP
 * before each SIPI (APs are started one at a time). */

#define PAGE_PRESENT_RW 0x3
#define PDE_2M 0x83          /* present | rw | page size */
#define PDE_UNCACHED 0x18    /* PCD | PWT, for the MMIO hole >= 3.5 GiB */

/* XEN_ELFNOTE_PHYS32_ENTRY: QEMU loads an ELF64 directly when it has this
 * note. The 8-byte desc suits QEMU's read of a size_t. */
        .section .note.pvh, "a", @note
        .p2align 2
        .long 4, 8, 18
        .asciz "Xen"
        .p2align 2
        .quad _start32

        .section .boot.text, "ax", @progbits
        .code32
        .globl _start32
_start32:
        cli
        cld
        mov     %ebx, %esi                    /* hvm_start_info */
        /* Zero .bss (page tables, stacks, all zero-initialized C++ data). */
        mov     $__bss_start, %edi
        mov     $__bss_end, %ecx
        sub     %edi, %ecx
        xor     %eax, %eax
        rep stosb
        mov     %esi, boot_start_info

        /* PML4[0] -> PDPT; PDPT[0..3] -> 4 contiguous PDs. */
        mov     $boot_pdpt, %eax
        or      $PAGE_PRESENT_RW, %eax
        mov     %eax, boot_pml4
        mov     $boot_pd, %eax
        or      $PAGE_PRESENT_RW, %eax
        xor     %ecx, %ecx
1:      mov     %eax, boot_pdpt(,%ecx,8)
        add     $0x1000, %eax
        inc     %ecx
        cmp     $4, %ecx
        jne     1b
        /* 2048 PDEs of 2 MiB each. */
        xor     %ecx, %ecx
2:      mov     %ecx, %eax
        shl     $21, %eax
        or      $PDE_2M, %eax
        cmp     $1792, %ecx
        jb      3f
        or      $PDE_UNCACHED, %eax
3:      mov     %eax, boot_pd(,%ecx,8)
        inc     %ecx
        cmp     $2048, %ecx
        jne     2b

        lgdt    boot_gdtr
        ljmp    $0x08, $4f
4:      mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        xor     %edi, %edi                    /* BSP */
        jmp     enter_long_mode

        .globl ap_pm32
ap_pm32:                                      /* from the trampoline, CS = 0x08 */
        mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $1, %edi                      /* AP */

enter_long_mode:
        mov     %cr4, %eax
        or      $0x20, %eax                   /* PAE */
        mov     %eax, %cr4
        mov     $boot_pml4, %eax
        mov     %eax, %cr3
        mov     $0xC0000080, %ecx             /* EFER */
        rdmsr
        or      $0x100, %eax                  /* LME */
        wrmsr
        mov     %cr0, %eax
        or      $0x80000001, %eax             /* PG | PE */
        mov     %eax, %cr0
        ljmp    $0x18, $long_entry

        .code64
long_entry:
        mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        xor     %eax, %eax
        mov     %ax, %fs
        mov     %ax, %gs
        test    %edi, %edi
        jnz     5f
        mov     $boot_stack_top, %rsp
        mov     boot_start_info(%rip), %edi   /* zero-extended */
        call    kmain
        jmp     6f
5:      mov     ap_stack_top(%rip), %rsp
        call    ap_main
6:      cli
        hlt
        jmp     6b

        .section .rodata
        .p2align 3
        .globl boot_gdt
boot_gdt:
        .quad 0
        .quad 0x00CF9A000000FFFF              /* 0x08: 32-bit code */
        .quad 0x00CF92000000FFFF              /* 0x10: data */
        .quad 0x00AF9A000000FFFF              /* 0x18: 64-bit code */
boot_gdt_end:
        .globl boot_gdtr
        .p2align 1
boot_gdtr:
        .word boot_gdt_end - boot_gdt - 1
        .long boot_gdt

        .data
        .p2align 3
        .globl ap_stack_top
ap_stack_top:   .quad 0
boot_start_info: .long 0

        .bss
        .p2align 12
boot_pml4:      .skip 4096
boot_pdpt:      .skip 4096
boot_pd:        .skip 4 * 4096
        .p2align 4
boot_stack:     .skip 16384
boot_stack_top:

        .section .note.GNU-stack, "", @progbits
