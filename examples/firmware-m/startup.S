/*
 * Startup code of the firmware-m example (Cortex-M3 / Cortex-M4F, no C
 * library): the vector table, the reset handler (copy .data, zero .bss,
 * enable the FPU when the image is built for one, call main, report its
 * return value as the exit status), a fault handler, and the two
 * semihosting calls the firmware prints and exits with.
 *
 * Also the flash contents that are not code: the provisioned trust root and
 * the bundle partition, linked from files named at build time (ROOT_FILE,
 * BUNDLE_FILE) into sections of their own, so the image's .text and
 * .rodata hold code and constants only.
 */
    .syntax unified
    .thumb

    .section .vectors, "a"
    .balign 4
    .globl fw_vectors
fw_vectors:
    .word __stack_top           /* initial stack pointer */
    .word Reset_Handler
    .word Fault_Handler         /* NMI */
    .word Fault_Handler         /* HardFault */
    .word Fault_Handler         /* MemManage */
    .word Fault_Handler         /* BusFault */
    .word Fault_Handler         /* UsageFault */
    .word 0, 0, 0, 0            /* reserved */
    .word Fault_Handler         /* SVCall */
    .word Fault_Handler         /* DebugMonitor */
    .word 0                     /* reserved */
    .word Fault_Handler         /* PendSV */
    .word Fault_Handler         /* SysTick */
    /* No interrupt is enabled: the external vectors are not needed. */

    .text
    .balign 2
    .globl Reset_Handler
    .type Reset_Handler, %function
    .thumb_func
Reset_Handler:
    /* .data: copy its initial values from flash. */
    ldr r0, =__data_load
    ldr r1, =__data_start
    ldr r2, =__data_end
1:  cmp r1, r2
    bhs 2f
    ldr r3, [r0], #4
    str r3, [r1], #4
    b 1b
2:  /* .bss: zero it. */
    ldr r1, =__bss_start
    ldr r2, =__bss_end
    movs r3, #0
3:  cmp r1, r2
    bhs 4f
    str r3, [r1], #4
    b 3b
4:
#if defined(__ARM_FP)
    /* Built for the FPU (eabihf): grant full access to CP10 and CP11
     * (CPACR) before any floating-point instruction can run. */
    ldr r0, =0xE000ED88
    ldr r1, [r0]
    orr r1, r1, #(0xF << 20)
    str r1, [r0]
    dsb
    isb
#endif
    bl main
    bl fw_exit                  /* main's return value is the exit status */
5:  b 5b
    .size Reset_Handler, . - Reset_Handler

    /* Any fault or unexpected exception: say so and exit with 125. */
    .globl Fault_Handler
    .type Fault_Handler, %function
    .thumb_func
Fault_Handler:
    ldr r0, =fault_msg
    bl fw_puts
    movs r0, #125
    bl fw_exit
6:  b 6b
    .size Fault_Handler, . - Fault_Handler

    /* void fw_puts(const char *s): semihosting SYS_WRITE0. */
    .globl fw_puts
    .type fw_puts, %function
    .thumb_func
fw_puts:
    mov r1, r0
    movs r0, #0x04              /* SYS_WRITE0 */
    bkpt 0xab
    bx lr
    .size fw_puts, . - fw_puts

    /* void fw_exit(int status): semihosting SYS_EXIT_EXTENDED with
     * ADP_Stopped_ApplicationExit and the status as subcode (the A32/T32
     * SYS_EXIT carries no status; QEMU exits with the subcode). */
    .globl fw_exit
    .type fw_exit, %function
    .thumb_func
fw_exit:
    sub sp, sp, #8
    ldr r1, =0x20026            /* ADP_Stopped_ApplicationExit */
    str r1, [sp]
    str r0, [sp, #4]
    mov r1, sp
    movs r0, #0x20              /* SYS_EXIT_EXTENDED */
    bkpt 0xab
7:  b 7b                        /* not under a debugger or QEMU: stop here */
    .size fw_exit, . - fw_exit

    .ltorg

    .section .rodata.fw_fault, "a"
fault_msg:
    .asciz "firmware-m: fault\n"

    /* The provisioned trust root (device flash, written at the factory). */
    .section .fw_trust_root, "a"
    .balign 8
    .globl fw_root, fw_root_end
fw_root:
    .incbin ROOT_FILE
fw_root_end:

    /* The bundle partition (written by the update client). */
    .section .fw_bundle_partition, "a"
    .balign 8
    .globl fw_bundle, fw_bundle_end
fw_bundle:
    .incbin BUNDLE_FILE
fw_bundle_end:

    /* void fw_spin(uint32_t loops): exactly 2 * loops + 1 instructions
     * from the first to the return (loops > 0); the measuring build's
     * calibration of the instruction count. */
    .section .text.fw_spin, "ax"
    .globl fw_spin
    .type fw_spin, %function
    .thumb_func
fw_spin:
1:  subs r0, r0, #1
    bne 1b
    bx lr
    .size fw_spin, . - fw_spin
