# herken — see README.md. `make demo` and `make test` each do all the set-up
# a fresh Debian machine needs.

GO          ?= go
BIN         ?= bin/herken
# libjpeg-turbo through cgo when its development files are present; the
# pure-Go decoder otherwise (TAGS= forces it).
TAGS        ?= $(shell pkg-config --exists libturbojpeg 2>/dev/null && echo turbojpeg)
GOFLAGS_TAGS = $(if $(TAGS),-tags $(TAGS))
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
# Debian packages the build and the tests use: libjpeg-turbo for the exact
# and fast JPEG decoder, djpeg (libjpeg-turbo-progs) as the reference the
# tests and benchmarks compare against, chromium for the web page's browser
# tests, ffmpeg (with ffprobe) to decode videos, python3-tz and
# python3-requests for CIRCL's hashlookup-analyser, which the tests run
# against herken's DCSO filters.
APT_PACKAGES = pkg-config libturbojpeg0-dev libjpeg-turbo-progs chromium ffmpeg python3-tz python3-requests
DEMO_DIR    ?= demo-data

.PHONY: all setup build test test-all test-turbo test-purego test-race bench bench-run bench-quick corpus accuracy negative identification fuzz fuzz-short crash cluster-test loadtest screenshots lint demo cluster-demo clean

all: build

# setup installs the Debian packages (as root or with sudo) when missing.
setup:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing >/dev/null; \
	fi

build: setup
	$(MAKE) --no-print-directory $(BIN)

$(BIN): FORCE
	$(GO) build $(GOFLAGS_TAGS) -o $(BIN) ./cmd/herken

FORCE:

# test is what CI runs on every change, sized to finish in about 15
# minutes on two busy cores from a fresh clone: the whole suite on the
# production build (libjpeg-turbo), the pure-Go decoder where the decoder
# matters (the decoders and the golden hashes: matcher, matcher/media), the race detector on the concurrent packages
# (-short; not matcher/region, whose Find and Crop are pure functions
# without shared state: under -race its tests took 3 of CI's 16 minutes),
# a short fuzz of each target, and lint. test-all runs every
# package in all three builds; the long fuzz, crash, load, cluster and
# browser runs have their own targets. Sub-makes see the packages setup
# installed.
RACE_PKGS   = ./cluster/... ./cmd/... ./index/... ./ingest/... ./matcher/ ./matcher/known/... ./matcher/knowntest/... \
              ./matcher/media/... ./matcher/pdq/... ./matcher/signals/... ./matcher/video/...
PUREGO_PKGS = ./matcher/ ./matcher/media/
test: setup
	$(MAKE) --no-print-directory test-turbo TAGS=turbojpeg
	$(MAKE) --no-print-directory test-purego
	$(MAKE) --no-print-directory test-race
	$(MAKE) --no-print-directory fuzz-short
	$(MAKE) --no-print-directory lint

test-all: setup
	$(MAKE) --no-print-directory test-turbo TAGS=turbojpeg
	$(MAKE) --no-print-directory test-purego PUREGO_PKGS=./...
	$(MAKE) --no-print-directory test-race RACE_PKGS=./...
	$(MAKE) --no-print-directory fuzz-short
	$(MAKE) --no-print-directory lint

test-turbo:
	$(GO) test $(GOFLAGS_TAGS) -count=1 ./...

test-purego:
	$(GO) test -tags '' -count=1 $(PUREGO_PKGS)

test-race:
	$(GO) test $(GOFLAGS_TAGS) -race -short -count=1 $(RACE_PKGS)

# bench measures everything and writes the bench report: the Go benchmarks
# (bench/out/bench.txt -> bench/REPORT.md, ratios against baselines from the
# same run), the accuracy evaluation on the Debian-package corpus
# (bench/REPORT-accuracy.md, plots in bench/plots), video accuracy
# (bench/REPORT-video.md) and the load test (bench/REPORT-load.md).
# bench-quick does a short version in a few minutes and writes its reports
# to bench/out, leaving the committed ones alone: short benchmarks, a
# 10-second load test, accuracy on a corpus made from the fixtures.
BENCHTIME ?= 1s
CORPUS_DIR ?= /tmp/herken-corpus
REPORT_DIR ?= bench
bench: setup
	$(MAKE) --no-print-directory bench-run
	$(GO) test $(GOFLAGS_TAGS) -count=1 -run '^TestVideoAccuracy$$' ./bench/ -args -video-report $(CURDIR)/bench/REPORT-video.md
	$(MAKE) --no-print-directory accuracy
	$(MAKE) --no-print-directory identification
	HERKEN_BENCH_LARGE=1 $(GO) test $(GOFLAGS_TAGS) -run '^$$' -bench . -timeout 60m ./index/hamming/ | tee -a bench/out/bench.txt
	$(GO) run ./bench/report -in bench/out/bench.txt -out bench/REPORT.md -command "make bench"

bench-quick: setup
	$(MAKE) --no-print-directory bench-run BENCHTIME=10x LOAD_DURATION=10s REPORT_DIR=bench/out
	$(MAKE) --no-print-directory accuracy CORPUS_DIR=$(CORPUS_DIR)-fixtures CORPUS_FLAGS=--fixtures ACCURACY_OUT=bench/out
	$(GO) run ./bench/report -in bench/out/bench.txt -out bench/out/REPORT.md -command "make bench-quick"

# PDQ_REFERENCE names Meta's pdq-photo-hasher (make pdq-photo-hasher in
# pdq/cpp of facebook/ThreatExchange; it reads images through ImageMagick):
# when set, the report compares herken with it.
PDQ_REFERENCE ?=
bench-run:
	mkdir -p bench/out
	HERKEN_PDQ_REFERENCE=$(PDQ_REFERENCE) $(GO) test $(GOFLAGS_TAGS) -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -timeout 60m ./... | tee bench/out/bench.txt
	$(MAKE) --no-print-directory loadtest

# corpus builds the evaluation corpus from Debian photo packages with
# apt-get download and dpkg -x (about 190 MB; nothing is installed), with a
# manifest of sha256 sums and derived copies made with a fixed seed;
# CORPUS_FLAGS=--fixtures builds it offline from the committed fixtures.
corpus:
	$(GO) run ./bench/corpus build --out $(CORPUS_DIR) $(CORPUS_FLAGS)

# accuracy evaluates every signal on the corpus: recall per transform,
# false positives over all pairs, curves, thresholds, dihedral gain.
ACCURACY_OUT ?= bench
accuracy:
	test -f $(CORPUS_DIR)/MANIFEST.tsv || $(MAKE) --no-print-directory corpus
	mkdir -p $(ACCURACY_OUT)
	$(GO) run $(GOFLAGS_TAGS) ./bench/accuracy --corpus $(CORPUS_DIR) --out $(ACCURACY_OUT) \
		--corpus-command '$(GO) run ./bench/corpus build --out $(CORPUS_DIR) $(CORPUS_FLAGS)'

# negative builds the negative corpus (issue 14): tiles and pictures from
# Debian packages, none a copy of another (near-duplicate pictures and
# tiles grouped, one of each kept). identification counts its false pairs
# through the full query path under candidate decision rules, measures
# recall on the evaluation corpus's re-posts under them, chooses the rule
# and writes bench/REPORT-identification.md.
NEGATIVE_DIR ?= /tmp/herken-negative
negative:
	$(GO) run ./bench/negative build --out $(NEGATIVE_DIR)

identification:
	test -f $(NEGATIVE_DIR)/NEGATIVE.tsv || $(MAKE) --no-print-directory negative
	test -f $(CORPUS_DIR)/MANIFEST.tsv || $(MAKE) --no-print-directory corpus
	$(GO) run $(GOFLAGS_TAGS) ./bench/identification --negative $(NEGATIVE_DIR) --corpus $(CORPUS_DIR) \
		--out bench/REPORT-identification.md --command 'make identification' \
		--build-command '$(GO) run ./bench/negative build --out $(NEGATIVE_DIR)' \
		--corpus-command '$(GO) run ./bench/corpus build --out $(CORPUS_DIR) $(CORPUS_FLAGS)'

# fuzz runs each fuzz target for FUZZTIME executions; the tests run their
# seeds, and make test runs each for FUZZTIME_SHORT. Budgets are counts, not
# durations: a duration makes Go 1.26's fuzz coordinator report a spurious
# "context deadline exceeded" when a busy worker is still running as the
# time runs out (golang/go#75804, fixed in Go 1.27).
FUZZTIME ?= 500000x
FUZZTIME_SHORT ?= 5000x
FUZZ_TARGETS = ./matcher/media/:FuzzDecode ./matcher/media/:FuzzSniff ./matcher/signals/:FuzzParse \
	./ingest/hashlist/:FuzzRead ./ingest/service/:FuzzBatchLine ./ingest/fetch/:FuzzParseURL
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		echo "fuzz $$t for $(FUZZTIME)"; \
		$(GO) test $(GOFLAGS_TAGS) -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) "$${t%%:*}" || exit 1; \
	done

fuzz-short:
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZTIME_SHORT)

# crash kills herken serve with SIGKILL CRASH_ROUNDS times during ingest
# and matching and checks every acknowledged item (make test does 3).
CRASH_ROUNDS ?= 30
crash: setup
	HERKEN_CRASH_ROUNDS=$(CRASH_ROUNDS) $(GO) test $(GOFLAGS_TAGS) -count=1 -run '^TestCrashDuringIngest$$' -v ./cmd/herken/

# cluster-test runs the cluster mode's tests the long way: 1000 writes for
# the freshness figures, and the fault test (3 NATS nodes and 3 replicas as
# processes under ingest and lookups) killing and restarting every NATS
# node and replica in turn. make test runs them short.
cluster-test: setup
	HERKEN_CLUSTER_TEST_LONG=1 $(GO) test $(GOFLAGS_TAGS) -count=1 -v -run 'Apply|Follow|Replica|CutOff|FolderWithContent|Cluster' ./index/ ./cluster/... ./cmd/herken/

# loadtest starts herken serve on loopback with the demo bank and drives it
# for LOAD_DURATION with lookups and uploads; the results (throughput,
# p50/p99, memory) go to $(REPORT_DIR)/REPORT-load.md.
LOAD_DURATION ?= 3m
loadtest: build
	@set -e; d=$$(mktemp -d); \
	$(BIN) init --data $$d/data >/dev/null; \
	$(BIN) bank create demo --data $$d/data --category incitement >/dev/null; \
	$(BIN) import --data $$d/data --bank demo $(DEMO_KNOWN) >/dev/null; \
	key=$$($(BIN) keys create --data $$d/data --role crawler --name loadtest 2>/dev/null); \
	$(BIN) serve --data $$d/data --listen 127.0.0.1:18931 2>$$d/serve.log & pid=$$!; \
	sleep 2; \
	status=0; $(GO) run ./bench/loadgen --url http://127.0.0.1:18931 --key $$key --duration $(LOAD_DURATION) --pid $$pid \
		> $(REPORT_DIR)/REPORT-load.md || status=$$?; \
	kill $$pid; wait $$pid || true; rm -rf $$d; cat $(REPORT_DIR)/REPORT-load.md; exit $$status

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(GOFLAGS_TAGS) ./...
	$(GO) vet -tags '' ./...
	$(GO) run $(STATICCHECK) -tags '$(TAGS)' ./...
	$(GO) run $(STATICCHECK) ./...

# demo is the main job on the embedded default: it builds herken, creates an
# index in $(DEMO_DIR) (Badger in a local folder) with a demo bank of known
# photos (the ThreatExchange test images standing in for known items),
# shows a match from the command line, and serves the API on
# $(DEMO_LISTEN) until interrupted. Run it again: it reuses the index.
DEMO_KNOWN  = fixtures/pdq/threatexchange/pdq/data/bridge-mods
DEMO_LISTEN ?= 127.0.0.1:8080
demo: build
	@$(BIN) version
	@[ -f $(DEMO_DIR)/MANIFEST ] || $(BIN) init --data $(DEMO_DIR)
	@$(BIN) bank show demo --data $(DEMO_DIR) >/dev/null 2>&1 || \
		$(BIN) bank create demo --data $(DEMO_DIR) --source "ThreatExchange test images" \
			--category incitement --description "demo bank: ordinary test photos standing in for known items" >/dev/null
	$(BIN) import --data $(DEMO_DIR) --bank demo $(DEMO_KNOWN)
	$(BIN) match --data $(DEMO_DIR) fixtures/pdq/threatexchange/pdq/data/misc-images/modes/CMYK.jpg \
		fixtures/pdq/debian/derived/t09_astronaut__reencode_q92.jpg || [ $$? = 3 ]
	@echo
	@echo "Serving the API; try, in another terminal:"
	@echo "  curl -s --data-binary @fixtures/pdq/threatexchange/pdq/data/misc-images/modes/RGB.jpg http://$(DEMO_LISTEN)/v1/match"
	@echo "  curl -s 'http://$(DEMO_LISTEN)/v1/lookup?type=pdq&value=d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22'"
	@echo "Stop with Ctrl-C."
	$(BIN) serve --data $(DEMO_DIR) --listen $(DEMO_LISTEN) --insecure-no-auth

# cluster-demo is the cluster mode on one machine (issue 15): 3 NATS
# JetStream nodes routed to each other and 3 herken replicas (serve
# --cluster), all on loopback, each with its own folder under
# $(CLUSTER_DEMO_DIR), and the demo bank put in through the admin CLI with
# --cluster. It prints the replicas' URLs and an admin key and runs until
# Ctrl-C, which stops the replicas, then the nodes. Run it again: it reuses
# the folder. The NATS server is linked into bin/herken-cluster-demo only,
# not into herken (which it would make 13 MB larger). CLUSTER_DEMO_FLAGS
# passes flags, e.g. --listen 127.0.0.1:9081,127.0.0.1:9082,127.0.0.1:9083.
CLUSTER_DEMO_DIR   ?= cluster-demo-data
CLUSTER_DEMO_FLAGS ?=
cluster-demo: build
	$(GO) build -o bin/herken-cluster-demo ./cmd/herken-cluster-demo
	bin/herken-cluster-demo --herken $(BIN) --dir $(CLUSTER_DEMO_DIR) --known $(DEMO_KNOWN) $(CLUSTER_DEMO_FLAGS)

# screenshots writes PNGs of the web page's main views at 1366x768 to
# docs/screenshots (headless Chromium against a real service).
screenshots: setup
	$(GO) test -count=1 -run '^(TestScreenshots|TestReportPage)$$' ./ingest/web/ -args -screenshots=$(CURDIR)/docs/screenshots

clean:
	rm -rf bin $(DEMO_DIR) $(CLUSTER_DEMO_DIR)
