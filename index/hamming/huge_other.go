//go:build !linux

package hamming

// adviseHuge does nothing on systems without transparent huge pages.
func adviseHuge[E any](s []E) {}
