//go:build !purego

#include "textflag.h"

DATA flatOnes<>+0x00(SB)/8, $0x0101010101010101
DATA flatOnes<>+0x08(SB)/8, $0x0101010101010101
DATA flatOnes<>+0x10(SB)/8, $0x0101010101010101
DATA flatOnes<>+0x18(SB)/8, $0x0101010101010101
GLOBL flatOnes<>(SB), RODATA|NOPTR, $32

// func minMax3AVX2(lo, hi, r0, r1, r2 []byte)
// len(lo) is a multiple of 32; the others are as long.
TEXT ·minMax3AVX2(SB), NOSPLIT, $0-120
	MOVQ lo_base+0(FP), DI
	MOVQ lo_len+8(FP), CX
	MOVQ hi_base+24(FP), DX
	MOVQ r0_base+48(FP), R8
	MOVQ r1_base+72(FP), R9
	MOVQ r2_base+96(FP), R10
	SHRQ $5, CX
	JZ   mmdone

mmloop:
	VMOVDQU (R8), Y0
	VMOVDQU (R9), Y1
	VMOVDQU (R10), Y2
	VPMINUB Y1, Y0, Y3
	VPMINUB Y2, Y3, Y3
	VPMAXUB Y1, Y0, Y4
	VPMAXUB Y2, Y4, Y4
	VMOVDQU Y3, (DI)
	VMOVDQU Y4, (DX)
	ADDQ $32, R8
	ADDQ $32, R9
	ADDQ $32, R10
	ADDQ $32, DI
	ADDQ $32, DX
	DECQ CX
	JNZ  mmloop

mmdone:
	VZEROUPPER
	RET

// func flatInnerAVX2(f []bool, lo, hi []byte, tol byte)
// len(f) is a multiple of 32; lo and hi hold len(f)+2 bytes.
TEXT ·flatInnerAVX2(SB), NOSPLIT, $0-73
	MOVQ f_base+0(FP), DI
	MOVQ f_len+8(FP), CX
	MOVQ lo_base+24(FP), SI
	MOVQ hi_base+48(FP), DX
	VPBROADCASTB tol+72(FP), Y6
	VMOVDQU flatOnes<>(SB), Y7
	SHRQ $5, CX
	JZ   fdone

floop:
	VMOVDQU (SI), Y0
	VPMINUB 1(SI), Y0, Y0
	VPMINUB 2(SI), Y0, Y0
	VMOVDQU (DX), Y1
	VPMAXUB 1(DX), Y1, Y1
	VPMAXUB 2(DX), Y1, Y1
	VPSUBB  Y0, Y1, Y1   // the range, top minus bottom
	VPMINUB Y6, Y1, Y2
	VPCMPEQB Y2, Y1, Y1  // the range is at most tol
	VPAND   Y7, Y1, Y1   // as bools
	VMOVDQU Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNZ  floop

fdone:
	VZEROUPPER
	RET
