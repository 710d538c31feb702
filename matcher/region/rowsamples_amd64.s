//go:build !purego

#include "textflag.h"

// Per eight bytes R0 G0 B0 R1 G1 B1 . . read at a sample: the words
// R0 B0 R1 B1, and G0 0 G1 0 (0x80 zeroes a byte).
DATA rsRB<>+0x00(SB)/8, $0x8005800380028000
DATA rsRB<>+0x08(SB)/8, $0x800d800b800a8008
DATA rsRB<>+0x10(SB)/8, $0x8005800380028000
DATA rsRB<>+0x18(SB)/8, $0x800d800b800a8008
GLOBL rsRB<>(SB), RODATA|NOPTR, $32
DATA rsG<>+0x00(SB)/8, $0x8080800480808001
DATA rsG<>+0x08(SB)/8, $0x8080800c80808009
DATA rsG<>+0x10(SB)/8, $0x8080800480808001
DATA rsG<>+0x18(SB)/8, $0x8080800c80808009
GLOBL rsG<>(SB), RODATA|NOPTR, $32
// The low bytes of dwords 0 and 2 of each lane (the samples' luma).
DATA rsOut<>+0x00(SB)/8, $0x8080808080800800
DATA rsOut<>+0x08(SB)/8, $0x8080808080808080
DATA rsOut<>+0x10(SB)/8, $0x8080808080800800
DATA rsOut<>+0x18(SB)/8, $0x8080808080808080
GLOBL rsOut<>(SB), RODATA|NOPTR, $32
// The even dwords.
DATA rsEven<>+0x00(SB)/8, $0x00000000ffffffff
DATA rsEven<>+0x08(SB)/8, $0x00000000ffffffff
DATA rsEven<>+0x10(SB)/8, $0x00000000ffffffff
DATA rsEven<>+0x18(SB)/8, $0x00000000ffffffff
GLOBL rsEven<>(SB), RODATA|NOPTR, $32
DATA rsW<>+0x00(SB)/4, $0x001d004d // 77 for red, 29 for blue
DATA rsW<>+0x04(SB)/4, $0x00000096 // 150 for green
GLOBL rsW<>(SB), RODATA|NOPTR, $8

// func sampledRowAVX2(row *byte, offs *int32, n int, out *byte) (along int64)
// n is a multiple of 4; eight bytes are read at row+offs[i].
TEXT ·sampledRowAVX2(SB), NOSPLIT, $0-40
	MOVQ row+0(FP), SI
	MOVQ offs+8(FP), BX
	MOVQ n+16(FP), CX
	MOVQ out+24(FP), DI
	VMOVDQU rsRB<>(SB), Y8
	VMOVDQU rsG<>(SB), Y9
	VMOVDQU rsOut<>(SB), Y10
	VMOVDQU rsEven<>(SB), Y11
	VPBROADCASTD rsW<>+0(SB), Y12
	VPBROADCASTD rsW<>+4(SB), Y13
	VPXOR Y14, Y14, Y14 // along
	SHRQ $2, CX
	JZ   done

loop:
	MOVL 0(BX), R8
	MOVL 4(BX), R9
	MOVL 8(BX), R10
	MOVL 12(BX), R11
	VMOVQ (SI)(R8*1), X0
	VPINSRQ $1, (SI)(R9*1), X0, X0
	VMOVQ (SI)(R10*1), X1
	VPINSRQ $1, (SI)(R11*1), X1, X1
	VINSERTI128 $1, X1, Y0, Y0

	VPSHUFB Y8, Y0, Y1
	VPMADDWD Y12, Y1, Y1 // 77R + 29B of each pixel
	VPSHUFB Y9, Y0, Y2
	VPMADDWD Y13, Y2, Y2 // 150G
	VPADDD Y2, Y1, Y1
	VPSRLD $8, Y1, Y1    // dwords: a sample's luma, then its neighbour's

	VPSHUFD $0xb1, Y1, Y2
	VPSUBD Y2, Y1, Y2
	VPABSD Y2, Y2
	VPAND Y11, Y2, Y2
	VPADDD Y2, Y14, Y14

	VPSHUFB Y10, Y1, Y1  // each lane's two samples in its low bytes
	VEXTRACTI128 $1, Y1, X2
	VPUNPCKLWD X2, X1, X1
	VMOVD X1, (DI)

	ADDQ $16, BX
	ADDQ $4, DI
	DECQ CX
	JNZ  loop

done:
	VEXTRACTI128 $1, Y14, X0
	VPADDD X0, X14, X14
	VPSHUFD $0x4e, X14, X0
	VPADDD X0, X14, X14
	VPSHUFD $0xb1, X14, X0
	VPADDD X0, X14, X14
	VMOVD X14, AX
	MOVQ AX, along+32(FP)
	VZEROUPPER
	RET
