package server

import (
	"net/http"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/roost-iot/roost/internal/broker"
)

// metricsHandler exposes the gateway's counters in the Prometheus format.
// Messages per second are rate() of the totals; "messages metered" (AWS's
// pricing unit) is roost_mqtt_messages_received_total plus _sent_total.
func metricsHandler(st *broker.Stats) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	gauge := func(name, help string, v *atomic.Int64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help},
			func() float64 { return float64(v.Load()) }))
	}
	counter := func(name, help string, v *atomic.Int64, labels prometheus.Labels) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels},
			func() float64 { return float64(v.Load()) }))
	}
	gauge("roost_mqtt_connections", "Connected MQTT clients.", &st.Connections)
	gauge("roost_mqtt_connections_parked", "Connected MQTT clients parked while quiet (no goroutine).", &st.Parked)
	gauge("roost_mqtt_subscriptions", "Subscriptions of online and offline sessions.", &st.Subscriptions)
	counter("roost_mqtt_messages_received_total", "Messages published to the gateway (MQTT, HTTPS, iot-data).", &st.MessagesIn, nil)
	counter("roost_mqtt_messages_sent_total", "Messages delivered to subscribers.", &st.MessagesOut, nil)
	counter("roost_mqtt_messages_dropped_total", "Deliveries dropped (full client queue, throttling, expiry).", &st.Dropped, nil)
	counter("roost_mqtt_received_bytes_total", "MQTT bytes read from clients.", &st.BytesIn, nil)
	counter("roost_mqtt_sent_bytes_total", "MQTT bytes written to clients.", &st.BytesOut, nil)
	for reason, v := range map[string]*atomic.Int64{
		"tls": &st.TLSFailures, "connect": &st.ConnectDenied, "publish": &st.PublishDenied,
		"subscribe": &st.SubscribeDenied, "receive": &st.ReceiveDenied,
	} {
		counter("roost_auth_failures_total", "Authorization failures by step.", v, prometheus.Labels{"reason": reason})
	}
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}
