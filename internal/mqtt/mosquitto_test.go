package mqtt_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/roost-iot/roost/internal/mqtt"
)

// TestMosquittoClients runs the mosquitto command-line clients, when they
// are installed, against a minimal server built on this codec (it answers
// CONNECT, PUBLISH, PUBREL, SUBSCRIBE, UNSUBSCRIBE and PINGREQ). Each client
// must finish successfully, and every packet it sends must decode and
// survive an encode/decode round trip.
func TestMosquittoClients(t *testing.T) {
	pub, err1 := exec.LookPath("mosquitto_pub")
	sub, err2 := exec.LookPath("mosquitto_sub")
	if err1 != nil || err2 != nil {
		t.Skip("mosquitto clients not installed (apt-get install mosquitto-clients)")
	}
	srv := startMiniServer(t)
	runs := [][]string{
		{pub, "-V", "mqttv311", "-q", "1", "-t", "roost/dev1/telemetry", "-m", `{"t":1}`},
		{pub, "-V", "mqttv311", "-q", "2", "-r", "-u", "alice", "-P", "pw", "--will-topic", "w",
			"--will-payload", "bye", "-t", "roost/dev1/telemetry", "-m", "q2"},
		{pub, "-V", "mqttv5", "-q", "1", "-t", "roost/dev1/telemetry", "-m", "x",
			"-D", "publish", "user-property", "k", "v", "-D", "publish", "content-type", "text/plain",
			"-D", "publish", "message-expiry-interval", "30", "-D", "connect", "session-expiry-interval", "60"},
		{pub, "-V", "mqttv5", "-q", "2", "-t", "roost/dev1/telemetry", "-m", "x", "-D", "publish", "topic-alias", "1"},
		{sub, "-V", "mqttv311", "-q", "1", "-t", "roost/#", "-t", "a/+/b", "-E"},
		{sub, "-V", "mqttv5", "-q", "2", "-t", "roost/#", "-E", "-D", "subscribe", "subscription-identifier", "3"},
		{sub, "-V", "mqttv5", "-c", "-i", "keep", "-x", "60", "-t", "a/b", "-U", "a/b", "-E"},
	}
	for _, args := range runs {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		cmd := exec.CommandContext(ctx, args[0], append(args[1:], "-h", "127.0.0.1", "-p", srv.port)...)
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Errorf("%v: %v\n%s", args, err, out)
		}
	}
	types := srv.wait()
	for _, want := range []mqtt.PacketType{mqtt.TypeConnect, mqtt.TypePublish, mqtt.TypePubrel,
		mqtt.TypeSubscribe, mqtt.TypeUnsubscribe, mqtt.TypeDisconnect} {
		if types[want] == 0 {
			t.Errorf("no %s seen from the clients", want)
		}
	}
}

// miniServer answers just enough of MQTT for a client to finish.
type miniServer struct {
	t     *testing.T
	ln    net.Listener
	port  string
	wg    sync.WaitGroup
	mu    sync.Mutex
	types map[mqtt.PacketType]int
	errs  []error
}

func startMiniServer(t *testing.T) *miniServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &miniServer{t: t, ln: ln, types: map[mqtt.PacketType]int{},
		port: strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)}
	go s.accept()
	return s
}

func (s *miniServer) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			if err := s.serve(c); err != nil {
				s.mu.Lock()
				s.errs = append(s.errs, err)
				s.mu.Unlock()
			}
		}()
	}
}

// wait closes the listener, waits for the connections to end and reports
// the packet types seen.
func (s *miniServer) wait() map[mqtt.PacketType]int {
	s.ln.Close()
	s.wg.Wait()
	for _, err := range s.errs {
		s.t.Error(err)
	}
	return s.types
}

func (s *miniServer) serve(c net.Conn) error {
	br := bufio.NewReader(c)
	var v mqtt.Version
	for {
		p, err := mqtt.ReadPacket(br, v, 1<<20)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		if c, ok := p.(*mqtt.Connect); ok {
			v = c.Version
		}
		if err := roundTrip(p, v); err != nil {
			return err
		}
		s.mu.Lock()
		s.types[p.Type()]++
		s.mu.Unlock()
		reply := answer(p, v)
		if reply == nil {
			if p.Type() == mqtt.TypeDisconnect {
				return nil
			}
			continue
		}
		out, err := reply.AppendTo(nil, v)
		if err != nil {
			return err
		}
		if _, err := c.Write(out); err != nil {
			return err
		}
	}
}

func roundTrip(p mqtt.Packet, v mqtt.Version) error {
	enc, err := p.AppendTo(nil, v)
	if err != nil {
		return fmt.Errorf("encode %+v: %w", p, err)
	}
	h, body, _, err := mqtt.ParseFrame(enc, 0)
	if err != nil {
		return err
	}
	q, err := mqtt.Decode(h, body, v)
	if err != nil || !reflect.DeepEqual(p, q) {
		return fmt.Errorf("round trip of %+v gave %+v, %v", p, q, err)
	}
	return nil
}

func answer(p mqtt.Packet, v mqtt.Version) mqtt.Packet {
	switch p := p.(type) {
	case *mqtt.Connect:
		return &mqtt.Connack{SessionPresent: !p.CleanStart && p.ClientID != "", TopicAliasMaximum: 10}
	case *mqtt.Publish:
		switch p.QoS {
		case mqtt.QoS1:
			return &mqtt.Puback{PacketID: p.PacketID}
		case mqtt.QoS2:
			return &mqtt.Pubrec{PacketID: p.PacketID}
		}
	case *mqtt.Pubrel:
		return &mqtt.Pubcomp{PacketID: p.PacketID}
	case *mqtt.Subscribe:
		codes := make([]mqtt.ReasonCode, len(p.Subscriptions))
		for i, s := range p.Subscriptions {
			codes[i] = mqtt.ReasonCode(s.QoS)
		}
		return &mqtt.Suback{PacketID: p.PacketID, ReasonCodes: codes}
	case *mqtt.Unsubscribe:
		return &mqtt.Unsuback{PacketID: p.PacketID, ReasonCodes: make([]mqtt.ReasonCode, len(p.TopicFilters))}
	case *mqtt.Pingreq:
		return &mqtt.Pingresp{}
	}
	return nil
}
