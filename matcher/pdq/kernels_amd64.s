//go:build !purego

#include "textflag.h"

DATA qualityConst<>+0x00(SB)/4, $100.0
DATA qualityConst<>+0x04(SB)/4, $255.0
GLOBL qualityConst<>(SB), RODATA|NOPTR, $8

// func dotColumns8AVX(d *[64]float32, rows *[64]float32, n int, j int, out *[8]float32)
// out[c] = sum over k < n of d[k] * rows[k][j+c], in k order.
TEXT ·dotColumns8AVX(SB), NOSPLIT, $0-40
	MOVQ d+0(FP), AX
	MOVQ rows+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ j+24(FP), DX
	MOVQ out+32(FP), DI
	LEAQ (SI)(DX*4), SI
	VXORPS Y0, Y0, Y0

dloop:
	VBROADCASTSS (AX), Y1
	VMULPS (SI), Y1, Y1
	VADDPS Y1, Y0, Y0
	ADDQ $4, AX
	ADDQ $256, SI
	DECQ CX
	JNZ  dloop

	VMOVUPS Y0, (DI)
	VZEROUPPER
	RET

// func qualityAVX(a *[64][64]float32) int64
// The sum of |int((a[i][j] - a[i+1][j]) * 100 / 255)| over i < 63 and all
// j, and of |int((a[i][j] - a[i][j+1]) * 100 / 255)| over all i and j < 56.
TEXT ·qualityAVX(SB), NOSPLIT, $0-16
	MOVQ a+0(FP), SI
	VBROADCASTSS qualityConst<>+0(SB), Y6
	VBROADCASTSS qualityConst<>+4(SB), Y7
	VPXOR Y5, Y5, Y5 // the sums, eight int32 lanes
	MOVQ $504, CX    // 63 rows of 8 steps: down the columns
	MOVQ SI, DX

vloop:
	VMOVUPS (DX), Y0
	VSUBPS 256(DX), Y0, Y0
	VMULPS Y6, Y0, Y0
	VDIVPS Y7, Y0, Y0
	VCVTTPS2DQ Y0, Y0
	VPABSD Y0, Y0
	VPADDD Y0, Y5, Y5
	ADDQ $32, DX
	DECQ CX
	JNZ  vloop

	MOVQ $64, BX // rows: along each, seven steps of eight
	MOVQ SI, DX

hrow:
	MOVQ $7, CX
	MOVQ DX, R8

hloop:
	VMOVUPS (R8), Y0
	VSUBPS 4(R8), Y0, Y0
	VMULPS Y6, Y0, Y0
	VDIVPS Y7, Y0, Y0
	VCVTTPS2DQ Y0, Y0
	VPABSD Y0, Y0
	VPADDD Y0, Y5, Y5
	ADDQ $32, R8
	DECQ CX
	JNZ  hloop
	ADDQ $256, DX
	DECQ BX
	JNZ  hrow

	VEXTRACTI128 $1, Y5, X0
	VPADDD X0, X5, X5
	VPSHUFD $0x4e, X5, X0
	VPADDD X0, X5, X5
	VPSHUFD $0xb1, X5, X0
	VPADDD X0, X5, X5
	VMOVD X5, AX
	MOVQ AX, ret+8(FP)
	VZEROUPPER
	RET
