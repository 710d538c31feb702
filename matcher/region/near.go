package region

// countNearGo returns how many of the RGB pixels of rgb are within tol of
// col on every channel (nearColour's test).
func countNearGo(rgb []byte, col [3]uint8, tol int) int {
	n := 0
	for i := 0; i+3 <= len(rgb); i += 3 {
		p := rgb[i : i+3 : i+3]
		d0 := uint(int(p[0]) - int(col[0]) + tol)
		d1 := uint(int(p[1]) - int(col[1]) + tol)
		d2 := uint(int(p[2]) - int(col[2]) + tol)
		if max(d0, d1, d2) <= uint(2*tol) {
			n++
		}
	}
	return n
}

// countNearAt returns how many of the working pixels idx are within tol
// of col on every channel: sixteen a step where they lie in one run of a
// row (countNear) and the CPU allows, one at a time else.
func (k *work) countNearAt(idx []int, col [3]uint8, tol int) int {
	if n := len(idx); n > 0 && idx[n-1]-idx[0] == n-1 {
		return countNear(k.rgb[3*idx[0]:3*(idx[n-1]+1)], col, tol)
	}
	n := 0
	for _, i := range idx {
		if k.nearColour(i, col, tol) {
			n++
		}
	}
	return n
}
