package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

// fetcher gets a source's pages. Its client refuses private, loopback and
// link-local addresses (checked on the address actually dialled, so a
// name that resolves inward is refused too) unless the source allows them.
type fetcher struct {
	getenv func(string) string
	token  string
}

func newFetcher(getenv func(string) string) *fetcher {
	if getenv == nil {
		getenv = os.Getenv
	}
	return &fetcher{getenv: getenv}
}

func (s Source) isFile() bool {
	u, err := url.Parse(s.URL)
	return err == nil && (u.Scheme == "file" || u.Scheme == "")
}

func (s Source) path() string {
	if u, err := url.Parse(s.URL); err == nil && u.Scheme == "file" {
		return u.Path
	}
	return s.URL
}

var errInward = errors.New("address is private, loopback or link-local (set allow_private for a partner inside your network)")

func client(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: 30 * time.Second}
	if !allowPrivate {
		d.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip := net.ParseIP(host)
			if ip == nil || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() || ip.IsMulticast() {
				return fmt.Errorf("sync: %s: %w", host, errInward)
			}
			return nil
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = d.DialContext
	tr.Proxy = nil
	return &http.Client{
		Transport: tr,
		Timeout:   10 * time.Minute,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("sync: more than 5 redirects")
			}
			if req.URL.Scheme != "https" && !allowPrivate {
				return fmt.Errorf("sync: redirect to %s refused: not https", req.URL.Redacted())
			}
			return nil
		},
	}
}

// get returns a source's list, or its page after the checkpoint after
// (TCAP: ?order=asc&after=<checkpoint>).
func (f *fetcher) get(ctx context.Context, src Source, after string) (io.ReadCloser, error) {
	if src.isFile() {
		r, err := os.Open(src.path())
		if err != nil {
			return nil, fmt.Errorf("sync: %s: %w", src.Name, err)
		}
		return r, nil
	}
	u, err := url.Parse(src.URL)
	if err != nil {
		return nil, fmt.Errorf("sync: %s: %w", src.Name, err)
	}
	if src.format == "tcap" {
		q := u.Query()
		q.Set("order", "asc")
		if after != "" {
			q.Set("after", after)
		}
		u.RawQuery = q.Encode()
	}
	c := client(src.AllowPrivate)
	auth, err := f.authorization(ctx, c, src, u)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("sync: %s: %w", src.Name, err)
	}
	req.Header.Set("Accept", "application/json, text/csv, text/plain")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sync: %s: %w", src.Name, err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		resp.Body.Close()
		return nil, fmt.Errorf("sync: %s: GET %s: %s: %s", src.Name, u.Redacted(), resp.Status, strings.TrimSpace(string(b)))
	}
	return resp.Body, nil
}

func (f *fetcher) env(src Source, name string) (string, error) {
	v := f.getenv(name)
	if v == "" {
		return "", fmt.Errorf("sync: %s: environment variable %s is empty or not set", src.Name, name)
	}
	return v, nil
}

// authorization is the Authorization header for src: a bearer token from
// the environment, or one a TCAP login (POST /token-auth/tcap/ with the
// account from the environment) returns, once per run.
func (f *fetcher) authorization(ctx context.Context, c *http.Client, src Source, u *url.URL) (string, error) {
	switch {
	case src.TokenEnv != "":
		t, err := f.env(src, src.TokenEnv)
		if err != nil {
			return "", err
		}
		return "Bearer " + t, nil
	case src.UsernameEnv != "":
		if f.token != "" {
			return "Bearer " + f.token, nil
		}
		user, err := f.env(src, src.UsernameEnv)
		if err != nil {
			return "", err
		}
		pass, err := f.env(src, src.PasswordEnv)
		if err != nil {
			return "", err
		}
		login := url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/token-auth/tcap/"}
		form := url.Values{"username": {user}, "password": {pass}, "resend": {"False"}}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, login.String(), strings.NewReader(form.Encode()))
		if err != nil {
			return "", err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := c.Do(req)
		if err != nil {
			return "", fmt.Errorf("sync: %s: login: %w", src.Name, err)
		}
		defer resp.Body.Close()
		var body struct {
			Token string `json:"token"`
		}
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("sync: %s: login at %s: %s", src.Name, login.String(), resp.Status)
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil || body.Token == "" {
			return "", fmt.Errorf("sync: %s: login at %s answered no token", src.Name, login.String())
		}
		f.token = body.Token
		return "Bearer " + f.token, nil
	}
	return "", nil
}
