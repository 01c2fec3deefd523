package idp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// Classic hosted UI branding (Set/GetUICustomization): a CSS file and a
// logo, for every client (ClientId ALL) or for one, which then no longer
// falls back to ALL.
// https://docs.aws.amazon.com/cognito/latest/developerguide/hosted-ui-classic-branding.html

// UICustomization is one client's (or ALL clients') branding.
type UICustomization struct {
	PoolID    string
	ClientID  string // "ALL" for the pool's default
	CSS       string
	Image     []byte // PNG or JPEG; nil without a logo
	Version   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

const kindUICustomization = "ui-customization"

// Limits the branding page gives: a logo of at most 100 KB, in PNG or
// JPEG.
const maxLogoBytes = 100 * 1024

type uiBody struct {
	CSS     string `json:"css,omitempty"`
	Image   []byte `json:"image,omitempty"`
	Version string `json:"version"`
}

// forbiddenCSS are what the page says CSS may not contain: @import,
// @supports, @page, @media statements, and JavaScript.
var forbiddenCSS = regexp.MustCompile(`(?i)@import|@supports|@page|@media|javascript:|expression\s*\(|<\s*script`)

// customizableSelectors are the selectors the page lets CSS style, each a
// class of the classic pages, two with a state ("You can use any of the
// following CSS class names").
// https://docs.aws.amazon.com/cognito/latest/developerguide/hosted-ui-classic-branding.html
var customizableSelectors = map[string]bool{
	".background-customizable": true, ".banner-customizable": true, ".errorMessage-customizable": true,
	".idpButton-customizable": true, ".idpButton-customizable:hover": true, ".idpDescription-customizable": true,
	".inputField-customizable": true, ".inputField-customizable:focus": true, ".label-customizable": true,
	".legalText-customizable": true, ".logo-customizable": true, ".passwordCheck-valid-customizable": true,
	".passwordCheck-notValid-customizable": true, ".redirect-customizable": true,
	".socialButton-customizable": true, ".submitButton-customizable": true,
	".submitButton-customizable:hover": true, ".textDescription-customizable": true,
}

var cssComment = regexp.MustCompile(`(?s)/\*.*?\*/`)

// checkCSSSelectors reads css as rules "selector, ... { declarations }"
// and refuses a selector that is not one of customizableSelectors, or text
// that is not a rule. (Cognito's texts for these refusals are not
// published.)
func checkCSSSelectors(css string) error {
	rest := cssComment.ReplaceAllString(css, " ")
	for strings.TrimSpace(rest) != "" {
		open := strings.IndexByte(rest, '{')
		end := strings.IndexByte(rest, '}')
		if open < 0 || end < open {
			return Errorf(InvalidParameterException, "The CSS is not a list of rules: %q.", shortCSS(strings.TrimSpace(rest)))
		}
		for sel := range strings.SplitSeq(rest[:open], ",") {
			if sel = strings.TrimSpace(sel); !customizableSelectors[sel] {
				return Errorf(InvalidParameterException,
					"The CSS may style only the customizable classes of the hosted UI; %q is not one of them.", shortCSS(sel))
			}
		}
		rest = rest[end+1:]
	}
	return nil
}

// shortCSS is a piece of CSS as an error message quotes it: at most 60
// characters.
func shortCSS(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "..."
	}
	return s
}

func checkUICustomization(css string, image []byte) error {
	if m := forbiddenCSS.FindString(css); m != "" {
		return Errorf(InvalidParameterException, "The CSS may not contain %s.", m)
	}
	if err := checkCSSSelectors(css); err != nil {
		return err
	}
	if len(image) > 0 {
		if len(image) > maxLogoBytes {
			return Errorf(InvalidParameterException, "The logo image must be at most 100 KB.")
		}
		if t := http.DetectContentType(image); t != "image/png" && t != "image/jpeg" {
			return Errorf(InvalidParameterException, "The logo image must be a PNG or JPEG file.")
		}
	}
	return nil
}

// uiClient checks the pool (which must have a domain: the branding is of
// its pages) and the client a customization is for; "" means ALL.
func uiClient(tx store.Tx, poolID, clientID string, needDomain bool) (string, error) {
	if err := requirePool(tx, poolID); err != nil {
		return "", err
	}
	if needDomain {
		n, err := tx.PoolObjects().Count(poolID, store.GlobalKind)
		if err != nil {
			return "", err
		}
		if n == 0 {
			// The message AWS answers (amazon-connect/voicemail-for-amazon-connect#5).
			return "", Errorf(InvalidParameterException, "A domain must be associated with this user pool.")
		}
	}
	if clientID == "" || clientID == poolLevel {
		return poolLevel, nil
	}
	if _, err := poolClient(tx, poolID, clientID); err != nil {
		return "", err
	}
	return clientID, nil
}

func uiFrom(o *store.PoolObject) (*UICustomization, error) {
	var b uiBody
	if err := json.Unmarshal(o.Body, &b); err != nil {
		return nil, fmt.Errorf("idp: UI customization %s of %s: %w", o.Key, o.PoolID, err)
	}
	return &UICustomization{PoolID: o.PoolID, ClientID: o.Key, CSS: b.CSS, Image: b.Image, Version: b.Version,
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}, nil
}

// uiVersionLayout is CSSVersion's form.
const uiVersionLayout = "20060102150405"

// SetUICustomization replaces the branding of a client, or of ALL: CSS and
// logo are set together, as on AWS.
func (s *Service) SetUICustomization(ctx context.Context, in UICustomization) (*UICustomization, error) {
	if err := checkUICustomization(in.CSS, in.Image); err != nil {
		return nil, err
	}
	now := s.now()
	var out *UICustomization
	err := s.update(ctx, func(tx store.Tx) error {
		key, err := uiClient(tx, in.PoolID, in.ClientID, true)
		if err != nil {
			return err
		}
		// A yyyyMMddHHmmss stamp, as Cognito's CSSVersion (the CLI's
		// set-ui-customization and get-ui-customization examples). It names
		// the assets' URLs, which are cached for good, so a second setting
		// within the same second takes the next second's stamp.
		at := now.UTC()
		if o, err := tx.PoolObjects().Get(in.PoolID, kindUICustomization, key); err == nil {
			if prev, err := uiFrom(o); err == nil {
				if t, err := time.Parse(uiVersionLayout, prev.Version); err == nil && !at.Truncate(time.Second).After(t) {
					at = t.Add(time.Second)
				}
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		body, err := json.Marshal(uiBody{CSS: in.CSS, Image: in.Image, Version: at.Format(uiVersionLayout)})
		if err != nil {
			return err
		}
		o, err := putPoolObject(tx, in.PoolID, kindUICustomization, key, body, now)
		if err != nil {
			return err
		}
		out, err = uiFrom(o)
		return err
	})
	return out, err
}

// GetUICustomization returns a client's branding, or ALL's when it has
// none of its own; nil when neither is set.
func (s *Service) GetUICustomization(ctx context.Context, poolID, clientID string) (*UICustomization, error) {
	var out *UICustomization
	err := s.view(ctx, func(tx store.Tx) error {
		key, err := uiClient(tx, poolID, clientID, false)
		if err != nil {
			return err
		}
		for _, k := range []string{key, poolLevel} {
			o, err := tx.PoolObjects().Get(poolID, kindUICustomization, k)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			out, err = uiFrom(o)
			return err
		}
		return nil
	})
	return out, err
}

// uiAt reads a client's (or ALL's) branding at a version, for the URLs
// of its logo and stylesheet; ErrNotFound when there is none.
func (s *Service) uiAt(ctx context.Context, poolID, clientKey, version string) (*UICustomization, error) {
	var ui *UICustomization
	err := s.view(ctx, func(tx store.Tx) error {
		if err := requirePool(tx, poolID); err != nil {
			return store.ErrNotFound
		}
		o, err := tx.PoolObjects().Get(poolID, kindUICustomization, clientKey)
		if err != nil {
			return err
		}
		if ui, err = uiFrom(o); err != nil {
			return err
		}
		if ui.Version != version {
			return store.ErrNotFound
		}
		return nil
	})
	return ui, err
}

// UILogo returns the logo of a client's (or ALL's) branding at a version,
// for the URL GetUICustomization names; ErrNotFound when there is none.
func (s *Service) UILogo(ctx context.Context, poolID, clientKey, version string) ([]byte, error) {
	ui, err := s.uiAt(ctx, poolID, clientKey, version)
	if err == nil && len(ui.Image) == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return ui.Image, nil
}

// UICSS returns the stylesheet of a client's (or ALL's) branding at a
// version, which the sign-in page links; ErrNotFound when there is none.
func (s *Service) UICSS(ctx context.Context, poolID, clientKey, version string) (string, error) {
	ui, err := s.uiAt(ctx, poolID, clientKey, version)
	if err == nil && ui.CSS == "" {
		err = store.ErrNotFound
	}
	if err != nil {
		return "", err
	}
	return ui.CSS, nil
}

// HostedUI is the branding the sign-in page shows for a client: its own,
// or ALL's; nil when there is none.
func (s *Service) HostedUI(ctx context.Context, clientID string) (*UICustomization, error) {
	var poolID string
	err := s.view(ctx, func(tx store.Tx) error {
		c, err := getClient(tx, clientID)
		if err == nil {
			poolID = c.PoolID
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.GetUICustomization(ctx, poolID, clientID)
}

// LogoURL is where the logo of ui is served; "" without a logo.
func (s *Service) LogoURL(ui *UICustomization) string {
	if len(ui.Image) == 0 || s.UILogoURL == nil {
		return ""
	}
	return s.UILogoURL(ui.PoolID, ui.ClientID, ui.Version)
}
