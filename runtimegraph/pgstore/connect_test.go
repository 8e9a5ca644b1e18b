package pgstore

import (
	"strings"
	"testing"
	"time"
)

// TestConnectTimeout checks that a connect_timeout the user sets is the
// one used, longer than the default too (it was cut to 5 s), and that the
// default bounds a URL that sets none, or 0 (libpq's "for ever").
func TestConnectTimeout(t *testing.T) {
	for _, c := range []struct {
		url, env string
		want     time.Duration
	}{
		{"postgres://u@db.example:5432/events", "", DefaultConnectTimeout},
		{"postgres://u@db.example:5432/events?connect_timeout=30", "", 30 * time.Second},
		{"postgres://u@db.example:5432/events?connect_timeout=2", "", 2 * time.Second},
		{"postgres://u@db.example:5432/events?connect_timeout=0", "", DefaultConnectTimeout},
		{"host=db.example user=u connect_timeout=120", "", 120 * time.Second},
		{"postgres://u@db.example:5432/events", "45", 45 * time.Second},
	} {
		t.Setenv("PGCONNECT_TIMEOUT", c.env)
		cfg, err := parseConfig(c.url)
		if err != nil {
			t.Errorf("%s: %v", c.url, err)
			continue
		}
		if got := cfg.ConnConfig.ConnectTimeout; got != c.want {
			t.Errorf("%s (PGCONNECT_TIMEOUT=%q): connect timeout %v, want %v", c.url, c.env, got, c.want)
		}
	}
	if _, err := parseConfig("postgres://u:pw-secret@db.example/events?connect_timeout=soon"); err == nil {
		t.Error("connect_timeout=soon accepted")
	} else if msg := err.Error(); !strings.Contains(msg, "connect_timeout") || strings.Contains(msg, "pw-secret") {
		t.Errorf("bad connect_timeout: error %q should name the setting and hide the password", msg)
	}
}
