//go:build !purego

package region

//go:noescape
func stepsAVX2(a, b []byte, tm1 byte) (sum, less int64)

//go:noescape
func countAVX2(b []byte) int64

//go:noescape
func addStepsAVX2(sum, wide []int32, a, b []byte, tm1 int32)

//go:noescape
func addBytesAVX2(acc []int32, b []byte)

func steps(a, b []byte, t int32) (sum, wide int32) {
	b = b[:len(a)]
	n := len(a) &^ 31
	if !useAVX2 || t < 1 || t > 255 {
		n = 0
	}
	if n > 0 {
		s, less := stepsAVX2(a[:n], b[:n], byte(t-1))
		sum, wide = int32(s), int32(int64(n)-less)
	}
	s, w := stepsGo(a[n:], b[n:], t)
	return sum + s, wide + w
}

func count(b []byte) int32 {
	n := len(b) &^ 31
	if !useAVX2 {
		n = 0
	}
	c := int32(0)
	if n > 0 {
		c = int32(countAVX2(b[:n]))
	}
	return c + countGo(b[n:])
}

func addSteps(sum, wide []int32, a, b []byte, t int32) {
	wide, a, b = wide[:len(sum)], a[:len(sum)], b[:len(sum)]
	n := len(sum) &^ 7
	if !useAVX2 {
		n = 0
	}
	if n > 0 {
		addStepsAVX2(sum[:n], wide[:n], a[:n], b[:n], t-1)
	}
	addStepsGo(sum[n:], wide[n:], a[n:], b[n:], t)
}

func addBytes(acc []int32, b []byte) {
	b = b[:len(acc)]
	n := len(acc) &^ 7
	if !useAVX2 {
		n = 0
	}
	if n > 0 {
		addBytesAVX2(acc[:n], b[:n])
	}
	addBytesGo(acc[n:], b[n:])
}

//go:noescape
func addAbsDiffAVX2(acc []int32, a, b []byte)

//go:noescape
func transpose8SSE(dst *byte, m int, src *byte, width int)

func addAbsDiff(acc []int32, a, b []byte) {
	a, b = a[:len(acc)], b[:len(acc)]
	n := len(acc) &^ 7
	if !useAVX2 {
		n = 0
	}
	if n > 0 {
		addAbsDiffAVX2(acc[:n], a[:n], b[:n])
	}
	addAbsDiffGo(acc[n:], a[n:], b[n:])
}

func transpose8(dst []byte, m int, src []byte, width int) {
	n := width &^ 7
	if n > 0 {
		// The last column's eight values end within dst and the rows
		// within src, checked here for the assembly.
		_, _ = dst[(width-1)*m+7], src[8*width-1]
		transpose8SSE(&dst[0], m, &src[0], width)
	}
	for x := n; x < width; x++ {
		d := dst[x*m : x*m+8 : x*m+8]
		for j := range d {
			d[j] = src[j*width+x]
		}
	}
}
