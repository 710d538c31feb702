//go:build !linux

package video

import "os/exec"

// fileURL is the input URL of a file, by its path: "file:" keeps a name
// such as "pipe:1" or "http://..." a local file.
func fileURL(path string) string { return "file:" + path }

// limitCommand leaves the command as it is: address-space limits are set
// on Linux only, where Options.MaxMemory is documented to apply.
func limitCommand(prog string, args []string, _ int64) (string, []string, int64) {
	return prog, args, 0
}

func limitStarted(*exec.Cmd, int64) error { return nil }
