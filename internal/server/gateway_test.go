package server_test

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/roost-iot/roost/internal/roosttest"
)

// TestGatewayNoTCPKeepAlive: accepted device connections carry no TCP
// keep-alive timer (MQTT's keep alive is the liveness check). It reads the
// server side's socket from /proc/net/tcp, whose timer column is 2 while a
// keep-alive timer runs.
func TestGatewayNoTCPKeepAlive(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/net/tcp")
	}
	in := roosttest.StartServer(t)
	nc, err := net.Dial("tcp", in.Server.MQTTAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	server := hexAddr(t, nc.RemoteAddr()) // the server's end: local to it
	client := hexAddr(t, nc.LocalAddr())
	// The kernel lists the connection before the server accepts it (and
	// Go would set keep-alive then), so watch it for a while.
	var seen time.Time
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		timer, ok := tcpTimer(t, server, client)
		switch {
		case ok && timer != "00":
			t.Fatalf("server socket %s timer state %s; want 00 (no keep-alive timer)", server, timer)
		case ok && seen.IsZero():
			seen = time.Now()
		case ok && time.Since(seen) > 300*time.Millisecond:
			return
		case !ok && time.Now().After(deadline):
			t.Fatal("server socket not found in /proc/net/tcp")
		}
	}
}

// hexAddr is an IPv4 address as /proc/net/tcp writes it.
func hexAddr(t *testing.T, a net.Addr) string {
	ta := a.(*net.TCPAddr)
	ip := ta.IP.To4()
	if ip == nil {
		t.Fatalf("%v is not IPv4", a)
	}
	return fmt.Sprintf("%02X%02X%02X%02X:%04X", ip[3], ip[2], ip[1], ip[0], ta.Port)
}

// tcpTimer finds the socket local→remote in /proc/net/tcp and returns the
// timer part of its tr:tm->when column.
func tcpTimer(t *testing.T, local, remote string) (string, bool) {
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) > 5 && fs[1] == local && fs[2] == remote {
			return strings.SplitN(fs[5], ":", 2)[0], true
		}
	}
	return "", false
}
