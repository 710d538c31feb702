//go:build !purego

#include "textflag.h"

DATA stepOnes<>+0x00(SB)/8, $0x0101010101010101
DATA stepOnes<>+0x08(SB)/8, $0x0101010101010101
DATA stepOnes<>+0x10(SB)/8, $0x0101010101010101
DATA stepOnes<>+0x18(SB)/8, $0x0101010101010101
GLOBL stepOnes<>(SB), RODATA|NOPTR, $32

// func stepsAVX2(a, b []byte, tm1 byte) (sum, less int64)
// len(a) is a multiple of 32 and b is as long. sum is the sum of
// |a[i] - b[i]|, less the number of them under tm1+1.
TEXT ·stepsAVX2(SB), NOSPLIT, $0-72
	MOVQ a_base+0(FP), SI
	MOVQ a_len+8(FP), CX
	MOVQ b_base+24(FP), DX
	VPBROADCASTB tm1+48(FP), Y7
	VMOVDQU stepOnes<>(SB), Y8
	VPXOR Y6, Y6, Y6
	VPXOR Y5, Y5, Y5 // the sums, four quadwords
	VPXOR Y4, Y4, Y4 // the counts under the step
	SHRQ $5, CX
	JZ   sdone

sloop:
	VMOVDQU (SI), Y0
	VMOVDQU (DX), Y1
	VPSADBW Y1, Y0, Y2
	VPADDQ Y2, Y5, Y5
	VPSUBUSB Y1, Y0, Y2
	VPSUBUSB Y0, Y1, Y3
	VPOR Y3, Y2, Y2      // |a - b|
	VPSUBUSB Y7, Y2, Y2  // zero where under the step
	VPCMPEQB Y6, Y2, Y2
	VPAND Y8, Y2, Y2
	VPSADBW Y6, Y2, Y2
	VPADDQ Y2, Y4, Y4
	ADDQ $32, SI
	ADDQ $32, DX
	DECQ CX
	JNZ  sloop

sdone:
	VEXTRACTI128 $1, Y5, X3
	VPADDQ X3, X5, X5
	VPSHUFD $0x4e, X5, X3
	VPADDQ X3, X5, X5
	VMOVQ X5, AX
	VEXTRACTI128 $1, Y4, X3
	VPADDQ X3, X4, X4
	VPSHUFD $0x4e, X4, X3
	VPADDQ X3, X4, X4
	VMOVQ X4, BX
	MOVQ AX, sum+56(FP)
	MOVQ BX, less+64(FP)
	VZEROUPPER
	RET

// func countAVX2(b []byte) int64
// len(b) is a multiple of 32.
TEXT ·countAVX2(SB), NOSPLIT, $0-32
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), CX
	VPXOR Y6, Y6, Y6
	VPXOR Y5, Y5, Y5
	SHRQ $5, CX
	JZ   cdone

cloop:
	VMOVDQU (SI), Y0
	VPSADBW Y6, Y0, Y0
	VPADDQ Y0, Y5, Y5
	ADDQ $32, SI
	DECQ CX
	JNZ  cloop

cdone:
	VEXTRACTI128 $1, Y5, X3
	VPADDQ X3, X5, X5
	VPSHUFD $0x4e, X5, X3
	VPADDQ X3, X5, X5
	VMOVQ X5, AX
	MOVQ AX, ret+24(FP)
	VZEROUPPER
	RET

// func addStepsAVX2(sum, wide []int32, a, b []byte, tm1 int32)
// len(sum) is a multiple of 8; the others are as long.
TEXT ·addStepsAVX2(SB), NOSPLIT, $0-100
	MOVQ sum_base+0(FP), DI
	MOVQ sum_len+8(FP), CX
	MOVQ wide_base+24(FP), R8
	MOVQ a_base+48(FP), SI
	MOVQ b_base+72(FP), DX
	MOVL tm1+96(FP), AX
	VMOVD AX, X7
	VPBROADCASTD X7, Y7
	SHRQ $3, CX
	JZ   adone

aloop:
	VPMOVZXBD (SI), Y0
	VPMOVZXBD (DX), Y1
	VPSUBD Y1, Y0, Y2
	VPABSD Y2, Y2
	VPADDD (DI), Y2, Y3
	VMOVDQU Y3, (DI)
	VPCMPGTD Y7, Y2, Y3  // -1 where the step is over tm1
	VMOVDQU (R8), Y4
	VPSUBD Y3, Y4, Y4
	VMOVDQU Y4, (R8)
	ADDQ $8, SI
	ADDQ $8, DX
	ADDQ $32, DI
	ADDQ $32, R8
	DECQ CX
	JNZ  aloop

adone:
	VZEROUPPER
	RET

// func addBytesAVX2(acc []int32, b []byte)
// len(acc) is a multiple of 8 and b is as long.
TEXT ·addBytesAVX2(SB), NOSPLIT, $0-48
	MOVQ acc_base+0(FP), DI
	MOVQ acc_len+8(FP), CX
	MOVQ b_base+24(FP), SI
	SHRQ $3, CX
	JZ   bdone

bloop:
	VPMOVZXBD (SI), Y0
	VPADDD (DI), Y0, Y0
	VMOVDQU Y0, (DI)
	ADDQ $8, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  bloop

bdone:
	VZEROUPPER
	RET

// func addAbsDiffAVX2(acc []int32, a, b []byte)
// len(acc) is a multiple of 8; a and b are as long.
TEXT ·addAbsDiffAVX2(SB), NOSPLIT, $0-72
	MOVQ acc_base+0(FP), DI
	MOVQ acc_len+8(FP), CX
	MOVQ a_base+24(FP), SI
	MOVQ b_base+48(FP), DX
	SHRQ $3, CX
	JZ   ddone

dloop:
	VPMOVZXBD (SI), Y0
	VPMOVZXBD (DX), Y1
	VPSUBD Y1, Y0, Y2
	VPABSD Y2, Y2
	VPADDD (DI), Y2, Y2
	VMOVDQU Y2, (DI)
	ADDQ $8, SI
	ADDQ $8, DX
	ADDQ $32, DI
	DECQ CX
	JNZ  dloop

ddone:
	VZEROUPPER
	RET

// func transpose8SSE(dst *byte, m int, src *byte, width int)
// Stores the eight rows at src (width bytes apart) column by column:
// column x's values at dst + x*m, row 0 first, for x up to width rounded
// down to eight.
TEXT ·transpose8SSE(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ m+8(FP), R8
	MOVQ src+16(FP), SI
	MOVQ width+24(FP), R9
	MOVQ R9, CX
	SHRQ $3, CX
	JZ   tdone
	LEAQ (R9)(R9*2), R10 // 3 widths
	LEAQ (SI)(R9*4), R11 // row 4

tloop:
	MOVQ (SI), X0
	MOVQ (SI)(R9*1), X1
	MOVQ (SI)(R9*2), X2
	MOVQ (SI)(R10*1), X3
	MOVQ (R11), X4
	MOVQ (R11)(R9*1), X5
	MOVQ (R11)(R9*2), X6
	MOVQ (R11)(R10*1), X7
	PUNPCKLBW X1, X0 // rows 0 and 1, byte by byte
	PUNPCKLBW X3, X2
	PUNPCKLBW X5, X4
	PUNPCKLBW X7, X6
	MOVO X0, X1
	PUNPCKLWL X2, X0 // rows 0-3 of columns 0-3
	PUNPCKHWL X2, X1 // of columns 4-7
	MOVO X4, X5
	PUNPCKLWL X6, X4 // rows 4-7 of columns 0-3
	PUNPCKHWL X6, X5
	MOVO X0, X2
	PUNPCKLLQ X4, X0 // columns 0 and 1
	PUNPCKHLQ X4, X2 // columns 2 and 3
	MOVO X1, X3
	PUNPCKLLQ X5, X1 // columns 4 and 5
	PUNPCKHLQ X5, X3 // columns 6 and 7
	MOVQ X0, (DI)
	ADDQ R8, DI
	MOVHPS X0, (DI)
	ADDQ R8, DI
	MOVQ X2, (DI)
	ADDQ R8, DI
	MOVHPS X2, (DI)
	ADDQ R8, DI
	MOVQ X1, (DI)
	ADDQ R8, DI
	MOVHPS X1, (DI)
	ADDQ R8, DI
	MOVQ X3, (DI)
	ADDQ R8, DI
	MOVHPS X3, (DI)
	ADDQ R8, DI
	ADDQ $8, SI
	ADDQ $8, R11
	DECQ CX
	JNZ  tloop

tdone:
	RET
