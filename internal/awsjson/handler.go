package awsjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// ContentType is the media type of every response body.
const ContentType = "application/x-amz-json-1.1"

// DefaultMaxBodyBytes bounds request bodies when Config.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 1 << 20

// Protocol error codes. They are not part of any service model; AWS
// front-ends answer them for every JSON service.
const (
	CodeUnknownOperation     = "UnknownOperationException"
	CodeSerialization        = "SerializationException"
	CodeUnsupportedOperation = "UnsupportedOperationException"
	CodeInternalError        = "InternalErrorException"
)

// exposedHeaders is what the real service sends in
// Access-Control-Expose-Headers.
const exposedHeaders = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"

// defaultAllowedHeaders answers a preflight that names no headers.
const defaultAllowedHeaders = "content-type, x-amz-target, x-amz-user-agent, cache-control, authorization, " +
	"x-amz-date, x-amz-security-token, x-amz-content-sha256, amz-sdk-invocation-id, amz-sdk-request"

// maxHeaderMessage bounds x-amzn-ErrorMessage; the body keeps the full text.
const maxHeaderMessage = 1024

// Endpoint is one implemented operation.
type Endpoint struct {
	// NewInput returns a pointer to a new, empty input value to decode into.
	NewInput func() any
	// Call runs the operation on the decoded (and validated) input. A nil
	// output is written as {}.
	Call func(ctx context.Context, in any) (any, error)
	// MaxBodyBytes, when set, bounds this operation's request body instead
	// of Config.MaxBodyBytes.
	MaxBodyBytes int64
}

// Op builds an Endpoint from a typed function.
func Op[In, Out any](f func(ctx context.Context, in *In) (*Out, error)) Endpoint {
	return Endpoint{
		NewInput: func() any { return new(In) },
		Call: func(ctx context.Context, in any) (any, error) {
			out, err := f(ctx, in.(*In))
			if err != nil || out == nil {
				return nil, err // never a typed nil inside an interface
			}
			return out, nil
		},
	}
}

// Config configures a handler.
type Config struct {
	// TargetPrefix is the part of X-Amz-Target before the dot, such as
	// "AWSCognitoIdentityProviderService".
	TargetPrefix string
	// Endpoints maps operation names to their implementation.
	Endpoints map[string]Endpoint
	// Known lists every operation of the service model. A known operation
	// without an endpoint answers UnsupportedOperationException naming it;
	// any other name answers UnknownOperationException.
	Known []string
	// Status maps an error code to its HTTP status. When nil, every code
	// answers 400 except InternalErrorException (500).
	Status func(code string) int
	// Admit, when set, runs for every routed request Authorize let through
	// (so that requests refused for their signature spend no quota): a
	// refusal, such as a throttle's, is the answer.
	Admit func(ctx context.Context, info *RequestInfo) error
	// Authorize, when set, runs for every routed request after the body is
	// read and before it is decoded (the place for SigV4 verification; the
	// RequestInfo carries the raw body). A returned error is written like
	// an endpoint error.
	Authorize func(ctx context.Context, info *RequestInfo) error
	// Logger receives one line per request; slog.Default() when nil.
	Logger *slog.Logger
	// MaxBodyBytes bounds the request body; DefaultMaxBodyBytes when 0.
	MaxBodyBytes int64
}

// RequestInfo describes the request being served. Endpoints read it with
// Info.
type RequestInfo struct {
	ID         string // the x-amzn-RequestId sent back
	Operation  string // operation name from X-Amz-Target; "" if unrouted
	RemoteAddr string
	Header     http.Header
	Received   time.Time
	// Request is the HTTP request; its body has been consumed into Body.
	Request *http.Request
	// Body is the raw request body, as received.
	Body []byte
}

type infoKey struct{}

// Info returns the RequestInfo of the request ctx belongs to, or nil.
func Info(ctx context.Context) *RequestInfo {
	info, _ := ctx.Value(infoKey{}).(*RequestInfo)
	return info
}

// Error is a protocol or service error with a wire code. Status 0 means
// "ask Config.Status".
type Error struct {
	Code    string
	Message string
	Status  int
}

func (e *Error) Error() string        { return e.Code + ": " + e.Message }
func (e *Error) ErrorCode() string    { return e.Code }
func (e *Error) ErrorMessage() string { return e.Message }

// coded is what an error needs to be sent with its own code.
type coded interface {
	error
	ErrorCode() string
	ErrorMessage() string
}

type handler struct {
	c     Config
	known map[string]bool
}

// NewHandler returns the http.Handler serving c.
func NewHandler(c Config) http.Handler {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.Status == nil {
		c.Status = func(code string) int {
			if code == CodeInternalError {
				return http.StatusInternalServerError
			}
			return http.StatusBadRequest
		}
	}
	h := &handler{c: c, known: map[string]bool{}}
	for _, op := range c.Known {
		h.known[op] = true
	}
	return h
}

// result is what one request ends with; it is written once.
type result struct {
	status int
	body   []byte
	err    coded // nil on success
	cause  error // logged for internal errors, never sent
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info := &RequestInfo{
		ID:         uuid.NewString(),
		RemoteAddr: r.RemoteAddr,
		Header:     r.Header,
		Received:   time.Now(),
		Request:    r,
	}
	hd := w.Header()
	hd.Set("x-amzn-RequestId", info.ID)
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Set("Access-Control-Expose-Headers", exposedHeaders)

	var res result
	if r.Method == http.MethodOptions {
		res = h.preflight(w, r)
	} else {
		res = h.serve(r, info)
	}
	h.write(w, &res)
	h.log(r.Context(), info, res)
}

func (h *handler) preflight(w http.ResponseWriter, r *http.Request) result {
	hd := w.Header()
	hd.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	allowed := r.Header.Get("Access-Control-Request-Headers")
	if allowed == "" {
		allowed = defaultAllowedHeaders
	}
	hd.Set("Access-Control-Allow-Headers", allowed)
	hd.Set("Access-Control-Max-Age", "7200")
	hd.Add("Vary", "Access-Control-Request-Headers")
	return result{status: http.StatusOK}
}

// serve runs everything that can fail, recovering panics.
func (h *handler) serve(r *http.Request, info *RequestInfo) (res result) {
	defer func() {
		if p := recover(); p != nil {
			res = internal(fmt.Errorf("panic: %v\n%s", p, debug.Stack()))
		}
	}()

	if r.Method != http.MethodPost {
		return fail(&Error{Code: CodeUnknownOperation, Message: "Only POST requests are supported.", Status: http.StatusMethodNotAllowed})
	}
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), h.c.TargetPrefix+".")
	if !ok || op == "" {
		// The real service sends {"__type":"UnknownOperationException"},
		// without a message.
		return fail(&Error{Code: CodeUnknownOperation, Status: http.StatusBadRequest})
	}
	ep, implemented := h.c.Endpoints[op]
	if !implemented {
		if h.known[op] {
			info.Operation = op
			return fail(&Error{Code: CodeUnsupportedOperation, Message: "Ninshou does not implement " + op + " yet."})
		}
		return fail(&Error{Code: CodeUnknownOperation, Status: http.StatusBadRequest})
	}
	info.Operation = op

	limit := h.c.MaxBodyBytes
	if ep.MaxBodyBytes > 0 {
		limit = ep.MaxBodyBytes
	}
	body, rerr := h.readBody(r, limit)
	if rerr != nil {
		return fail(rerr)
	}
	info.Body = body
	ctx := context.WithValue(r.Context(), infoKey{}, info)

	if h.c.Authorize != nil {
		if err := h.c.Authorize(ctx, info); err != nil {
			return h.failure(err)
		}
	}
	if h.c.Admit != nil {
		if err := h.c.Admit(ctx, info); err != nil {
			return h.failure(err)
		}
	}

	in := ep.NewInput()
	if err := decode(body, in); err != nil {
		return fail(err)
	}
	if v, ok := in.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return h.failure(err)
		}
	}
	out, err := ep.Call(ctx, in)
	if err != nil {
		return h.failure(err)
	}
	if out == nil {
		return result{status: http.StatusOK, body: []byte("{}")}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return internal(fmt.Errorf("marshal %s output: %w", op, err))
	}
	return result{status: http.StatusOK, body: b}
}

func (h *handler) readBody(r *http.Request, limit int64) ([]byte, *Error) {
	tooLarge := &Error{
		Code:    CodeSerialization,
		Message: "Request body is larger than " + strconv.FormatInt(limit, 10) + " bytes.",
		Status:  http.StatusRequestEntityTooLarge,
	}
	if r.ContentLength > limit {
		return nil, tooLarge
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, &Error{Code: CodeSerialization, Message: "Could not read the request body."}
	}
	if int64(len(b)) > limit {
		return nil, tooLarge
	}
	return b, nil
}

// decode reads a JSON object into in. An empty body is {}; null members
// leave their field absent; unknown members are ignored. Messages follow
// the service's SerializationException texts where known and never echo
// request values.
func decode(body []byte, in any) *Error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	if body[0] != '{' {
		if string(body) == "null" {
			return nil
		}
		return &Error{Code: CodeSerialization, Message: "Start of structure or map expected: the body must be a JSON object."}
	}
	err := json.Unmarshal(body, in)
	if err == nil {
		return nil
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &Error{Code: CodeSerialization, Message: "Malformed JSON at byte offset " + strconv.FormatInt(se.Offset, 10) + "."}
	case errors.As(err, &te):
		return &Error{Code: CodeSerialization, Message: typeMessage(te)}
	}
	return &Error{Code: CodeSerialization, Message: "Invalid value in the request body."}
}

// typeMessage phrases a JSON type mismatch the way the AWS Coral
// deserializer does ("STRING_VALUE can not be converted to an Integer",
// "Start of structure or map found where not expected.").
func typeMessage(te *json.UnmarshalTypeError) string {
	kind := te.Value
	if strings.HasPrefix(kind, "number") {
		kind = "number"
	}
	switch kind {
	case "object":
		return "Start of structure or map found where not expected."
	case "array":
		return "Start of list found where not expected."
	}
	// A scalar where a map or a list belongs: Cognito's own words,
	// "Expected map or null" (aws-amplify/amplify-js#4738) and "Unexpected
	// field type" (measured in floci-io/floci#2869).
	if t := te.Type; t != nil {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch {
		case t.Kind() == reflect.Map:
			return "Expected map or null"
		case t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8:
			return "Unexpected field type"
		}
	}
	token := map[string]string{"string": "STRING_VALUE", "number": "NUMBER_VALUE", "bool": "BOOLEAN_VALUE"}[kind]
	if token == "" {
		token = "Value"
	}
	return token + " can not be converted to " + javaType(te.Type)
}

func javaType(t reflect.Type) string {
	if t == nil {
		return "the expected type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a String"
	case reflect.Bool:
		return "a Boolean"
	case reflect.Int32, reflect.Int, reflect.Int16, reflect.Int8:
		return "an Integer"
	case reflect.Int64:
		return "a Long"
	case reflect.Float32, reflect.Float64:
		return "a Double"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a Blob"
		}
		return "a List"
	case reflect.Map:
		return "a Map"
	case reflect.Struct:
		return "a Structure"
	}
	return "the expected type"
}

// failure turns an error from validation, authorization or an endpoint
// into a result: coded errors keep their code, anything else is internal.
func (h *handler) failure(err error) result {
	var c coded
	if errors.As(err, &c) && c.ErrorCode() != "" {
		res := fail(c)
		if c.ErrorCode() == CodeInternalError {
			res.cause = err
		}
		return res
	}
	return internal(err)
}

func fail(c coded) result { return result{err: c} }

func internal(cause error) result {
	return result{
		err:   &Error{Code: CodeInternalError, Message: "Internal server error.", Status: http.StatusInternalServerError}, // Cognito's text (floci-io/floci#2869 measured it)
		cause: cause,
	}
}

type errorBody struct {
	Type    string `json:"__type"`
	Message string `json:"message,omitempty"`
}

// serializationBody is a SerializationException's: Cognito spells its key
// "Message" (aws-amplify/amplify-js#4738, floci-io/floci#2869), unlike
// every other error's "message".
type serializationBody struct {
	Type    string `json:"__type"`
	Message string `json:"Message,omitempty"`
}

func (h *handler) write(w http.ResponseWriter, res *result) {
	hd := w.Header()
	if res.err != nil {
		code, msg := res.err.ErrorCode(), res.err.ErrorMessage()
		if res.status == 0 {
			var e *Error
			if errors.As(res.err, &e) && e.Status != 0 {
				res.status = e.Status
			} else {
				res.status = h.c.Status(code)
			}
		}
		if code == CodeSerialization {
			res.body, _ = json.Marshal(serializationBody{Type: code, Message: msg})
		} else {
			res.body, _ = json.Marshal(errorBody{Type: code, Message: msg})
		}
		hd.Set("x-amzn-ErrorType", code+":")
		if msg != "" {
			hd.Set("x-amzn-ErrorMessage", headerSafe(msg))
		}
	}
	if res.body != nil {
		hd.Set("Content-Type", ContentType)
		hd.Set("Content-Length", strconv.Itoa(len(res.body)))
	} else {
		hd.Set("Content-Length", "0")
	}
	w.WriteHeader(res.status)
	_, _ = w.Write(res.body)
}

// headerSafe makes msg a valid, bounded header value.
func headerSafe(msg string) string {
	b := []byte(msg)
	for i, c := range b {
		if c < 0x20 || c == 0x7f {
			b[i] = ' '
		}
	}
	if len(b) > maxHeaderMessage {
		b = b[:maxHeaderMessage]
		// do not cut a UTF-8 sequence in half
		for len(b) > 0 && b[len(b)-1]&0xC0 == 0x80 {
			b = b[:len(b)-1]
		}
		if len(b) > 0 && b[len(b)-1] >= 0xC0 {
			b = b[:len(b)-1]
		}
	}
	return string(b)
}

func (h *handler) log(ctx context.Context, info *RequestInfo, res result) {
	attrs := []slog.Attr{
		slog.String("request_id", info.ID),
		slog.String("op", info.Operation),
		slog.Int("status", res.status),
		slog.Duration("duration", time.Since(info.Received)),
	}
	level := slog.LevelInfo
	if res.err != nil {
		attrs = append(attrs, slog.String("error_code", res.err.ErrorCode()))
		if res.cause != nil {
			level = slog.LevelError
			if ctx.Err() != nil {
				level = slog.LevelInfo // the client went away mid-request: nothing broke here
			}
			attrs = append(attrs, slog.String("error", res.cause.Error()))
		} else if m := res.err.ErrorMessage(); m != "" {
			attrs = append(attrs, slog.String("error_message", m))
		}
	}
	h.c.Logger.LogAttrs(ctx, level, "aws json request", attrs...)
}
