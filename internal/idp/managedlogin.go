package idp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/ninshou/ninshou/internal/store"
)

// Managed login branding styles (Create/Describe/Update/Delete
// ManagedLoginBranding, DescribeManagedLoginBrandingByClient): the settings
// document and image assets of an app client's managed login pages (domain
// branding version 2). A client has at most one style.
// https://docs.aws.amazon.com/cognito/latest/developerguide/managed-login-branding.html
//
// Ninshou keeps and shows what was set. It does not hold Cognito's default
// style document, so ReturnMergedResources answers the customized values
// only, and it serves no managed login pages yet.

// ManagedLoginBranding is a branding style as the API shows it.
type ManagedLoginBranding struct {
	ID       string
	PoolID   string
	ClientID string
	// UseCognitoProvidedValues: the style is Cognito's default; Settings and
	// Assets are then empty.
	UseCognitoProvidedValues bool
	Settings                 json.RawMessage // a JSON object, or nil
	Assets                   []BrandingAsset
	CreatedAt                time.Time
	UpdatedAt                time.Time
}

// BrandingAsset is one image of a style (AssetType).
type BrandingAsset struct {
	Category   string `json:"category"`
	ColorMode  string `json:"color_mode"`
	Extension  string `json:"extension"`
	Bytes      []byte `json:"bytes,omitempty"`
	ResourceID string `json:"resource_id,omitempty"`
}

// BrandingInput is what Create and Update set. On update, Settings are
// merged into the style's (objects key by key, anything else replaced) and
// Assets replace the style's of the same category and color mode: Cognito
// "preserves existing style settings that you don't specify".
type BrandingInput struct {
	UseCognitoProvidedValues bool
	Settings                 json.RawMessage
	Assets                   []BrandingAsset
}

const (
	kindManagedLogin = "managed-login-branding"
	// kindManagedLoginClient maps a client ID to its style's ID.
	kindManagedLoginClient = "managed-login-client"
)

type brandingBody struct {
	ClientID    string          `json:"client"`
	UseDefaults bool            `json:"use_defaults,omitempty"`
	Settings    json.RawMessage `json:"settings,omitempty"`
	Assets      []BrandingAsset `json:"assets,omitempty"`
}

func brandingFrom(o *store.PoolObject) (*ManagedLoginBranding, error) {
	var b brandingBody
	if err := json.Unmarshal(o.Body, &b); err != nil {
		return nil, fmt.Errorf("idp: managed login branding %s of %s: %w", o.Key, o.PoolID, err)
	}
	return &ManagedLoginBranding{ID: o.Key, PoolID: o.PoolID, ClientID: b.ClientID, UseCognitoProvidedValues: b.UseDefaults,
		Settings: b.Settings, Assets: b.Assets, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}, nil
}

func (m *ManagedLoginBranding) body() ([]byte, error) {
	return json.Marshal(brandingBody{ClientID: m.ClientID, UseDefaults: m.UseCognitoProvidedValues, Settings: m.Settings, Assets: m.Assets})
}

func brandingNotFound(id string) error {
	// The exception is modelled; its text is not published.
	return Errorf(ResourceNotFoundException, "Managed login branding style %s does not exist.", id)
}

// normalize treats a JSON null as no settings.
func (in *BrandingInput) normalize() {
	if bytes.Equal(bytes.TrimSpace(in.Settings), []byte("null")) {
		in.Settings = nil
	}
}

// errBrandingSource refuses a request that names neither of a style's
// sources, Cognito's defaults (UseCognitoProvidedValues true) or Settings
// (an empty object counts), or names both. Create and update alike, as
// measured against Cognito (floci-io/floci#2869, which also finds that
// UseCognitoProvidedValues false or Assets alone name no source); the API
// reference asks the same of true ("you must also omit values for
// Settings").
var errBrandingSource = Errorf(InvalidParameterException, "useCognitoProvidedValues or settings should be specified (but not both)")

// checkBrandingInput applies the request's rules: one source of the style;
// defaults exclude assets; settings are a JSON object; each asset's bytes
// are an image of its extension, one per category and color mode.
func checkBrandingInput(in BrandingInput) error {
	if in.UseCognitoProvidedValues == (len(in.Settings) > 0) {
		return errBrandingSource
	}
	if in.UseCognitoProvidedValues && len(in.Assets) > 0 {
		// The API reference: with true "you must also omit values for ...
		// Assets"; the text is unpublished.
		return Errorf(InvalidParameterException, "Assets must be omitted when UseCognitoProvidedValues is true.")
	}
	if len(in.Settings) > 0 {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(in.Settings, &obj); err != nil {
			return Errorf(InvalidParameterException, "Settings must be a JSON object.")
		}
	}
	seen := map[[2]string]bool{}
	for _, a := range in.Assets {
		k := [2]string{a.Category, a.ColorMode}
		if seen[k] {
			return Errorf(InvalidParameterException, "Assets has more than one %s asset for color mode %s.", a.Category, a.ColorMode)
		}
		seen[k] = true
		if len(a.Bytes) == 0 {
			return Errorf(InvalidParameterException, "The %s asset for color mode %s has no Bytes.", a.Category, a.ColorMode)
		}
		if !imageOf(a.Extension, a.Bytes) {
			return Errorf(InvalidParameterException, "The %s asset for color mode %s is not a %s image.", a.Category, a.ColorMode, a.Extension)
		}
	}
	return nil
}

// imageOf reports whether b starts as a file of the extension does.
func imageOf(ext string, b []byte) bool {
	switch ext {
	case "PNG":
		return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n"))
	case "JPEG":
		return bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF})
	case "ICO":
		return bytes.HasPrefix(b, []byte{0, 0, 1, 0})
	case "WEBP":
		return len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP"
	case "SVG":
		head := b[:min(len(b), 1024)]
		return bytes.Contains(head, []byte("<svg"))
	}
	return false
}

// mergeSettings merges patch into base: objects key by key, recursively;
// any other value of patch replaces base's.
func mergeSettings(base, patch json.RawMessage) (json.RawMessage, error) {
	if len(patch) == 0 {
		return base, nil
	}
	var b, p any
	if len(base) > 0 {
		if err := json.Unmarshal(base, &b); err != nil {
			return nil, err
		}
	}
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, err
	}
	return json.Marshal(mergeJSON(b, p))
}

func mergeJSON(base, patch any) any {
	bo, ok1 := base.(map[string]any)
	po, ok2 := patch.(map[string]any)
	if !ok1 || !ok2 {
		return patch
	}
	for k, v := range po {
		bo[k] = mergeJSON(bo[k], v)
	}
	return bo
}

// mergeAssets replaces base's assets of the categories and color modes
// patch names and adds the others, in patch's order after base's.
func mergeAssets(base, patch []BrandingAsset) []BrandingAsset {
	out := make([]BrandingAsset, 0, len(base)+len(patch))
	replaced := map[[2]string]bool{}
	for _, a := range patch {
		replaced[[2]string{a.Category, a.ColorMode}] = true
	}
	for _, a := range base {
		if !replaced[[2]string{a.Category, a.ColorMode}] {
			out = append(out, a)
		}
	}
	return append(out, patch...)
}

// clientBranding is the ID of a client's style, "" if none.
func clientBranding(tx store.Tx, poolID, clientID string) (string, error) {
	o, err := tx.PoolObjects().Get(poolID, kindManagedLoginClient, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return string(o.Body), nil
}

// CreateManagedLoginBranding gives an app client its branding style.
func (s *Service) CreateManagedLoginBranding(ctx context.Context, poolID, clientID string, in BrandingInput) (*ManagedLoginBranding, error) {
	in.normalize()
	if err := checkBrandingInput(in); err != nil {
		return nil, err
	}
	now := s.now()
	m := &ManagedLoginBranding{ID: uuid.New().String(), PoolID: poolID, ClientID: clientID,
		UseCognitoProvidedValues: in.UseCognitoProvidedValues, Settings: in.Settings, Assets: in.Assets, CreatedAt: now, UpdatedAt: now}
	body, err := m.body()
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		if err := lockPool(tx, poolID); err != nil {
			return err
		}
		if _, err := poolClient(tx, poolID, clientID); err != nil {
			return err
		}
		if id, err := clientBranding(tx, poolID, clientID); err != nil {
			return err
		} else if id != "" {
			// The exception is modelled; its text is not published.
			return Errorf(ManagedLoginBrandingExistsException, "App client %s already has managed login branding style %s.", clientID, id)
		}
		if err := tx.PoolObjects().Create(&store.PoolObject{PoolID: poolID, Kind: kindManagedLogin, Key: m.ID, Body: body,
			CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		return tx.PoolObjects().Create(&store.PoolObject{PoolID: poolID, Kind: kindManagedLoginClient, Key: clientID,
			Body: []byte(m.ID), CreatedAt: now, UpdatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

func getBranding(tx store.Tx, poolID, id string) (*ManagedLoginBranding, *store.PoolObject, error) {
	o, err := namedObject(tx, poolID, kindManagedLogin, id, brandingNotFound)
	if err != nil {
		return nil, nil, err
	}
	m, err := brandingFrom(o)
	return m, o, err
}

// DescribeManagedLoginBranding returns a style by its ID.
func (s *Service) DescribeManagedLoginBranding(ctx context.Context, poolID, id string) (*ManagedLoginBranding, error) {
	var out *ManagedLoginBranding
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		out, _, err = getBranding(tx, poolID, id)
		return err
	})
	return out, err
}

// DescribeManagedLoginBrandingByClient returns the style of an app client.
func (s *Service) DescribeManagedLoginBrandingByClient(ctx context.Context, poolID, clientID string) (*ManagedLoginBranding, error) {
	var out *ManagedLoginBranding
	err := s.view(ctx, func(tx store.Tx) error {
		if err := requirePool(tx, poolID); err != nil {
			return err
		}
		if _, err := poolClient(tx, poolID, clientID); err != nil {
			return err
		}
		id, err := clientBranding(tx, poolID, clientID)
		if err != nil {
			return err
		}
		if id == "" {
			return Errorf(ResourceNotFoundException, "App client %s has no managed login branding style.", clientID)
		}
		out, _, err = getBranding(tx, poolID, id)
		return err
	})
	return out, err
}

// UpdateManagedLoginBranding changes a style: back to Cognito's defaults,
// or merged with new settings (and the assets that come with them: a
// request naming neither source is refused by checkBrandingInput).
func (s *Service) UpdateManagedLoginBranding(ctx context.Context, poolID, id string, in BrandingInput) (*ManagedLoginBranding, error) {
	in.normalize()
	if err := checkBrandingInput(in); err != nil {
		return nil, err
	}
	var out *ManagedLoginBranding
	err := s.update(ctx, func(tx store.Tx) error {
		if err := lockPool(tx, poolID); err != nil {
			return err
		}
		m, o, err := getBranding(tx, poolID, id)
		if err != nil {
			return err
		}
		if in.UseCognitoProvidedValues {
			m.UseCognitoProvidedValues, m.Settings, m.Assets = true, nil, nil
		} else {
			m.UseCognitoProvidedValues = false // Settings were given (checkBrandingInput)
			if m.Settings, err = mergeSettings(m.Settings, in.Settings); err != nil {
				return internal(err)
			}
			m.Assets = mergeAssets(m.Assets, in.Assets)
		}
		m.UpdatedAt = s.now()
		if o.Body, err = m.body(); err != nil {
			return err
		}
		o.UpdatedAt = m.UpdatedAt
		out = m
		return tx.PoolObjects().Update(o)
	})
	return out, err
}

// DeleteManagedLoginBranding deletes a style; its client has none after.
func (s *Service) DeleteManagedLoginBranding(ctx context.Context, poolID, id string) error {
	return s.update(ctx, func(tx store.Tx) error {
		m, _, err := getBranding(tx, poolID, id)
		if err != nil {
			return err
		}
		return deleteBranding(tx, poolID, m.ClientID, m.ID)
	})
}

func deleteBranding(tx store.Tx, poolID, clientID, id string) error {
	if err := tx.PoolObjects().Delete(poolID, kindManagedLogin, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	err := tx.PoolObjects().Delete(poolID, kindManagedLoginClient, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// deleteClientBranding removes the style of a client being deleted.
func deleteClientBranding(tx store.Tx, poolID, clientID string) error {
	id, err := clientBranding(tx, poolID, clientID)
	if err != nil || id == "" {
		return err
	}
	return deleteBranding(tx, poolID, clientID, id)
}
