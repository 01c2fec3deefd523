package idp

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestManagedLoginBrandingUpdates: an update merges settings key by key,
// replaces assets by category and color mode, leaves settings alone when
// it gives none or a JSON null, and goes back to Cognito's defaults only
// when asked.
func TestManagedLoginBrandingUpdates(t *testing.T) {
	svc, _ := testService(t)
	ctx := context.Background()
	settings := NewPoolSettings()
	settings.Tags = map[string]string{SRPTagKey: SRPTagDisabled}
	p, err := svc.CreatePool(ctx, "brand", settings, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := svc.CreateClient(ctx, p.ID, ClientInput{Name: "app", ClientSettings: NewClientSettings()})
	if err != nil {
		t.Fatal(err)
	}
	svg := func(s string) []byte { return []byte(`<svg id="` + s + `"/>`) }
	m, err := svc.CreateManagedLoginBranding(ctx, p.ID, c.ID, BrandingInput{
		Settings: json.RawMessage(`{"a":{"x":1,"y":2},"b":[1,2]}`),
		Assets:   []BrandingAsset{{Category: "FORM_LOGO", ColorMode: "LIGHT", Extension: "SVG", Bytes: svg("1")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	update := func(in BrandingInput) *ManagedLoginBranding {
		t.Helper()
		out, err := svc.UpdateManagedLoginBranding(ctx, p.ID, m.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	settingsOf := func(m *ManagedLoginBranding) any {
		var v any
		if m.Settings != nil {
			json.Unmarshal(m.Settings, &v)
		}
		return v
	}
	got := update(BrandingInput{Settings: json.RawMessage(`{"a":{"y":3,"z":4},"b":[3]}`),
		Assets: []BrandingAsset{{Category: "FORM_LOGO", ColorMode: "LIGHT", Extension: "SVG", Bytes: svg("2")},
			{Category: "FORM_LOGO", ColorMode: "DARK", Extension: "SVG", Bytes: svg("3")}}})
	want := map[string]any{"a": map[string]any{"x": 1.0, "y": 3.0, "z": 4.0}, "b": []any{3.0}}
	if diff := cmp.Diff(want, settingsOf(got)); diff != "" {
		t.Errorf("merged settings (-want +got):\n%s", diff)
	}
	if len(got.Assets) != 2 || string(got.Assets[0].Bytes) != string(svg("2")) || got.Assets[1].ColorMode != "DARK" {
		t.Errorf("assets %+v", got.Assets)
	}
	if diff := cmp.Diff(want, settingsOf(update(BrandingInput{Settings: json.RawMessage(`{}`)}))); diff != "" {
		t.Errorf("settings after an update with {} (-want +got):\n%s", diff)
	}
	// An update names one source: defaults or settings (floci-io/floci#2869).
	for _, in := range []BrandingInput{{}, {Settings: json.RawMessage("null")},
		{Assets: []BrandingAsset{{Category: "FORM_LOGO", ColorMode: "LIGHT", Extension: "SVG", Bytes: svg("4")}}},
		{UseCognitoProvidedValues: true, Settings: json.RawMessage(`{}`)}} {
		if _, err := svc.UpdateManagedLoginBranding(ctx, p.ID, m.ID, in); err != errBrandingSource {
			t.Errorf("an update of %+v: %v; want %v", in, err, errBrandingSource)
		}
	}
	got = update(BrandingInput{UseCognitoProvidedValues: true})
	if !got.UseCognitoProvidedValues || got.Settings != nil || len(got.Assets) != 0 {
		t.Errorf("back to defaults: %+v", got)
	}
}
