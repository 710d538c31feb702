// Package region finds the picture(s) inside a re-posted image, so that each
// can be hashed as a query variant against a bank that holds only the
// originals' hashes.
//
// People re-post a picture framed by something that was not in it: a
// uniform border, letterbox or pillarbox bars, a blurred or stretched copy
// of itself as padding, a meme caption bar with text, a messaging app's
// screenshot around it, or next to a second picture. A perceptual hash of the
// whole post is far from the original's; the hash of the picture inside it is
// close. Find proposes those inner rectangles from the post alone.
//
// First, line profiles at full resolution (a fixed number of samples along
// every row and column, lines.go) find padding too detailed to be
// background (a blur, a stretched copy) and two pictures that touch or sit
// across a thin gap. Both leave a line across the image where nearly every
// sample jumps more than it does just before and after (inside a picture
// about a third do, by chance): once across the middle for a split, at
// mirrored positions for a picture centred over padding. A pattern of such
// lines (stripes, a grid) is refused. Within the band of a picture padded
// on one axis the profiles are taken again across the other: a landscape
// picture centred on a square over a blurred copy of itself is padded on
// all four sides, and its left and right seams only show within the band.
// There the padding may be a thin strip of blur (2 to 5% a side), one
// colour, beside a picture whose own lines jump as widely as its edges:
// an edge, its mirrored line jumping too, and little detail outside both
// bound it (crosscalm.go). A picture so bounded on all four sides ranks
// above the working copy's regions, which often run out over one thin
// strip and would hide it as a near duplicate. The working copy's regions
// give bands too (cross.go): one closed on two opposite sides but run to
// the image's edge across them, and one closed on one side only (a
// caption's or a split's edge where the plain blur beyond the picture was
// taken for a bar), whose band ends at that edge's mirrored line. A
// picture found across such a band is kept only if the few lines beyond
// the band's edges never jump between neighbours, as blurred padding
// does not (a soft-focused photo's sharp middle does).
// A single run of a few plain lines across the middle (a collage's thin
// gap) splits too, even next to a pattern of jumps (a checkerboard).
// When the white gap runs into the other picture's white margin, only one
// edge shows; the picture on that side alone is proposed (onesided.go),
// when the white beside it ends in content inside the image and leaves
// room for a second picture (a white sky over a horizon runs on).
// A white gap that resizing blended and JPEG rings beside (not plain
// enough for those rules) is found as what a collage's gap is
// (whitegap.go): the one run of a few uniform white lines across the
// middle half, both of its ends straight steps that stand out of the
// jumps around them, into content on both sides; a white pole or a
// window's frame lit unevenly along its length is not uniform, a haze
// fades in without a step.
// The picture across such a gap is then the rest of the post past the one
// found (complement.go): for each half of a split that spans the post and
// touches one end, where a white gap starts at its inner edge and ends in
// content inside the image, the rest is proposed too, the gap included
// (the region's insets take it off), unless it is a region already found
// within 1%.
// A picture centred over a copy of itself stretched to the canvas may meet
// it with few jumps (a sky over a sky); its padding proves itself instead
// (stretch.go): each line outside is the picture's line at the same
// relative position, far closer than lines a little off that mapping.
// Over a blurred copy, one edge may not jump at all (a clear sky against
// the blurred sky): when the other jumps like a split and the lines
// outside both ends are calm (little detail along or across them, no jump
// a caption's text or an app's bubble makes, not uniform bars on both),
// the strong edge's mirrored position is taken for the weak one (calm.go).
//
// The profiles also read bars (bars.go): lines from an edge that are one
// colour, ending in a step across nearly the whole line. Letterbox bars, a
// frame's sides and a caption bar (whose lines may carry text between
// plain ones) are found so even when the picture's own flat edge lets the
// working copy's background in from the image's other edges. A border of
// one width is completed on the sides where the picture's edge has the
// border's colour, when those bars run at least as far; a side of a frame
// found on two or more sides ends, where no step ends it, at the line
// where uniform lines of another colour start sharply (a dark picture
// edge a few levels off a near-black frame); a frame whose four bars each
// end so ranks first. A pure white or black caption bar that no step
// ends (the picture's own edge is white, or a hazy sky) ends as far past
// its text block as it starts before it, or where its colour gives way
// first; the text is thin marks, a row of objects on white is not.
// When all four sides are plain lines of one colour (a picture on a plain
// background, in a frame of that colour, shows no edge), the picture is
// guessed inside even frames of 3% and 6.5% of the shorter side, each no
// wider than the plain lines on every side, ranked below every region
// found (plainground.go). On a 9:16 image with plain bars of one colour
// above and below that no step ends at both (a picture whose own
// background is the bars' colour), the picture is guessed centred at the
// usual photo shapes (16:9 to 2:3), the three least tall that cut only
// plain lines; pillarbox likewise on a 16:9 image.
// A picture centred over its own copy enlarged to cover the canvas and
// blurred may show no seam at all (a sky at its edge against the blurred
// sky): when the lines at two opposite edges carry little detail along
// them, the line rules found no picture centred with a margin on all
// four sides, and the canvas's outer ring is not plain, the padding is
// tested by its geometry (cover.go). On a grid of 96 cells a side, every
// centred rectangle is scored by how well the cells outside it follow the
// cells inside it mapped from the canvas's centre by the cover zoom
// (max(W/w, H/h)), blurred to match, up to a gain and an offset; the
// picture is the rectangle leaving the most cells outside whose fit is
// close while the fit two cells further in on a padded axis is clearly
// worse (a smooth photo fits every rectangle alike), placed at full
// resolution where the step on both mirrored sides together stands out of
// the lines around it. It is added after the rules' regions, unless one
// of them nearly coincides with it.
// When the profiles find nothing, no edge of the image is uniform and no
// cover padding is found, Find returns at once: an unframed photo costs
// only the profiles (and, rarely, the cover grid).
//
// Otherwise, on a copy downscaled to at most 320 pixels a side:
//
//  1. Background: the pixels reachable from the image's edge through flat,
//     smoothly varying pixels (a flood fill that stops at any step in
//     colour). Borders, bars, blurred padding and an app's chrome are
//     background; a picture's own flat sky is cut off from it by the step at
//     the picture's edge.
//  2. Content components: the connected non-background pixels. A picture is
//     one large component; caption text and chat bubbles are small ones.
//  3. Each large component's bounding box loses any uniform inner margin (a
//     chat bubble around a photo) and each of its sides is kept only if it
//     is straight: content along most of its length. A subject in front of
//     a white wall or under a dark sky has a ragged outline and is refused.
//  4. Seams: padding that is too detailed to be background (a stretched
//     copy, a light blur, replicated edge pixels) and two pictures that
//     touch are found as straight lines across which the image jumps, or
//     bands whose rows repeat.
//  5. Each side is refined at full resolution to the line of largest step,
//     then past a chat bubble's thin margin (one luma, witnessed on another
//     side, ending in a straight step; in a screenshot it ends where its
//     colour changes, so a photo's own black top rows stay). A text bubble
//     joined to the photo across a thin gap of the chat's colour is cut
//     off first: a fifth of a line unlike the chat, or a block of an
//     eighth at the line's end (a one-word bubble on the photo's side). In a screenshot, a side left open (the bubble's strip
//     with the time, and the next message, joined the photo) is closed
//     where the bubble's colour starts, and a wider band of it holding
//     marks is trimmed (bubble.go); never where that colour is also the
//     frame's. The bubble's colour is witnessed outside the opposite side
//     or the sides across; the band is read in full colour (a dark photo
//     edge can have a dark bubble's luma) and ends at a step of colour,
//     which JPEG's halved chroma may put a line or two further.
//
// A trimmed region must stand on evidence: at least two trimmed sides, or one
// side whose margin carries text (a caption). A region covers at least 15%
// of the image (8% for a photo in a screenshot, whose app's marks are
// evidence of their own) and is never the whole image. Find returns at most
// MaxRegions, best first.
//
// A screenshot's region whose corners a chat bubble rounded (the first
// pixels of each corner's diagonal have the colour just outside its sides,
// then step into the picture, alike on three corners or more) carries the
// arc's radius in Region.Corner; FillCorners paints the corners back from
// the picture just inside the arc before the region is hashed, and its
// sides drop an outermost line that resizing blended with the bubble's
// margin (trimBlended: one line a side at most). On pictures of sparse
// detail (textures, stripes, a chessboard) the painted corners moved the
// exact crop's PDQ hash 30-90 bits (corners.go).
//
// A region is hashed without copying it out: a Sampler computes the 64x64
// samples PDQ's filter keeps of it straight from the photo's pixels (the
// two box filters applied as one set of weights, only where decimation
// samples), and pdq.Hasher.HashLuma hashes them. The hash is the crop's, up
// to float rounding (TestSamplerHashesAsTheCrop), for a fraction of the
// work. A photo's regions overlap and each is hashed six times (as found,
// at two insets, each mirrored): after Sampler.Load, the Sampler computes
// each pixel's luma once into a plane of the photo and reads it from there,
// for the same samples bit for bit (TestSamplerLoadedIsTheSame).
// SquashedPair samples a region as found and mirrored in one pass over
// the rows both read, bit for bit the two calls' (TestSamplerPairIsBothCalls);
// the row filter keeps the weights every tent away from the ends shares
// in registers. Hashing from a coarser grid (a side squashed to 256 or 384
// instead of 512) was measured to move half the region hashes of the
// re-posts 15 bits or more: the samples stay PDQ's own.
//
// The profiles' figures are computed eight samples at a time, in 16-bit
// lanes of a uint64 (linesum.go), equal bit for bit to computing them one
// sample at a time, a line's share near its mean counted in the pass over
// the next line (which reads its samples anyway); a band padded on one
// axis is read in place, on the other axis only. The working copy's
// trims grow each line's index slice once, its components keep their
// runs with the pooled copy, and its flood tests a pixel's four
// neighbours in line; stretchedPad tries each pair of ends once and
// stops at a first side of padding that fits no better than the best
// pair so far: the same regions as before, for a sixth fewer
// instructions in Find on the re-posts (most of what is left reads pixels:
// the profiles' samples and the working copy's cells, whose counts are
// fixed; reading fewer of them, at 64 samples a line, lost copies in
// seven recall rows).
//
// The loops on top of Find's profile and the sampler's (luma, the line
// profiles' counts, the working copy's cells, flat mask and colour counts,
// the column filter) run 8 to 32 values a step in AVX or AVX2 assembly on
// amd64 CPUs that have it (the *_amd64.s files), next to the Go loops they
// replace, which run elsewhere or with -tags purego. Each kernel computes
// exactly what its loop computes (integer counts, or float32 products and
// sums rounded in the same order), and its test compares the two: a region
// and its hash do not depend on the machine. Together with the sampler's
// column-first filter they took region finding from 1.95x to 1.46x the
// hashing without it on the evaluation corpus's re-posts.
//
// Find, Crop and Squashed are safe for concurrent use: they keep no state
// between calls (the line profiles and the working copy are reused through
// sync.Pools: each call takes its own and gives it back when done). A
// Sampler reuses its buffers (and holds the loaded photo until Unload) and
// is not: one per goroutine.
package region
