// Package bench holds herken's end-to-end benchmarks: the ones that compare
// herken with outside tools (djpeg, the reference implementations) in the
// same run, so that speed is stated as ratios on a shared, noisy machine.
// The per-package benchmarks live beside their code; `make bench` runs all.
package bench
