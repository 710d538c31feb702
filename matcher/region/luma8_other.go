//go:build !amd64 || purego

package region

func luma8RowFast(dst []byte, rgb []byte) int { return 0 }
