//go:build !purego

#include "textflag.h"

// func scaleIntoAVX(dst, src []float32, w float32)
// len(dst) is a multiple of 8 and src is at least as long.
TEXT ·scaleIntoAVX(SB), NOSPLIT, $0-52
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ src_base+24(FP), SI
	VBROADCASTSS w+48(FP), Y0
	SHRQ $3, CX
	JZ   scaledone

scaleloop:
	VMULPS  (SI), Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     scaleloop

scaledone:
	VZEROUPPER
	RET

// func addScaledAVX(dst, src []float32, w float32)
// len(dst) is a multiple of 8 and src is at least as long.
TEXT ·addScaledAVX(SB), NOSPLIT, $0-52
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ src_base+24(FP), SI
	VBROADCASTSS w+48(FP), Y0
	SHRQ $3, CX
	JZ   adddone

addloop:
	VMULPS  (SI), Y0, Y1
	VADDPS  (DI), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     addloop

adddone:
	VZEROUPPER
	RET

// func weightedSumAVX(dst *float32, n int, srcs *[maxTaps]*float32, w *float32, taps int)
// dst[i] = w[0]*srcs[0][i] + w[1]*srcs[1][i] + ... over taps sources, in
// that order, for i < n (a multiple of 8).
TEXT ·weightedSumAVX(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ n+8(FP), CX
	MOVQ srcs+16(FP), R8
	MOVQ w+24(FP), R9
	MOVQ taps+32(FP), R10
	XORQ AX, AX
	SHRQ $3, CX
	JZ   wdone

wloop:
	MOVQ 0(R8), SI
	VBROADCASTSS 0(R9), Y1
	VMULPS (SI)(AX*1), Y1, Y0
	MOVQ $1, DX

wtap:
	CMPQ DX, R10
	JGE  wstore
	MOVQ (R8)(DX*8), SI
	VBROADCASTSS (R9)(DX*4), Y1
	VMULPS (SI)(AX*1), Y1, Y1
	VADDPS Y1, Y0, Y0
	INCQ DX
	JMP  wtap

wstore:
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	DECQ CX
	JNZ  wloop

wdone:
	VZEROUPPER
	RET
