//go:build !purego

#include "textflag.h"

DATA wrConst<>+0x00(SB)/4, $0x00ff00ff // red and blue, as words
DATA wrConst<>+0x04(SB)/4, $0x000000ff // green, shifted down
DATA wrConst<>+0x08(SB)/4, $0x00020002 // the rounding of red and blue's means
DATA wrConst<>+0x0c(SB)/4, $0x00000002 // of green's
DATA wrConst<>+0x10(SB)/4, $0x0072012b // luma weights: 299 red (low word), 114 blue
DATA wrConst<>+0x14(SB)/4, $0x0000024b // 587 green
DATA wrConst<>+0x18(SB)/4, $500        // the luma's rounding
DATA wrConst<>+0x1c(SB)/4, $1000.0     // its divisor
GLOBL wrConst<>(SB), RODATA|NOPTR, $32
// Each dword's three low bytes, packed: twelve bytes, then zeros.
DATA wrPack<>+0x00(SB)/8, $0x0908060504020100
DATA wrPack<>+0x08(SB)/8, $0x808080800e0d0c0a
GLOBL wrPack<>(SB), RODATA|NOPTR, $16

// func workRowAVX2(ra, rb *byte, xa, xb *int, n int, rgb, lum *byte)
// n is a multiple of 4.
TEXT ·workRowAVX2(SB), NOSPLIT, $0-56
	MOVQ ra+0(FP), SI
	MOVQ rb+8(FP), DX
	MOVQ xa+16(FP), R8
	MOVQ xb+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ rgb+40(FP), DI
	MOVQ lum+48(FP), R10
	VPBROADCASTD wrConst<>+0x00(SB), X8
	VPBROADCASTD wrConst<>+0x04(SB), X9
	VPBROADCASTD wrConst<>+0x08(SB), X10
	VPBROADCASTD wrConst<>+0x0c(SB), X11
	VPBROADCASTD wrConst<>+0x10(SB), X12
	VPBROADCASTD wrConst<>+0x14(SB), X13
	VPBROADCASTD wrConst<>+0x18(SB), X14
	VBROADCASTSS wrConst<>+0x1c(SB), X15
	VMOVDQU wrPack<>(SB), X7
	SHRQ $2, CX
	JZ   done

loop:
	MOVQ 0(R8), R11
	MOVQ 0(R9), R12
	VMOVD (SI)(R11*1), X0
	VMOVD (SI)(R12*1), X1
	VMOVD (DX)(R11*1), X2
	VMOVD (DX)(R12*1), X3
	MOVQ 8(R8), R11
	MOVQ 8(R9), R12
	VPINSRD $1, (SI)(R11*1), X0, X0
	VPINSRD $1, (SI)(R12*1), X1, X1
	VPINSRD $1, (DX)(R11*1), X2, X2
	VPINSRD $1, (DX)(R12*1), X3, X3
	MOVQ 16(R8), R11
	MOVQ 16(R9), R12
	VPINSRD $2, (SI)(R11*1), X0, X0
	VPINSRD $2, (SI)(R12*1), X1, X1
	VPINSRD $2, (DX)(R11*1), X2, X2
	VPINSRD $2, (DX)(R12*1), X3, X3
	MOVQ 24(R8), R11
	MOVQ 24(R9), R12
	VPINSRD $3, (SI)(R11*1), X0, X0
	VPINSRD $3, (SI)(R12*1), X1, X1
	VPINSRD $3, (DX)(R11*1), X2, X2
	VPINSRD $3, (DX)(R12*1), X3, X3

	// Red and blue summed in words, green in the low word.
	VPAND X8, X0, X4
	VPAND X8, X1, X5
	VPADDD X5, X4, X4
	VPAND X8, X2, X5
	VPADDD X5, X4, X4
	VPAND X8, X3, X5
	VPADDD X5, X4, X4 // red and blue sums
	VPSRLD $8, X0, X0
	VPSRLD $8, X1, X1
	VPSRLD $8, X2, X2
	VPSRLD $8, X3, X3
	VPAND X9, X0, X0
	VPAND X9, X1, X1
	VPAND X9, X2, X2
	VPAND X9, X3, X3
	VPADDD X1, X0, X0
	VPADDD X2, X0, X0
	VPADDD X3, X0, X0 // green sums

	VPADDD X10, X4, X4
	VPSRLD $2, X4, X4
	VPAND X8, X4, X4   // rr, bb as words
	VPADDD X11, X0, X0
	VPSRLD $2, X0, X0  // gg

	VPSLLD $8, X0, X1
	VPOR X4, X1, X1    // rr | gg<<8 | bb<<16
	VPSHUFB X7, X1, X1
	VMOVDQU X1, (DI)   // twelve bytes, four more overwritten later

	VPMADDWD X12, X4, X4 // 299rr + 114bb
	VPMADDWD X13, X0, X0 // 587gg
	VPADDD X0, X4, X4
	VPADDD X14, X4, X4
	VCVTDQ2PS X4, X4
	VDIVPS X15, X4, X4
	VCVTTPS2DQ X4, X4
	VPACKUSDW X4, X4, X4
	VPACKUSWB X4, X4, X4
	VMOVD X4, (R10)

	ADDQ $32, R8
	ADDQ $32, R9
	ADDQ $12, DI
	ADDQ $4, R10
	DECQ CX
	JNZ  loop

done:
	RET
