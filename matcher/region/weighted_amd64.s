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
