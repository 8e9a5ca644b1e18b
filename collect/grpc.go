package collect

import (
	"context"
	"errors"
	"sync"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	grpcproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// traceService is OTLP/gRPC's TraceService over a Collector.
type traceService struct {
	coltracepb.UnimplementedTraceServiceServer
	c *Collector
}

// RegisterGRPC registers OTLP's TraceService for c on s, a server made
// with GRPCServerOptions.
func (c *Collector) RegisterGRPC(s *grpc.Server) {
	s.RegisterService(&traceServiceDesc, &traceService{c: c})
}

// GRPCServerOptions are the options a server for RegisterGRPC needs: the
// request size bound, and a codec that hands the Export handler the raw
// request, so that a malformed one is INVALID_ARGUMENT, as OTLP asks,
// rather than grpc's INTERNAL.
func GRPCServerOptions(maxBytes int) []grpc.ServerOption {
	return []grpc.ServerOption{grpc.MaxRecvMsgSize(maxBytes), grpc.ForceServerCodecV2(rawCodec{encoding.GetCodecV2(grpcproto.Name)})}
}

// rawRequest is a request's bytes, which rawCodec leaves undecoded, in a
// buffer of requestBuffers: a fresh copy of every request was a seventh of
// collect's allocation under load, and grpc's own pool zeroes each buffer
// it hands out, all its capacity, before the copy overwrites it. The
// handler frees the buffer once the export is answered, which is safe
// because nothing keeps the bytes (Store.Stage must not).
type rawRequest struct {
	b   []byte
	buf *[]byte
}

var requestBuffers sync.Pool // of *[]byte

func (r *rawRequest) free() { requestBuffers.Put(r.buf) }

type rawCodec struct{ encoding.CodecV2 }

func (c rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	if r, ok := v.(*rawRequest); ok {
		n := data.Len()
		p, _ := requestBuffers.Get().(*[]byte)
		if p == nil || cap(*p) < n {
			b := make([]byte, n)
			p = &b
		}
		*p = (*p)[:n]
		data.CopyTo(*p)
		r.b, r.buf = *p, p
		return nil
	}
	return c.CodecV2.Unmarshal(data, v)
}

// traceServiceDesc is the generated TraceService's, with an Export
// handler that decodes the request itself.
var traceServiceDesc = grpc.ServiceDesc{
	ServiceName: coltracepb.TraceService_ServiceDesc.ServiceName,
	HandlerType: (*coltracepb.TraceServiceServer)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Export",
		Handler: func(srv any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			var raw rawRequest
			if err := dec(&raw); err != nil {
				return nil, err
			}
			defer raw.free()
			t := srv.(*traceService)
			res, err := t.c.ExportProto(ctx, raw.b)
			if err != nil {
				return nil, t.c.grpcStatus(err)
			}
			return exportResponse(res), nil
		},
	}},
	Metadata: coltracepb.TraceService_ServiceDesc.Metadata,
}

func exportResponse(res Result) *coltracepb.ExportTraceServiceResponse {
	resp := &coltracepb.ExportTraceServiceResponse{}
	if res.Rejected > 0 {
		resp.PartialSuccess = &coltracepb.ExportTracePartialSuccess{RejectedSpans: res.Rejected, ErrorMessage: res.Reason}
	}
	return resp
}

// grpcStatus maps Export's errors onto the codes OTLP/gRPC exporters
// retry (RESOURCE_EXHAUSTED with RetryInfo, UNAVAILABLE) and the one they
// do not (INTERNAL).
func (c *Collector) grpcStatus(err error) error {
	code := codes.Internal
	switch {
	case errors.Is(err, ErrMalformed):
		return status.Error(codes.InvalidArgument, err.Error())
	case errors.Is(err, ErrOverloaded):
		code = codes.ResourceExhausted
	case errors.Is(err, ErrUnavailable):
		code = codes.Unavailable
	}
	st := status.New(code, err.Error())
	if code != codes.Internal {
		if d, derr := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(c.opts.RetryAfter)}); derr == nil {
			st = d
		}
	}
	return st.Err()
}
