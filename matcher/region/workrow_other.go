//go:build !amd64 || purego

package region

func workRow(ra, rb []byte, xa, xb []int, rgb, lum []byte) { workRowGo(ra, rb, xa, xb, rgb, lum) }
