/* Entry point of the freestanding test program (x86-64 Linux, no libc):
 * align the stack, call fs_main, exit with its result through a raw
 * system call. The test bundles are embedded with .incbin. */
    .text
    .globl _start
    .type _start, @function
_start:
    xor %ebp, %ebp
    and $-16, %rsp
    call fs_main
    mov %eax, %edi
    mov $60, %eax /* exit */
    syscall
    hlt

    /* One input section, kept whole in every variant of the program, so
     * the size comparison counts the library, not the fixtures. */
    .section .rodata.fs_fixtures,"a"
    .balign 16
    .globl fs_root, fs_root_end, fs_bundle, fs_bundle_end, fs_bad, fs_bad_end
fs_root:
    .incbin ROOT_FILE
fs_root_end:
    .balign 16
fs_bundle:
    .incbin BUNDLE_FILE
fs_bundle_end:
    .balign 16
fs_bad:
    .incbin BAD_BUNDLE_FILE
fs_bad_end:

    .section .note.GNU-stack,"",@progbits
