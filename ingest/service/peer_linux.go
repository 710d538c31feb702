package service

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// peerGone reports whether the client of conn has closed or reset its
// connection. The kernel's TCP state says so even while unread bytes (a
// TLS close_notify, the rest of a body) wait in the socket, which a peek
// for end of file would not see: anything but ESTABLISHED means the peer
// sent its FIN or a reset.
func peerGone(conn net.Conn) bool {
	sc, ok := rawConn(conn).(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	gone := false
	err = rc.Control(func(fd uintptr) {
		info, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
		gone = err != nil || info.State != tcpEstablished
	})
	return gone || err != nil
}

// tcpEstablished is TCP_ESTABLISHED of the kernel's tcp_states.h.
const tcpEstablished = 1
