package video

import (
	"errors"
	"os/exec"
	"strconv"

	"golang.org/x/sys/unix"
)

// fileURL is the input URL of a file passed to the child as descriptor 3
// (Command's ExtraFiles): the child opens its own /proc/self/fd/3, which
// gives it a fresh offset, so it can seek. The URL names neither the
// server's process nor the file's path, and a memory file (memfd) needs
// no path at all.
func fileURL(string) string { return "file:/proc/self/fd/3" }

// limitCommand returns the command line that runs prog with args under an
// address-space limit (RLIMIT_AS) of limit bytes, when limit is positive:
// through the prlimit program, which sets the limit on itself and then
// executes prog, so that ffmpeg never runs without it. Without prlimit,
// it returns the limit that limitStarted is to set once the child has
// started.
func limitCommand(prog string, args []string, limit int64) (name string, argv []string, after int64) {
	if limit <= 0 {
		return prog, args, 0
	}
	path, err := exec.LookPath(prlimitProgram)
	if prlimitProgram == "" || err != nil {
		return prog, args, limit
	}
	return path, append([]string{"--as=" + strconv.FormatInt(limit, 10), "--", prog}, args...), 0
}

// limitStarted sets an address-space limit of limit bytes, if positive,
// on a started child that limitCommand could not wrap. The child runs unlimited for the moment
// between its start and this call; it is then still loading ffmpeg's
// libraries and has read none of its input. An address space already
// over the limit stays, but cannot grow.
func limitStarted(cmd *exec.Cmd, limit int64) error {
	if limit <= 0 {
		return nil
	}
	l := unix.Rlimit{Cur: uint64(limit), Max: uint64(limit)}
	err := unix.Prlimit(cmd.Process.Pid, unix.RLIMIT_AS, &l, nil)
	if errors.Is(err, unix.ESRCH) {
		return nil // it has exited already: its Wait says how
	}
	return err
}
