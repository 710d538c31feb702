package hamming

import (
	"syscall"
	"unsafe"
)

// hugeMin is the size from which a table is worth backing with huge pages.
const hugeMin = 4 << 20

// adviseHuge asks the kernel to back the memory of s with transparent huge
// pages, where the system allows it (transparent_hugepage set to madvise
// or always). Searches read the slab and the tables at random, and with
// 4 KiB pages nearly every read would also miss the TLB. It is only a
// hint: errors are ignored. It should be called before s is first written,
// so that the pages are faulted in huge.
func adviseHuge[E any](s []E) {
	size := uintptr(cap(s)) * unsafe.Sizeof(*new(E))
	if size < hugeMin {
		return
	}
	const page = 4096
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), size)
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := (page - start%page) % page
	hi := size - (start+size)%page
	_ = syscall.Madvise(b[lo:hi], syscall.MADV_HUGEPAGE)
}
