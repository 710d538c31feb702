// Package video computes and matches vPDQ, Meta's video similarity signal:
// PDQ hashes of frames sampled from a video, compared as sets.
//
// # Hashing
//
// HashFile and HashReader decode a video with the ffmpeg program (Debian
// package ffmpeg), run as a subprocess without a shell, and hash the
// sampled frames with herken's PDQ at full resolution, as the reference
// does. They mirror the reference (ThreatExchange's vpdq, with libav):
//
//   - the first video stream; the frame rate is its average frame rate,
//     else its r_frame_rate;
//   - sampling counts decoded frames: with FramesPerSecond f, every k-th
//     frame is hashed, k = int(frameRate/f) (at least 1), from frame 0;
//   - a frame's timestamp is its number divided by the frame rate, in
//     float32;
//   - frames are converted to RGB by swscale with area interpolation and
//     the BT.601 matrix, at their coded size, no rotation applied.
//
// herken adds limits the reference does not have: a timeout that kills
// ffmpeg, a cap on ffmpeg's threads, a refusal of frames over
// Options.MaxPixels (in the stream header and at every change of frame
// size), an address-space limit on each ffmpeg and ffprobe process
// (Options.MaxMemory), and a down-scaling of frames with a side over
// Options.MaxSide. ErrFFmpegMissing says that ffmpeg or ffprobe is not
// installed; Available checks beforehand.
//
// # Untrusted input
//
// ffmpeg reads only the bytes it is handed. Left to probe, it would take
// a DASH manifest or an HLS playlist that starts like a QuickTime atom for
// what it is and open the files and URLs it names. So the container is
// the one media.Sniff says (MP4 and QuickTime, Matroska and WebM, AVI,
// FLV, MPEG-TS, GIF) and ffmpeg is told it (-f); anything else is refused
// before ffmpeg runs. Only the protocol the input is read through is
// allowed, no demuxer may open another, and QuickTime's external
// references stay off. On Linux a file reaches ffmpeg as an inherited
// descriptor, so its command line names no path of the server's.
// ffmpeg's messages can quote paths and input, so errors never carry them.
//
// # Format
//
// WriteVPDQ and ParseVPDQ handle the reference's text format, one line per
// frame: "number,quality,hash,timestamp", the timestamp with three
// decimals. ParseSignal and FormatSignal handle python-threatexchange's
// signal string, a JSON array of "hash,quality,timestamp".
//
// # Matching
//
// As python-threatexchange does: frames of quality below 50 are dropped and
// each distinct hash is kept once (Unique); a query frame matches a frame of
// a known video within Hamming distance 31; the query matches the video
// when at least 80% of the query's frames match (QueryMatchPercent) and at
// least 0% of the video's frames do (ComparedMatchPercent), so that a clip
// of a long known video matches. Both thresholds are MatchOptions.
//
// Match compares two lists by brute force. For an index, search each of
// the query's Unique hashes in a Hamming index of known frame hashes, feed
// the hits to a Tally, and score each video it names with its stored count
// of unique frames.
//
// # Views of a re-post
//
// A re-post changes every frame alike, and most such changes move a
// frame's PDQ hash beyond the threshold: mirroring, bars or a blurred
// fill around the picture, a crop of a few percent, a ticker or a logo.
// With Options.Views, hashing also computes other readings of each
// frame (View): for a query (QueryViews) the frame mirrored (from its own
// DCT, no second hash), the picture region.Find sees inside it and the
// part of it that holds sharp edges over the frames so far (activity:
// black and blurred bars have none), each as found and mirrored, and the
// frame without its top and bottom BandCut; for a known video
// (KnownViews) the same band view and the Crops of each frame. herken's
// matcher tallies each reading of the query on its own, so that a
// mirrored video's frames count together as they should.
//
// MatchOptions.ContainedPercent adds a rule the reference does not have:
// a query that holds most of a known video's frames (a copy after a few
// seconds of other footage) matches even below QueryMatchPercent.
//
// # Concurrency
//
// All functions are safe for concurrent use; each hashing call runs its own
// ffmpeg process and PDQ hasher. A Tally is used by one goroutine.
package video
