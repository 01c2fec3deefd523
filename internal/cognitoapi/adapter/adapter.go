// Package adapter maps the generated Cognito wire shapes onto the domain
// (internal/idp): decode nothing, validate nothing (the generated layer did),
// call the domain once, shape the answer. One file per area.
package adapter

import (
	"time"

	"github.com/ninshou/ninshou/internal/awsjson"
	api "github.com/ninshou/ninshou/internal/cognitoapi"
	"github.com/ninshou/ninshou/internal/idp"
)

// Endpoints returns every operation Ninshou implements, by operation name.
func Endpoints(svc *idp.Service) map[string]awsjson.Endpoint {
	h := &handlers{svc: svc}
	m := map[string]awsjson.Endpoint{}
	h.registerAuth(m)
	h.registerUsers(m)
	h.registerPools(m)
	h.registerClients(m)
	h.registerDirectory(m)
	h.registerMFA(m)
	h.registerGroups(m)
	h.registerResourceServers(m)
	h.registerClientSecrets(m)
	h.registerDomains(m)
	h.registerIdentityProviders(m)
	h.registerRiskConfiguration(m)
	h.registerUICustomization(m)
	h.registerTerms(m)
	h.registerManagedLogin(m)
	h.registerLogDelivery(m)
	h.registerListUsers(m)
	h.registerWebAuthn(m)
	h.registerDevices(m)
	h.registerImportJobs(m)
	return m
}

type handlers struct {
	svc *idp.Service
}

func str(p *string) string { return api.ToString(p) }

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func ts(t time.Time) *api.Timestamp { return api.Time(t) }

func attributesIn(in []api.AttributeType) []idp.Attribute {
	out := make([]idp.Attribute, 0, len(in))
	for _, a := range in {
		out = append(out, idp.Attribute{Name: str(a.Name), Value: str(a.Value)})
	}
	return out
}

func attributesOut(in []idp.Attribute) []api.AttributeType {
	out := make([]api.AttributeType, 0, len(in))
	for _, a := range in {
		out = append(out, api.AttributeType{Name: api.String(a.Name), Value: api.String(a.Value)})
	}
	return out
}

// noOutput answers operations whose model has no output shape: "{}".
type noOutput struct{}

// orNil leaves an empty list out of a response, as Cognito does with a
// user's UserMFASettingList once every factor is off.
func orNil(xs []string) []string {
	if len(xs) == 0 {
		return nil
	}
	return xs
}
