//go:build !linux

package service

import "net"

// peerGone cannot ask the kernel outside Linux: work for a request then
// stops only at its own limits, not when its client leaves.
func peerGone(net.Conn) bool { return false }
