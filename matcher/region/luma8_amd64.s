//go:build !purego

#include "textflag.h"

// Byte shuffles that take the red, green and blue bytes of four pixels
// (at 0, 3, 6, 9 and on, or at 4, 7, 10, 13 and on) into the low byte of
// four 32-bit lanes, zeroing the others.
DATA luma8Shuf<>+0x00(SB)/8, $0xffffff03ffffff00
DATA luma8Shuf<>+0x08(SB)/8, $0xffffff09ffffff06
DATA luma8Shuf<>+0x10(SB)/8, $0xffffff04ffffff01
DATA luma8Shuf<>+0x18(SB)/8, $0xffffff0affffff07
DATA luma8Shuf<>+0x20(SB)/8, $0xffffff05ffffff02
DATA luma8Shuf<>+0x28(SB)/8, $0xffffff0bffffff08
DATA luma8Shuf<>+0x30(SB)/8, $0xffffff07ffffff04
DATA luma8Shuf<>+0x38(SB)/8, $0xffffff0dffffff0a
DATA luma8Shuf<>+0x40(SB)/8, $0xffffff08ffffff05
DATA luma8Shuf<>+0x48(SB)/8, $0xffffff0effffff0b
DATA luma8Shuf<>+0x50(SB)/8, $0xffffff09ffffff06
DATA luma8Shuf<>+0x58(SB)/8, $0xffffff0fffffff0c
GLOBL luma8Shuf<>(SB), RODATA|NOPTR, $96

// func luma8RowAVX(dst []byte, rgb []byte, w *[4]float32)
// len(dst) is a multiple of 8 and rgb holds 3*len(dst) bytes.
TEXT ·luma8RowAVX(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ rgb_base+24(FP), SI
	MOVQ w+48(FP), AX
	VBROADCASTSS 0(AX), Y13
	VBROADCASTSS 4(AX), Y14
	VBROADCASTSS 8(AX), Y15
	VBROADCASTSS 12(AX), Y6
	MOVOU luma8Shuf<>+0x00(SB), X7
	MOVOU luma8Shuf<>+0x10(SB), X8
	MOVOU luma8Shuf<>+0x20(SB), X9
	MOVOU luma8Shuf<>+0x30(SB), X10
	MOVOU luma8Shuf<>+0x40(SB), X11
	MOVOU luma8Shuf<>+0x50(SB), X12
	SHRQ $3, CX
	JZ   done

loop:
	VMOVDQU (SI), X0  // pixels 0-3 in bytes 0-11
	VMOVDQU 8(SI), X1 // pixels 4-7 in bytes 4-15

	VPSHUFB X7, X0, X2
	VPSHUFB X10, X1, X3
	VINSERTF128 $1, X3, Y2, Y2
	VCVTDQ2PS Y2, Y2
	VMULPS Y13, Y2, Y2

	VPSHUFB X8, X0, X3
	VPSHUFB X11, X1, X4
	VINSERTF128 $1, X4, Y3, Y3
	VCVTDQ2PS Y3, Y3
	VMULPS Y14, Y3, Y3
	VADDPS Y3, Y2, Y2

	VPSHUFB X9, X0, X3
	VPSHUFB X12, X1, X4
	VINSERTF128 $1, X4, Y3, Y3
	VCVTDQ2PS Y3, Y3
	VMULPS Y15, Y3, Y3
	VADDPS Y3, Y2, Y2

	VMULPS Y6, Y2, Y2   // the shift by 8, exact
	VCVTTPS2DQ Y2, Y2   // truncated: the integer shift's floor
	VEXTRACTF128 $1, Y2, X3
	VPACKUSDW X3, X2, X2
	VPACKUSWB X2, X2, X2
	VMOVQ X2, (DI)
	ADDQ $24, SI
	ADDQ $8, DI
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET
