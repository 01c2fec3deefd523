// Package app is the composition root: it builds the store, the domain, the
// outbox dispatcher and the HTTP routes from a Config, and runs them until
// stopped. It is the only package that knows the concrete types.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/ninshou/ninshou/internal/awsjson"
	api "github.com/ninshou/ninshou/internal/cognitoapi"
	"github.com/ninshou/ninshou/internal/cognitoapi/adapter"
	"github.com/ninshou/ninshou/internal/config"
	"github.com/ninshou/ninshou/internal/consolehttp"
	"github.com/ninshou/ninshou/internal/idp"
	"github.com/ninshou/ninshou/internal/idp/password"
	"github.com/ninshou/ninshou/internal/idp/tokens"
	"github.com/ninshou/ninshou/internal/importhttp"
	"github.com/ninshou/ninshou/internal/lambdainvoke"
	"github.com/ninshou/ninshou/internal/memtune"
	"github.com/ninshou/ninshou/internal/notify"
	"github.com/ninshou/ninshou/internal/oauth2http"
	"github.com/ninshou/ninshou/internal/outboxhttp"
	"github.com/ninshou/ninshou/internal/primitives"
	"github.com/ninshou/ninshou/internal/sigv4"
	"github.com/ninshou/ninshou/internal/store"
	"github.com/ninshou/ninshou/internal/throttle"
	"github.com/ninshou/ninshou/internal/webfetch"
)

// App is one running Ninshou.
type App struct {
	Config     config.Config
	Store      store.Store
	Service    *idp.Service
	Dispatcher *notify.Dispatcher
	// Janitor purges expired sessions, codes, tokens and old messages; Serve
	// runs it on every node.
	Janitor *Janitor
	Log     *slog.Logger
	// PasswordParams are the hashing parameters in force.
	PasswordParams password.Params
	handler        http.Handler
}

// New builds an App; Close releases it.
func New(cfg config.Config, log *slog.Logger, opts ...Option) (*App, error) {
	params, err := password.ParamsFor(cfg.PasswordCost)
	if err != nil {
		return nil, err
	}
	// Before any key is loaded: keys keep the backend they were loaded with.
	if err := primitives.Use(cfg.Crypto); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	st, err := OpenStore(context.Background(), cfg, opts...)
	if err != nil {
		return nil, err
	}
	senders := map[string]notify.Sender{}
	if cfg.SMTPURL != "" {
		smtp, err := notify.NewSMTPSender(cfg.SMTPURL, cfg.MailFrom)
		if err != nil {
			st.Close()
			return nil, fmt.Errorf("smtp: %w", err)
		}
		senders["email"] = smtp
	}
	sms, err := smsSender(context.Background(), cfg)
	if err != nil {
		st.Close()
		return nil, err
	}
	if sms != nil {
		senders["sms"] = sms
	}
	sealer, fakeSRP, err := serverSecrets(cfg)
	if err != nil {
		st.Close()
		return nil, err
	}
	var svc *idp.Service
	// The dispatcher reads the domain's clock, so that messages queued at a
	// (test-)advanced time are due at once.
	disp := notify.NewDispatcher(st, senders, notify.Options{Logger: log, Now: func() time.Time {
		if svc.Now != nil {
			return svc.Now()
		}
		return time.Now()
	}})
	svc = &idp.Service{
		Store:    st,
		Tokens:   &tokens.Service{PublicURL: cfg.PublicURL},
		Hasher:   &password.Hasher{Params: params, MaxConcurrent: memtune.CPUs()},
		Sealer:   sealer,
		Region:   cfg.Region,
		MailFrom: cfg.MailFrom,
		Kick:     disp.Kick,
		Log:      log,
		// The upload URL of user import jobs is served by this app (routes).
		ImportUploadURL: importhttp.URL(cfg.PublicURL),
		FetchURL:        webfetch.Get,
		CallURL:         webfetch.Call,
		UILogoURL: func(poolID, clientKey, version string) string {
			return cfg.PublicURL + uiLogoPath + url.PathEscape(poolID) + "/" + url.PathEscape(clientKey) + "/" + url.PathEscape(version)
		},
	}
	svc.FakeSRPSecret = fakeSRP
	if cfg.LambdaEndpoint != "" {
		if svc.Invoke, err = lambdainvoke.New(context.Background(), cfg.LambdaEndpoint, cfg.Region); err != nil {
			st.Close()
			return nil, err
		}
	}
	a := &App{Config: cfg, Store: st, Service: svc, Dispatcher: disp, Log: log, PasswordParams: params}
	a.Janitor = &Janitor{Store: st, Log: log, Now: func() time.Time {
		if svc.Now != nil {
			return svc.Now()
		}
		return time.Now()
	}}
	a.handler = a.routes()
	return a, nil
}

// signatures checks the AWS Signature Version 4 of every signed operation
// when --admin-credentials names access keys (self-hosting); the public
// operations (InitiateAuth, SignUp, ...) stay open, as on AWS. nil: none is
// checked.
func (a *App) signatures() func(ctx context.Context, info *awsjson.RequestInfo) error {
	if a.Config.AdminCredentials == "" {
		return nil
	}
	secrets, _ := sigv4.ParseSecrets(a.Config.AdminCredentials) // checked by config.Load
	v := &sigv4.Verifier{Service: "cognito-idp", Region: a.Config.Region, Secrets: secrets, Now: func() time.Time {
		if a.Service.Now != nil {
			return a.Service.Now()
		}
		return time.Now()
	}}
	return func(ctx context.Context, info *awsjson.RequestInfo) error {
		if op, ok := api.Operations[info.Operation]; !ok || !op.Signed {
			return nil
		}
		if _, err := v.Verify(info.Request, info.Body); err != nil {
			var e *sigv4.Error
			if errors.As(err, &e) {
				return &awsjson.Error{Code: e.Code, Message: e.Message, Status: http.StatusBadRequest}
			}
			return err
		}
		return nil
	}
}

// throttle refuses requests over Cognito's request-rate quotas with
// --throttle cognito; nil otherwise.
func (a *App) throttle() func(ctx context.Context, info *awsjson.RequestInfo) error {
	if a.Config.Throttle != "cognito" {
		return nil
	}
	l := &throttle.Limiter{Now: func() time.Time {
		if a.Service.Now != nil {
			return a.Service.Now()
		}
		return time.Now()
	}}
	return func(ctx context.Context, info *awsjson.RequestInfo) error {
		if !l.Admit(adapter.ThrottleRequest(info.Operation, info.Body)) {
			return &awsjson.Error{Code: "TooManyRequestsException", Message: "Rate exceeded", Status: http.StatusBadRequest}
		}
		return nil
	}
}

// Handler serves every route of Ninshou.
func (a *App) Handler() http.Handler { return a.handler }

func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /{pool}/.well-known/jwks.json", a.jwks)
	mux.HandleFunc("GET /{pool}/.well-known/openid-configuration", a.discovery)
	mux.HandleFunc("GET "+uiLogoPath+"{pool}/{client}/{version}", a.uiLogo)
	mux.HandleFunc("GET "+oauth2http.UICSSPath+"{pool}/{client}/{version}", a.uiCSS)
	if a.Config.Outbox {
		// Local mode: the messages (and the console that shows them).
		mux.Handle("/_ninshou/outbox", outboxhttp.Handler(a.Store, a.Log))
		// With --admin-credentials the administrator's operations need a
		// signature; the console then only reads.
		mux.Handle(consolehttp.Path, consolehttp.Handler(a.Service, a.Store, a.Log, a.Config.AdminCredentials == ""))
	}
	mux.Handle(importhttp.Path, importhttp.Handler(a.Service, a.Log))
	oauth := oauth2http.Handler(a.Service, a.Log)
	for _, path := range oauth2http.Paths {
		mux.Handle(path, oauth)
	}
	mux.Handle("/", awsjson.NewHandler(awsjson.Config{
		TargetPrefix: "AWSCognitoIdentityProviderService",
		Endpoints:    adapter.Endpoints(a.Service),
		Known:        api.OperationNames,
		Status:       api.HTTPStatus,
		Admit:        a.throttle(),
		Authorize:    a.signatures(),
		Logger:       a.Log,
	}))
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (a *App) poolExists(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("pool")
	if _, err := a.Service.GetPool(r.Context(), id); err != nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "User pool " + id + " does not exist."})
		return "", false
	}
	return id, true
}

// uiLogoPath serves the logos of hosted UI branding (GetUICustomization's
// ImageUrl), and oauth2http.UICSSPath the stylesheets the sign-in page
// links; the version in the path changes with every SetUICustomization,
// so an answer may be cached for good.
const uiLogoPath = "/_ninshou/ui-logo/"

func (a *App) uiLogo(w http.ResponseWriter, r *http.Request) {
	a.uiAsset(w, r, func(ctx context.Context, pool, client, version string) ([]byte, string, error) {
		img, err := a.Service.UILogo(ctx, pool, client, version)
		return img, http.DetectContentType(img), err
	})
}

func (a *App) uiCSS(w http.ResponseWriter, r *http.Request) {
	a.uiAsset(w, r, func(ctx context.Context, pool, client, version string) ([]byte, string, error) {
		css, err := a.Service.UICSS(ctx, pool, client, version)
		return []byte(css), "text/css; charset=utf-8", err
	})
}

func (a *App) uiAsset(w http.ResponseWriter, r *http.Request,
	read func(ctx context.Context, pool, client, version string) ([]byte, string, error)) {
	body, contentType, err := read(r.Context(), r.PathValue("pool"), r.PathValue("client"), r.PathValue("version"))
	switch {
	case errors.Is(err, store.ErrNotFound):
		http.NotFound(w, r)
		return
	case err != nil:
		a.Log.Error("ui asset", "pool_id", r.PathValue("pool"), "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "Internal server error."})
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Write(body)
}

func (a *App) jwks(w http.ResponseWriter, r *http.Request) {
	id, ok := a.poolExists(w, r)
	if !ok {
		return
	}
	var body []byte
	err := a.Store.View(r.Context(), func(tx store.Tx) error {
		var err error
		body, err = a.Service.Tokens.JWKS(tx, id)
		return err
	})
	if err != nil && r.Context().Err() != nil {
		return // the client went away
	}
	if err != nil {
		a.Log.Error("jwks", "pool_id", id, "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "Internal server error."})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Write(body)
}

func (a *App) discovery(w http.ResponseWriter, r *http.Request) {
	id, ok := a.poolExists(w, r)
	if !ok {
		return
	}
	body, err := a.Service.Tokens.Discovery(id)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "Internal server error."})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Write(body)
}

// Close releases the store.
func (a *App) Close() error { return a.Store.Close() }

// importPoll is how often a node looks for user import jobs started on
// another node (a job started on this one wakes it at once).
const importPoll = 2 * time.Second

// How long a connection may take: to send a request's header; the whole
// request, its body included (a handler that reads a big body, the user
// import upload, extends it); and to idle between requests. Without the
// last two, a client that sends part of a body, or nothing more, holds its
// connection, and enough of them its file descriptors, for ever.
var (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = time.Minute
	idleTimeout       = 2 * time.Minute
)

// Serve serves on ln and runs the outbox dispatcher until ctx is done, then
// stops gracefully (in-flight requests finish; bounded).
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: a.handler, ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout, IdleTimeout: idleTimeout,
		ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)}
	dctx, stopDispatch := context.WithCancel(context.WithoutCancel(ctx))
	dispatched := make(chan struct{})
	go func() {
		defer close(dispatched)
		if err := a.Dispatcher.Run(dctx); err != nil && !errors.Is(err, context.Canceled) {
			a.Log.Error("outbox dispatcher stopped", "err", err)
		}
	}()
	janitored := make(chan struct{})
	go func() {
		defer close(janitored)
		a.Janitor.Run(dctx)
	}()
	imported := make(chan struct{})
	go func() {
		defer close(imported)
		a.Service.RunImports(dctx, importPoll)
	}()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var err error
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = srv.Shutdown(sctx)
		cancel()
	case err = <-errc:
	}
	stopDispatch()
	<-dispatched
	<-janitored
	<-imported
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Banner is what the server prints at start: where it is and how to try it.
func (a *App) Banner(addr string) string {
	var b strings.Builder
	url := "http://" + addr
	fmt.Fprintf(&b, "Ninshou is serving the Cognito User Pools API at %s\n", url)
	fmt.Fprintf(&b, "  store:     %s\n", StoreName(a.Config))
	fmt.Fprintf(&b, "  issuer:    %s/<poolId>\n", a.Config.PublicURL)
	fmt.Fprintf(&b, "  passwords: %s\n", a.PasswordParams)
	fmt.Fprintf(&b, "  crypto:    %s\n", primitives.InForce())
	if a.Config.Outbox {
		fmt.Fprintf(&b, "  outbox:    %s/_ninshou/outbox (every email and SMS, codes included)\n", url)
		fmt.Fprintf(&b, "  console:   %s/_ninshou/console/\n", url)
	}
	if a.Config.SMTPURL != "" {
		fmt.Fprintf(&b, "  smtp:      %s\n", a.Config.RedactedSMTPURL())
	}
	if a.Config.Throttle == "cognito" {
		fmt.Fprintf(&b, "  throttle:  Cognito's default request-rate quotas (TooManyRequestsException beyond)\n")
	}
	// Under --admin-credentials the administrator's calls need one of its
	// keys; the banner never prints a secret.
	keys := "AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local"
	if a.Config.AdminCredentials != "" {
		keys = "AWS_ACCESS_KEY_ID=<a key of --admin-credentials> AWS_SECRET_ACCESS_KEY=<its secret>"
	}
	fmt.Fprintf(&b, "Try it:\n  %s aws cognito-idp create-user-pool --pool-name demo --endpoint-url %s --region %s\n", keys, url, a.Config.Region)
	return b.String()
}
