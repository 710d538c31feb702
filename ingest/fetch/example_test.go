package fetch_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"

	"github.com/atkm/herken/ingest/fetch"
)

func ExampleFetcher_Fetch() {
	f, err := fetch.New(fetch.Config{})
	if err != nil {
		panic(err)
	}
	for _, u := range []string{
		"http://169.254.169.254/latest/meta-data",
		"http://evil.example@127.0.0.1/",
		"http://0x7f.0.0.1/",
		"http://[::ffff:7f00:1]/",
		"http://example.com:6379/",
	} {
		err := f.Fetch(context.Background(), u, func(body io.Reader, meta fetch.Meta) error {
			h := sha256.New()
			_, err := io.Copy(h, body)
			return err
		})
		var fe *fetch.Error
		if errors.As(err, &fe) {
			fmt.Printf("%s client=%v\n  %v\n", fe.Code, fe.Client(), err)
		}
	}
	// Output:
	// forbidden_address client=true
	//   fetch: http://169.254.169.254/latest/meta-data: address 169.254.169.254 is link-local (cloud metadata); only public addresses are fetched
	// userinfo_not_allowed client=true
	//   fetch: http://evil.example@127.0.0.1/: user information "evil.example@" before host 127.0.0.1 is not allowed
	// invalid_url client=true
	//   fetch: http://0x7f.0.0.1/: host "0x7f.0.0.1" is neither a host name nor a dotted-decimal IPv4 address; decimal, octal, hex and shortened IPv4 forms are refused
	// forbidden_address client=true
	//   fetch: http://[::ffff:7f00:1]/: address ::ffff:127.0.0.1 is an IPv4-mapped IPv6 address embedding 127.0.0.1, which is loopback; only public addresses are fetched
	// forbidden_port client=true
	//   fetch: http://example.com:6379/: port 6379 is not allowed; only ports 80, 443 are fetched
}
