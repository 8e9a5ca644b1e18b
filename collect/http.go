package collect

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/tracegraph/tracegraph/runtimegraph/spans"
)

// DefaultMaxMessageBytes bounds one OTLP request, decompressed, on either
// protocol.
const DefaultMaxMessageBytes = 16 << 20

// protojsonOpts reads OTLP/JSON as a receiver must: unknown fields are
// ignored.
var protojsonOpts = protojson.UnmarshalOptions{DiscardUnknown: true}

// HTTPHandler serves OTLP/HTTP (POST /v1/traces, protobuf or JSON, gzip
// or not), and /healthz, /readyz and /metrics.
func (c *Collector) HTTPHandler(maxBytes int) http.Handler {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxMessageBytes
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/traces", func(w http.ResponseWriter, r *http.Request) { c.serveTraces(w, r, maxBytes) })
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !c.Ready() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ready\n")
	})
	mux.Handle("GET /metrics", c.m.handler())
	return mux
}

func (c *Collector) serveTraces(w http.ResponseWriter, r *http.Request, maxBytes int) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	jsonBody := mt == "application/json"
	if !jsonBody && mt != "application/x-protobuf" {
		c.writeStatus(w, false, http.StatusUnsupportedMediaType, codes.InvalidArgument,
			fmt.Sprintf("content type %q: want application/x-protobuf or application/json", mt))
		return
	}
	var body io.Reader = r.Body
	switch enc := r.Header.Get("Content-Encoding"); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			c.writeStatus(w, jsonBody, http.StatusBadRequest, codes.InvalidArgument, "gzip body: "+err.Error())
			return
		}
		defer zr.Close()
		body = zr
	default:
		c.writeStatus(w, jsonBody, http.StatusUnsupportedMediaType, codes.InvalidArgument, fmt.Sprintf("content encoding %q: want gzip or none", enc))
		return
	}
	// Read one byte past the limit, so that a body of exactly the limit
	// passes and a longer one, compressed or not, is refused.
	data, err := io.ReadAll(io.LimitReader(body, int64(maxBytes)+1))
	if err != nil {
		c.writeStatus(w, jsonBody, http.StatusBadRequest, codes.InvalidArgument, "reading the body: "+err.Error())
		return
	}
	if len(data) > maxBytes {
		c.writeStatus(w, jsonBody, http.StatusRequestEntityTooLarge, codes.InvalidArgument,
			fmt.Sprintf("the request is over %d bytes (decompressed); send smaller batches", maxBytes))
		return
	}
	var res Result
	if jsonBody {
		var req coltracepb.ExportTraceServiceRequest
		err = protojsonOpts.Unmarshal(data, &req)
		if err == nil {
			err = spans.FixJSONIDs(req.GetResourceSpans())
		}
		if err != nil {
			c.writeStatus(w, jsonBody, http.StatusBadRequest, codes.InvalidArgument, "malformed OTLP request: "+err.Error())
			return
		}
		// Staged encoded as protobuf.
		res, err = c.ExportRequest(r.Context(), req.GetResourceSpans(), nil)
	} else {
		res, err = c.ExportProto(r.Context(), data)
	}
	if err != nil {
		switch {
		case errors.Is(err, ErrMalformed):
			c.writeStatus(w, jsonBody, http.StatusBadRequest, codes.InvalidArgument, err.Error())
		case errors.Is(err, ErrOverloaded):
			w.Header().Set("Retry-After", strconv.Itoa(int(max(1, c.opts.RetryAfter.Seconds()))))
			c.writeStatus(w, jsonBody, http.StatusTooManyRequests, codes.ResourceExhausted, err.Error())
		case errors.Is(err, ErrUnavailable):
			w.Header().Set("Retry-After", strconv.Itoa(int(max(1, c.opts.RetryAfter.Seconds()))))
			c.writeStatus(w, jsonBody, http.StatusServiceUnavailable, codes.Unavailable, err.Error())
		default:
			c.writeStatus(w, jsonBody, http.StatusInternalServerError, codes.Internal, err.Error())
		}
		return
	}
	writeMessage(w, jsonBody, http.StatusOK, exportResponse(res))
}

// writeStatus answers an error as OTLP/HTTP says: a google.rpc.Status in
// the request's encoding.
func (c *Collector) writeStatus(w http.ResponseWriter, jsonBody bool, httpCode int, code codes.Code, msg string) {
	c.log.Debug("refused an OTLP/HTTP request", "status", httpCode, "reason", msg)
	writeMessage(w, jsonBody, httpCode, &spb.Status{Code: int32(code), Message: msg})
}

func writeMessage(w http.ResponseWriter, jsonBody bool, httpCode int, m proto.Message) {
	var data []byte
	var err error
	if jsonBody {
		w.Header().Set("Content-Type", "application/json")
		data, err = protojson.Marshal(m)
	} else {
		w.Header().Set("Content-Type", "application/x-protobuf")
		data, err = proto.Marshal(m)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(httpCode)
	w.Write(data)
}
