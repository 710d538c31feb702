//go:build !amd64 || purego

package pdq

func dotColumns8Fast(d *[64]float32, rows [][64]float32, j int, out *[8]float32) bool { return false }

func qualityFast(a *[64][64]float32) (int, bool) { return 0, false }
