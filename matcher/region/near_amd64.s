//go:build !purego

#include "textflag.h"

// Byte shuffles that gather, from the three 16-byte thirds of 16 RGB
// pixels, each pixel's red (R0-R2), green and blue bytes in pixel order.
DATA nearShuf<>+0x00(SB)/8, $0x80800f0c09060300 // R0
DATA nearShuf<>+0x08(SB)/8, $0x8080808080808080
DATA nearShuf<>+0x10(SB)/8, $0x0502808080808080 // R1
DATA nearShuf<>+0x18(SB)/8, $0x80808080800e0b08
DATA nearShuf<>+0x20(SB)/8, $0x8080808080808080 // R2
DATA nearShuf<>+0x28(SB)/8, $0x0d0a070401808080
DATA nearShuf<>+0x30(SB)/8, $0x8080800d0a070401 // G0
DATA nearShuf<>+0x38(SB)/8, $0x8080808080808080
DATA nearShuf<>+0x40(SB)/8, $0x0603008080808080 // G1
DATA nearShuf<>+0x48(SB)/8, $0x80808080800f0c09
DATA nearShuf<>+0x50(SB)/8, $0x8080808080808080 // G2
DATA nearShuf<>+0x58(SB)/8, $0x0e0b080502808080
DATA nearShuf<>+0x60(SB)/8, $0x8080800e0b080502 // B0
DATA nearShuf<>+0x68(SB)/8, $0x8080808080808080
DATA nearShuf<>+0x70(SB)/8, $0x0704018080808080 // B1
DATA nearShuf<>+0x78(SB)/8, $0x8080808080800d0a
DATA nearShuf<>+0x80(SB)/8, $0x8080808080808080 // B2
DATA nearShuf<>+0x88(SB)/8, $0x0f0c090603008080
GLOBL nearShuf<>(SB), RODATA|NOPTR, $144
DATA nearOnes<>+0x00(SB)/8, $0x0101010101010101
DATA nearOnes<>+0x08(SB)/8, $0x0101010101010101
GLOBL nearOnes<>(SB), RODATA|NOPTR, $16

// func countNearAVX(rgb *byte, n int, col *[3]byte, tol byte) int64
// The number of the n pixels (n a multiple of 16) at rgb whose every
// channel is within tol of col's.
TEXT ·countNearAVX(SB), NOSPLIT, $0-40
	MOVQ rgb+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ col+16(FP), AX
	VPBROADCASTB 0(AX), X9
	VPBROADCASTB 1(AX), X10
	VPBROADCASTB 2(AX), X11
	VPBROADCASTB tol+24(FP), X12
	VMOVDQU nearOnes<>(SB), X13
	VPXOR X14, X14, X14 // zero
	VPXOR X15, X15, X15 // the count, two quadwords
	SHRQ $4, CX
	JZ   done

loop:
	VMOVDQU 0(SI), X0
	VMOVDQU 16(SI), X1
	VMOVDQU 32(SI), X2

	VPSHUFB nearShuf<>+0x00(SB), X0, X3
	VPSHUFB nearShuf<>+0x10(SB), X1, X4
	VPOR X4, X3, X3
	VPSHUFB nearShuf<>+0x20(SB), X2, X4
	VPOR X4, X3, X3 // red
	VPSUBUSB X9, X3, X4
	VPSUBUSB X3, X9, X5
	VPOR X5, X4, X4
	VPSUBUSB X12, X4, X8 // zero where within tol

	VPSHUFB nearShuf<>+0x30(SB), X0, X3
	VPSHUFB nearShuf<>+0x40(SB), X1, X4
	VPOR X4, X3, X3
	VPSHUFB nearShuf<>+0x50(SB), X2, X4
	VPOR X4, X3, X3 // green
	VPSUBUSB X10, X3, X4
	VPSUBUSB X3, X10, X5
	VPOR X5, X4, X4
	VPSUBUSB X12, X4, X4
	VPOR X4, X8, X8

	VPSHUFB nearShuf<>+0x60(SB), X0, X3
	VPSHUFB nearShuf<>+0x70(SB), X1, X4
	VPOR X4, X3, X3
	VPSHUFB nearShuf<>+0x80(SB), X2, X4
	VPOR X4, X3, X3 // blue
	VPSUBUSB X11, X3, X4
	VPSUBUSB X3, X11, X5
	VPOR X5, X4, X4
	VPSUBUSB X12, X4, X4
	VPOR X4, X8, X8 // zero where every channel is within tol

	VPCMPEQB X14, X8, X8
	VPAND X13, X8, X8
	VPSADBW X14, X8, X8
	VPADDQ X8, X15, X15

	ADDQ $48, SI
	DECQ CX
	JNZ  loop

done:
	VPSHUFD $0x4e, X15, X0
	VPADDQ X0, X15, X15
	VMOVQ X15, AX
	MOVQ AX, ret+32(FP)
	RET
