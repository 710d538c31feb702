package region

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// The step counts' kernels (AVX2 on amd64 where the CPU has it) must give
// the Go loops' counts on every length, on noise and on near-flat runs.
func TestStepKernelsMatchTheLoops(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{0, 1, 7, 8, 9, 31, 32, 33, 64, 100, 319, 320} {
		for _, spread := range []int{256, 12, 2} {
			run := func() []byte {
				r := make([]byte, n)
				base := rng.IntN(256 - min(spread, 255))
				for i := range r {
					r[i] = byte(base + rng.IntN(spread))
				}
				return r
			}
			a, b := run(), run()
			for _, step := range []int32{1, bigStep, 255} {
				s, w := steps(a, b, step)
				ws, ww := stepsGo(a, b, step)
				if s != ws || w != ww {
					t.Fatalf("n=%d spread %d step %d: steps %d %d, the loop %d %d", n, spread, step, s, w, ws, ww)
				}
				sum, wide := make([]int32, n), make([]int32, n)
				wsum, wwide := make([]int32, n), make([]int32, n)
				for i := range sum {
					sum[i], wide[i] = int32(rng.IntN(1000)), int32(rng.IntN(1000))
				}
				copy(wsum, sum)
				copy(wwide, wide)
				addSteps(sum, wide, a, b, step)
				addStepsGo(wsum, wwide, a, b, step)
				if !slices.Equal(sum, wsum) || !slices.Equal(wide, wwide) {
					t.Fatalf("n=%d spread %d step %d: addSteps differs from the loop", n, spread, step)
				}
			}
			bools := make([]bool, n)
			for i := range bools {
				bools[i] = rng.IntN(2) == 0
			}
			trues := int32(0)
			for _, v := range bools {
				if v {
					trues++
				}
			}
			if c, wc := count(bytesOf(bools)), countGo(bytesOf(bools)); c != trues || wc != trues {
				t.Fatalf("n=%d: count %d, the loop %d, %d are true", n, c, wc, trues)
			}
			acc, wacc := make([]int32, n), make([]int32, n)
			addBytes(acc, a)
			addBytesGo(wacc, a)
			if !slices.Equal(acc, wacc) {
				t.Fatalf("n=%d: addBytes differs from the loop", n)
			}
		}
	}
}

// measureCols' kernels: the "along" sums and the eight rows stored column
// by column, against the loops, on every width around the steps of eight.
func TestColumnKernelsMatchTheLoops(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, width := range []int{1, 7, 8, 9, 15, 16, 17, 33, 320, 1081} {
		a, b := make([]byte, width), make([]byte, width)
		for i := range a {
			a[i], b[i] = byte(rng.IntN(256)), byte(rng.IntN(256))
		}
		acc, want := make([]int32, width), make([]int32, width)
		for i := range acc {
			acc[i] = int32(rng.IntN(1 << 20))
		}
		copy(want, acc)
		addAbsDiff(acc, a, b)
		addAbsDiffGo(want, a, b)
		if !slices.Equal(acc, want) {
			t.Fatalf("width %d: addAbsDiff differs from the loop", width)
		}
		src := make([]byte, 8*width)
		for i := range src {
			src[i] = byte(rng.IntN(256))
		}
		for _, m := range []int{8, 24, 128} {
			dst, wdst := make([]byte, width*m), make([]byte, width*m)
			for i := range dst {
				dst[i] = byte(i)
				wdst[i] = byte(i)
			}
			transpose8(dst, m, src, width)
			transpose8Go(wdst, m, src, width)
			if !slices.Equal(dst, wdst) {
				t.Fatalf("width %d m %d: transpose8 differs from the loop", width, m)
			}
		}
	}
}

// The row profiles read four samples a step (sampledRow) must be the Go
// loop's, on widths whose sample counts are and are not steps of four,
// and on the last row, whose last samples end near the buffer's end.
func TestRowSamplesMatchTheLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, width := range []int{3, 6, 9, 10, 17, 33, 100, 129, 130, 1080} {
		height := 40
		pix := make([]byte, width*height*3)
		for i := range pix {
			pix[i] = byte(rng.IntN(256))
		}
		fast := measureLines(pix, width, height, 3, width*3, rowsOnly)
		got, along := slices.Clone(fast.rows.lum), slices.Clone(fast.rows.along)
		fast.release()
		saved := useAVX2
		useAVX2 = false
		slow := measureLines(pix, width, height, 3, width*3, rowsOnly)
		useAVX2 = saved
		if !slices.Equal(got, slow.rows.lum) || !slices.Equal(along, slow.rows.along) {
			t.Fatalf("width %d: the row samples differ from the loop's", width)
		}
		slow.release()
	}
}
