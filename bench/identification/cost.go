package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/atkm/herken/bench/corpus/builder"
	"github.com/atkm/herken/bench/corpus/transform"
	"github.com/atkm/herken/matcher"
)

// Cost of region finding (issue 14 item 6): a match's hashing with region
// finding may cost at most 1.5x the same hashing without it. Both hashers
// are herken match's (every signal, the dihedral variants), one with
// Regions; each photo is hashed by one then the other, alternating which
// goes first, on one goroutine, so that both see the same machine however
// busy it is. Photos are the evaluation corpus's JPEG copies: the plain
// re-encodes (jpeg-q90, what most queries are) and every re-post.

// costSet is a set of photos timed together.
type costSet struct {
	Name  string
	Files []string
}

// costResult is the time of each hasher over a set, summed over rounds.
type costResult struct {
	Set      string
	Photos   int
	Off, On  time.Duration
	Rounds   int
	MinRatio float64 // the smallest and largest ratio of one round
	MaxRatio float64
}

func (c costResult) Ratio() float64 { return float64(c.On) / float64(c.Off) }

// costSets returns the corpus's jpeg-q90 copies and its re-posts.
func costSets(corpus string) ([]costSet, error) {
	ders, err := builder.ReadDerived(corpus)
	if err != nil {
		return nil, err
	}
	group := map[string]string{}
	for _, t := range transform.All() {
		group[t.Name] = t.Group
	}
	plain := costSet{Name: "plain re-encodes (jpeg-q90)"}
	reposts := costSet{Name: "re-posts (every fourth of each repost-* transform)"}
	nth := map[string]int{}
	for _, d := range ders {
		f := filepath.Join(corpus, d.File)
		switch {
		case d.Transform == "jpeg-q90":
			plain.Files = append(plain.Files, f)
		case strings.HasPrefix(group[d.Transform], "repost-"):
			if nth[d.Transform]%4 == 0 {
				reposts.Files = append(reposts.Files, f)
			}
			nth[d.Transform]++
		}
	}
	if len(plain.Files) == 0 || len(reposts.Files) == 0 {
		return nil, fmt.Errorf("identification: %s has no jpeg-q90 copies or no re-posts", corpus)
	}
	return []costSet{plain, reposts}, nil
}

// measureCost times both hashers over each set, rounds times.
func measureCost(ctx context.Context, corpus string, rounds int) ([]costResult, error) {
	sets, err := costSets(corpus)
	if err != nil {
		return nil, err
	}
	off, err := matcher.NewHasher(matcher.HasherConfig{NoVideo: true, Dihedral: true})
	if err != nil {
		return nil, err
	}
	on, err := matcher.NewHasher(matcher.HasherConfig{NoVideo: true, Dihedral: true, Regions: true})
	if err != nil {
		return nil, err
	}
	hash := func(h *matcher.Hasher, data []byte) (time.Duration, error) {
		start := time.Now()
		hs := h.HashBytes(ctx, data)
		d := time.Since(start)
		return d, hs.PhotoErr
	}
	var out []costResult
	for _, s := range sets {
		data := make([][]byte, len(s.Files))
		for i, f := range s.Files {
			if data[i], err = os.ReadFile(f); err != nil {
				return nil, err
			}
		}
		res := costResult{Set: s.Name, Photos: len(data), Rounds: rounds}
		for r := range rounds {
			var offR, onR time.Duration
			for i, d := range data {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				first, second := off, on
				if (i+r)%2 == 1 {
					first, second = on, off
				}
				t1, err1 := hash(first, d)
				t2, err2 := hash(second, d)
				if err1 != nil || err2 != nil {
					return nil, fmt.Errorf("identification: %s: %v %v", s.Files[i], err1, err2)
				}
				if first == off {
					offR, onR = offR+t1, onR+t2
				} else {
					offR, onR = offR+t2, onR+t1
				}
			}
			ratio := float64(onR) / float64(offR)
			if r == 0 || ratio < res.MinRatio {
				res.MinRatio = ratio
			}
			if ratio > res.MaxRatio {
				res.MaxRatio = ratio
			}
			res.Off += offR
			res.On += onR
		}
		out = append(out, res)
	}
	return out, nil
}

// writeCost writes the cost section.
func writeCost(p func(string, ...any), costs []costResult) {
	p("## Cost of region finding\n\n")
	p("Issue 14 item 6: a match's hashing with region finding costs at most 1.5x the same hashing without it. ")
	p("Both hashers are `herken match`'s (every signal and PDQ's dihedral variants); one also finds the regions and hashes them, the trimmed photo and its parts (matcher.HasherConfig.Regions). ")
	p("Each photo is hashed by both in turn (which goes first alternates), one photo at a time, so that both see the same machine; the ratio is of the summed times.\n\n")
	p("| photos | count | rounds | regions on ÷ off | per round |\n|---|---:|---:|---:|---|\n")
	for _, c := range costs {
		p("| %s | %d | %d | **%.2fx** | %.2f-%.2fx |\n", c.Set, c.Photos, c.Rounds, c.Ratio(), c.MinRatio, c.MaxRatio)
	}
	p("\n")
}
