//go:build !amd64 || purego

package region

func sampledRow(pix []byte, start int, offs []int32, out []byte) int32 {
	return sampledRowGo(pix[start:], offs, out[:len(offs)])
}
