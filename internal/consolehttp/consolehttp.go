// Package consolehttp serves a web console of a local Ninshou: its user
// pools with their app clients, groups and users, a user's attributes and
// groups, and the messages sent (codes included); and, on a user's page, the
// administrator's everyday actions (confirm, enable or disable, set a
// password, sign out everywhere, delete). It is a thin adapter over
// idp.Service and the outbox, for developers; internal/app mounts it at
// Path only where the outbox is served (a loopback address by default),
// because it shows every message body. Its forms carry a token other sites
// cannot read, so a page elsewhere cannot act through the developer's
// browser.
package consolehttp

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/ninshou/ninshou/internal/idp"
	"github.com/ninshou/ninshou/internal/store"
)

// Path is where the console is served.
const Path = "/_ninshou/console/"

// pageSize bounds every list the console shows.
const pageSize = 60

var pages = template.Must(template.New("layout").Funcs(template.FuncMap{"pathEscape": url.PathEscape}).Parse(`{{define "top"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} · Ninshou console</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border-bottom:1px solid #ddd;padding:.3em .8em;text-align:left;vertical-align:top}th{background:#f4f4f4}
code,pre{font-family:ui-monospace,monospace}nav a{margin-right:1em}.muted{color:#777}</style></head>
<body><nav><a href="/_ninshou/console/">User pools</a><a href="/_ninshou/console/messages">Messages</a></nav>
<h1>{{.Title}}</h1>{{end}}
{{define "bottom"}}</body></html>{{end}}

{{define "pools"}}{{template "top" .}}
<table><tr><th>Pool</th><th>Name</th><th>Created</th></tr>
{{range .Pools}}<tr><td><a href="/_ninshou/console/pools/{{pathEscape .ID}}">{{.ID}}</a></td><td>{{.Name}}</td><td>{{.CreatedAt.Format "2006-01-02 15:04:05"}}</td></tr>
{{else}}<tr><td colspan="3" class="muted">No user pool yet.</td></tr>{{end}}</table>
{{template "bottom" .}}{{end}}

{{define "pool"}}{{template "top" .}}
<p>Issuer <code>{{.Issuer}}</code></p>
<h2>App clients</h2><table><tr><th>Client ID</th><th>Name</th><th>Secret</th><th>Auth flows</th><th>OAuth flows</th><th>Callback URLs</th></tr>
{{range .Clients}}<tr><td><code>{{.ID}}</code></td><td>{{.Name}}</td><td>{{if .Secret}}yes{{else}}no{{end}}</td><td>{{range .ExplicitAuthFlows}}{{.}} {{end}}</td><td>{{range .AllowedOAuthFlows}}{{.}} {{end}}</td><td>{{range .CallbackURLs}}{{.}} {{end}}</td></tr>
{{else}}<tr><td colspan="6" class="muted">None.</td></tr>{{end}}</table>
<h2>Groups</h2><table><tr><th>Group</th><th>Precedence</th><th>Description</th></tr>
{{range .Groups}}<tr><td>{{.Name}}</td><td>{{with .Precedence}}{{.}}{{end}}</td><td>{{.Description}}</td></tr>
{{else}}<tr><td colspan="3" class="muted">None.</td></tr>{{end}}</table>
<h2>Users{{if .More}} (the first {{len .Users}}){{end}}</h2><table><tr><th>Username</th><th>Status</th><th>Enabled</th><th>Email</th><th>Created</th></tr>
{{range .Users}}<tr><td><a href="/_ninshou/console/pools/{{pathEscape .PoolID}}/users/{{pathEscape .Username}}">{{.Username}}</a></td><td>{{.Status}}</td><td>{{.Enabled}}</td><td>{{range .Attributes}}{{if eq .Name "email"}}{{.Value}}{{end}}{{end}}</td><td>{{.CreatedAt.Format "2006-01-02 15:04:05"}}</td></tr>
{{else}}<tr><td colspan="5" class="muted">None.</td></tr>{{end}}</table>
{{template "bottom" .}}{{end}}

{{define "user"}}{{template "top" .}}
{{with .Notice}}<p id="notice"><b>{{.}}</b></p>{{end}}
<p>Status <b>{{.User.Status}}</b>{{if not .User.Enabled}}, <b>disabled</b>{{end}}; MFA {{range .User.MFAEnabled}}{{.}} {{else}}none{{end}}</p>
{{if .CSRF}}<form method="post"><input type="hidden" name="_csrf" value="{{.CSRF}}">
{{if eq .User.Status "UNCONFIRMED"}}<button name="action" value="confirm">Confirm sign-up</button>{{end}}
{{if .User.Enabled}}<button name="action" value="disable">Disable</button>{{else}}<button name="action" value="enable">Enable</button>{{end}}
<button name="action" value="signout">Sign out everywhere</button>
<button name="action" value="delete" onclick="return confirm('Delete this user?')">Delete</button></form>
<form method="post"><input type="hidden" name="_csrf" value="{{.CSRF}}"><input type="hidden" name="action" value="password">
<label>New password <input name="password" type="password" autocomplete="new-password" required></label>
<label><input type="checkbox" name="permanent" value="1" checked> permanent</label> <button>Set password</button></form>{{end}}
<h2>Attributes</h2><table><tr><th>Name</th><th>Value</th></tr>
{{range .User.Attributes}}<tr><td>{{.Name}}</td><td><code>{{.Value}}</code></td></tr>{{end}}</table>
<h2>Groups</h2><p>{{range .Groups}}{{.Name}} {{else}}<span class="muted">None.</span>{{end}}</p>
<h2>Messages to this user</h2>{{template "messageTable" .Messages}}
{{template "bottom" .}}{{end}}

{{define "messages"}}{{template "top" .}}{{template "messageTable" .Messages}}{{template "bottom" .}}{{end}}

{{define "messageTable"}}<table><tr><th>Sent</th><th>To</th><th>Kind</th><th>Subject</th><th>Body</th></tr>
{{range .}}<tr><td>{{.CreatedAt.Format "2006-01-02 15:04:05"}}</td><td>{{.To}}</td><td>{{.Kind}}</td><td>{{.Subject}}</td><td><pre>{{.Body}}</pre></td></tr>
{{else}}<tr><td colspan="5" class="muted">None.</td></tr>{{end}}</table>{{end}}
`))

// Handler serves the console of svc and st; with actions false it only
// reads (the server checks administrators' signatures: the console would
// be a way around them).
func Handler(svc *idp.Service, st store.Store, log *slog.Logger, actions bool) http.Handler {
	mux := http.NewServeMux()
	// The forms' token: random for the process, so only pages of this
	// console (which other origins cannot read) carry it.
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		panic(err)
	}
	csrf := base64.RawURLEncoding.EncodeToString(secret)
	show := func(w http.ResponseWriter, r *http.Request, page string, data map[string]any, err error) {
		var e *idp.Error
		switch {
		case errors.As(err, &e) && e.Code == idp.ResourceNotFoundException || errors.As(err, &e) && e.Code == idp.UserNotFoundException:
			http.Error(w, e.Message, http.StatusNotFound)
			return
		case err != nil && r.Context().Err() != nil:
			return // the client went away
		case err != nil:
			log.ErrorContext(r.Context(), "console", slog.String("path", r.URL.Path), slog.Any("err", err))
			http.Error(w, "Internal error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Frame-Options", "DENY")
		if err := pages.ExecuteTemplate(w, page, data); err != nil {
			log.ErrorContext(r.Context(), "console: page", slog.String("page", page), slog.Any("err", err))
		}
	}
	mux.HandleFunc("GET "+Path+"{$}", func(w http.ResponseWriter, r *http.Request) {
		pools, _, err := svc.ListPools(r.Context(), store.Page{Limit: pageSize})
		show(w, r, "pools", map[string]any{"Title": "User pools", "Pools": pools}, err)
	})
	mux.HandleFunc("GET "+Path+"pools/{pool}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("pool")
		data := map[string]any{"Title": id, "Issuer": svc.Tokens.Issuer(id)}
		err := func() error {
			p, err := svc.GetPool(r.Context(), id)
			if err != nil {
				return err
			}
			data["Title"] = p.Name + " (" + p.ID + ")"
			if data["Clients"], _, err = svc.ListClients(r.Context(), id, store.Page{Limit: pageSize}); err != nil {
				return err
			}
			if data["Groups"], _, err = svc.ListGroups(r.Context(), id, store.Page{Limit: pageSize}); err != nil {
				return err
			}
			users, next, err := svc.ListUsers(r.Context(), idp.ListUsersInput{PoolID: id, Page: store.Page{Limit: pageSize}})
			data["Users"], data["More"] = users, next != ""
			return err
		}()
		show(w, r, "pool", data, err)
	})
	mux.HandleFunc("GET "+Path+"pools/{pool}/users/{username}", func(w http.ResponseWriter, r *http.Request) {
		id, name := r.PathValue("pool"), r.PathValue("username")
		data := map[string]any{"Title": name, "Notice": r.URL.Query().Get("done")}
		if actions {
			data["CSRF"] = csrf
		}
		err := func() error {
			u, err := svc.AdminGetUser(r.Context(), id, name)
			if err != nil {
				return err
			}
			data["User"] = u
			if data["Groups"], _, err = svc.AdminListGroupsForUser(r.Context(), id, name, store.Page{Limit: pageSize}); err != nil {
				return err
			}
			addresses := []string{} // a user without any: no message
			for _, a := range u.Attributes {
				if a.Name == "email" || a.Name == "phone_number" {
					addresses = append(addresses, a.Value)
				}
			}
			data["Messages"], err = messages(r.Context(), st, id, addresses)
			return err
		}()
		show(w, r, "user", data, err)
	})
	mux.HandleFunc("POST "+Path+"pools/{pool}/users/{username}", func(w http.ResponseWriter, r *http.Request) {
		if !actions {
			http.Error(w, "The console only reads on a server that checks administrators' signatures (--admin-credentials).", http.StatusForbidden)
			return
		}
		id, name := r.PathValue("pool"), r.PathValue("username")
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "Bad request", http.StatusBadRequest)
			return
		}
		if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" || !knownHost(r.Host, svc.Tokens.PublicURL) ||
			subtle.ConstantTimeCompare([]byte(r.PostForm.Get("_csrf")), []byte(csrf)) != 1 {
			http.Error(w, "This form did not come from the console. Reload the page and try again.", http.StatusForbidden)
			return
		}
		userPage := Path + "pools/" + url.PathEscape(id) + "/users/" + url.PathEscape(name)
		var done string
		var err error
		ctx := r.Context()
		switch r.PostForm.Get("action") {
		case "confirm":
			err, done = svc.AdminConfirmSignUp(ctx, id, name), "Sign-up confirmed."
		case "enable":
			err, done = svc.AdminEnableUser(ctx, id, name), "User enabled."
		case "disable":
			err, done = svc.AdminDisableUser(ctx, id, name), "User disabled."
		case "signout":
			err, done = svc.AdminUserGlobalSignOut(ctx, id, name), "Signed out everywhere: its refresh tokens and their access tokens are revoked."
		case "password":
			permanent := r.PostForm.Get("permanent") != ""
			err = svc.AdminSetUserPassword(ctx, id, name, r.PostForm.Get("password"), permanent)
			done = map[bool]string{true: "Password set.", false: "Temporary password set: the next sign-in asks for a new one."}[permanent]
		case "delete":
			if err = svc.AdminDeleteUser(ctx, id, name); err == nil {
				http.Redirect(w, r, Path+"pools/"+url.PathEscape(id), http.StatusSeeOther)
				return
			}
		default:
			http.Error(w, "Unknown action", http.StatusBadRequest)
			return
		}
		var e *idp.Error
		switch {
		case errors.As(err, &e) && (e.Code == idp.ResourceNotFoundException || e.Code == idp.UserNotFoundException):
			http.Error(w, e.Message, http.StatusNotFound)
			return
		case errors.As(err, &e) && e.Code != idp.InternalErrorException:
			done = string(e.Code) + ": " + e.Message // Cognito's answer, as the API gives it
		case err != nil:
			log.ErrorContext(ctx, "console: action", slog.String("action", r.PostForm.Get("action")), slog.Any("err", err))
			http.Error(w, "Internal error", http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, userPage+"?"+url.Values{"done": {done}}.Encode(), http.StatusSeeOther)
	})
	mux.HandleFunc("GET "+Path+"messages", func(w http.ResponseWriter, r *http.Request) {
		msgs, err := messages(r.Context(), st, "", nil)
		show(w, r, "messages", map[string]any{"Title": "Messages", "Messages": msgs}, err)
	})
	return mux
}

// messages are the newest messages (of a pool, to one of addresses, when
// given), newest first, at most pageSize.
func messages(ctx context.Context, st store.Store, poolID string, addresses []string) ([]*store.Message, error) {
	var out []*store.Message
	err := st.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = store.NewestMessages(tx, func(m *store.Message) bool {
			return (poolID == "" || m.PoolID == poolID) && (addresses == nil || containsFold(addresses, m.To))
		}, pageSize)
		return err
	})
	return out, err
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// knownHost reports whether a request's Host names this server: a loopback
// address, localhost, or the public URL's host. A page of another site
// whose name was re-pointed at this machine (DNS rebinding) would be
// same-origin with the console and could read its forms; its Host header
// still carries the other site's name.
func knownHost(hostport, publicURL string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	u, err := url.Parse(publicURL)
	return err == nil && u.Hostname() != "" && strings.EqualFold(u.Hostname(), host)
}
