package device

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Min: time.Second, Max: 10 * time.Second}
	for _, tc := range []struct {
		n        int
		lo, high time.Duration
	}{
		{0, 500 * time.Millisecond, time.Second},
		{1, time.Second, 2 * time.Second},
		{3, 4 * time.Second, 8 * time.Second},
		{4, 5 * time.Second, 10 * time.Second}, // capped
		{40, 5 * time.Second, 10 * time.Second},
		{1 << 20, 5 * time.Second, 10 * time.Second}, // no overflow
	} {
		t.Run(fmt.Sprintf("ok/%d", tc.n), func(t *testing.T) {
			for range 100 {
				if d := b.Delay(tc.n); d < tc.lo || d > tc.high {
					t.Fatalf("Delay(%d) = %v, want %v..%v", tc.n, d, tc.lo, tc.high)
				}
			}
		})
	}
}

func TestFileSensor(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, text string
		want       []float64 // nil: an error
	}{
		{"ok/cycles", "21.5\n\n# comment\n22\n", []float64{21.5, 22, 21.5, 22, 21.5}},
		{"ok/crlf", " 19.0\r\n-3\r\n", []float64{19, -3, 19}},
		{"fail/empty", "\n# nothing\n", nil},
		{"fail/not-a-number", "21\nwarm\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, filepath.Base(tc.name))
			os.WriteFile(path, []byte(tc.text), 0o644)
			s, err := FileSensor(path)
			if tc.want == nil {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range tc.want {
				if got := s(); got != w {
					t.Fatalf("reading %d = %v, want %v", i, got, w)
				}
			}
		})
	}
}

func TestRandomWalkStaysPlausible(t *testing.T) {
	s := RandomWalk()
	prev := s()
	for range 10000 {
		v := s()
		if v < 10 || v > 35 || v-prev > 0.6 || prev-v > 0.6 {
			t.Fatalf("reading %v after %v", v, prev)
		}
		prev = v
	}
}

func TestPercentile(t *testing.T) {
	r := &Report{}
	for i := 1; i <= 100; i++ {
		r.Latencies = append(r.Latencies, time.Duration(i)*time.Millisecond)
	}
	for q, want := range map[float64]time.Duration{0.5: 50 * time.Millisecond, 0.99: 99 * time.Millisecond, 1: 100 * time.Millisecond, 0: time.Millisecond} {
		if got := r.Percentile(q); got != want {
			t.Errorf("p%v = %v, want %v", q*100, got, want)
		}
	}
	if (&Report{}).Percentile(0.5) != 0 {
		t.Error("empty report")
	}
}

func TestReason(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&StepError{StepRegister, &Rejection{StatusCode: 400, ErrorCode: "InvalidParameters"}}, "register thing: InvalidParameters"},
		{&StepError{StepClaimConnect, fmt.Errorf("connect: %w", packets.ErrorRefusedNotAuthorised)}, "claim connect: NotAuthorized"},
		{&StepError{StepCreate, fmt.Errorf("no answer: %w", ErrTimeout)}, "create certificate: Timeout"},
		{&StepError{StepCreate, fmt.Errorf("%w: EOF", ErrConnectionLost)}, "create certificate: ConnectionLost"},
		{errors.New("odd"), "Other"},
	} {
		if got := Reason(tc.err); got != tc.want {
			t.Errorf("Reason(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"": JSON, "json": JSON, "CBOR": CBOR} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("xml accepted")
	}
}
