//go:build !amd64 || purego

package region

func countNear(rgb []byte, col [3]uint8, tol int) int { return countNearGo(rgb, col, tol) }
