package awsjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

const prefix = "TestService"

type nested struct {
	Value *string `json:"Value,omitzero"`
}

type echoIn struct {
	Name   *string           `json:"Name,omitzero"`
	Count  *int32            `json:"Count,omitzero"`
	Tags   map[string]string `json:"Tags,omitzero"`
	List   []string          `json:"List,omitzero"`
	Nested *nested           `json:"Nested,omitzero"`
	Secret *string           `json:"Secret,omitzero"`
	Blob   []byte            `json:"Blob,omitzero"`
}

func (in *echoIn) Validate() error {
	if in.Name != nil && *in.Name == "invalid" {
		return &Error{Code: "InvalidParameterException", Message: "1 validation error detected: Value 'invalid' at 'name' failed to satisfy constraint: Member must be valid"}
	}
	return nil
}

type echoOut struct {
	Name     *string           `json:"Name,omitzero"`
	Count    *int32            `json:"Count,omitzero"`
	Tags     map[string]string `json:"Tags,omitzero"`
	Nested   *nested           `json:"Nested,omitzero"`
	Received bool              `json:"Received"`
}

type infoOut struct {
	ID        string
	Operation string
	Body      string
}

// domainErr is an error type from "another package": only the two methods.
type domainErr struct{ code, msg string }

func (e domainErr) Error() string        { return e.code + ": " + e.msg }
func (e domainErr) ErrorCode() string    { return e.code }
func (e domainErr) ErrorMessage() string { return e.msg }

type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(l.b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		out = append(out, m)
	}
	l.b.Reset()
	return out
}

func testConfig(logs io.Writer) Config {
	return Config{
		TargetPrefix: prefix,
		Endpoints: map[string]Endpoint{
			"Echo": Op(func(ctx context.Context, in *echoIn) (*echoOut, error) {
				return &echoOut{Name: in.Name, Count: in.Count, Tags: in.Tags, Nested: in.Nested, Received: true}, nil
			}),
			"Fail": Op(func(ctx context.Context, in *echoIn) (*echoOut, error) {
				return nil, domainErr{"NotAuthorizedException", "Incorrect username or password."}
			}),
			"FailWrapped": Op(func(ctx context.Context, in *echoIn) (*echoOut, error) {
				return nil, errors.Join(domainErr{"UserNotFoundException", "User does not exist."})
			}),
			"Boom": Op(func(ctx context.Context, in *echoIn) (*echoOut, error) {
				return nil, errors.New("database is on fire")
			}),
			"Panic": Op(func(ctx context.Context, in *echoIn) (*echoOut, error) {
				panic("kaboom")
			}),
			"Nil": Op(func(ctx context.Context, in *echoIn) (*echoOut, error) {
				return nil, nil
			}),
			"Info": Op(func(ctx context.Context, in *struct{}) (*infoOut, error) {
				info := Info(ctx)
				return &infoOut{ID: info.ID, Operation: info.Operation, Body: string(info.Body)}, nil
			}),
		},
		Known: []string{"Echo", "Fail", "FailWrapped", "Boom", "Panic", "Nil", "Info", "NotYet"},
		Status: func(code string) int {
			switch code {
			case "InternalErrorException":
				return 500
			case "ThrottledException":
				return 429
			}
			return 400
		},
		Logger:       slog.New(slog.NewJSONHandler(logs, nil)),
		MaxBodyBytes: 4096,
	}
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func send(t testing.TB, url, method, target string, body io.Reader, hdr map[string]string) (response, error) {
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return response{}, err
	}
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	r := response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %q", method, target, raw)
		}
	}
	return r, nil
}

func call(t *testing.T, srv *httptest.Server, op, body string) response {
	t.Helper()
	r, err := send(t, srv.URL, http.MethodPost, prefix+"."+op, strings.NewReader(body), nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func newServer(t testing.TB) (*httptest.Server, *logBuffer) {
	logs := &logBuffer{}
	srv := httptest.NewServer(NewHandler(testConfig(logs)))
	t.Cleanup(srv.Close)
	return srv, logs
}

func checkCommonHeaders(t *testing.T, r response) {
	t.Helper()
	if _, err := uuid.Parse(r.header.Get("x-amzn-RequestId")); err != nil {
		t.Errorf("x-amzn-RequestId = %q: %v", r.header.Get("x-amzn-RequestId"), err)
	}
	if got := r.header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Access-Control-Allow-Origin = %q", got)
	}
	if got := r.header.Get("Access-Control-Expose-Headers"); got != "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date" {
		t.Errorf("Access-Control-Expose-Headers = %q", got)
	}
}

func checkError(t *testing.T, r response, status int, code, message string) {
	t.Helper()
	checkCommonHeaders(t, r)
	if r.status != status {
		t.Errorf("status = %d, want %d (body %s)", r.status, status, r.raw)
	}
	want := map[string]any{"__type": code}
	if message != "" {
		key := "message"
		if code == "SerializationException" { // Cognito capitalizes this one's key
			key = "Message"
		}
		want[key] = message
	}
	if diff := cmp.Diff(want, r.body); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	if got := r.header.Get("x-amzn-ErrorType"); got != code+":" {
		t.Errorf("x-amzn-ErrorType = %q, want %q", got, code+":")
	}
	if got := r.header.Get("x-amzn-ErrorMessage"); got != message {
		t.Errorf("x-amzn-ErrorMessage = %q, want %q", got, message)
	}
	if got := r.header.Get("Content-Type"); got != ContentType {
		t.Errorf("Content-Type = %q", got)
	}
}

func TestSuccess(t *testing.T) {
	srv, logs := newServer(t)
	r := call(t, srv, "Echo", `{"Name":"kim","Count":3,"Tags":{"a":"b"},"Nested":{"Value":"v"},"Unknown":{"x":[1,2]}}`)
	checkCommonHeaders(t, r)
	if r.status != 200 || r.header.Get("Content-Type") != ContentType {
		t.Fatalf("status %d, Content-Type %q", r.status, r.header.Get("Content-Type"))
	}
	want := map[string]any{"Name": "kim", "Count": 3.0, "Tags": map[string]any{"a": "b"}, "Nested": map[string]any{"Value": "v"}, "Received": true}
	if diff := cmp.Diff(want, r.body); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	if r.header.Get("x-amzn-ErrorType") != "" {
		t.Error("x-amzn-ErrorType on a success")
	}
	lines := logs.lines(t)
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1", len(lines))
	}
	l := lines[0]
	if l["request_id"] != r.header.Get("x-amzn-RequestId") || l["op"] != "Echo" || l["status"] != 200.0 || l["duration"] == nil {
		t.Errorf("log line %v", l)
	}
}

func TestEmptyBodyAndNulls(t *testing.T) {
	srv, _ := newServer(t)
	for _, body := range []string{"", "  \n", "{}", "null", `{"Name":null,"Count":null,"Tags":null,"List":null,"Nested":null}`} {
		r := call(t, srv, "Echo", body)
		if diff := cmp.Diff(map[string]any{"Received": true}, r.body); r.status != 200 || diff != "" {
			t.Errorf("body %q: status %d, diff (-want +got):\n%s", body, r.status, diff)
		}
	}
}

func TestNilOutputIsEmptyObject(t *testing.T) {
	srv, _ := newServer(t)
	r := call(t, srv, "Nil", `{}`)
	if r.status != 200 || r.raw != "{}" {
		t.Errorf("status %d, body %q", r.status, r.raw)
	}
}

func TestRequestInfo(t *testing.T) {
	srv, _ := newServer(t)
	r := call(t, srv, "Info", `{"a":1}`)
	want := map[string]any{"ID": r.header.Get("x-amzn-RequestId"), "Operation": "Info", "Body": `{"a":1}`}
	if diff := cmp.Diff(want, r.body); diff != "" {
		t.Errorf("info (-want +got):\n%s", diff)
	}
	if Info(context.Background()) != nil {
		t.Error("Info of a bare context is not nil")
	}
}

func TestSerializationErrors(t *testing.T) {
	srv, _ := newServer(t)
	for _, tc := range []struct{ body, message string }{
		{`{"Name":`, "Malformed JSON at byte offset 8."},
		{`{"Name":"a"} trailing`, "Malformed JSON at byte offset 14."},
		{`{"Count":"3"}`, "STRING_VALUE can not be converted to an Integer"},
		{`{"Name":3}`, "NUMBER_VALUE can not be converted to a String"},
		{`{"Name":true}`, "BOOLEAN_VALUE can not be converted to a String"},
		{`{"Count":99999999999}`, "NUMBER_VALUE can not be converted to an Integer"},
		{`{"Name":{"verificationCode":"1"}}`, "Start of structure or map found where not expected."},
		{`{"Name":["a"]}`, "Start of list found where not expected."},
		{`{"Tags":"x"}`, "Expected map or null"},
		{`{"List":"x"}`, "Unexpected field type"},
		{`{"List":3}`, "Unexpected field type"},
		{`{"Blob":"***"}`, "Invalid value in the request body."},
		{`[1,2]`, "Start of structure or map expected: the body must be a JSON object."},
		{`"hunter2"`, "Start of structure or map expected: the body must be a JSON object."},
	} {
		r := call(t, srv, "Echo", tc.body)
		checkError(t, r, 400, "SerializationException", tc.message)
	}
}

func TestValidationError(t *testing.T) {
	srv, _ := newServer(t)
	r := call(t, srv, "Echo", `{"Name":"invalid"}`)
	checkError(t, r, 400, "InvalidParameterException", "1 validation error detected: Value 'invalid' at 'name' failed to satisfy constraint: Member must be valid")
}

func TestCodedErrors(t *testing.T) {
	srv, logs := newServer(t)
	checkError(t, call(t, srv, "Fail", `{"Secret":"hunter2"}`), 400, "NotAuthorizedException", "Incorrect username or password.")
	checkError(t, call(t, srv, "FailWrapped", `{}`), 400, "UserNotFoundException", "User does not exist.")
	lines := logs.lines(t)
	if len(lines) != 2 || lines[0]["error_code"] != "NotAuthorizedException" || lines[0]["status"] != 400.0 {
		t.Fatalf("log lines %v", lines)
	}
}

func TestInternalErrorsAndPanics(t *testing.T) {
	srv, logs := newServer(t)
	checkError(t, call(t, srv, "Boom", `{"Secret":"hunter2"}`), 500, "InternalErrorException", "Internal server error.")
	checkError(t, call(t, srv, "Panic", `{"Secret":"hunter2"}`), 500, "InternalErrorException", "Internal server error.")
	// The server survives the panic.
	if r := call(t, srv, "Echo", `{}`); r.status != 200 {
		t.Fatalf("after panic: status %d", r.status)
	}
	lines := logs.lines(t)
	if len(lines) != 3 {
		t.Fatalf("%d log lines, want 3", len(lines))
	}
	if lines[0]["level"] != "ERROR" || !strings.Contains(lines[0]["error"].(string), "database is on fire") {
		t.Errorf("Boom log line %v", lines[0])
	}
	if !strings.Contains(lines[1]["error"].(string), "kaboom") {
		t.Errorf("Panic log line %v", lines[1])
	}
	for _, l := range lines {
		b, _ := json.Marshal(l)
		if strings.Contains(string(b), "hunter2") {
			t.Errorf("log line leaks the body: %s", b)
		}
	}
}

func TestBodyTooLarge(t *testing.T) {
	srv, _ := newServer(t)
	huge := `{"Name":"` + strings.Repeat("a", 10000) + `"}`
	checkError(t, call(t, srv, "Echo", huge), 413, "SerializationException", "Request body is larger than 4096 bytes.")
	// Without a Content-Length (chunked), the bound still holds.
	r, err := send(t, srv.URL, http.MethodPost, prefix+".Echo", io.MultiReader(strings.NewReader(huge)), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkError(t, r, 413, "SerializationException", "Request body is larger than 4096 bytes.")
	// Exactly at the bound is fine.
	atBound := `{"Name":"` + strings.Repeat("a", 4096-11) + `"}`
	if r := call(t, srv, "Echo", atBound); r.status != 200 {
		t.Errorf("body of exactly 4096 bytes: status %d", r.status)
	}
}

func TestRouting(t *testing.T) {
	srv, _ := newServer(t)
	for _, target := range []string{"", prefix, prefix + ".", "Other.Echo", prefix + ".NoSuchOp", prefix + ".echo", prefix + "Echo", "Echo"} {
		r, err := send(t, srv.URL, http.MethodPost, target, strings.NewReader("{}"), nil)
		if err != nil {
			t.Fatal(err)
		}
		checkError(t, r, 400, "UnknownOperationException", "")
	}
	checkError(t, call(t, srv, "NotYet", `{}`), 400, "UnsupportedOperationException", "Ninshou does not implement NotYet yet.")
}

func TestOtherMethods(t *testing.T) {
	srv, _ := newServer(t)
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		r, err := send(t, srv.URL, m, prefix+".Echo", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkError(t, r, 405, "UnknownOperationException", "Only POST requests are supported.")
	}
}

func TestPreflight(t *testing.T) {
	srv, _ := newServer(t)
	r, err := send(t, srv.URL, http.MethodOptions, "", nil, map[string]string{
		"Origin":                         "http://localhost:3000",
		"Access-Control-Request-Method":  "POST",
		"Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-user-agent,cache-control",
	})
	if err != nil {
		t.Fatal(err)
	}
	checkCommonHeaders(t, r)
	if r.status != 200 || r.raw != "" {
		t.Errorf("status %d, body %q", r.status, r.raw)
	}
	for k, want := range map[string]string{
		"Access-Control-Allow-Methods": "POST, OPTIONS",
		"Access-Control-Allow-Headers": "content-type,x-amz-target,x-amz-user-agent,cache-control",
		"Access-Control-Max-Age":       "7200",
	} {
		if got := r.header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	r, err = send(t, srv.URL, http.MethodOptions, "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.header.Get("Access-Control-Allow-Headers"); !strings.Contains(got, "x-amz-target") || !strings.Contains(got, "authorization") {
		t.Errorf("default Access-Control-Allow-Headers = %q", got)
	}
}

func TestAuthorize(t *testing.T) {
	logs := &logBuffer{}
	c := testConfig(logs)
	var seen []byte
	c.Authorize = func(ctx context.Context, info *RequestInfo) error {
		seen = info.Body
		if info.Header.Get("Authorization") == "" {
			return &Error{Code: "MissingAuthenticationTokenException", Message: "Missing Authentication Token"}
		}
		return nil
	}
	srv := httptest.NewServer(NewHandler(c))
	defer srv.Close()
	r, err := send(t, srv.URL, http.MethodPost, prefix+".Echo", strings.NewReader(`{"Name":"x"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkError(t, r, 400, "MissingAuthenticationTokenException", "Missing Authentication Token")
	if string(seen) != `{"Name":"x"}` {
		t.Errorf("Authorize saw body %q", seen)
	}
	r, err = send(t, srv.URL, http.MethodPost, prefix+".Echo", strings.NewReader(`{}`), map[string]string{"Authorization": "AWS4-HMAC-SHA256 ..."})
	if err != nil || r.status != 200 {
		t.Fatalf("authorized call: %v, status %d", err, r.status)
	}
}

func TestStatusMapping(t *testing.T) {
	c := testConfig(io.Discard)
	c.Endpoints["Throttle"] = Op(func(ctx context.Context, in *struct{}) (*struct{}, error) {
		return nil, domainErr{"ThrottledException", "slow down\r\nInjected: header"}
	})
	srv := httptest.NewServer(NewHandler(c))
	defer srv.Close()
	r := call(t, srv, "Throttle", `{}`)
	if r.status != 429 {
		t.Errorf("status %d, want 429", r.status)
	}
	if got := r.header.Get("x-amzn-ErrorMessage"); got != "slow down  Injected: header" || r.header.Get("Injected") != "" {
		t.Errorf("x-amzn-ErrorMessage = %q", got)
	}
}

func TestHeaderSafe(t *testing.T) {
	long := strings.Repeat("é", 600) // 1200 bytes
	got := headerSafe(long)
	if len(got) > maxHeaderMessage || !strings.HasPrefix(long, got) {
		t.Errorf("headerSafe cut badly: %d bytes", len(got))
	}
}

func FuzzHandler(f *testing.F) {
	srv, _ := newServer(f)
	ops := []string{"Echo", "Fail", "Nil", "Info", "NotYet", "Nope", "Panic", "Boom"}
	for i, seed := range []string{"", "{}", "null", `{"Name":"a","Count":1}`, `{"Count":"x"}`, `{"Tags":{"a":1}}`, `[`, `{"Nested":{"Value":null}}`, `{"Blob":"aGk="}`} {
		f.Add(uint8(i), "", seed)
	}
	f.Add(uint8(0), prefix+".Echo", "{}")
	f.Add(uint8(0), prefix+".Panic\x00", "{}")
	f.Add(uint8(0), "Other.Echo", "{}")
	f.Fuzz(func(t *testing.T, op uint8, rawTarget, body string) {
		target := prefix + "." + ops[int(op)%len(ops)]
		if rawTarget != "" {
			target = rawTarget
		}
		name, _ := strings.CutPrefix(target, prefix+".")
		r, err := send(t, srv.URL, http.MethodPost, target, strings.NewReader(body), nil)
		if err != nil {
			t.Skip("the client refuses to send this request:", err)
		}
		if r.status == 200 {
			if r.body == nil {
				t.Fatalf("200 without a JSON object: %q", r.raw)
			}
			return
		}
		if _, ok := r.body["__type"].(string); !ok {
			t.Fatalf("status %d without __type: %q", r.status, r.raw)
		}
		if r.status >= 500 && name != "Panic" && name != "Boom" {
			t.Fatalf("status %d for %s with body %q: %s", r.status, name, body, r.raw)
		}
	})
}

// TestClientGoneIsNoError: an internal failure of a request whose client
// went away (its context canceled) is logged as information, not as an
// error: nothing broke on the server's side.
func TestClientGoneIsNoError(t *testing.T) {
	logs := &logBuffer{}
	h := NewHandler(testConfig(logs))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", strings.NewReader(`{}`))
	req.Header.Set("X-Amz-Target", prefix+".Boom")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	h.ServeHTTP(httptest.NewRecorder(), req)
	lines := logs.lines(t)
	if len(lines) != 1 || lines[0]["level"] != "INFO" {
		t.Errorf("log of a failure after the client went away: %v; want one INFO line", lines)
	}
}
